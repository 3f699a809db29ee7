// Every HTML Lathe writes or renders from user strings, opened in Chromium with an XSS corpus in every
// string: the evaluation report, the drift page, and a model card through the app's Markdown renderer.
// Two layers, each checked on its own:
// - escaping: the page loaded with its CSP removed runs no payload and has no element or attribute a
//   payload could have made;
// - the CSP: the page as written carries a policy under which even an injected inline script does not run.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DriftOut,
  EvaluationReport,
  type ModelCard,
  type ModelVersion,
} from '../../../shared/contract';
import { renderEvaluationHtml, REPORT_CSP } from '../../../main/evaluate/report-html';
import { DRIFT_CSP, renderDriftHtml } from '../../../main/monitor/drift-html';
import { cardMarkdown } from '../../../main/registry/model-card';
import { Markdown } from '../../../renderer/views/Models/markdown';
import {
  binaryReport,
  multiclassReport,
  regressionReport,
} from '../../fixtures/evaluation-reports';

/** Each payload, if it ever runs, sets window.__xss (or opens a dialog). */
export const XSS_CORPUS = [
  `<script>window.__xss='p0'</script>`,
  `"><img src=x onerror="window.__xss='p1'">`,
  `'><svg onload="window.__xss='p2'"></svg>`,
  `javascript:window.__xss='p3'`,
  `</title><script>window.__xss='p4'</script>`,
  `</style><script>window.__xss='p5'</script>`,
  `<iframe srcdoc="<script>parent.__xss='p6'</script>"></iframe>`,
  `[click](javascript:window.__xss='p7') <a href="javascript:window.__xss='p7'">x</a>`,
  `]]><script>window.__xss='p8'</script>`,
  `<meta http-equiv="refresh" content="0;url=javascript:window.__xss='p9'">`,
  `<img src=x onerror=alert(10)>`,
  `<base href="javascript:/"><form action="javascript:window.__xss='p11'"><button>x</button></form>`,
  `\u2028<script>window.__xss='p12'</script>`,
  `<details open ontoggle="window.__xss='p13'">`,
  `**<b onmouseover="window.__xss='p14'">bold</b>** \`<script>window.__xss='p14'</script>\``,
  `<object data="javascript:window.__xss='p15'"></object><embed src="javascript:window.__xss='p15'">`,
  `<style>@import 'http://127.0.0.1:1/x.css';</style><link rel=stylesheet href=http://127.0.0.1:1/y.css>`,
  `&lt;script&gt;window.__xss='p17'&lt;/script&gt;`,
];

/** The object with every string (and record key) replaced by a payload, except the keys in `keep`. */
function poison<T>(value: T, keep: Set<string>): T {
  let n = 0;
  const next = (s: string) => `${s}${XSS_CORPUS[n++ % XSS_CORPUS.length]}`;
  const fields = (v: unknown, key: string): unknown => {
    if (keep.has(key)) return v;
    if (typeof v === 'string') return next(v);
    if (Array.isArray(v)) return v.map((x) => fields(x, key));
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) =>
          // A record keyed by user strings (metric names) gets its keys poisoned as well.
          RECORDS.has(k) && x && typeof x === 'object' && !Array.isArray(x)
            ? [
                k,
                Object.fromEntries(
                  Object.entries(x as Record<string, unknown>).map(([rk, rx]) => [
                    next(rk),
                    fields(rx, rk),
                  ]),
                ),
              ]
            : [k, fields(x, k)],
        ),
      );
    return v;
  };
  return fields(value, '') as T;
}
/** Fields whose value is a record keyed by user strings (metric names, per-class maps). */
const RECORDS = new Set(['metrics', 'summary', 'params']);

const stripCsp = (html: string) =>
  html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/g, '');

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
});

interface Loaded {
  flag: unknown;
  dialogs: string[];
  requests: string[];
  /** Elements and attributes only a payload could have made. */
  dangerous: string[];
  consoleCsp: number;
  /** What a reader sees. */
  text: string;
}

/** Loads `html` as a page (blocking every request off the page), waits for load, reads what ran. */
async function load(html: string): Promise<Loaded> {
  const context = await browser.newContext();
  const page: Page = await context.newPage();
  const dialogs: string[] = [];
  const requests: string[] = [];
  let consoleCsp = 0;
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) consoleCsp++;
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url === 'http://lathe.test/report.html')
      return route.fulfill({ status: 200, contentType: 'text/html', body: html });
    requests.push(url);
    return route.abort();
  });
  try {
    await page.goto('http://lathe.test/report.html', { waitUntil: 'load' });
    // Any event-handler payload (onerror of a broken image, onload, ontoggle) fires by load; a
    // microtask-queued one runs before this evaluate is answered.
    const flag = await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss);
    const dangerous = await page.evaluate(() => {
      const found: string[] = [];
      for (const el of Array.from(document.querySelectorAll('*'))) {
        const tag = el.tagName.toLowerCase();
        if (['script', 'iframe', 'object', 'embed', 'base', 'form', 'link', 'img'].includes(tag))
          found.push(`<${tag}>`);
        if (tag === 'meta' && el.getAttribute('http-equiv')?.toLowerCase() === 'refresh')
          found.push('<meta refresh>');
        if (tag === 'style' && el.parentElement?.tagName.toLowerCase() !== 'head')
          found.push('<style> in body');
        for (const attr of Array.from(el.attributes)) {
          if (/^on/i.test(attr.name)) found.push(`${tag}[${attr.name}]`);
          if (/^\s*javascript:/i.test(attr.value)) found.push(`${tag}[${attr.name}=javascript:]`);
        }
      }
      return found;
    });
    const text = await page.evaluate(() => document.body.innerText);
    return { flag, dialogs, requests, dangerous, consoleCsp, text };
  } finally {
    await context.close();
  }
}

function expectInert(result: Loaded): void {
  expect(result.flag, 'a payload ran').toBeUndefined();
  expect(result.dialogs, 'a payload opened a dialog').toEqual([]);
  expect(result.dangerous, 'markup from a payload').toEqual([]);
  expect(result.requests, 'a payload fetched something').toEqual([]);
}

/** Payload text a reader must still see as text, proving the strings were shown, not dropped. */
const VISIBLE = `window.__xss='p0'`;

describe('the evaluation report HTML', () => {
  const keep = new Set(['task', 'split']);
  const reports = [binaryReport(), multiclassReport(), regressionReport()].map((r) =>
    EvaluationReport.parse(poison(r, keep)),
  );

  it('escapes every user string: no payload runs even with the CSP taken out', async () => {
    for (const report of reports) {
      const html = renderEvaluationHtml(report);
      expect(html).toContain(VISIBLE.replace(/'/g, '&#x27;').slice(0, 10));
      expectInert(await load(stripCsp(html)));
    }
  });

  it('carries a CSP under which even an inline script injected into it does not run', async () => {
    const html = renderEvaluationHtml(reports[0]!);
    expect(html).toContain(`content="${REPORT_CSP}"`);
    const injected = html.replace('<body>', `<body><script>window.__xss='csp'</script>`);
    const r = await load(injected);
    expect(r.flag).toBeUndefined();
    expect(r.consoleCsp).toBeGreaterThan(0);
  });
});

function driftFixture(): DriftOut {
  const numeric = {
    kind: 'numeric' as const,
    edges: [0, 1, 2, 3],
    counts: [5, 6, 7],
  };
  const categorical = {
    kind: 'categorical' as const,
    categories: ['a', 'b', '(other)'],
    counts: [3, 2, 1],
  };
  const feature = (name: string, dist: typeof numeric | typeof categorical) => ({
    feature: name,
    kind: dist.kind,
    method: dist.kind === 'numeric' ? ('wasserstein' as const) : ('jensenshannon' as const),
    statistic: 0.3,
    threshold: 0.1,
    drifted: true,
    currentRows: 10,
    currentNullRate: 0,
    reference: dist,
    current: { ...dist, counts: dist.counts.map((c) => c + 1) },
  });
  return DriftOut.parse({
    model: 'churn',
    version: 2,
    reference: { rows: 100, exact: true },
    current: { kind: 'captured', source: 'last 7 days', rows: 10 },
    datasetDrift: true,
    driftShare: 1,
    shareThreshold: 0.5,
    features: [feature('age', numeric), feature('plan', categorical)],
    prediction: feature('prediction', categorical),
    windows: [
      {
        start: '2026-11-01 00:00:00',
        end: '2026-11-02 00:00:00',
        rows: 10,
        datasetDrift: true,
        driftShare: 1,
        features: [{ feature: 'age', statistic: 0.3, drifted: true }],
      },
    ],
    durationMs: 5,
  });
}

describe('the drift HTML page', () => {
  it('escapes every user string: no payload runs even with the CSP taken out', async () => {
    // kind and method are enums the contract checks; everything else is a user's string.
    const d = DriftOut.parse(poison(driftFixture(), new Set(['kind', 'method'])));
    const html = renderDriftHtml(d);
    expectInert(await load(stripCsp(html)));
  });

  it('carries a CSP under which even an inline script injected into it does not run', async () => {
    const html = renderDriftHtml(driftFixture());
    expect(html).toContain(`content="${DRIFT_CSP}"`);
    const r = await load(html.replace('<body>', `<body><script>window.__xss='csp'</script>`));
    expect(r.flag).toBeUndefined();
    expect(r.consoleCsp).toBeGreaterThan(0);
  });
});

describe('a model card through the app Markdown renderer', () => {
  it('renders names, metrics, lineage and user sections with raw HTML as text', async () => {
    const version = poison(
      {
        id: 'v1',
        model: 'churn',
        version: 3,
        runId: 'run1',
        stage: 'staging',
        aliases: ['champion'],
        signature: {
          inputs: [{ name: 'age', type: 'number', kind: 'numeric' }],
          output: { task: 'binary', target: 'churned', classes: ['no', 'yes'] },
        },
        lineage: {
          runId: 'run1',
          runName: 'first',
          experiment: 'exp',
          dataset: 'customers',
          datasetVersion: 1,
          datasetHash: 'abc',
          configHash: 'cfg',
          featureSpecHash: null,
          gitCommit: 'deadbeef',
        },
        source: { kind: 'run' },
        metrics: { accuracy: 0.9 },
        createdAt: '2026-11-01T00:00:00.000Z',
        createdBy: 'ada',
      },
      new Set(['task', 'kind', 'stage']),
    ) as unknown as ModelVersion;
    const card: ModelCard = {
      intendedUse: XSS_CORPUS.join('\n\n'),
      trainingData: XSS_CORPUS.map((p) => `- ${p}`).join('\n'),
      metrics: [
        '| metric | value |',
        '| --- | --- |',
        ...XSS_CORPUS.map((p) => `| ${p} | 1 |`),
      ].join('\n'),
      fairness: XSS_CORPUS.map((p) => `# ${p}`).join('\n'),
      limitations: XSS_CORPUS.join(' '),
      sections: XSS_CORPUS.map((p) => ({ title: p, body: p })),
    };
    // The exported file: no raw HTML any Markdown viewer could render, no script-scheme link.
    const exported = cardMarkdown(version, card);
    expect(exported).not.toMatch(/[<>]/);
    // Every [ is backslash-escaped, so no link, whatever its scheme, can form.
    expect(exported.replace(/\\\\/g, '')).not.toMatch(/(^|[^\\])\[/);
    const markup = renderToStaticMarkup(
      createElement(Markdown, { source: cardMarkdown(version, card) }),
    );
    expect(markup).toContain('&lt;script&gt;');
    const result = await load(
      `<!doctype html><html><head><title>card</title></head><body>${markup}</body></html>`,
    );
    expectInert(result);
    // The app shows the user's text as written (the entities decoded back), not mangled.
    expect(result.text).toContain(`<script>window.__xss='p0'</script>`);
    expect(result.text).toContain(`javascript:window.__xss='p3'`);
    expect(result.text).toContain('[click](javascript:window.');
  });
});
