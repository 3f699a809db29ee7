import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { IMPORTANCE_CHART_MAX } from '../../../renderer/report/charts';
import { ReportBody } from '../../../renderer/views/Evaluation/evaluation-view';
import {
  binaryReport,
  multiclassReport,
  regressionReport,
} from '../../fixtures/evaluation-reports';
import type { EvaluationReport } from '../../../shared/contract';

const render = (report: EvaluationReport) =>
  renderToStaticMarkup(createElement(ReportBody, { report }));

function chart(html: string, name: string): string {
  const m = new RegExp(`<svg[^>]*data-testid="eval-chart-${name}"[^>]*>[\\s\\S]*?</svg>`).exec(
    html,
  );
  if (!m) throw new Error(`no ${name} chart`);
  return m[0];
}
const count = (text: string, re: RegExp) => [...text.matchAll(re)].length;

describe('Evaluation view, rendered', () => {
  it('binary: curves with every point, heatmap cells, fairness, gates, download button', () => {
    const report = binaryReport();
    const html = render(report);
    const roc = chart(html, 'roc');
    expect(/data-series="roc"[^>]*points="([^"]+)"/.exec(roc)![1]!.split(' ')).toHaveLength(
      report.curves.roc!.length,
    );
    expect(roc).toContain('data-ref="chance"');
    expect(chart(html, 'pr')).toContain('data-ref="prevalence"');
    expect(chart(html, 'calibration')).toContain('data-ref="perfect"');
    expect(count(chart(html, 'confusion'), /class="cm-cell"/g)).toBe(4);
    expect(count(chart(html, 'importance'), /class="whisker"/g)).toBe(3 * 3);
    expect(count(chart(html, 'learning-curve'), /class="dot"/g)).toBe(3);
    expect(count(chart(html, 'fairness-sex'), /class="bar"/g)).toBe(8);
    expect(count(html, /data-measure=/g)).toBe(4);
    expect(html).toMatch(/data-gate="max_dpd" data-passed="false"/);
    expect(html).toContain('data-testid="eval-download-html"');
    expect(html).toContain('data-passed="false"');
    // React escapes text: the hostile class name is shown, never parsed as markup.
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
  });

  it('multiclass: a 3×3 heatmap and no binary-only panels', () => {
    const html = render(multiclassReport());
    expect(count(chart(html, 'confusion'), /class="cm-cell"/g)).toBe(9);
    expect(html).not.toContain('eval-chart-roc');
    expect(html).not.toContain('data-testid="eval-thresholds"');
    expect(html).not.toContain('data-testid="eval-fairness"');
    expect(html).toContain('no gate policy');
    expect(html).toContain('data-testid="eval-notes"');
  });

  it('regression: residual bars, a dot per sampled pair, importance chart capped', () => {
    const html = render(regressionReport());
    expect(count(chart(html, 'residuals'), /class="bar"/g)).toBe(5);
    const pva = chart(html, 'predicted-vs-actual');
    expect(count(pva, /class="dot"/g)).toBe(25);
    expect(pva).toContain('data-ref="identity"');
    expect(count(chart(html, 'importance'), /class="bar"/g)).toBe(IMPORTANCE_CHART_MAX);
    expect(count(html, /<tr><td class="mono">f\d+<\/td>/g)).toBe(24);
    expect(html).not.toContain('eval-chart-confusion');
  });
});
