import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderEvaluationHtml } from '../../../../main/evaluate/report-html';
import { IMPORTANCE_CHART_MAX } from '../../../../renderer/report/charts';
import { ReportBody } from '../../../../renderer/views/Evaluation/evaluation-view';
import {
  binaryReport,
  HOSTILE,
  multiclassReport,
  regressionReport,
} from '../../../fixtures/evaluation-reports';

/** The markup of one chart: `<svg … data-chart="name" …>…</svg>`. */
function chart(html: string, name: string): string {
  const m = new RegExp(`<svg[^>]*data-chart="${name}"[^>]*>[\\s\\S]*?</svg>`).exec(html);
  if (!m) throw new Error(`no ${name} chart`);
  return m[0];
}
const count = (text: string, re: RegExp) => [...text.matchAll(re)].length;
const sectionIds = (html: string) => [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
/** Text of the document with tags removed and entities decoded, roughly what a reader sees. */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

describe('escapeHtml', () => {
  it('escapes the five characters that can break out of text or a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(escapeHtml('plain text 1.5')).toBe('plain text 1.5');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('renderEvaluationHtml, binary', () => {
  const report = binaryReport();
  const html = renderEvaluationHtml(report);

  it('is one offline document: a CSP that forbids scripts, no script, no network address', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    );
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link\b|@import|url\(/i);
  });

  it('escapes every string from the report: a hostile class name stays text', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('churn &amp; &quot;friends&quot;');
    expect(html).toContain('south &amp; &quot;east&quot;');
    expect(html).toContain('plan&lt;x&gt;');
    expect(visible(html)).toContain(HOSTILE);
  });

  it('has the sections of a binary report in reading order', () => {
    expect(html).toContain('<header id="summary">');
    expect(sectionIds(html)).toEqual([
      'metrics',
      'charts',
      'per-class',
      'thresholds',
      'slices',
      'fairness',
      'importance',
      'cv',
      'learning-curve',
      'gates',
      'notes',
    ]);
  });

  it('shows the run, model version, dataset, split, rows and date in the header', () => {
    const header = /<header id="summary">[\s\S]*?<\/header>/.exec(html)![0];
    const text = visible(header);
    for (const s of [
      'churn & "friends"',
      'run-abc123',
      'churn v3',
      'customers@2',
      'test',
      '1,000',
      '2026-11-26T10:00:00.000Z',
    ])
      expect(text).toContain(s);
    expect(text).toContain('gates failed');
  });

  it('compares each metric with the baseline, the sign and colour following the metric direction', () => {
    const metrics = /<section id="metrics">[\s\S]*?<\/section>/.exec(html)![0];
    expect(metrics).toMatch(
      /roc_auc<\/span><\/td><td class="num">0\.91<\/td><td class="num">0\.5<\/td><td class="num"><span class="good">\+0\.41<\/span>/,
    );
    // log_loss went down from 0.5 to 0.31: a negative difference that is an improvement.
    expect(metrics).toMatch(/log_loss[\s\S]*?<span class="good">−0\.19<\/span>/);
  });

  it('draws the ROC with every point and the diagonal, PR with the prevalence line, calibration with the diagonal', () => {
    const roc = chart(html, 'roc');
    const points = /<polyline[^>]*data-series="roc"[^>]*points="([^"]+)"/.exec(roc)![1]!;
    expect(points.split(' ')).toHaveLength(report.curves.roc!.length);
    expect(roc).toContain('data-ref="chance"');

    const pr = chart(html, 'pr');
    expect(/data-series="pr"[^>]*points="([^"]+)"/.exec(pr)![1]!.split(' ')).toHaveLength(4);
    expect(pr).toContain('data-ref="prevalence"');
    expect(visible(pr)).toContain('prevalence 0.2');

    const cal = chart(html, 'calibration');
    expect(cal).toContain('data-ref="perfect"');
    expect(count(cal, /<circle class="dot"/g)).toBe(3);
  });

  it('draws one heatmap cell per confusion-matrix entry, with its count', () => {
    const cm = chart(html, 'confusion');
    expect(count(cm, /<rect class="cm-cell"/g)).toBe(4);
    for (const n of ['744', '56', '64', '136']) expect(cm).toMatch(new RegExp(`>${n}</text>`));
  });

  it('draws importance bars with ±std whiskers, learning curve points and fairness bars per rate', () => {
    const imp = chart(html, 'importance');
    expect(count(imp, /<rect class="bar"/g)).toBe(3);
    expect(count(imp, /<line class="whisker"/g)).toBe(9);
    expect(count(chart(html, 'learning-curve'), /<circle class="dot"/g)).toBe(3);
    expect(count(chart(html, 'fairness-0'), /<rect class="bar"/g)).toBe(2 * 4);
  });

  it('lists slices worst first and gates with observed vs threshold', () => {
    const slices = /<section id="slices">[\s\S]*?<\/section>/.exec(html)![0];
    const order = ['south &amp; &quot;east&quot;', 'north', '[30, 60)', '[18, 30)'].map((s) =>
      // Each label cell carries the raw segment as its title: match the cell's text.
      slices.indexOf(`>${s}</td>`),
    );
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const gates = /<section id="gates">[\s\S]*?<\/section>/.exec(html)![0];
    expect(count(gates, /badge pass/g)).toBe(1);
    expect(count(gates, /badge fail/g)).toBe(1);
    expect(visible(gates)).toMatch(/max_dpd\s+fail\s+0\.1\s+0\.05/);
  });

  it('explains the fairness measures in plain language', () => {
    const text = visible(/<section id="fairness">[\s\S]*?<\/section>/.exec(html)![0]);
    expect(text).toContain('fails the four-fifths rule');
    expect(text).toMatch(/25% of group “M” but 15% of group “F”/);
  });
});

describe('renderEvaluationHtml, multiclass and regression', () => {
  it('multiclass: an n×n heatmap, per-class rows, no binary curves or empty sections', () => {
    const html = renderEvaluationHtml(multiclassReport());
    expect(count(chart(html, 'confusion'), /<rect class="cm-cell"/g)).toBe(9);
    expect(html).not.toContain('data-chart="roc"');
    expect(count(/<section id="per-class">[\s\S]*?<\/section>/.exec(html)![0], /<tr>/g)).toBe(
      1 + 3,
    );
    expect(sectionIds(html)).toEqual(['metrics', 'charts', 'per-class', 'notes']);
    expect(html).toContain('fog &amp; mist');
    expect(html).toContain('no gate policy');
  });

  it('regression: residual bars, a predicted-vs-actual dot per pair with y = x, importance capped', () => {
    const report = regressionReport();
    const html = renderEvaluationHtml(report);
    expect(count(chart(html, 'residuals'), /<rect class="bar"/g)).toBe(5);
    const pva = chart(html, 'predicted-vs-actual');
    expect(count(pva, /<circle class="dot"/g)).toBe(25);
    expect(pva).toContain('data-ref="identity"');
    expect(count(chart(html, 'importance'), /<rect class="bar"/g)).toBe(IMPORTANCE_CHART_MAX);
    expect(html).not.toContain('data-chart="confusion"');
    expect(html).toMatch(/rmse[\s\S]*?<span class="good">−3\.7<\/span>/);
    expect(html).toContain('all gates passed');
  });

  it("marks a skipped gate as skipped with its reason: another task's metric, no champion yet", () => {
    const html = renderEvaluationHtml({
      ...regressionReport(),
      passed: true,
      gates: [
        {
          gate: 'metric:roc_auc',
          description: 'roc_auc ≥ 0.8',
          observed: null,
          threshold: 0.8,
          passed: true,
          skipped: true,
          detail: "skipped: roc_auc is a binary/multiclass metric; this model's task is regression",
        },
        {
          gate: 'champion:bootstrap',
          description: 'not significantly worse than the champion on mae',
          observed: null,
          threshold: 0.05,
          passed: true,
          skipped: true,
          detail: 'no champion yet: passes, nothing to compare',
        },
      ],
    });
    const gates = /<section id="gates">[\s\S]*?<\/section>/.exec(html)![0];
    expect(count(gates, /badge neutral">skipped</g)).toBe(2);
    expect(count(gates, /badge (pass|fail)"/g)).toBe(0);
    expect(visible(gates)).toContain('no champion yet: passes, nothing to compare');
  });
});

describe('renderEvaluationHtml and the Evaluation view draw one report', () => {
  const names = (html: string, re: RegExp) => [...html.matchAll(re)].map((m) => m[1]);

  it.each([
    [
      'binary',
      binaryReport(),
      ['roc', 'pr', 'calibration', 'confusion', 'importance', 'learning-curve', 'fairness-0'],
    ],
    ['multiclass', multiclassReport(), ['confusion']],
    ['regression', regressionReport(), ['residuals', 'predicted-vs-actual', 'importance']],
  ] as const)(
    '%s: every section and chart of the report, the same charts as the view',
    (_, report, charts) => {
      const html = renderEvaluationHtml(report);
      expect(names(html, /<svg[^>]*data-chart="([^"]+)"/g).sort()).toEqual([...charts].sort());
      const view = renderToStaticMarkup(createElement(ReportBody, { report }));
      const inView = names(view, /<svg[^>]*data-testid="eval-chart-([^"]+)"/g);
      const inHtml = names(html, /<svg[^>]*data-testid="eval-chart-([^"]+)"/g);
      expect(inHtml).toEqual(inView);
      expect(inHtml).toHaveLength(charts.length);
      // The view frames the same sections as panels; the file adds only its header.
      const sections = names(html, /<section id="([^"]+)"/g);
      expect(count(view, /<section class="panel/g)).toBe(1 + sections.length);
    },
  );

  it('opens offline under its CSP: the policy is the only source list, and nothing would need it', () => {
    for (const report of [binaryReport(), multiclassReport(), regressionReport()]) {
      const html = renderEvaluationHtml(report);
      const metas = [
        ...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/g),
      ];
      expect(metas).toHaveLength(1);
      const policy = new Map(
        metas[0]![1]!.split(';').map((d) => {
          const [name, ...sources] = d.trim().split(/\s+/);
          return [name!, sources] as const;
        }),
      );
      expect(policy.get('default-src')).toEqual(["'none'"]);
      expect([...policy.keys()].sort()).toEqual([
        'base-uri',
        'default-src',
        'form-action',
        'img-src',
        'style-src',
      ]);
      expect(policy.has('script-src')).toBe(false);
      // Nothing to load, run or navigate to: no script, handler, source, link or external address.
      expect(html).not.toMatch(/<script|<iframe|<object|<embed|<img|<link/i);
      expect(html).not.toMatch(/\son[a-z]+=/i);
      expect(html).not.toMatch(/\s(src|href|action|xlink:href)=/i);
      expect(html).not.toMatch(/(https?:|\/\/)[a-z0-9]/i);
    }
  });
});
