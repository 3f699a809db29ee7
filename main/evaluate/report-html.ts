/**
 * An evaluation report as one self-contained HTML file: inline CSS, the report body the Evaluation view
 * also shows (renderer/report/, React rendered to static markup here) with its charts as inline SVG, no
 * script and nothing fetched (its CSP forbids both), so it opens offline and can be mailed or archived.
 * Pure: takes the report, returns the text; the caller writes or serves it.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { EvaluationReport } from '../../shared/contract';
import { ReportDocument } from '../../renderer/report/report-document';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** No script, nothing fetched, no form, no base: only the inline style the page carries. */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
:root{--text:#1b1f27;--muted:#6b7483;--border:#e2e5ea;--accent:#2f6fde;--ok:#1a7f52;--bad:#c8372d}
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:var(--text);font:13px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:24px}
header,section{background:#fff;border:1px solid var(--border);border-radius:8px;padding:16px 18px;margin-bottom:16px}
h1{font-size:19px;margin:0 0 12px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
h2{font-size:14px;margin:0 0 10px}
.mono{font-family:ui-monospace,'SF Mono',Menlo,Consolas,'Liberation Mono',monospace;font-size:12px}
.muted{color:var(--muted);font-weight:400}
.title-meta{color:var(--muted);font-weight:400;font-family:ui-monospace,'SF Mono',Menlo,Consolas,'Liberation Mono',monospace;font-size:11px;margin-left:10px}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:6px 18px;margin:0}
.facts dt{color:var(--muted);font-size:11.5px}.facts dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin:6px 0}
th{text-align:left;font-size:11.5px;color:var(--muted);font-weight:600;border-bottom:1px solid var(--border);padding:5px 8px}
td{padding:5px 8px;border-bottom:1px solid #eef0f3;overflow-wrap:anywhere}
.num{text-align:right}
.good{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}
.eval-badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11px;font-weight:600}
.pass{background:#e7f5ee;color:var(--ok)}.fail{background:#fdeeec;color:var(--bad)}.neutral{background:#eef0f4;color:var(--muted)}
.eval-charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}
.eval-chart{max-width:100%;height:auto;display:block}
.eval-chart text{font-size:10.5px;fill:#5b6472}.eval-chart .axis-label{font-size:11px;fill:#4a5260}
.eval-chart .grid{stroke:#eef0f4}.eval-chart .plot-area{fill:none;stroke:#cfd4dc}
.eval-chart .series{fill:none;stroke-width:2}.eval-chart .ref{stroke:#8a93a3;stroke-dasharray:4 4}
.eval-chart .whisker{stroke:#1b1f27;stroke-width:1}.eval-chart .zero{stroke:#8a93a3}
.eval-chart .cm-count{fill:#1b1f27;font-size:11px}.eval-chart .cm-count.on-dark{fill:#fff}
.eval-chart .ref-label{fill:#6b7483}
.eval-split{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px;align-items:start}
.eval-legend{display:flex;gap:12px;flex-wrap:wrap;font-size:11.5px;color:var(--muted)}
.eval-legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.eval-readings li,.eval-notes li{margin:4px 0}
.shap-legend i.shap-step{margin-right:0;border-radius:0}.shap-class{margin-top:12px}
.shap-more summary{cursor:pointer;color:var(--muted);margin:6px 0}
footer{color:var(--muted);font-size:11.5px;text-align:center;margin:8px 0 24px}
@media (max-width:760px){.eval-split{grid-template-columns:1fr}}
@media print{body{background:#fff}header,section{break-inside:avoid;border-color:#ccc}}
`;

/** The whole report as one HTML document that needs nothing else to open. */
export function renderEvaluationHtml(report: EvaluationReport): string {
  const body = renderToStaticMarkup(createElement(ReportDocument, { report }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Evaluation · ${report.runName} · ${report.dataset}`)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
