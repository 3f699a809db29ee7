/**
 * An evaluation report as one self-contained HTML file: inline CSS, charts drawn here as inline SVG, no
 * script and nothing fetched (its CSP forbids both), so it opens offline and can be mailed or archived.
 * Pure: takes the report, returns the text; the caller writes or serves it.
 */
import {
  extent,
  fairnessReadings,
  metricComparison,
  niceTicks,
  positivePrevalence,
  slicesWorstFirst,
  type EvaluationReport,
} from '../../shared/contract';
import { formatNumber, formatSigned } from '../../shared/format';

type Report = EvaluationReport;
type Pt = { x: number; y: number };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;

const fmt = formatNumber;
const signed = formatSigned;

function pct(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

// ---------- SVG ----------

const W = 420;
const H = 300;
const PAD = { left: 52, right: 14, top: 12, bottom: 40 };
const COLORS = ['#2f6fde', '#e07b24', '#1f9d63', '#7a4fd6', '#c8372d', '#0f8b8d', '#a15c00'];

interface Frame {
  px: (x: number) => number;
  py: (y: number) => number;
  open: string;
  close: string;
}

function frame(opts: {
  chart: string;
  label: string;
  x: [number, number];
  y: [number, number];
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** false for a categorical x axis, which labels its own bands. */
  xTicks?: boolean;
}): Frame {
  const w = opts.width ?? W;
  const h = opts.height ?? H;
  const [x0, x1] = opts.x;
  const [y0, y1] = opts.y;
  const px = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (w - PAD.left - PAD.right);
  const py = (y: number) =>
    h - PAD.bottom - ((y - y0) / (y1 - y0 || 1)) * (h - PAD.top - PAD.bottom);
  const grid = [
    ...(opts.xTicks === false ? [] : niceTicks(x0, x1)).map(
      (t) =>
        `<line class="grid" x1="${r(px(t))}" x2="${r(px(t))}" y1="${PAD.top}" y2="${h - PAD.bottom}"/>` +
        `<text class="tick" x="${r(px(t))}" y="${h - PAD.bottom + 14}" text-anchor="middle">${e(fmt(t))}</text>`,
    ),
    ...niceTicks(y0, y1).map(
      (t) =>
        `<line class="grid" x1="${PAD.left}" x2="${w - PAD.right}" y1="${r(py(t))}" y2="${r(py(t))}"/>` +
        `<text class="tick" x="${PAD.left - 6}" y="${r(py(t)) + 3}" text-anchor="end">${e(fmt(t))}</text>`,
    ),
  ].join('');
  const axes =
    `<rect class="plot-area" x="${PAD.left}" y="${PAD.top}" width="${w - PAD.left - PAD.right}" height="${h - PAD.top - PAD.bottom}"/>` +
    `<text class="axis-label" x="${(PAD.left + w - PAD.right) / 2}" y="${h - 6}" text-anchor="middle">${e(opts.xLabel)}</text>` +
    `<text class="axis-label" transform="translate(12 ${(PAD.top + h - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${e(opts.yLabel)}</text>`;
  return {
    px,
    py,
    open: `<svg class="chart" data-chart="${e(opts.chart)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${e(opts.label)}">${grid}${axes}`,
    close: '</svg>',
  };
}

function r(n: number): number {
  return Math.round(n * 10) / 10;
}

function polyline(f: Frame, pts: Pt[], series: string, color: string, cls = 'series'): string {
  const points = pts.map((p) => `${r(f.px(p.x))},${r(f.py(p.y))}`).join(' ');
  return `<polyline class="${cls}" data-series="${e(series)}" points="${points}" stroke="${color}"/>`;
}

function refLine(f: Frame, a: Pt, b: Pt, name: string): string {
  return `<line class="ref" data-ref="${e(name)}" x1="${r(f.px(a.x))}" y1="${r(f.py(a.y))}" x2="${r(f.px(b.x))}" y2="${r(f.py(b.y))}"/>`;
}

function figure(title: string, svg: string, caption = '', after = ''): string {
  const head =
    title || caption
      ? `<figcaption>${e(title)}${caption ? ` <span class="muted">${e(caption)}</span>` : ''}</figcaption>`
      : '';
  return `<figure>${head}${svg}${after}</figure>`;
}

function rocChart(report: Report): string {
  const roc = report.curves.roc;
  if (!roc?.length) return '';
  const f = frame({
    chart: 'roc',
    label: 'ROC curve',
    x: [0, 1],
    y: [0, 1],
    xLabel: 'false positive rate',
    yLabel: 'true positive rate',
  });
  const auc = report.metrics.roc_auc;
  return figure(
    'ROC curve',
    f.open +
      refLine(f, { x: 0, y: 0 }, { x: 1, y: 1 }, 'chance') +
      polyline(f, roc, 'roc', COLORS[0]!) +
      f.close,
    auc !== undefined && auc !== null ? `AUC ${fmt(auc)}` : '',
  );
}

function prChart(report: Report): string {
  const pr = report.curves.pr;
  if (!pr?.length) return '';
  const f = frame({
    chart: 'pr',
    label: 'Precision-recall curve',
    x: [0, 1],
    y: [0, 1],
    xLabel: 'recall',
    yLabel: 'precision',
  });
  const prevalence = positivePrevalence(report);
  const base =
    prevalence === null
      ? ''
      : refLine(f, { x: 0, y: prevalence }, { x: 1, y: prevalence }, 'prevalence') +
        `<text class="ref-label" x="${r(f.px(1)) - 4}" y="${r(f.py(prevalence)) - 4}" text-anchor="end">prevalence ${e(fmt(prevalence))}</text>`;
  const auc = report.metrics.pr_auc;
  return figure(
    'Precision–recall curve',
    f.open + base + polyline(f, pr, 'pr', COLORS[1]!) + f.close,
    auc !== undefined && auc !== null ? `AUC ${fmt(auc)}` : '',
  );
}

function calibrationChart(report: Report): string {
  const bins = report.curves.calibration;
  if (!bins?.length) return '';
  const f = frame({
    chart: 'calibration',
    label: 'Calibration',
    x: [0, 1],
    y: [0, 1],
    xLabel: 'mean predicted probability',
    yLabel: 'fraction positive',
  });
  const pts = bins.map((b) => ({ x: b.meanPredicted, y: b.fractionPositive }));
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const dots = bins
    .map(
      (b) =>
        `<circle class="dot" cx="${r(f.px(b.meanPredicted))}" cy="${r(f.py(b.fractionPositive))}" r="${r(2.5 + 3.5 * Math.sqrt(b.count / maxCount))}" fill="${COLORS[2]}"><title>${e(`${fmt(b.count)} rows: predicted ${fmt(b.meanPredicted)}, observed ${fmt(b.fractionPositive)}`)}</title></circle>`,
    )
    .join('');
  return figure(
    'Calibration',
    f.open +
      refLine(f, { x: 0, y: 0 }, { x: 1, y: 1 }, 'perfect') +
      polyline(f, pts, 'calibration', COLORS[2]!) +
      dots +
      f.close,
    'dot size: rows in the bin',
  );
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function confusionChart(report: Report): string {
  const cm = report.confusionMatrix;
  if (!cm?.length) return '';
  const n = cm.length;
  const cell = Math.max(22, Math.min(64, Math.floor(360 / n)));
  const left = 110;
  const top = 12;
  const w = left + n * cell + 12;
  const h = top + n * cell + 66;
  const label = (i: number) => report.classes[i] ?? String(i);
  const cells = cm
    .flatMap((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      return row.map((count, j) => {
        const share = total > 0 ? count / total : 0;
        const dark = share > 0.55;
        return (
          `<rect class="cm-cell" data-actual="${i}" data-predicted="${j}" x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${heat(share, i === j)}"><title>${e(`actual ${label(i)}, predicted ${label(j)}: ${fmt(count)} (${pct(share)} of the row)`)}</title></rect>` +
          (cell >= 26
            ? `<text class="cm-count${dark ? ' on-dark' : ''}" x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle">${e(fmt(count))}</text>`
            : '')
        );
      });
    })
    .join('');
  const rowLabels = cm
    .map(
      (_, i) =>
        `<text class="tick" x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${e(truncate(label(i), 16))}<title>${e(label(i))}</title></text>`,
    )
    .join('');
  const colLabels = cm
    .map(
      (_, j) =>
        `<text class="tick" transform="translate(${left + j * cell + cell / 2} ${top + n * cell + 10}) rotate(35)" text-anchor="start">${e(truncate(label(j), 12))}<title>${e(label(j))}</title></text>`,
    )
    .join('');
  const svg =
    `<svg class="chart" data-chart="confusion" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="Confusion matrix">` +
    cells +
    rowLabels +
    colLabels +
    `<text class="axis-label" x="${left + (n * cell) / 2}" y="${h - 4}" text-anchor="middle">predicted</text>` +
    `<text class="axis-label" transform="translate(12 ${top + (n * cell) / 2}) rotate(-90)" text-anchor="middle">actual</text></svg>`;
  return figure('Confusion matrix', svg, 'shade: share of the actual class');
}

/** Blue on the diagonal (right), orange off it (wrong), stronger with the row share. */
function heat(share: number, diagonal: boolean): string {
  const a = Math.round((0.06 + 0.84 * Math.min(1, share)) * 100) / 100;
  return diagonal ? `rgba(47,111,222,${a})` : `rgba(224,123,36,${a})`;
}

function residualChart(report: Report): string {
  const bins = report.curves.residuals;
  if (!bins?.length) return '';
  const f = frame({
    chart: 'residuals',
    label: 'Residual histogram',
    x: [Math.min(...bins.map((b) => b.lo)), Math.max(...bins.map((b) => b.hi))],
    y: [0, Math.max(1, ...bins.map((b) => b.count)) * 1.05],
    xLabel: 'residual',
    yLabel: 'rows',
  });
  const bars = bins
    .map((b) => {
      const x = f.px(b.lo);
      const width = Math.max(0.5, f.px(b.hi) - x - 1);
      return `<rect class="bar" x="${r(x)}" y="${r(f.py(b.count))}" width="${r(width)}" height="${r(f.py(0) - f.py(b.count))}" fill="${COLORS[0]}"><title>${e(`[${fmt(b.lo)}, ${fmt(b.hi)}): ${fmt(b.count)}`)}</title></rect>`;
    })
    .join('');
  return figure('Residuals', f.open + bars + f.close);
}

function predictedActualChart(report: Report): string {
  const pairs = report.curves.predictedVsActual;
  if (!pairs?.length) return '';
  const [lo, hi] = extent(pairs.flatMap((p) => [p.predicted, p.actual]));
  const f = frame({
    chart: 'predicted-vs-actual',
    label: 'Predicted vs actual',
    x: [lo, hi],
    y: [lo, hi],
    xLabel: 'actual',
    yLabel: 'predicted',
  });
  const dots = pairs
    .map(
      (p) =>
        `<circle class="dot" cx="${r(f.px(p.actual))}" cy="${r(f.py(p.predicted))}" r="2.2" fill="${COLORS[0]}"/>`,
    )
    .join('');
  return figure(
    'Predicted vs actual',
    f.open + refLine(f, { x: lo, y: lo }, { x: hi, y: hi }, 'identity') + dots + f.close,
    `${fmt(pairs.length)} sampled rows; on the line is exact`,
  );
}

/** The columns drawn in the importance chart (the table lists them all). */
export const IMPORTANCE_CHART_MAX = 20;

function importanceChart(report: Report): string {
  const items = report.importance.slice(0, IMPORTANCE_CHART_MAX);
  if (items.length === 0) return '';
  const row = 20;
  const left = 150;
  const w = 560;
  const h = PAD.top + items.length * row + 34;
  const [lo, hi] = extent([0, ...items.flatMap((i) => [i.mean - i.std, i.mean + i.std])], 0.02);
  const px = (v: number) => left + ((v - lo) / (hi - lo)) * (w - left - PAD.right);
  const body = items
    .map((it, k) => {
      const y = PAD.top + k * row;
      const x0 = Math.min(px(0), px(it.mean));
      const x1 = Math.max(px(0), px(it.mean));
      const cy = y + row / 2;
      return (
        `<text class="tick" x="${left - 6}" y="${cy + 4}" text-anchor="end">${e(truncate(it.column, 22))}<title>${e(it.column)}</title></text>` +
        `<rect class="bar" x="${r(x0)}" y="${y + 4}" width="${r(Math.max(0.5, x1 - x0))}" height="${row - 8}" fill="${COLORS[3]}"><title>${e(`${it.column}: ${fmt(it.mean)} ± ${fmt(it.std)}`)}</title></rect>` +
        `<line class="whisker" x1="${r(px(it.mean - it.std))}" x2="${r(px(it.mean + it.std))}" y1="${cy}" y2="${cy}"/>` +
        `<line class="whisker" x1="${r(px(it.mean - it.std))}" x2="${r(px(it.mean - it.std))}" y1="${cy - 4}" y2="${cy + 4}"/>` +
        `<line class="whisker" x1="${r(px(it.mean + it.std))}" x2="${r(px(it.mean + it.std))}" y1="${cy - 4}" y2="${cy + 4}"/>`
      );
    })
    .join('');
  const axisY = PAD.top + items.length * row;
  const ticks = niceTicks(lo, hi, 5)
    .map(
      (t) =>
        `<line class="grid" x1="${r(px(t))}" x2="${r(px(t))}" y1="${PAD.top}" y2="${axisY}"/><text class="tick" x="${r(px(t))}" y="${axisY + 14}" text-anchor="middle">${e(fmt(t))}</text>`,
    )
    .join('');
  const svg =
    `<svg class="chart" data-chart="importance" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="Permutation importance">` +
    ticks +
    `<line class="zero" x1="${r(px(0))}" x2="${r(px(0))}" y1="${PAD.top}" y2="${axisY}"/>` +
    body +
    `<text class="axis-label" x="${(left + w) / 2}" y="${h - 4}" text-anchor="middle">drop in score when the column is shuffled (± std over repeats)</text></svg>`;
  return figure(
    '',
    svg,
    report.importance.length > items.length
      ? `top ${items.length} of ${report.importance.length}`
      : '',
  );
}

function learningCurveChart(report: Report): string {
  const lc = report.learningCurve?.filter((p) => p.value !== null) ?? [];
  if (lc.length === 0) return '';
  const metrics = [...new Set(lc.map((p) => p.metric))];
  const f = frame({
    chart: 'learning-curve',
    label: 'Learning curve',
    x: extent(lc.map((p) => p.rows)),
    y: extent(lc.map((p) => p.value!)),
    xLabel: 'training rows',
    yLabel: metrics.join(', '),
  });
  const body = metrics
    .map((m, k) => {
      const pts = lc
        .filter((p) => p.metric === m)
        .sort((a, b) => a.rows - b.rows)
        .map((p) => ({ x: p.rows, y: p.value! }));
      const color = COLORS[k % COLORS.length]!;
      return (
        polyline(f, pts, m, color) +
        pts
          .map(
            (p) =>
              `<circle class="dot" cx="${r(f.px(p.x))}" cy="${r(f.py(p.y))}" r="3" fill="${color}"/>`,
          )
          .join('')
      );
    })
    .join('');
  return figure('', f.open + body + f.close, metrics.join(', '));
}

const FAIRNESS_RATES = [
  ['selectionRate', 'selection rate'],
  ['truePositiveRate', 'true positive rate'],
  ['falsePositiveRate', 'false positive rate'],
  ['accuracy', 'accuracy'],
] as const;

function fairnessChart(f: Report['fairness'][number], index: number): string {
  if (f.groups.length === 0) return '';
  const groupW = Math.max(60, Math.min(120, Math.floor(480 / f.groups.length)));
  const w = PAD.left + f.groups.length * groupW + PAD.right;
  const h = 240;
  const fr = frame({
    chart: `fairness-${index}`,
    label: `Rates by ${f.column}`,
    x: [0, f.groups.length],
    y: [0, 1],
    xLabel: f.column,
    yLabel: 'rate',
    width: w,
    height: h,
    xTicks: false,
  });
  const barW = (groupW - 16) / FAIRNESS_RATES.length;
  const bars = f.groups
    .map((g, gi) => {
      const x = fr.px(gi) + 8;
      return (
        FAIRNESS_RATES.map(([key, name], k) => {
          const v = g[key];
          if (v === null) return '';
          return `<rect class="bar" data-rate="${key}" x="${r(x + k * barW)}" y="${r(fr.py(v))}" width="${r(barW - 1)}" height="${r(fr.py(0) - fr.py(v))}" fill="${COLORS[k]}"><title>${e(`${g.group}: ${name} ${fmt(v)}`)}</title></rect>`;
        }).join('') +
        `<text class="tick" x="${r(fr.px(gi + 0.5))}" y="${h - PAD.bottom + 26}" text-anchor="middle">${e(truncate(g.group, 14))}<title>${e(g.group)}</title></text>`
      );
    })
    .join('');
  const legend = FAIRNESS_RATES.map(
    ([, name], k) => `<span class="key"><i style="background:${COLORS[k]}"></i>${e(name)}</span>`,
  ).join('');
  return figure(
    `Rates by ${f.column}`,
    fr.open + bars + fr.close,
    '',
    `<div class="legend">${legend}</div>`,
  );
}

// ---------- sections ----------

function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="num"' : ''}>${e(h)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function section(id: string, title: string, body: string): string {
  return body ? `<section id="${id}"><h2>${e(title)}</h2>${body}</section>` : '';
}

function headerSection(report: Report): string {
  const facts: [string, string][] = [
    ['Run', `${e(report.runName)} <span class="mono muted">${e(report.runId)}</span>`],
    ['Model version', report.model ? e(`${report.model.name} v${report.model.version}`) : '—'],
    ['Task', e(report.task)],
    ['Dataset', `<span class="mono">${e(report.dataset)}</span>`],
    ['Split', e(report.split)],
    ['Rows', e(fmt(report.rows))],
    ['Evaluated', e(report.createdAt)],
    ['Report', `<span class="mono">${e(report.id)}</span>`],
  ];
  const verdict =
    report.passed === null
      ? '<span class="badge neutral">no gate policy</span>'
      : report.passed
        ? '<span class="badge pass">all gates passed</span>'
        : '<span class="badge fail">gates failed</span>';
  return (
    `<header id="summary"><h1>Evaluation of ${e(report.runName)} ${verdict}</h1>` +
    `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${v}</dd></div>`).join('')}</dl></header>`
  );
}

function metricsSection(report: Report): string {
  const rows = metricComparison(report).map((m) => [
    `<span class="mono">${e(m.name)}</span>`,
    e(fmt(m.value)),
    e(fmt(m.baseline)),
    `<span class="${m.better === null ? '' : m.better ? 'good' : 'bad'}">${e(signed(m.diff))}</span>`,
  ]);
  if (rows.length === 0) return '';
  return (
    `<p class="muted">Baseline: ${e(report.baseline.kind)}, scored on the same rows. Green: the model beats it.</p>` +
    table(['metric', 'model', 'baseline', 'difference'], rows, [false, true, true, true])
  );
}

function perClassSection(report: Report): string {
  if (report.perClass.length === 0) return '';
  const rows = report.perClass.map((c) => [
    e(c.class),
    e(fmt(c.precision)),
    e(fmt(c.recall)),
    e(fmt(c.f1)),
    e(fmt(c.support)),
    e(fmt(c.rocAuc)),
    e(fmt(c.prAuc)),
  ]);
  return table(['class', 'precision', 'recall', 'f1', 'support', 'ROC AUC', 'PR AUC'], rows, [
    false,
    true,
    true,
    true,
    true,
    true,
    true,
  ]);
}

function thresholdsSection(report: Report): string {
  const t = report.thresholds;
  if (!t) return '';
  const label: Record<string, string> = { default: 'default (0.5)', maxF1: 'best F1' };
  const rows = Object.entries(t).map(([name, v]) => [
    e(label[name] ?? name),
    e(fmt(v.threshold)),
    e(fmt(v.precision)),
    e(fmt(v.recall)),
    e(fmt(v.f1)),
  ]);
  return table(['choice', 'threshold', 'precision', 'recall', 'f1'], rows, [
    false,
    true,
    true,
    true,
    true,
  ]);
}

function slicesSection(report: Report): string {
  if (report.slices.length === 0) return '';
  const rows = slicesWorstFirst(report.slices).map((s) => [
    `<span class="mono">${e(s.column)}</span>`,
    e(s.segment),
    e(fmt(s.count)),
    `<span class="mono">${e(s.metric)}</span>`,
    e(fmt(s.value)),
    `<span class="${s.delta !== null && s.delta < 0 ? 'bad' : ''}">${e(signed(s.delta))}</span>`,
  ]);
  return (
    '<p class="muted">Segments where the model does worst, compared with its overall score (negative is worse).</p>' +
    table(['column', 'segment', 'rows', 'metric', 'value', 'vs overall'], rows, [
      false,
      false,
      true,
      false,
      true,
      true,
    ])
  );
}

function fairnessSection(report: Report): string {
  return report.fairness
    .map((f, i) => {
      const groups = table(
        ['group', 'rows', 'selection rate', 'TPR', 'FPR', 'accuracy'],
        f.groups.map((g) => [
          e(g.group),
          e(fmt(g.count)),
          e(fmt(g.selectionRate)),
          e(fmt(g.truePositiveRate)),
          e(fmt(g.falsePositiveRate)),
          e(fmt(g.accuracy)),
        ]),
        [false, true, true, true, true, true],
      );
      const readings = fairnessReadings(f)
        .map(
          (m) =>
            `<li class="${m.concern ? 'bad' : ''}"><strong>${e(m.label)}: ${e(fmt(m.value))}</strong> — ${e(m.reading)}</li>`,
        )
        .join('');
      return (
        `<h3>${e(f.column)}${f.positiveClass !== null ? ` <span class="muted">favourable: ${e(f.positiveClass)}</span>` : ''}</h3>` +
        `<div class="split">${groups}${fairnessChart(f, i)}</div><ul class="readings">${readings}</ul>`
      );
    })
    .join('');
}

function importanceSection(report: Report): string {
  if (report.importance.length === 0) return '';
  return (
    importanceChart(report) +
    table(
      ['column', 'importance', 'std'],
      report.importance.map((i) => [
        `<span class="mono">${e(i.column)}</span>`,
        e(fmt(i.mean)),
        e(fmt(i.std)),
      ]),
      [false, true, true],
    )
  );
}

function cvSection(report: Report): string {
  const cv = report.cv;
  if (!cv) return '';
  const rows = Object.entries(cv.summary)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => [`<span class="mono">${e(name)}</span>`, e(fmt(s.mean)), e(fmt(s.std))]);
  return (
    `<p class="muted">${e(fmt(cv.folds))}-fold cross-validation <span class="mono">${e(cv.runId)}</span>; this run is one fold.</p>` +
    table(['metric', 'mean', 'std'], rows, [false, true, true])
  );
}

function gatesSection(report: Report): string {
  if (report.gates.length === 0) return '';
  return table(
    ['gate', 'result', 'observed', 'threshold', 'description'],
    report.gates.map((g) => [
      `<span class="mono">${e(g.gate)}</span>`,
      g.passed ? '<span class="badge pass">pass</span>' : '<span class="badge fail">fail</span>',
      e(fmt(g.observed)),
      e(fmt(g.threshold)),
      e(g.description) + (g.detail ? ` <span class="muted">${e(g.detail)}</span>` : ''),
    ]),
    [false, false, true, true, false],
  );
}

function notesSection(report: Report): string {
  if (report.notes.length === 0) return '';
  return `<ul class="notes">${report.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS = `
:root{--text:#1b1f27;--muted:#6b7483;--border:#e2e5ea;--accent:#2f6fde;--ok:#1a7f52;--bad:#c8372d}
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:var(--text);font:13px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:24px}
header,section{background:#fff;border:1px solid var(--border);border-radius:8px;padding:16px 18px;margin-bottom:16px}
h1{font-size:19px;margin:0 0 12px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
h2{font-size:14px;margin:0 0 10px}
h3{font-size:13px;margin:16px 0 8px}
.mono{font-family:ui-monospace,'SF Mono',Menlo,Consolas,'Liberation Mono',monospace;font-size:12px}
.muted{color:var(--muted);font-weight:400}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:6px 18px;margin:0}
.facts dt{color:var(--muted);font-size:11.5px}.facts dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin:6px 0}
th{text-align:left;font-size:11.5px;color:var(--muted);font-weight:600;border-bottom:1px solid var(--border);padding:5px 8px}
td{padding:5px 8px;border-bottom:1px solid #eef0f3;overflow-wrap:anywhere}
.num{text-align:right}
.good{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11px;font-weight:600}
.pass{background:#e7f5ee;color:var(--ok)}.fail{background:#fdeeec;color:var(--bad)}.neutral{background:#eef0f4;color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}
.chart{max-width:100%;height:auto;display:block}
.chart text{font-size:10.5px;fill:#5b6472}.chart .axis-label{font-size:11px;fill:#4a5260}
.chart .grid{stroke:#eef0f4}.chart .plot-area{fill:none;stroke:#cfd4dc}
.chart .series{fill:none;stroke-width:2}.chart .ref{stroke:#8a93a3;stroke-dasharray:4 4}
.chart .whisker{stroke:#1b1f27;stroke-width:1}.chart .zero{stroke:#8a93a3}
.chart .cm-count{fill:#1b1f27;font-size:11px}.chart .cm-count.on-dark{fill:#fff}
.chart .ref-label{fill:#6b7483}
.split{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;align-items:start}
.legend{display:flex;gap:12px;flex-wrap:wrap;font-size:11.5px;color:var(--muted)}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.readings li,.notes li{margin:4px 0}
footer{color:var(--muted);font-size:11.5px;text-align:center;margin:8px 0 24px}
@media (max-width:760px){.split{grid-template-columns:1fr}}
@media print{body{background:#fff}header,section{break-inside:avoid;border-color:#ccc}}
`;

/** The whole report as one HTML document that needs nothing else to open. */
export function renderEvaluationHtml(report: EvaluationReport): string {
  const curves = [
    rocChart(report),
    prChart(report),
    calibrationChart(report),
    confusionChart(report),
    residualChart(report),
    predictedActualChart(report),
  ].filter(Boolean);
  const body = [
    headerSection(report),
    section('metrics', 'Key metrics vs baseline', metricsSection(report)),
    section(
      'charts',
      'Charts',
      curves.length ? `<div class="charts">${curves.join('')}</div>` : '',
    ),
    section('per-class', 'Per class', perClassSection(report)),
    section('thresholds', 'Decision thresholds', thresholdsSection(report)),
    section('slices', 'Slices, worst first', slicesSection(report)),
    section('fairness', 'Fairness', fairnessSection(report)),
    section('importance', 'Permutation importance', importanceSection(report)),
    section('cv', 'Cross-validation', cvSection(report)),
    section('learning-curve', 'Learning curve', learningCurveChart(report)),
    section('gates', 'Gates', gatesSection(report)),
    section('notes', 'Notes', notesSection(report)),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`Evaluation · ${report.runName} · ${report.dataset}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
<footer>Lathe evaluation report ${e(report.id)}</footer>
</main>
</body>
</html>
`;
}
