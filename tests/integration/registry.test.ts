import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, ModelCard } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { osActor } from '../../main/registry/audit';
import { createRegistryStore, type RegistryStore } from '../../main/registry/registry-store';
import { createPromotionCheck } from '../../main/registry/promotion';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-registry-');
let services: Services;
const { call, failure } = contractClient(() => services);

type Config = ChannelInput<'train:run'>['config'];
const penguins = (seed: number, extra: Partial<Config> = {}): Config => ({
  dataset: 'penguins',
  target: 'Species',
  task: 'multiclass',
  model: { type: 'linear' },
  training: { epochs: 4, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
  seed,
  ...extra,
});

let runA: string;
let runB: string;
let runC: string;

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  runA = (await call('train:run', { config: penguins(1) })).id;
  runB = (await call('train:run', { config: penguins(2) })).id;
  runC = (await call('train:run', { config: penguins(3) })).id;
});
afterAll(async () => {
  await services.close();
  t.remove();
});

/** A second store over the same workspace with a fixed clock, actor and gate result. */
function storeWith(options: {
  clock?: { now: Date };
  gate?: { passed: boolean; failures: string[] };
  actor?: string;
}): RegistryStore {
  return createRegistryStore({
    db: services.workspace.db,
    tracking: services.tracking,
    data: services.data,
    artifacts: services.workspace.artifacts,
    checkPromotion: async () => options.gate ?? { passed: true, failures: [] },
    ...(options.actor ? { actor: () => options.actor! } : {}),
    ...(options.clock ? { now: () => options.clock!.now } : {}),
  });
}

describe('model registry', () => {
  it('registers runs as numbered versions with signature, lineage and the run metrics', async () => {
    const v1 = await call('models:register', {
      runId: runA,
      name: 'penguin',
      description: 'species',
    });
    const v2 = await call('models:register', { runId: runB.slice(0, 8), name: 'penguin' });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v1.model).toBe('penguin');
    expect(v1.stage).toBe('none');
    expect(v1.createdBy).toBe(osActor());
    const run = await call('runs:get', { id: runA });
    expect(v1.metrics).toEqual(run.metrics);
    expect(v1.metrics.val_accuracy).toBeGreaterThan(0);
    expect(v1.lineage).toMatchObject({
      runId: runA,
      dataset: 'penguins',
      datasetVersion: 1,
      datasetHash: run.lineage!.datasetHash,
      configHash: run.lineage!.configHash,
    });
    const sig = v1.signature!;
    expect(sig.output).toEqual({
      task: 'multiclass',
      target: 'Species',
      classes: ['Adelie', 'Chinstrap', 'Gentoo'],
    });
    const names = sig.inputs.map((i) => i.name);
    expect(names).toContain('Island');
    expect(names).toContain('Flipper Length (mm)');
    expect(names).not.toContain('Species');
    expect(sig.inputs.find((i) => i.name === 'Island')).toMatchObject({ kind: 'categorical' });
    expect(sig.inputs.find((i) => i.name === 'Body Mass (g)')).toMatchObject({ kind: 'numeric' });

    const list = await call('models:list', {});
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'penguin', description: 'species', versionCount: 2 });
    expect(list[0]!.latest!.version).toBe(2);
    expect(list[0]!.stageCounts).toEqual({ none: 2 });
  });

  it('refuses runs that cannot be registered, naming the run, and leaves the registry unchanged', async () => {
    const before = JSON.stringify(await call('models:list', {}));
    const dup = await failure('models:register', { runId: runA, name: 'penguin' });
    expect(dup.message).toMatch(new RegExp(`run ${runA} is already version 1 of model 'penguin'`));
    expect((await failure('models:register', { runId: 'nosuch', name: 'x' })).message).toMatch(
      /no run with id 'nosuch'/,
    );
    expect((await failure('models:register', { runId: runC, name: 'bad name' })).message).toMatch(
      /name: use letters/,
    );
    // A run that saved no model (here: one without artifacts, as a failed run is left).
    const failed = await services.tracking.createRun({
      name: 'no-model',
      experiment: 'Default',
      project: 'Default',
      config: (await call('runs:get', { id: runA })).config!,
      configHash: 'x',
      datasetVersionId: (await services.data.resolve('penguins')).id,
      latheVersion: 'test',
      system: {},
    });
    const e = await failure('models:register', { runId: failed, name: 'other' });
    expect(e.message).toMatch(new RegExp(`run ${failed} \\(no-model\\) is (queued|running)`));
    await services.workspace.db.run("UPDATE runs SET status = 'finished' WHERE id = ?", [failed]);
    const e2 = await failure('models:register', { runId: failed, name: 'other' });
    expect(e2.message).toMatch(
      /has no saved model \(missing model\/model.json, model\/weights.bin/,
    );
    await services.workspace.db.run("UPDATE runs SET status = 'failed' WHERE id = ?", [failed]);
    // A model of another project does not take this project's runs.
    await services.workspace.db.run("INSERT INTO projects VALUES ('p-other', 'Other', '', now())");
    await services.workspace.db.run(
      "INSERT INTO models (id, project_id, name, description, created_at) VALUES ('m-foreign', 'p-other', 'foreign', '', now())",
    );
    expect((await failure('models:register', { runId: runC, name: 'foreign' })).message).toBe(
      `model 'foreign' belongs to project 'Other' but run ${runC} is in project 'Default'; register it under another name`,
    );
    await services.workspace.db.run("DELETE FROM models WHERE id = 'm-foreign'");
    expect(JSON.stringify(await call('models:list', {}))).toBe(before);
    expect((await call('models:history', { name: 'penguin' })).entries).toHaveLength(2);
  });

  it('resolves NAME, NAME@version and NAME@alias, and names what is unknown', async () => {
    expect((await call('models:version', { ref: 'penguin' })).version).toBe(2);
    expect((await call('models:version', { ref: 'penguin@1' })).runId).toBe(runA);
    const moved = await call('models:alias', {
      ref: 'penguin@1',
      alias: 'challenger',
      reason: 'try',
    });
    expect(moved.aliases).toEqual(['challenger']);
    expect((await call('models:version', { ref: 'penguin@challenger' })).version).toBe(1);
    expect((await call('models:get', { ref: 'penguin@challenger' })).aliases).toEqual({
      challenger: 1,
    });
    const card = await call('models:card:get', { ref: 'penguin@challenger' });
    expect(card.version).toBe(1);
    expect((await failure('models:version', { ref: 'nosuch@champion' })).message).toBe(
      "no model 'nosuch'",
    );
    const noAlias = await failure('models:version', { ref: 'penguin@champion' });
    expect(noAlias).toMatchObject({
      code: 'NOT_FOUND',
      message: "model 'penguin' has no alias 'champion'",
    });
    expect((await failure('models:version', { ref: 'penguin@9' })).message).toBe(
      "model 'penguin' has no version 9",
    );
    expect((await failure('models:version', { ref: 'penguin@Bad' })).message).toMatch(
      /alias 'Bad': an alias starts with a lower-case letter/,
    );
    expect((await failure('models:alias', { ref: 'penguin@1', alias: '123' })).message).toMatch(
      /alias: an alias starts with a lower-case letter/,
    );
  });

  it('moves an alias (one version per alias), stages versions, and audits each change', async () => {
    await call('models:alias', { ref: 'penguin@2', alias: 'challenger', reason: 'newer data' });
    const m = await call('models:get', { ref: 'penguin' });
    expect(m.aliases).toEqual({ challenger: 2 });
    expect(m.versions.find((v) => v.version === 1)!.aliases).toEqual([]);
    const staged = await call('models:stage', { ref: 'penguin@2', stage: 'staging', reason: 'QA' });
    expect(staged.stage).toBe('staging');
    const prod = await call('models:stage', { ref: 'penguin@challenger', stage: 'production' });
    expect(prod.stage).toBe('production');
    expect((await failure('models:stage', { ref: 'penguin@1', stage: 'live' })).message).toMatch(
      /stage/,
    );
    const { entries } = await call('models:history', { name: 'penguin' });
    expect(entries.map((e) => [e.action, e.version])).toEqual([
      ['register', 1],
      ['register', 2],
      ['alias', 1],
      ['alias', 2],
      ['stage', 2],
      ['stage', 2],
    ]);
    for (const e of entries) expect(e.actor).toBe(osActor());
    expect(entries[3]).toMatchObject({
      reason: 'newer data',
      details: { alias: 'challenger', from: 1, to: 2 },
    });
    expect(entries[4]).toMatchObject({ reason: 'QA', details: { from: 'none', to: 'staging' } });
    await call('models:unalias', { name: 'penguin', alias: 'challenger', reason: 'done' });
    expect((await call('models:get', { ref: 'penguin' })).aliases).toEqual({});
    expect(
      (await failure('models:unalias', { name: 'penguin', alias: 'challenger' })).message,
    ).toBe("model 'penguin' has no alias 'challenger'");
    const last = (await call('models:history', { name: 'penguin' })).entries.at(-1)!;
    expect(last).toMatchObject({ action: 'unalias', version: 2, reason: 'done' });
  });

  it('archives the versions already in a stage when asked, auditing each move', async () => {
    for (const runId of [runA, runB, runC])
      await call('models:register', { runId, name: 'staged' });
    await call('models:stage', { ref: 'staged@1', stage: 'production' });
    await call('models:stage', { ref: 'staged@2', stage: 'production' });
    // Without the flag, two versions share production.
    const both = await call('models:get', { ref: 'staged' });
    expect(
      both.versions
        .filter((v) => v.stage === 'production')
        .map((v) => v.version)
        .sort(),
    ).toEqual([1, 2]);
    await call('models:stage', {
      ref: 'staged@3',
      stage: 'production',
      reason: 'retrained',
      archiveExisting: true,
    });
    const after = await call('models:get', { ref: 'staged' });
    expect(after.versions.map((v) => [v.version, v.stage]).sort()).toEqual([
      [1, 'archived'],
      [2, 'archived'],
      [3, 'production'],
    ]);
    const moves = (await call('models:history', { name: 'staged' })).entries.slice(-3);
    expect(moves.map((e) => [e.version, e.details])).toEqual([
      [3, { from: 'none', to: 'production' }],
      [1, { from: 'production', to: 'archived' }],
      [2, { from: 'production', to: 'archived' }],
    ]);
    expect(moves[1]!.reason).toBe('archived: v3 moved to production (retrained)');
    const err = await failure('models:stage', {
      ref: 'staged@1',
      stage: 'none',
      archiveExisting: true,
    });
    expect(err.message).toMatch(/archiveExisting applies to staging and production, not 'none'/);
  });

  it('answers which version was champion at a given date from the audit log', async () => {
    const clock = { now: new Date('2026-03-01T09:00:00Z') };
    const store = storeWith({ clock, actor: 'alice' });
    for (const runId of [runA, runB, runC]) await store.register({ runId, name: 'history' });
    await store.alias({ ref: 'history@1', alias: 'champion', reason: 'first' });
    clock.now = new Date('2026-03-05T12:00:00Z');
    await store.alias({ ref: 'history@2', alias: 'champion', reason: 'better auc' });
    await store.stage({ ref: 'history@2', stage: 'production' });
    clock.now = new Date('2026-03-09T08:00:00Z');
    await store.alias({ ref: 'history@3', alias: 'champion', reason: 'retrained' });
    await store.stage({ ref: 'history@2', stage: 'archived', reason: 'replaced' });

    const champion = async (at: string) =>
      (await call('models:history', { name: 'history', at })).state!.aliases.find(
        (a) => a.alias === 'champion',
      )?.version;
    expect(await champion('2026-03-01')).toBe(1);
    expect(await champion('2026-03-04')).toBe(1);
    expect(await champion('2026-03-05T11:59:00Z')).toBe(1);
    expect(await champion('2026-03-05')).toBe(2);
    expect(await champion('2026-03-08')).toBe(2);
    expect(await champion('2026-03-09')).toBe(3);
    const then = (await call('models:history', { name: 'history', at: '2026-03-06' })).state!;
    expect(then.versions).toEqual([
      { version: 1, stage: 'none' },
      { version: 2, stage: 'production' },
      { version: 3, stage: 'none' },
    ]);
    const after = (await call('models:history', { name: 'history', at: '2026-03-10' })).state!;
    expect(after.versions.find((v) => v.version === 2)!.stage).toBe('archived');
    // Before the model existed: no alias and no version.
    const early = (await call('models:history', { name: 'history', at: '2020-01-01' })).state!;
    expect(early).toMatchObject({ aliases: [], versions: [] });
    const { entries } = await call('models:history', { name: 'history' });
    expect(entries.map((e) => e.actor)).toEqual(Array(8).fill('alice'));
    expect((await failure('models:history', { name: 'history', at: 'yesterday' })).message).toMatch(
      /at: not a date/,
    );
  });

  it('refuses a promotion that fails a gate, and audits an override with its reason and failures', async () => {
    const failing = storeWith({
      gate: { passed: false, failures: ['val_auc 0.61 < 0.8', 'fairness gap 0.2 > 0.1'] },
    });
    await call('models:register', { runId: runA, name: 'gated' });
    const before = await call('models:history', { name: 'gated' });
    const err = await failing.alias({ ref: 'gated@1', alias: 'champion' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GATE_FAILED' });
    expect((err as Error).message).toMatch(/val_auc 0.61 < 0.8; fairness gap 0.2 > 0.1/);
    const prodErr = await failing
      .stage({ ref: 'gated@1', stage: 'production' })
      .catch((e: unknown) => e);
    expect(prodErr).toMatchObject({ code: 'GATE_FAILED' });
    // Not a promotion: other aliases and stages are not gated.
    await failing.alias({ ref: 'gated@1', alias: 'shadow' });
    await failing.stage({ ref: 'gated@1', stage: 'staging' });
    const unchanged = await call('models:get', { ref: 'gated' });
    expect(unchanged.aliases).toEqual({ shadow: 1 });
    expect(unchanged.versions[0]!.stage).toBe('staging');
    expect((await call('models:history', { name: 'gated' })).entries).toHaveLength(
      before.entries.length + 2,
    );

    const moved = await failing.alias({
      ref: 'gated@1',
      alias: 'champion',
      override: 'hotfix approved by risk team',
    });
    expect(moved.aliases).toContain('champion');
    const { entries } = await call('models:history', { name: 'gated' });
    const override = entries.find((e) => e.action === 'override')!;
    expect(override).toMatchObject({
      version: 1,
      reason: 'hotfix approved by risk team',
      details: {
        of: 'alias',
        alias: 'champion',
        failures: ['val_auc 0.61 < 0.8', 'fairness gap 0.2 > 0.1'],
      },
    });
    expect(entries.at(-2)).toMatchObject({
      action: 'alias',
      details: { alias: 'champion', to: 1 },
    });
    const blank = await failure('models:alias', { ref: 'gated@1', alias: 'x', override: '  ' });
    expect(blank.message).toMatch(/override: give a reason/);
  });

  it('passes promotions without a gate policy; with one, asks the evaluator or fails closed', async () => {
    const db = services.workspace.db;
    await call('models:register', { runId: runB, name: 'policy' });
    expect((await call('models:stage', { ref: 'policy@1', stage: 'production' })).stage).toBe(
      'production',
    );
    const v1 = await call('models:version', { ref: 'policy@1' });
    const noEvaluator = createPromotionCheck(db);
    expect(await noEvaluator(v1)).toEqual({ passed: true, failures: [] });
    // The evaluator is handed the policy as stored: the one set, with the schema's defaults filled in.
    const { policy } = await call('gates:set', {
      project: 'Default',
      policy: { metrics: [{ metric: 'accuracy', min: 0.99 }] },
    });
    try {
      expect(await noEvaluator(v1)).toEqual({
        passed: false,
        failures: [
          "project 'Default' has a gate policy but no gate evaluator is available to check it",
        ],
      });
      const seen: unknown[] = [];
      const withEvaluator = createPromotionCheck(db, async (version, p) => {
        seen.push([version.model, version.version, p]);
        return { passed: false, failures: ['accuracy below 0.99'] };
      });
      expect(await withEvaluator(v1)).toEqual({
        passed: false,
        failures: ['accuracy below 0.99'],
      });
      expect(seen).toEqual([['policy', 1, policy]]);
      // Wired into services: the promotion is refused whatever the evaluator says about this policy.
      const e = await failure('models:alias', { ref: 'policy@1', alias: 'champion' });
      expect(e).toMatchObject({ code: 'GATE_FAILED' });
      expect(e.message).toMatch(/^policy@1 cannot take alias 'champion': /);
      expect((await call('models:get', { ref: 'policy' })).aliases).toEqual({});
    } finally {
      await call('gates:set', { project: 'Default', policy: null });
    }
  });

  it('generates a model card from the run, saves edits, and exports Markdown', async () => {
    const generated = await call('models:card:get', { ref: 'penguin@1' });
    expect(generated.edited).toBe(false);
    expect(generated.card.intendedUse).toMatch(/Predicts `Species`/);
    expect(generated.card.trainingData).toMatch(/`penguins@1` \(344 rows/);
    expect(generated.card.metrics).toMatch(/\| val_accuracy \| 0\.\d+/);
    const card: ModelCard = {
      ...generated.card,
      intendedUse: 'Field researchers sorting penguin measurements.',
      sections: [{ title: 'Contacts', body: 'penguins@example.org' }],
    };
    const saved = await call('models:card:set', { ref: 'penguin@1', card });
    expect(saved).toMatchObject({ edited: true, updatedBy: osActor(), card });
    expect((await call('models:card:get', { ref: 'penguin@1' })).card.intendedUse).toBe(
      'Field researchers sorting penguin measurements.',
    );
    expect((await call('models:card:get', { ref: 'penguin@2' })).edited).toBe(false);
    const md = await call('models:card:markdown', { ref: 'penguin@1' });
    expect(md).toMatch(/^# Model card: penguin v1/);
    expect(md).toMatch(/## Intended use\n\nField researchers sorting penguin measurements\./);
    expect(md).toMatch(/## Contacts\n\npenguins@example\.org/);
    expect(md).toMatch(/\| Island \| VARCHAR \| categorical \|/);
    expect(md).toContain(`- run: ${runA}`);
    // The fitted spec's hash, also for a run on the default spec (the card said 'default spec').
    const trained = await call('runs:get', { id: runA });
    expect(md).toContain(`- feature spec hash: ${trained.params['featureSpec.hash']}`);
    const audit = (await call('models:history', { name: 'penguin' })).entries.at(-1)!;
    expect(audit).toMatchObject({ action: 'card', version: 1 });
    const bad = await failure('models:card:set', {
      ref: 'penguin@1',
      card: { ...card, sections: [{ title: '', body: 'x' }] },
    });
    expect(bad.message).toMatch(/card.sections.0.title: a section needs a title/);
  });

  it('compares two versions metric by metric', async () => {
    const c = await call('models:compare', { a: 'penguin@1', b: 'penguin@2' });
    expect(c.a.version).toBe(1);
    expect(c.b.version).toBe(2);
    expect(c.sameData).toBe(true);
    // Both scored by the evaluation service on penguin@1's held-out rows.
    expect(c.evaluation).toMatchObject({ dataset: 'penguins', datasetVersion: 1 });
    expect(c.evaluation!.metrics.map((m) => m.key)).toContain('accuracy');
    const acc = c.metrics.find((m) => m.key === 'val_accuracy')!;
    expect(acc.a).toBe(c.a.metrics.val_accuracy);
    expect(acc.b).toBe(c.b.metrics.val_accuracy);
    if (acc.a !== acc.b) expect(acc.better).toBe(acc.a! > acc.b! ? 'a' : 'b');
    const loss = c.metrics.find((m) => m.key === 'val_loss')!;
    if (loss.a !== loss.b) expect(loss.better).toBe(loss.a! < loss.b! ? 'a' : 'b');
  });

  it('refuses to delete or purge a run that backs a registered version', async () => {
    const e = await failure('runs:delete', { ids: [runA.slice(0, 8)] });
    expect(e.message).toMatch(
      /cannot delete a run that backs a registered model version: .*penguin@1/,
    );
    expect((await call('runs:get', { id: runA })).deletedAt ?? null).toBeNull();
    // A run soft-deleted behind the registry's back (e.g. by an older Lathe) is not purged either.
    await services.workspace.db.run('UPDATE runs SET deleted_at = now() WHERE id = ?', [runC]);
    const gc = await failure('workspace:gc', {});
    expect(gc.message).toMatch(new RegExp(`run ${runC} \\(history@3\\)`));
    expect((await call('runs:get', { id: runC })).id).toBe(runC);
    await call('runs:restore', { ids: [runC] });
    const purged = await call('workspace:gc', {});
    expect(purged.runsPurged).toBe(0);
  });
});
