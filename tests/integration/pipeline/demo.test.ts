// The tour `lathe demo` runs: the pipeline shipped in resources/pipelines, on the flights sample at a reduced
// size, end to end through the validating dispatcher. Every step succeeds and every view of the app has
// content afterwards (datasets with a quarantine, runs and a search, an evaluation with slices, a champion,
// scored batches with captured and labelled rows, drift, performance and a fired alert); a second run skips
// every step.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { demoPipelineFile, flightsFile } from '../../../main/cli/demo';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-demo-pipeline-');
let services: Services;
const { call, failure } = contractClient(() => services);

const scores = join(t.dir, 'scores');
const SET = [
  `data=${flightsFile()}`,
  `out=${scores}`,
  'rows=4000',
  'monthRows=1500',
  'trees=10',
  'searchTrees=6',
  'trials=2',
  'minAuc=0.5',
];
const STEPS = [
  'flights',
  'april',
  'may',
  'june',
  'checked',
  'baseline',
  'search',
  'evaluate',
  'gate',
  'register',
  'score',
  'watch',
];

async function runDemo(): Promise<PipelineRun> {
  const { id } = await call('pipeline:start', {
    file: demoPipelineFile(),
    set: SET,
    trigger: 'demo',
  });
  return call('pipeline:wait', { id });
}

/** Each step's status, and its error when it has one: a failing step says why in the assertion. */
const statuses = (r: PipelineRun) =>
  Object.fromEntries(r.steps.map((s) => [s.id, s.error ? `${s.status}: ${s.error}` : s.status]));

let first: PipelineRun;

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  first = await runDemo();
}, 240_000);
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('the demo pipeline', () => {
  it('runs every step of the tour', () => {
    expect(statuses(first)).toEqual(Object.fromEntries(STEPS.map((id) => [id, 'succeeded'])));
    expect(first).toMatchObject({ status: 'succeeded', pipeline: 'flights-demo', trigger: 'demo' });
  });

  it('runs independent steps at once where cores allow (the four imports read nothing)', () => {
    if (availableParallelism() < 2) return;
    const imports = first.steps
      .filter((s) => ['flights', 'april', 'may', 'june'].includes(s.id))
      .map((s) => ({ from: Date.parse(s.startedAt!), to: Date.parse(s.endedAt!) }));
    const overlapping = imports.some((a, i) =>
      imports.some((b, j) => i !== j && a.from < b.to && b.from < a.to),
    );
    expect(overlapping).toBe(true);
  });

  it('leaves datasets, a quarantine, a baseline and a search in the Data and Experiments views', async () => {
    const names = (await call('data:list', {})).map((d) => d.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'flights_q1',
        'flights_q1_clean',
        'flights_q1_quarantine',
        'flights_2001_04',
        'flights_2001_05',
        'flights_2001_06',
      ]),
    );
    const runs = await call('runs:list', {});
    expect(runs.find((r) => r.name === 'baseline')).toMatchObject({ status: 'finished' });
    const byId = Object.fromEntries(first.steps.map((s) => [s.id, s]));
    // The search's parent and its two trials, besides the baseline.
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(byId.search!.message).toMatch(/^searched 2 trials under run /);
  });

  it('evaluates the best trial with slices, registers it as champion', async () => {
    const byId = Object.fromEntries(first.steps.map((s) => [s.id, s]));
    const champion = await call('models:version', { ref: 'flight-delays@champion' });
    expect(champion.runId).toBe(byId.search!.outputs!.run);
    const evaluations = await call('eval:list', {});
    const evaluation = evaluations.find((e) => e.id === byId.evaluate!.outputs!.evaluation);
    expect(evaluation?.slices.map((s) => s.column)).toEqual(
      expect.arrayContaining(['origin', 'hour']),
    );
    expect(evaluation?.metrics.roc_auc).toBeGreaterThan(0.5);
  });

  it('scores April to June from their dataset steps, captured by flight id and labelled', async () => {
    const batches = await call('predict:batches', { ref: 'flight-delays' });
    expect(batches).toHaveLength(3);
    for (const month of ['04', '05', '06'])
      expect(existsSync(join(scores, `2001-${month}.parquet`))).toBe(true);
    const captures = await call('monitor:captures', { model: 'flight-delays' });
    expect(captures.versions[0]!.rows).toBe(3 * 1500);
    const watch = first.steps.find((s) => s.id === 'watch')!;
    expect(watch.message).toContain('flights_2001_04@1: 1,500 labels, 1,500 matched, 0 unmatched');
    const performance = await call('monitor:performance', { ref: 'flight-delays', window: 'week' });
    expect(performance.windows.reduce((n, w) => n + w.labelled, 0)).toBe(3 * 1500);
    expect(performance.windows.some((w) => w.metrics.roc_auc !== undefined)).toBe(true);
  });

  it('reports drift (the months the model never saw) and the alert it fires', async () => {
    const drift = await call('monitor:drift', { ref: 'flight-delays' });
    expect(drift.features.find((f) => f.feature === 'month')?.drifted).toBe(true);
    const alerts = await call('monitor:alerts', { model: 'flight-delays' });
    expect(alerts.map((a) => a.rule)).toContain('flight-delays-drift');
    const rules = await call('monitor:rules:get', {});
    expect(rules.rules.rules.map((r) => r.name)).toEqual(
      expect.arrayContaining(['flight-delays-drift', 'flight-delays-auc']),
    );
  });

  it('skips every step the second time, making nothing new', async () => {
    const before = {
      runs: (await call('runs:list', {})).length,
      batches: (await call('predict:batches', { ref: 'flight-delays' })).length,
      evaluations: (await call('eval:list', {})).length,
    };
    const second = await runDemo();
    expect(statuses(second)).toEqual(Object.fromEntries(STEPS.map((id) => [id, 'cached'])));
    expect(second.steps.every((s) => s.cachedFrom === first.id)).toBe(true);
    expect({
      runs: (await call('runs:list', {})).length,
      batches: (await call('predict:batches', { ref: 'flight-delays' })).length,
      evaluations: (await call('eval:list', {})).length,
    }).toEqual(before);
    const history = await call('pipeline:runs', { pipeline: 'flights-demo' });
    expect(history.map((r) => r.trigger)).toEqual(['demo', 'demo']);
  }, 60_000);

  it('keeps the shipped pipeline read-only from the app', async () => {
    const { text } = await call('pipeline:file:get', { file: demoPipelineFile() });
    const err = await failure('pipeline:file:save', { file: demoPipelineFile(), text: `${text}#` });
    expect(err.message).toContain('ships with Lathe');
    expect(readFileSync(demoPipelineFile(), 'utf8')).toBe(text);
  });
});
