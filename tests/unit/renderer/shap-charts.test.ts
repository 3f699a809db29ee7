import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { renderEvaluationHtml, REPORT_CSP } from '../../../main/evaluate/report-html';
import { SHAP_TOP, stepColor, swarmOffsets, valueStep } from '../../../renderer/report/shap-charts';
import { ReportBody } from '../../../renderer/views/Evaluation/evaluation-view';
import { binaryReport, HOSTILE, multiclassReport } from '../../fixtures/evaluation-reports';
import { explanationsFixture } from '../../fixtures/shap-explanations';

/** The markup of one chart: `<svg … data-chart="name" …>…</svg>`. */
function chart(html: string, name: string): string {
  const m = new RegExp(`<svg[^>]*data-chart="${name}"[^>]*>[\\s\\S]*?</svg>`).exec(html);
  if (!m) throw new Error(`no ${name} chart`);
  return m[0];
}
const count = (text: string, re: RegExp) => [...text.matchAll(re)].length;
const attr = (svg: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(svg)?.[1];
const view = (report: ReturnType<typeof binaryReport>) =>
  renderToStaticMarkup(createElement(ReportBody, { report }));

describe('TreeSHAP in the HTML report', () => {
  const e = explanationsFixture({
    features: 6,
    stored: 40,
    names: [HOSTILE, 'b', 'c', 'd', 'e', 'f'],
  });
  const html = renderEvaluationHtml(binaryReport({ explanations: e }));

  it('draws mean |SHAP| bars and a beeswarm with a dot per stored row and input, offline', () => {
    expect(html).toContain('<section id="explanations">');
    const bars = chart(html, 'shap-bars');
    expect(attr(bars, 'data-rows')).toBe('6');
    expect(count(bars, /class="bar"/g)).toBe(6);
    const swarm = chart(html, 'shap-beeswarm');
    expect(count(swarm, /data-points="40"/g)).toBe(6);
    // Every dot is one zero-length segment: 6 inputs × 40 rows.
    expect(count(swarm, /h0/g)).toBe(6 * 40);
    expect(swarm).toContain(`SHAP value (log-odds of “yes”)`);
    expect(html).toContain('data-testid="eval-shap-legend"');
    expect(html).toContain('2,000 of 10,000 rows (a seeded sample)');
    // Still one offline file: the CSP, no script, the hostile input name as text.
    expect(html).toContain(`content="${REPORT_CSP}"`);
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('colours a value by its step low→high, missing values grey, a categorical input dark grey', () => {
    const swarm = chart(html, 'shap-beeswarm');
    const row = (name: string) =>
      new RegExp(`<g data-feature="${name}"[^>]*>[\\s\\S]*?</g>`).exec(swarm)![0];
    // Input "c" is categorical: its dots are the category colour or missing grey, never the scale.
    expect(row('c')).not.toContain(stepColor(0));
    expect(row('c')).toContain('#5b6472');
    expect(row('b')).toContain('#a9b0bb');
    expect(row('b')).toContain(stepColor(0));
    expect(row('b')).toContain(stepColor(10));
  });

  it('past the top 20 inputs: the rest folded in <details> on the same axes', () => {
    const wide = renderEvaluationHtml(
      binaryReport({ explanations: explanationsFixture({ features: 32 }) }),
    );
    expect(attr(chart(wide, 'shap-bars'), 'data-rows')).toBe(String(SHAP_TOP));
    expect(attr(chart(wide, 'shap-beeswarm'), 'data-rows')).toBe(String(SHAP_TOP));
    expect(attr(chart(wide, 'shap-beeswarm-rest'), 'data-rows')).toBe('12');
    expect(attr(chart(wide, 'shap-bars-rest'), 'data-rows')).toBe('12');
    expect(wide).toContain('<summary>The other 12 inputs</summary>');
    // The same x axis above and below the fold: the ticks match.
    const ticks = (svg: string) =>
      [...svg.matchAll(/class="tick" x="([^"]+)" y="[^"]+" text-anchor="middle">([^<]+)</g)].map(
        (m) => `${m[1]}:${m[2]}`,
      );
    expect(ticks(chart(wide, 'shap-beeswarm-rest'))).toEqual(ticks(chart(wide, 'shap-beeswarm')));
  });

  it('multiclass: bars stacked by class with a legend, a beeswarm per class', () => {
    const m = explanationsFixture({ features: 5, outputs: ['setosa', 'versicolor', 'virginica'] });
    const out = renderEvaluationHtml({ ...multiclassReport(), explanations: m });
    expect(count(chart(out, 'shap-bars'), /class="bar"/g)).toBe(5 * 3);
    expect(out).toContain('data-testid="eval-shap-classes"');
    expect(attr(chart(out, 'shap-beeswarm'), 'data-output')).toBe('setosa');
    expect(attr(chart(out, 'shap-beeswarm-1'), 'data-output')).toBe('versicolor');
    expect(attr(chart(out, 'shap-beeswarm-2'), 'data-output')).toBe('virginica');
    expect(out).toContain('Beeswarm for “virginica”');
  });

  it('a report without explanations has no such section', () => {
    const plain = renderEvaluationHtml(binaryReport());
    expect(plain).not.toContain('id="explanations"');
    expect(plain).not.toContain('data-chart="shap-');
    expect(plain).not.toContain('eval-shap-legend');
  });

  it('stays small: 30 inputs × 3 classes × 333 rows is under 1.5 MB of HTML', () => {
    const big = explanationsFixture({ features: 30, outputs: ['a', 'b', 'c'], stored: 333 });
    const out = renderEvaluationHtml({ ...multiclassReport(), explanations: big });
    expect(out.length).toBeLessThan(1_500_000);
  });
});

describe('TreeSHAP in the Evaluation view', () => {
  it('bars beside a beeswarm, top 20 with a "show all" button, a class picker for multiclass', () => {
    const html = view(
      binaryReport({
        explanations: explanationsFixture({ features: 31, outputs: ['a', 'b', 'c'] }),
      }),
    );
    expect(html).toContain('data-testid="eval-shap"');
    expect(attr(chart(html, 'shap-bars'), 'data-rows')).toBe('20');
    expect(attr(chart(html, 'shap-beeswarm'), 'data-rows')).toBe('20');
    expect(html).toMatch(/data-testid="eval-shap-show-all"[^>]*>Show all 31 inputs</);
    expect(count(html, /<option /g)).toBe(3);
    expect(html).not.toContain('<details');
  });

  it('no button for 20 inputs or fewer, no picker for one output', () => {
    const html = view(binaryReport({ explanations: explanationsFixture({ features: 8 }) }));
    expect(html).not.toContain('eval-shap-show-all');
    expect(html).not.toContain('eval-shap-class');
    expect(attr(chart(html, 'shap-bars'), 'data-rows')).toBe('8');
  });
});

describe('beeswarm geometry', () => {
  it('stacks dots that share a spot outwards and keeps them inside the row', () => {
    const xs = [10, 10.5, 11, 11.2, 50, 10.1, 10.3];
    const dy = swarmOffsets(xs, 3.2, 9);
    expect(dy[4]).toBe(0);
    expect(new Set(dy.slice(0, 4)).size).toBe(4);
    expect(dy.every((d) => Math.abs(d) <= 9)).toBe(true);
    // Hundreds at one spot fold back within the row rather than spilling over.
    expect(swarmOffsets(Array<number>(500).fill(3), 3.2, 9).every((d) => Math.abs(d) <= 9)).toBe(
      true,
    );
    expect(swarmOffsets(xs, 3.2, 9)).toEqual(dy);
  });

  it('maps a value into its range by steps, clamped; missing or no range is null', () => {
    expect(valueStep(0, [0, 10])).toBe(0);
    expect(valueStep(10, [0, 10])).toBe(10);
    expect(valueStep(5, [0, 10])).toBe(5);
    expect(valueStep(-3, [0, 10])).toBe(0);
    expect(valueStep(99, [0, 10])).toBe(10);
    expect(valueStep(4, [4, 4])).toBe(5);
    expect(valueStep(null, [0, 10])).toBeNull();
    expect(valueStep(1, null)).toBeNull();
    expect(stepColor(0)).toBe('rgb(0,139,251)');
    expect(stepColor(10)).toBe('rgb(255,0,82)');
  });
});
