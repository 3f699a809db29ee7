// Issue 12, defects 2 and 6: an evaluation of the run a version came from counts for the version on the
// same rows; gates apply per model (a project default plus a model's own section), a project-wide gate on
// another task's metric is skipped with a note, and a champion gate with no champion says so.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { carsConfig, contractClient, importPenguins, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-gates-per-model-');
let services: Services;
const { call, failure } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

const trained = async (config: Parameters<typeof penguinsConfig>[0] = {}) => {
  const run = await call('train:run', { config: penguinsConfig({ ...config, seed: 3 }) });
  expect(run.status, run.error ?? '').toBe('finished');
  return run;
};

describe('gates of a version passed by an evaluation of its run', () => {
  it('evaluate the run, register it, set champion: the run evaluation counts', async () => {
    await call('gates:set', {
      project: 'Default',
      policy: { metrics: [{ metric: 'accuracy', min: 0 }], champion: { test: 'bootstrap' } },
    });
    try {
      const run = await trained();
      const e = await call('eval:run', { target: run.id, importanceRepeats: 0 });
      expect(e.passed).toBe(true);
      const champ = e.gates.find((g) => g.gate === 'champion:bootstrap')!;
      expect(champ).toMatchObject({ passed: true, skipped: true });
      await call('models:register', { runId: run.id, name: 'penguin' });
      const moved = await call('models:alias', { ref: 'penguin@1', alias: 'champion' });
      expect(moved.version).toBe(1);
      const listed = await call('eval:list', { target: 'penguin@1' });
      expect(listed.map((x) => x.id)).toContain(e.id);

      // A second run evaluated by its id while penguin@1 is champion was not compared with it.
      const next = await trained({ training: { epochs: 2, batchSize: 32, learningRate: 0.01 } });
      await call('eval:run', { target: next.id, importanceRepeats: 0 });
      await call('models:register', { runId: next.id, name: 'penguin' });
      const refused = await failure('models:alias', { ref: 'penguin@2', alias: 'champion' });
      expect(refused.code).toBe('GATE_FAILED');
      expect(refused.message).toMatch(/not compared with the champion \(penguin@1\)/);
      expect(refused.message).toMatch(/lathe eval penguin@2/);
    } finally {
      await call('gates:set', { project: 'Default', policy: null });
    }
  });

  it('an evaluation of the run on other rows (another data version) does not count', async () => {
    await call('gates:set', {
      project: 'Default',
      policy: { metrics: [{ metric: 'accuracy', min: 0 }] },
    });
    try {
      const run = await trained();
      const other = await call('eval:run', {
        target: run.id,
        data: 'penguins',
        importanceRepeats: 0,
      });
      expect(other.split).toBe('all');
      await call('models:register', { runId: run.id, name: 'penguin-rows' });
      const refused = await failure('models:alias', { ref: 'penguin-rows@1', alias: 'champion' });
      expect(refused.message).toMatch(/has no evaluation yet/);
    } finally {
      await call('gates:set', { project: 'Default', policy: null });
    }
  });
});

describe('gates per model', () => {
  it("skips a project-wide gate on another task's metric, and a model's own gates replace the default", async () => {
    const projectDefault = {
      metrics: [{ metric: 'roc_auc', min: 0.8 }],
      champion: { test: 'bootstrap' as const },
    };
    await call('gates:set', { project: 'Default', policy: projectDefault });
    try {
      const run = await call('train:run', { config: carsConfig({ seed: 2 }) });
      expect(run.status, run.error ?? '').toBe('finished');
      const byRun = await call('eval:run', { target: run.id, importanceRepeats: 0 });
      expect(byRun.gateSection).toBeNull();
      const roc = byRun.gates.find((g) => g.gate === 'metric:roc_auc')!;
      expect(roc).toMatchObject({ passed: true, skipped: true });
      expect(roc.detail).toMatch(
        /skipped: roc_auc is a binary\/multiclass metric; this model's task is regression/,
      );
      expect(byRun.passed).toBe(true);

      // A model's own gates name a model that exists: set once mpg is registered.
      await call('models:register', { runId: run.id, name: 'mpg' });
      await call('gates:set', {
        project: 'Default',
        policy: {
          ...projectDefault,
          models: {
            mpg: {
              metrics: [
                { metric: 'rmse', max: 1e9 },
                { metric: 'roc_auc', min: 0.5 },
              ],
            },
          },
        },
      });
      // The run was checked against the project default, but mpg has its own gates.
      const refused = await failure('models:alias', { ref: 'mpg@1', alias: 'champion' });
      expect(refused.message).toMatch(/'mpg' has its own gates/);

      const own = await call('eval:run', { target: 'mpg@1', importanceRepeats: 0 });
      expect(own.gateSection).toBe('mpg');
      expect(own.gates.map((g) => g.gate)).toEqual(['metric:rmse', 'metric:roc_auc']);
      // In a model's own gates another task's metric is a mistake: it fails, saying why.
      expect(own.gates[1]).toMatchObject({ passed: false });
      expect(own.gates[1]!.detail).toMatch(/this model's task is regression/);

      await call('gates:set', {
        project: 'Default',
        policy: {
          metrics: [{ metric: 'roc_auc', min: 0.8 }],
          models: {
            mpg: { metrics: [{ metric: 'rmse', max: 1e9 }], champion: { test: 'bootstrap' } },
          },
        },
      });
      const again = await call('eval:run', { target: 'mpg@1', importanceRepeats: 0 });
      const champ = again.gates.find((g) => g.gate === 'champion:bootstrap')!;
      expect(champ.detail).toBe("no champion yet: passes, nothing to compare (model 'mpg')");
      expect(again.passed).toBe(true);
      expect((await call('models:alias', { ref: 'mpg@1', alias: 'champion' })).version).toBe(1);
    } finally {
      await call('gates:set', { project: 'Default', policy: null });
    }
  });
});
