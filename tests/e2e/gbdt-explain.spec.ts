import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { contractClient } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { EvaluationPage } from './pages/evaluation-page';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { RunPage } from './pages/run-page';

let session: BrowserSession;
let page: Page;
let url: string;
let runId = '';
let classes: string[] = [];

/** 22 made-up numeric columns beside penguins' own: more model inputs than the charts' top 20. */
const EXTRA = Array.from(
  { length: 22 },
  (_, i) => `("Body Mass (g)" * ${i + 3} + "Flipper Length (mm)") % ${31 + i} AS extra_${i}`,
).join(', ');
/** The trained model's inputs (model/gbdt.json's features). */
let inputs = 0;

describe('explanations of a gradient-boosted run', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-gbdt-explain-', async (services) => {
      const { call } = contractClient(() => services);
      await call('data:importQuery', {
        name: 'wide',
        sql: `SELECT Species, Island, "Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)",
          "Body Mass (g)", ${EXTRA} FROM read_json('${vega('penguins.json')}')
          WHERE "Body Mass (g)" IS NOT NULL`,
      });
      const run = await call('train:run', {
        config: {
          dataset: 'wide',
          target: 'Species',
          task: 'multiclass',
          model: { type: 'gbdt', trees: 15, maxDepth: 3, learningRate: 0.3, threads: 1 },
          training: { validationFraction: 0.25 },
          split: { testFraction: 0.3 },
          seed: 3,
        },
      });
      runId = run.id;
      const model = await call('runs:artifact', {
        id: run.id,
        path: 'model/gbdt.json',
        content: true,
      });
      inputs = (
        JSON.parse(Buffer.from(model.contentBase64 ?? '', 'base64').toString('utf8')) as {
          features: string[];
        }
      ).features.length;
    });
    expect(inputs).toBeGreaterThan(20);
    ({ page, url } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('the run page shows importance by gain, and by split count at a click', async () => {
    const rp = new RunPage(page);
    await rp.openRun(url, runId);
    const chart = rp.byTestId('run-importance-chart');
    await chart.waitFor();
    const out = await rp.invoke('runs:artifact', {
      id: runId,
      path: 'model/importance.json',
      content: true,
    });
    const imp = JSON.parse(Buffer.from(out.contentBase64 ?? '', 'base64').toString('utf8')) as {
      gain: Record<string, number>;
      splits: Record<string, number>;
    };
    const top = (m: Record<string, number>) =>
      Object.entries(m).sort(
        (a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'en', { numeric: true }),
      )[0]![0];
    const firstBar = () => chart.locator('g[data-feature]').first().getAttribute('data-feature');

    expect(await chart.getAttribute('data-by')).toBe('gain');
    expect(await chart.getAttribute('data-rows')).toBe('20');
    expect(await firstBar()).toBe(top(imp.gain));
    expect(await rp.byTestId('run-importance-gain').getAttribute('aria-pressed')).toBe('true');

    await rp.byTestId('run-importance-splits').click();
    await expect.poll(() => chart.getAttribute('data-by')).toBe('splits');
    expect(await firstBar()).toBe(top(imp.splits));
    expect(await rp.byTestId('run-importance-splits').getAttribute('aria-pressed')).toBe('true');

    await rp.byTestId('run-importance-show-all').click();
    await expect.poll(() => chart.getAttribute('data-rows')).toBe(String(inputs));
  });

  it('Evaluate on the run page opens a report with mean |SHAP| bars and a beeswarm', async () => {
    const rp = new RunPage(page);
    await rp.openRun(url, runId);
    await rp.byTestId('evaluate-run').click();
    const ev = new EvaluationPage(page);
    await ev.byTestId('evaluation-report').waitFor();
    await ev.byTestId('eval-shap').waitFor();
    const id = decodeURIComponent(page.url().split('#/evaluations/')[1] ?? '');
    const report = await ev.invoke('eval:get', { id });
    classes = report.classes;
    const e = report.explanations!;
    expect(e.outputs).toEqual(classes);
    expect(e.features).toHaveLength(inputs);

    const bars = ev.chart('shap-bars');
    const swarm = ev.chart('shap-beeswarm');
    expect(await bars.getAttribute('data-rows')).toBe('20');
    expect(await swarm.getAttribute('data-rows')).toBe('20');
    // Bars are stacked by class, in the report's ranking.
    expect(await bars.locator('g[data-feature]').first().getAttribute('data-feature')).toBe(
      e.features[0]!.feature,
    );
    expect(await bars.locator('rect.bar').count()).toBe(20 * classes.length);
    // A dot per stored row in every drawn input's row, and the axis says what it measures.
    const rows = swarm.locator('g[data-feature]');
    expect(await rows.count()).toBe(20);
    expect(await rows.first().getAttribute('data-points')).toBe(String(e.storedRows.length));
    expect(await swarm.locator('text.axis-label').textContent()).toContain(
      `SHAP value for “${classes[0]}”`,
    );
    expect(await ev.byTestId('eval-shap-legend').textContent()).toContain('low');
    expect(await ev.byTestId('eval-shap-caption').textContent()).toContain('Exact TreeSHAP');
  });

  it('the class picker redraws the beeswarm for another class; show all draws every input', async () => {
    const ev = new EvaluationPage(page);
    const swarm = ev.chart('shap-beeswarm');
    expect(await swarm.getAttribute('data-output')).toBe(classes[0]);
    await ev.byTestId('eval-shap-class').selectOption({ label: classes[2]! });
    await expect.poll(() => swarm.getAttribute('data-output')).toBe(classes[2]);
    expect(await swarm.locator('text.axis-label').textContent()).toContain(`“${classes[2]}”`);

    await ev.byTestId('eval-shap-show-all').click();
    await expect.poll(() => swarm.getAttribute('data-rows')).toBe(String(inputs));
    expect(await ev.chart('shap-bars').getAttribute('data-rows')).toBe(String(inputs));
    expect(await ev.byTestId('eval-shap-show-all').textContent()).toBe('Show the top 20');
  });
});
