// The pipeline steps the runner test does not cover: an import of a glob of files, a transform, a tune
// whose best trial is registered, and a serve step whose server stands while it runs (cached) and is
// started again once stopped.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-pipeline-steps-');
let services: Services;
const { call } = contractClient(() => services);
const file = join(t.dir, 'pipeline.yaml');

const PIPELINE = `name: penguins-serve
steps:
  - id: parts
    type: import
    name: penguin_parts
    glob: parts/penguins-*.csv
  - id: heavy
    type: transform
    from: parts
    steps:
      - { type: filter, where: 'mass IS NOT NULL' }
  - id: search
    type: tune
    from: heavy
    config:
      target: species
      task: multiclass
      features: [island, flipper, mass]
      model: { type: gbdt, trees: 5, maxDepth: 3 }
      seed: 5
    search:
      strategy: random
      trials: 2
      metric: val_accuracy
      space:
        model.learningRate: { type: uniform, low: 0.1, high: 0.3 }
  - id: publish
    type: register
    from: search
    name: penguin-serve
  - id: api
    type: serve
    from: publish
`;

async function writeParts(): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    for (const island of ['Biscoe', 'Dream', 'Torgersen'])
      await c.run(
        `COPY (SELECT "Species" AS species, "Island" AS island, "Flipper Length (mm)" AS flipper,
          "Body Mass (g)" AS mass FROM read_json('${vega('penguins.json')}')
          WHERE "Species" IS NOT NULL AND "Island" = '${island}')
         TO '${join(t.dir, 'parts', `penguins-${island}.csv`)}' (HEADER)`,
      );
  } finally {
    c.closeSync();
  }
}

const statuses = (r: PipelineRun) =>
  Object.fromEntries(r.steps.map((s) => [s.id, s.error ? `${s.status}: ${s.error}` : s.status]));

let first: PipelineRun;
beforeAll(async () => {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(t.dir, 'parts'));
  await writeParts();
  writeFileSync(file, PIPELINE);
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  first = await call('pipeline:run', { file });
}, 120_000);
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('pipeline steps', () => {
  it('imports a glob as one version, transforms it, registers the best trial and serves it', async () => {
    expect(statuses(first)).toEqual({
      parts: 'succeeded',
      heavy: 'succeeded',
      search: 'succeeded',
      publish: 'succeeded',
      api: 'succeeded',
    });
    const [parts, heavy, search, publish, api] = first.steps;
    expect(parts!.outputs!.label).toMatch(/^penguin_parts@1 \(344 rows\)$/);
    expect(heavy!.outputs!.label).toMatch(/^heavy@1 \(342 rows\)$/);
    const versions = await call('data:versions', { name: 'heavy' });
    expect(versions[0]!.parents.map((p) => `${p.dataset}@${p.version}`)).toEqual([
      'penguin_parts@1',
    ]);
    // The search's best trial is what gets registered.
    const version = await call('models:version', { ref: publish!.outputs!.model! });
    expect(version.runId).toBe(search!.outputs!.run);
    const trial = await call('runs:get', { id: search!.outputs!.run! });
    expect(trial.kind).toBe('trial');
    const servers = await call('serve:list', {});
    expect(servers.map((s) => s.url)).toEqual([api!.outputs!.server]);
    const answer = await call('serve:try', {
      id: servers[0]!.id,
      body: { records: [{ island: 'Biscoe', flipper: 217, mass: 5000 }] },
    });
    expect(answer.status).toBe(200);
  });

  it('keeps a running server cached, and starts it again once it was stopped', async () => {
    const again = await call('pipeline:run', { file });
    expect(Object.values(statuses(again))).toEqual(Array(5).fill('cached'));
    const [server] = await call('serve:list', {});
    await call('serve:stop', { id: server!.id });
    const third = await call('pipeline:run', { file });
    expect(statuses(third)).toEqual({
      parts: 'cached',
      heavy: 'cached',
      search: 'cached',
      publish: 'cached',
      api: 'succeeded',
    });
    expect((await call('serve:list', {})).map((s) => s.url)).toEqual([
      third.steps[4]!.outputs!.server,
    ]);
  });

  it('reimports when a file of the glob changes, and what reads it follows the new version', async () => {
    writeFileSync(
      join(t.dir, 'parts', 'penguins-Extra.csv'),
      'species,island,flipper,mass\nAdelie,Biscoe,190,3700\n',
    );
    const plan = await call('pipeline:plan', { file });
    expect(plan.steps[0]!.run).toBe(true);
    expect(plan.steps[0]!.reasons.join(' ')).toMatch(/input/);
  });
});
