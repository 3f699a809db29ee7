// Retraining a champion (retrain:run), its history (retrain:list), and rollback (models:rollback), through
// the validating dispatcher on penguins.
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Retraining as RetrainingOut, type ChannelOutput } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { contractClient, importPenguins } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import { championOf as fixture, cliChampionOf } from './retrain-fixtures';

const t = tempDir('lathe-retrain-');
let services: Services;
const client = contractClient(() => services);
const { call, failure } = client;

type Retraining = ChannelOutput<'retrain:run'>;

/** A model whose v1 is the champion (retrain-fixtures.ts). */
const championOf = (name: string, dataset?: string) => fixture(call, name, dataset);

const championVersion = async (name: string) =>
  (await call('models:version', { ref: `${name}@champion` })).version;

const stepOf = (r: Retraining, step: string) => r.steps.filter((s) => s.step === step);

/** Writes `select` (DuckDB SQL over vega's penguins.json as `p`) to a file in the test folder. */
async function writePenguins(name: string, select: string): Promise<string> {
  const path = join(t.dir, name);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await c.run(
      `COPY (${select.replace('FROM p', `FROM read_json('${vega('penguins.json')}')`)}) TO '${path}'`,
    );
  } finally {
    c.closeSync();
  }
  return path;
}

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
  // The same penguins with every species renamed to another: a model trained on it is wrong on every row.
  await call('data:importQuery', {
    name: 'penguins_swapped',
    sql: `SELECT * REPLACE (CASE "Species" WHEN 'Adelie' THEN 'Gentoo' WHEN 'Gentoo' THEN 'Chinstrap'
      ELSE 'Adelie' END AS "Species") FROM read_json('${vega('penguins.json')}') WHERE "Species" IS NOT NULL`,
  });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('retraining', () => {
  it("registers a challenger trained without the champion's held-out rows and evaluated on exactly them", async () => {
    await championOf('keep');
    const r = await call('retrain:run', { model: 'keep', data: 'penguins@1', reason: 'weekly' });
    expect(r.status, r.error ?? '').toBe('registered');
    expect(r).toMatchObject({ model: 'keep', trigger: 'manual', reason: 'weekly' });
    expect(r.championVersion).toBe(1);
    expect(r.challengerVersion).toBe(2);
    expect((await call('models:version', { ref: 'keep@challenger' })).version).toBe(2);
    expect(await championVersion('keep')).toBe(1);

    // The champion's own evaluation (its test rows) and the champion scored on the retraining's
    // held-out version see the same rows: same count, same metrics.
    const own = await call('eval:run', { target: 'keep@1', importanceRepeats: 0 });
    const [holdout, ...others] = await call('data:versions', { name: 'penguins_holdout' });
    // Every champion below holds out the same rows of penguins@1: one version.
    expect(others).toEqual([]);
    expect(holdout!.rows).toBe(own.rows);
    const same = await call('eval:run', {
      target: 'keep@1',
      data: `penguins_holdout@${holdout!.version}`,
      importanceRepeats: 0,
    });
    expect(same.metrics).toEqual(own.metrics);
    const challengerEval = (await call('eval:list', { target: 'keep@2' }))[0]!;
    expect(challengerEval.dataset).toBe(`penguins_holdout@${holdout!.version}`);
    expect(challengerEval.rows).toBe(own.rows);

    // The challenger trained on the rows that are not held out.
    expect(r.dataset).toMatch(/^penguins_retrain@\d+$/);
    const training = await call('data:profile', { ref: r.dataset! });
    const profile = await call('data:profile', { ref: 'penguins@1' });
    const unlabelled = profile.columns.find((c) => c.name === 'Species')!.nullCount;
    expect(training.rows).toBe(profile.rows - unlabelled - own.rows);
    expect(stepOf(r, 'gates')[0]!.message).toMatch(/champion/);
    expect(stepOf(r, 'promote')[0]).toMatchObject({ status: 'skipped' });
  });

  it('does not promote a challenger that fails the champion test, and says why', async () => {
    await championOf('swap');
    const r = await call('retrain:run', { model: 'swap', data: 'penguins_swapped', promote: true });
    expect(r.status, r.error ?? '').toBe('registered');
    const gates = stepOf(r, 'gates')[0]!;
    expect(gates.status).toBe('failed');
    expect(gates.message).toMatch(/FAIL not significantly worse than the champion/);
    expect(stepOf(r, 'promote')[0]).toMatchObject({ status: 'skipped' });
    expect(stepOf(r, 'promote')[0]!.message).toMatch(/gates failed/);
    expect(await championVersion('swap')).toBe(1);
    expect((await call('models:version', { ref: 'swap@challenger' })).version).toBe(2);
  });

  it('promotes with promote when the gates hold; rollback restores the previous champion', async () => {
    await championOf('promo');
    const r = await call('retrain:run', {
      model: 'promo',
      data: 'penguins@1',
      combine: true,
      promote: true,
      reason: 'fresh rows',
    });
    expect(r.status, JSON.stringify(r.steps)).toBe('promoted');
    expect(await championVersion('promo')).toBe(2);
    expect(stepOf(r, 'data').at(-1)!.message).toMatch(/of the champion's training rows/);

    const back = await call('models:rollback', { name: 'promo', reason: 'bad latency' });
    expect(back).toEqual({ model: 'promo', from: 2, to: 1 });
    expect(await championVersion('promo')).toBe(1);
    const last = (await call('models:history', { name: 'promo' })).entries.at(-1)!;
    expect(last).toMatchObject({ action: 'alias', version: 1, reason: 'rollback: bad latency' });
    expect(last.details).toMatchObject({ alias: 'champion', from: 2, to: 1, rollback: true });

    // v1 was the first champion: nothing earlier to roll back to, and nothing changes.
    const none = await failure('models:rollback', { name: 'promo' });
    expect(none.code).toBe('INVALID_INPUT');
    expect(none.message).toMatch(/no earlier champion than v1/);
    expect(await championVersion('promo')).toBe(1);
  });

  it('rollback without an earlier champion, or without a champion, is refused', async () => {
    await championOf('lone');
    expect((await failure('models:rollback', { name: 'lone' })).message).toMatch(
      /'lone' has no earlier champion than v1/,
    );
    await call('models:unalias', { name: 'lone', alias: 'champion' });
    for (const refused of [
      await failure('models:rollback', { name: 'lone' }),
      await failure('retrain:run', { model: 'lone' }),
    ]) {
      expect(refused.code).toBe('NOT_FOUND');
      expect(refused.message).toMatch(/'lone' has no champion/);
    }
    expect(await call('retrain:list', { model: 'lone' })).toEqual([]);
    // An alert's rollback names the champion it judged: a champion that moved since is left alone.
    await call('models:alias', { ref: 'lone@1', alias: 'champion' });
    expect((await failure('models:rollback', { name: 'lone', from: 7 })).message).toMatch(
      /is v1, not v7/,
    );
  });

  it('stops at a failing expectation suite, registering nothing', async () => {
    const penguins = `read_json('${vega('penguins.json')}')`;
    await call('data:importQuery', { name: 'checked_data', sql: `SELECT * FROM ${penguins}` });
    await championOf('checked', 'checked_data');
    const suite = {
      name: 'species',
      expectations: [
        {
          type: 'allowed_values' as const,
          column: 'Species',
          values: ['Adelie', 'Chinstrap', 'Gentoo'],
        },
      ],
    };
    await call('data:suite:save', { name: 'checked_data', suite });
    expect((await call('data:validate', { ref: 'checked_data' })).success).toBe(true);
    await call('data:importQuery', {
      name: 'checked_data',
      sql: `SELECT * REPLACE ('Emperor' AS "Species") FROM ${penguins} LIMIT 40`,
    });
    const r = await call('retrain:run', { model: 'checked', promote: true });
    expect(r.status).toBe('failed');
    expect(r.dataset).toBe('checked_data@2');
    expect(stepOf(r, 'validate')[0]).toMatchObject({ status: 'failed' });
    expect(r.error).toMatch(
      /^checked_data@2 fails expectation suite 'species' saved with checked_data: /,
    );
    expect(r.challengerVersion).toBeNull();
    expect((await failure('models:version', { ref: 'checked@challenger' })).code).toBe('NOT_FOUND');
    const [listed] = await call('retrain:list', { model: 'checked' });
    expect(listed).toMatchObject({ id: r.id, status: 'failed', error: r.error });
  });

  it('writes every step to the audit log and lists retrainings newest first', async () => {
    await championOf('logged');
    const first = await call('retrain:run', { model: 'logged', data: 'penguins@1' });
    // Nothing of logged@1 is captured: the second job fails at its first step, and says so.
    const second = await call('retrain:run', {
      model: 'logged',
      captured: true,
      trigger: 'alert',
      reason: 'rule drift fired',
    });
    expect(second).toMatchObject({ status: 'failed', trigger: 'alert', challengerVersion: null });
    expect(second.error).toBe(
      'logged@1 has no captured predictions: serve it or score a batch with lathe predict first',
    );
    const list = await call('retrain:list', { model: 'logged' });
    expect(list.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(list[0]).toEqual(second);
    const entries = (await call('models:history', { name: 'logged' })).entries.filter(
      (e) => e.action === 'retrain',
    );
    for (const r of [first, second]) {
      const mine = entries.filter((e) => e.details.retraining === r.id);
      expect(mine.map((e) => [e.details.step, e.details.status, e.details.message])).toEqual(
        r.steps.map((s) => [s.step, s.status, s.message]),
      );
    }
    expect(second.steps).toEqual([{ step: 'data', status: 'failed', message: second.error }]);
    expect([...new Set(first.steps.map((s) => s.step))]).toEqual([
      'data',
      'validate',
      'train',
      'register',
      'evaluate',
      'gates',
      'canary',
      'promote',
    ]);
    expect(entries.filter((e) => e.details.retraining === second.id)[0]!.reason).toBe(
      'rule drift fired',
    );
  });

  it('refuses two sources of new data, and a missing file, before recording anything', async () => {
    await championOf('refused');
    const two = await failure('retrain:run', {
      model: 'refused',
      data: 'penguins@1',
      captured: true,
    });
    expect([two.code, two.message]).toEqual([
      'INVALID_INPUT',
      'give one source of new data: --data, --file or --captured',
    ]);
    const unknown = await failure('retrain:run', { model: 'refused', data: 'penguins@9' });
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toBe("dataset 'penguins' has no version '9' (versions: 1)");
    const missing = await failure('retrain:run', {
      model: 'refused',
      file: join(t.dir, 'nope.csv'),
    });
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toMatch(/nope\.csv does not exist/);
    expect(await call('retrain:list', { model: 'refused' })).toEqual([]);
  });

  it('retrains on captured predictions joined with their actuals', async () => {
    await championOf('captive');
    const numbered = `SELECT 'p' || row_number() OVER () AS id, * FROM p WHERE "Species" IS NOT NULL`;
    const input = await writePenguins(
      'captive-in.parquet',
      `SELECT * EXCLUDE ("Species") FROM (${numbered})`,
    );
    const labels = await writePenguins(
      'captive-labels.csv',
      `SELECT id, "Species" FROM (${numbered}) ORDER BY id LIMIT 200`,
    );
    const batch = await call('predict:batch', {
      model: 'captive@champion',
      input,
      output: join(t.dir, 'captive-out.csv'),
      idColumn: 'id',
    });
    expect(batch.rows).toBeGreaterThan(300);
    await call('monitor:actuals', {
      model: 'captive',
      file: labels,
      idColumn: 'id',
      targetColumn: 'Species',
    });
    const r = await call('retrain:run', { model: 'captive', captured: true });
    expect(r.status, r.error ?? '').toBe('registered');
    expect(stepOf(r, 'data')[0]!.message).toMatch(/^new data penguins_captured@1 \(200 rows\)/);
    const captured = await call('data:profile', { ref: 'penguins_captured@1' });
    expect(captured.columns.map((c) => c.name).sort()).toEqual([
      'Beak Depth (mm)',
      'Beak Length (mm)',
      'Body Mass (g)',
      'Flipper Length (mm)',
      'Island',
      'Sex',
      'Species',
    ]);
  });

  it("imports a file as a new version of the champion's dataset and retrains on it", async () => {
    await call('data:importQuery', {
      name: 'filed',
      sql: `SELECT * FROM read_json('${vega('penguins.json')}')`,
    });
    await championOf('filer', 'filed');
    const file = await writePenguins(
      'filed.csv',
      'SELECT * FROM p ORDER BY "Body Mass (g)" LIMIT 300',
    );
    const r = await call('retrain:run', { model: 'filer', file });
    expect(r.status, r.error ?? '').toBe('registered');
    expect(stepOf(r, 'data')[0]!.message).toMatch(/^new data filed@2 \(300 rows\)/);
    expect((await call('data:versions', { name: 'filed' })).map((v) => v.version).sort()).toEqual([
      1, 2,
    ]);
  });

  it('canaries the challenger in the running server of the champion instead of promoting it', async () => {
    await championOf('canaried');
    const served = await call('serve:start', { ref: 'canaried@champion', port: 0 });
    const r = await call('retrain:run', {
      model: 'canaried',
      data: 'penguins@1',
      canaryPercent: 20,
      promote: true,
    });
    expect(r.status, r.error ?? '').toBe('canary');
    expect(stepOf(r, 'canary')[0]).toMatchObject({ status: 'ok' });
    expect(stepOf(r, 'canary')[0]!.message).toMatch(
      `restarted the server of canaried@1 at ${served.url}`,
    );
    expect(stepOf(r, 'promote')[0]!.message).toMatch(
      /canary .* has served no traffic yet: promoted once it holds \(lathe retrain judge /,
    );
    const servers = (await call('serve:list', {})).filter((x) => x.model === 'canaried');
    expect(servers).toHaveLength(1);
    expect(servers[0]).toMatchObject({
      url: served.url,
      version: 1,
      canary: { version: 2, percent: 20 },
    });
    const answer = await fetch(`${served.url}/health`);
    expect(answer.ok).toBe(true);
    await call('serve:stop', { id: servers[0]!.id });
    expect(await championVersion('canaried')).toBe(1);
  });
});

describe('lathe retrain and lathe models rollback', () => {
  it('print the record with --json and exit 1 when --promote does not promote', () => {
    const W = join(t.dir, 'cli-ws');
    const json = cliChampionOf(t, W);
    const swapped = `SELECT * REPLACE (CASE "Species" WHEN 'Adelie' THEN 'Gentoo' WHEN 'Gentoo' THEN
      'Chinstrap' ELSE 'Adelie' END AS "Species") FROM read_json('${vega('penguins.json')}')
      WHERE "Species" IS NOT NULL`;
    expect(json('data', 'import', '--sql', swapped, '--name', 'swapped').code).toBe(0);

    const refused = json('retrain', 'm', '--data', 'swapped', '--promote', '--reason', 'cli');
    expect(refused.code, refused.stderr).toBe(1);
    const record = RetrainingOut.parse(refused.json);
    expect(record).toMatchObject({ status: 'registered', challengerVersion: 2, reason: 'cli' });
    expect(record.steps.find((s) => s.step === 'gates')!.status).toBe('failed');

    const listed = json('retrain', 'list', 'm');
    expect(listed.code).toBe(0);
    expect((listed.json as { id: string }[]).map((r) => r.id)).toEqual([record.id]);

    const none = json('models', 'rollback', 'm', '--reason', 'cli');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/no earlier champion than v1/);
    expect(json('models', 'alias', 'm@2', 'champion', '--override', 'cli test').code).toBe(0);
    const back = json('models', 'rollback', 'm', '--reason', 'cli');
    expect(back.code, back.stderr).toBe(0);
    expect(back.json).toEqual({ model: 'm', from: 2, to: 1 });
    expect(json('retrain', 'm', '--canary', '150').stderr).toMatch(/--canary 150/);
  });
});
