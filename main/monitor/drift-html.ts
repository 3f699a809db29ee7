// The drift result as one standalone HTML page: no scripts, fonts or requests, no raw rows — per
// feature its method, statistic, verdict and the reference and current distributions as inline SVG.
import type { Distribution, DriftOut, FeatureDrift } from '../../shared/contract';
import { formatCount, formatNumber, formatPercent, formatRowRange } from '../../shared/format';

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const W = 360;
const H = 90;

/** Reference (grey) and current (blue) shares side by side per bin or category. */
function chart(ref: Distribution, cur: Distribution): string {
  const share = (counts: number[]) => {
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    return counts.map((c) => c / total);
  };
  const r = share(ref.counts);
  const c = share(cur.counts);
  const k = Math.max(r.length, c.length, 1);
  const top = Math.max(...r, ...c, 1e-9);
  const bw = W / k;
  const bar = (v: number, i: number, dx: number, cls: string) => {
    const h = (v / top) * (H - 14);
    return `<rect class="${cls}" x="${(i * bw + dx).toFixed(1)}" y="${(H - 14 - h).toFixed(1)}" width="${Math.max(0.5, bw / 2 - 1).toFixed(1)}" height="${h.toFixed(1)}"/>`;
  };
  const labels =
    ref.kind === 'numeric'
      ? `<text x="0" y="${H - 2}">${esc(formatNumber(ref.edges[0]))}</text><text x="${W}" y="${H - 2}" text-anchor="end">${esc(formatNumber(ref.edges[ref.edges.length - 1]))}</text>`
      : `<text x="0" y="${H - 2}">${esc(ref.categories.slice(0, 4).join(', '))}${ref.categories.length > 4 ? ', …' : ''}</text>`;
  const title =
    ref.kind === 'categorical'
      ? `<title>${esc(ref.categories.map((x, i) => `${x}: ${formatPercent(r[i] ?? 0)} → ${formatPercent(c[i] ?? 0)}`).join('\n'))}</title>`
      : '';
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">${title}${r.map((v, i) => bar(v, i, 0, 'r')).join('')}${c.map((v, i) => bar(v, i, bw / 2, 'c')).join('')}${labels}</svg>`;
}

function row(f: FeatureDrift): string {
  const verdict = f.drifted ? 'drift' : f.warn ? 'warn' : 'ok';
  return `<tr class="${verdict}"><td>${esc(f.feature)}</td><td>${f.kind}</td><td>${f.method}</td><td class="n">${esc(formatNumber(f.statistic))}</td><td class="n">${f.pValue === undefined ? '' : esc(formatNumber(f.pValue))}</td><td class="n">${esc(formatNumber(f.threshold))}</td><td><b>${verdict}</b></td><td class="n">${esc(formatPercent(f.currentNullRate))}</td><td>${chart(f.reference, f.current)}</td></tr>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#1d1d1f}table{border-collapse:collapse}
td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:middle}.n{text-align:right}
tr.drift b{color:#b3261e}tr.warn b{color:#b26a00}tr.ok b{color:#1e7d32}rect.r{fill:#9aa0a6}rect.c{fill:#1a73e8}
svg text{font-size:10px;fill:#555}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}`;

/** No script, nothing fetched, no form, no base: only the inline style the page carries. */
export const DRIFT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The page of a drift result. */
export function renderDriftHtml(d: DriftOut): string {
  const title = `Drift of ${d.model}@${d.version}`;
  const features = [...d.features, ...(d.prediction ? [d.prediction] : [])];
  const byRows = d.windows.some((w) => w.firstRow !== undefined);
  const windows = d.windows.length
    ? `<h2>Windows</h2><table><tr>${byRows ? '<th>rows (from 0)</th>' : ''}<th>start</th><th>end</th><th>rows</th><th>drift share</th><th>dataset drift</th></tr>${d.windows
        .map(
          (w) =>
            `<tr>${byRows ? `<td class="n">${w.firstRow === undefined ? '' : esc(formatRowRange(w.firstRow, w.rows))}</td>` : ''}<td>${esc(w.start)}</td><td>${esc(w.end)}</td><td class="n">${esc(formatCount(w.rows))}</td><td class="n">${esc(formatPercent(w.driftShare))}</td><td>${w.datasetDrift ? 'yes' : 'no'}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${DRIFT_CSP}"><title>${esc(title)}</title><style>${STYLE}</style></head><body>
<h1>${esc(title)}</h1>
<p>Current: ${esc(d.current.kind)} ${esc(d.current.source)}, ${esc(formatCount(d.current.rows))} rows; reference: ${esc(formatCount(d.reference.rows))} rows${d.reference.exact ? ' (exact tests)' : ''}.</p>
<p><b>${d.datasetDrift ? 'Dataset drift' : 'No dataset drift'}</b>: ${esc(formatPercent(d.driftShare))} of features drifted (threshold ${esc(formatPercent(d.shareThreshold))}).</p>
<p class="legend"><span style="background:#9aa0a6"></span>reference<span style="background:#1a73e8"></span>current</p>
<table><tr><th>feature</th><th>kind</th><th>method</th><th>statistic</th><th>p-value</th><th>threshold</th><th>verdict</th><th>current nulls</th><th>distribution</th></tr>
${features.map(row).join('\n')}</table>
${windows}
</body></html>
`;
}
