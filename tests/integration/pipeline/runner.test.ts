// Pipelines end to end through the validating dispatcher, on penguins: a run records every step with its
// key and outputs; a second run skips every step; a changed parameter reruns exactly the steps that read
// it; a failed run resumes from the failed step; a cancelled run leaves the workspace consistent.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-pipeline-');
let services: Services;
const { call, failure } = contractClient(() => services);

const PIPELINE = `# penguins from a CSV to a scored batch
name: penguins
params:
  trees: 10
  minAccuracy: 0.5
  scored: scored.parquet
steps:
  - id: raw
    type: import
    name: penguins_raw
    file: penguins.csv
  - id: clean
    type: validate
    from: raw
    onFail: quarantine
    suite:
      name: penguins
      expectations:
        - { type: null_rate, column: mass, max: 0 }
  - id: fit
    type: train
    from: clean
    config:
      target: species
      task: multiclass
      features: [island, beak_length, beak_depth, flipper, mass]
      model: { type: gbdt, trees: '\${params.trees}', maxDepth: 3, learningRate: 0.3 }
      seed: 7
  - id: judge
    type: evaluate
    from: fit
    importanceRepeats: 0
  - id: gate
    type: gate
    from: judge
    gates:
      metrics:
        - { metric: accuracy, min: '\${params.minAccuracy}' }
  - id: publish
    type: register
    from: fit
    gate: gate
    name: penguin-species
    alias: champion
  - id: score
    type: predict
    from: publish
    idColumn: id
    batches:
      - { input: batch.csv, output: '\${params.scored}' }
  - id: package
    type: export
    from: publish
    format: mlflow-model
    out: model-out
`;

const file = join(t.dir, 'pipeline.yaml');

async function writeCsv(path: string, where = 'TRUE'): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await c.run(
      `COPY (SELECT row_number() OVER () AS id, "Species" AS species, "Island" AS island,
        "Beak Length (mm)" AS beak_length, "Beak Depth (mm)" AS beak_depth,
        "Flipper Length (mm)" AS flipper, "Body Mass (g)" AS mass
        FROM read_json('${vega('penguins.json')}') WHERE "Species" IS NOT NULL AND ${where}) TO '${path}' (HEADER)`,
    );
  } finally {
    c.closeSync();
  }
}

const statuses = (r: PipelineRun) => Object.fromEntries(r.steps.map((s) => [s.id, s.status]));
const counts = async () => ({
  runs: (await call('runs:list', {})).length,
  versions: (await call('models:get', { ref: 'penguin-species' })).versions.length,
  evaluations: (await call('eval:list', {})).length,
});

let first: PipelineRun;

beforeAll(async () => {
  writeFileSync(file, PIPELINE);
  await writeCsv(join(t.dir, 'penguins.csv'));
  await writeCsv(join(t.dir, 'batch.csv'), '"Island" = \'Biscoe\'');
  // Two masses that are no number: the predict step says so (the column is read as text).
  const [header, ...lines] = readFileSync(join(t.dir, 'batch.csv'), 'utf8').trimEnd().split('\n');
  for (const k of [1, 3]) lines[k] = lines[k]!.replace(/,[^,]*$/, ',n/a');
  writeFileSync(join(t.dir, 'batch.csv'), `${[header, ...lines].join('\n')}\n`);
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  const events: PipelineRun[] = [];
  const off = services.bus.subscribe((f) => {
    if (f.event === 'pipeline:status') events.push(f.payload as PipelineRun);
  });
  try {
    first = await call('pipeline:run', { file });
  } finally {
    off();
  }
  // Followers see each step go running → succeeded, and the run end, in order.
  const trainStates = events.map((e) => e.steps.find((s) => s.id === 'fit')!.status);
  expect(trainStates).toContain('running');
  expect(trainStates.at(-1)).toBe('succeeded');
  expect(events.at(-1)!.status).toBe('succeeded');
}, 120_000);
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('a pipeline run', () => {
  it('runs every step in order and records its key and outputs', async () => {
    expect(first.status).toBe('succeeded');
    expect(first.steps.map((s) => s.id)).toEqual([
      'raw',
      'clean',
      'fit',
      'judge',
      'gate',
      'publish',
      'score',
      'package',
    ]);
    expect(Object.values(statuses(first)).every((s) => s === 'succeeded')).toBe(true);
    for (const s of first.steps) expect(s.key).toMatch(/^[0-9a-f]{64}$/);
    const byId = Object.fromEntries(first.steps.map((s) => [s.id, s]));
    expect(byId.raw!.outputs!.dataset).toBe('penguins_raw@1');
    const champion = await call('models:version', { ref: 'penguin-species@champion' });
    expect(byId.publish!.outputs!.model).toBe(`penguin-species@${champion.version}`);
    expect(champion.runId).toBe(byId.fit!.outputs!.run);
    expect(existsSync(join(t.dir, 'scored.parquet'))).toBe(true);
    expect(byId.score!.message).toContain(
      "; warning: scored.parquet: mass: 2 values are not a number (e.g. 'n/a'); scored as missing",
    );
    const batches = await call('predict:batches', { ref: 'penguin-species' });
    expect(batches).toHaveLength(1);
    // The run and the versions it read carry the pipeline run that made them in their lineage.
    const lineage = await call('lineage:get', { id: byId.fit!.outputs!.run! });
    const made = Object.fromEntries(lineage.nodes.map((n) => [n.label, n.pipeline?.step]));
    expect(made).toMatchObject({
      'penguins_raw@1': 'raw',
      [byId.clean!.outputs!.dataset!]: 'clean',
    });
    const runNode = lineage.nodes.find((n) => n.kind === 'run')!;
    expect(runNode.pipeline).toEqual({ run: first.id, name: 'penguins', step: 'fit' });
    const got = await call('pipeline:get', { id: first.id.slice(0, 8) });
    expect(JSON.stringify(got, null, 1)).toBe(JSON.stringify(first, null, 1));
    const [listed] = await call('pipeline:list', {});
    expect(listed).toMatchObject({ name: 'penguins', file, runs: 1, problem: null });
    expect(listed!.lastRun!.id).toBe(first.id);
  });

  it('skips every step on a second run, with the first run as their source', async () => {
    const before = await counts();
    const again = await call('pipeline:run', { file });
    expect(again.status).toBe('succeeded');
    expect(Object.values(statuses(again)).every((s) => s === 'cached')).toBe(true);
    expect(again.steps.every((s) => s.cachedFrom === first.id)).toBe(true);
    expect(again.steps.map((s) => s.key)).toEqual(first.steps.map((s) => s.key));
    expect(await counts()).toEqual(before);
  });

  it('reruns exactly the steps downstream of a changed parameter, as the dry run says', async () => {
    const plan = await call('pipeline:plan', { file, set: ['trees=12'] });
    const rerun = ['fit', 'judge', 'gate', 'publish', 'score', 'package'];
    expect(plan.steps.filter((s) => s.run).map((s) => s.id)).toEqual(rerun);
    expect(plan.steps.find((s) => s.id === 'fit')!.reasons[0]).toMatch(/^config changed/);
    const before = await counts();
    const r = await call('pipeline:run', { file, set: ['trees=12'] });
    expect(statuses(r)).toEqual({
      raw: 'cached',
      clean: 'cached',
      fit: 'succeeded',
      judge: 'succeeded',
      gate: 'succeeded',
      publish: 'succeeded',
      score: 'succeeded',
      package: 'succeeded',
    });
    expect(r.params.trees).toBe(12);
    // The export's folder, written by the first run, is replaced by the new version's whole.
    const mlmodel = readFileSync(join(t.dir, 'model-out', 'MLmodel'), 'utf8');
    expect(mlmodel).toContain(r.steps.find((s) => s.id === 'fit')!.outputs!.run!);
    expect(readdirSync(t.dir).filter((f) => f.includes('.lathe-'))).toEqual([]);
    const after = await counts();
    expect(after.runs).toBe(before.runs + 1);
    expect(after.versions).toBe(before.versions + 1);
  });

  it('stops at a failing step, skips what follows, and resumes from that step once the file is fixed', async () => {
    writeFileSync(file, PIPELINE.replace("min: '${params.minAccuracy}'", 'max: 0.01'));
    const before = await counts();
    const failed = await call('pipeline:run', { file, set: ['trees=13'] });
    expect(failed.status).toBe('failed');
    expect(failed.failedStep).toBe('gate');
    expect(failed.error).toContain('accuracy ≤ 0.01000');
    expect(statuses(failed)).toMatchObject({
      fit: 'succeeded',
      gate: 'failed',
      publish: 'skipped',
      score: 'skipped',
    });
    expect((await counts()).versions).toBe(before.versions);
    writeFileSync(file, PIPELINE);
    const resumed = await call('pipeline:resume', { id: failed.id });
    expect(resumed.resumeOf).toBe(failed.id);
    expect(resumed.set).toEqual(['trees=13']);
    expect(resumed.status).toBe('succeeded');
    expect(statuses(resumed)).toMatchObject({
      fit: 'cached',
      judge: 'cached',
      gate: 'succeeded',
      publish: 'succeeded',
      score: 'succeeded',
    });
    // Nothing before the failed step ran again: no new training, one new version.
    const after = await counts();
    expect(after.runs).toBe(before.runs + 1);
    expect(after.versions).toBe(before.versions + 1);
    expect((await failure('pipeline:resume', { id: resumed.id })).message).toContain('succeeded');
  });

  it('refuses a missing input file before running anything, naming the step and field', async () => {
    renameSync(join(t.dir, 'batch.csv'), join(t.dir, 'batch.moved'));
    try {
      const before = (await call('pipeline:runs', {})).length;
      const err = await failure('pipeline:run', { file, set: ['trees=15'] });
      expect(err.code).toBe('INVALID_CONFIG');
      expect(err.message).toContain("step 'score' batches[0].input: no file at");
      expect((await call('pipeline:runs', {})).length).toBe(before);
    } finally {
      renameSync(join(t.dir, 'batch.moved'), join(t.dir, 'batch.csv'));
    }
  });

  it('refuses a failing gate (onFail: stop) before registering anything', async () => {
    const before = await counts();
    const r = await call('pipeline:run', { file, set: ['minAccuracy=1', 'trees=14'] });
    expect(r.status).toBe('failed');
    expect(r.failedStep, r.error ?? '').toBe('gate');
    expect(statuses(r)).toMatchObject({ gate: 'failed', publish: 'skipped', score: 'skipped' });
    expect((await counts()).versions).toBe(before.versions);
  });

  it('cancels a running pipeline cleanly: the training ends cancelled, later steps skipped, the workspace verifies', async () => {
    let cancelled = false;
    const off = services.bus.subscribe((f) => {
      if (f.event !== 'pipeline:status' || cancelled) return;
      const run = f.payload as PipelineRun;
      const fit = run.steps.find((s) => s.id === 'fit')!;
      if (fit.status === 'running' && fit.message !== 'checking the cache') {
        cancelled = true;
        void call('pipeline:cancel', { id: run.id });
      }
    });
    let r: PipelineRun;
    try {
      r = await call('pipeline:run', { file, set: ['trees=3000'] });
    } finally {
      off();
    }
    expect(r.status).toBe('cancelled');
    expect(statuses(r)).toMatchObject({
      raw: 'cached',
      fit: 'cancelled',
      judge: 'skipped',
      score: 'skipped',
    });
    const verify = await call('workspace:verify', {});
    expect(verify.ok).toBe(true);
    expect((await call('pipeline:get', { id: r.id })).status).toBe('cancelled');
  });

  it('reads and writes only the files of pipelines it knows, keeping the text a save replaced', async () => {
    const other = join(t.dir, 'notes.txt');
    writeFileSync(other, 'private');
    expect((await failure('pipeline:file:get', { file: other })).message).toContain(
      'not a pipeline file this workspace knows',
    );
    expect((await failure('pipeline:file:save', { file: other, text: 'x' })).code).toBe(
      'INVALID_INPUT',
    );
    expect(readFileSync(other, 'utf8')).toBe('private');
    const { text } = await call('pipeline:file:get', { file });
    const saved = await call('pipeline:file:save', { file, text: `${text}\n# edited\n` });
    expect(saved.ok).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(`${text}\n# edited\n`);
    const bad = await call('pipeline:file:save', { file, text: 'name: [' });
    expect(bad.ok).toBe(false);
    expect(bad.issues[0]!.line).toBe(1);
    writeFileSync(file, PIPELINE);
  });

  it('checks a file and names the step, field and line of each problem', async () => {
    const bad = PIPELINE.replace(
      'from: fit\n    importanceRepeats',
      'from: fitt\n    importanceRepeats',
    );
    const out = await call('pipeline:check', { file, text: bad });
    expect(out.ok).toBe(false);
    const issue = out.issues.find((i) => i.step === 'judge')!;
    expect(issue.field).toBe('from');
    expect(issue.message).toContain("'fitt'");
    expect(bad.split('\n')[issue.line! - 1]).toContain('from: fitt');
    const good = await call('pipeline:check', { file });
    expect(good.ok).toBe(true);
    expect(good.steps.map((s) => s.level)).toEqual([0, 1, 2, 3, 4, 5, 6, 6]);
  });
});
