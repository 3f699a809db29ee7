// Retraining on a file whose columns differ from the champion's dataset (retrain:run with `file`): refused
// without allowSchemaChange, saying how to go on; with it, the challenger reads the champion's inputs
// (a column the file adds is not taken up) and a column the champion reads that the file lacks fails
// the job naming it before the file is imported. Through the validating dispatcher and the real `lathe` on vega's penguins.
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Retraining, Run } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { lathe } from '../../helpers/cli';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import { championOf, cliChampionOf } from './retrain-fixtures';

const t = tempDir('lathe-retrain-schema-');
let services: Services;
const { call, failure } = contractClient(() => services);

const penguins = `read_json('${vega('penguins.json')}')`;

/** Writes `select` (DuckDB SQL over vega's penguins.json as `p`) to a file in the test folder. */
async function writePenguins(name: string, select: string): Promise<string> {
  const path = join(t.dir, name);
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await c.run(`COPY (${select.replace('FROM p', `FROM ${penguins}`)}) TO '${path}'`);
  } finally {
    c.closeSync();
  }
  return path;
}

/** A champion `model` trained on `dataset` (penguins as it is), a dataset of its own. */
async function champion(model: string, dataset: string) {
  await call('data:importQuery', { name: dataset, sql: `SELECT * FROM ${penguins}` });
  await championOf(call, model, dataset);
}

const inputsOf = async (ref: string) =>
  (await call('models:version', { ref })).signature!.inputs.map((i) => i.name);
const versionsOf = async (dataset: string) =>
  (await call('data:versions', { name: dataset })).map((v) => v.version).sort();

let extra: string;
let missing: string;

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  extra = await writePenguins('extra.csv', `SELECT *, hash("Island") % 7 AS "Tag" FROM p`);
  missing = await writePenguins('missing.csv', `SELECT * EXCLUDE ("Island") FROM p`);
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('retraining on a file whose columns differ', () => {
  it('fails at its data step without allowSchemaChange, naming the change and how to confirm it', async () => {
    await champion('plain', 'plain_data');
    const r = await call('retrain:run', { model: 'plain', file: extra });
    expect(r).toMatchObject({ status: 'failed', challengerVersion: null, runId: null });
    expect(r.steps).toEqual([{ step: 'data', status: 'failed', message: r.error }]);
    expect(r.error).toBe(
      "the file was not imported: its columns differ from plain_data@1, the latest version of the champion's dataset: it adds Tag (BIGINT). " +
        "To add it as a version of 'plain_data' and retrain on it, confirm the schema change: lathe retrain --allow-schema-change, " +
        'or tick "accept a schema change" in the app\'s Retrain form. Or import it under another name (lathe data import) and retrain with --data NAME.',
    );
    expect(await versionsOf('plain_data')).toEqual([1]);
    const [listed] = await call('retrain:list', { model: 'plain' });
    expect(listed).toMatchObject({ id: r.id, status: 'failed', error: r.error });
  });

  it('with allowSchemaChange, adds the file as a version and trains on the inputs the champion reads', async () => {
    await champion('wide', 'wide_data');
    const r = await call('retrain:run', { model: 'wide', file: extra, allowSchemaChange: true });
    expect(r.status, r.error ?? '').toBe('registered');
    expect(r.steps[0]!.message).toMatch(/^new data wide_data@2 \(344 rows\)/);
    expect(await versionsOf('wide_data')).toEqual([1, 2]);
    const added = await call('data:profile', { ref: 'wide_data@2' });
    expect(added.columns.map((c) => c.name)).toContain('Tag');
    // Evaluated on the champion's held-out rows, which have no Tag: the challenger does not read it.
    expect(r.steps.find((s) => s.step === 'evaluate')).toMatchObject({ status: 'ok' });
    expect(await inputsOf(`wide@${r.challengerVersion!}`)).toEqual(await inputsOf('wide@1'));
    const run = Run.parse(await call('runs:get', { id: r.runId! }));
    expect(run.config.features).not.toContain('Tag');
  });

  it('fails naming a column the champion reads that the file lacks, before importing it', async () => {
    await champion('narrow', 'narrow_data');
    expect(await inputsOf('narrow@1')).toContain('Island');
    const said: string[] = [];
    const off = services.bus.subscribe((f) => {
      const p = f.payload as { op?: string; message?: string };
      if (f.event === 'data:progress' && p.op === 'import') said.push(p.message ?? '');
    });
    const r = await call('retrain:run', {
      model: 'narrow',
      file: missing,
      allowSchemaChange: true,
    }).finally(off);
    // Refused as the file reads, before it is converted.
    expect(said).not.toContain('converting to Parquet');
    expect(r).toMatchObject({ status: 'failed', challengerVersion: null, runId: null });
    expect(r.error).toBe(
      "the file (not imported) has no column 'Island': the champion narrow@1 takes it as input, and the challenger is trained on the same inputs. Retrain on data that has it, or train a new model without it (lathe train).",
    );
    expect(r.steps).toEqual([{ step: 'data', status: 'failed', message: r.error }]);
    expect((await failure('models:version', { ref: 'narrow@challenger' })).code).toBe('NOT_FOUND');
    // The failed job added nothing to the champion's dataset.
    expect(await versionsOf('narrow_data')).toEqual([1]);
  });

  it('fails naming a column the champion reads that a version given with data lacks', async () => {
    await champion('thin', 'thin_data');
    await call('data:import', { path: missing, name: 'thin_new' });
    const r = await call('retrain:run', { model: 'thin', data: 'thin_new' });
    expect(r).toMatchObject({ status: 'failed', challengerVersion: null, runId: null });
    expect(r.error).toBe(
      "thin_new@1 (the new data) has no column 'Island': the champion thin@1 takes it as input, and the challenger is trained on the same inputs. Retrain on data that has it, or train a new model without it (lathe train).",
    );
    expect(r.steps.at(-1)).toEqual({ step: 'data', status: 'failed', message: r.error });
  });

  it('refuses allowSchemaChange without a file, recording nothing', async () => {
    await champion('nofile', 'nofile_data');
    for (const input of [
      { model: 'nofile', data: 'nofile_data@1', allowSchemaChange: true },
      { model: 'nofile', captured: true, allowSchemaChange: true },
      { model: 'nofile', allowSchemaChange: true },
    ]) {
      const refused = await failure('retrain:run', input);
      expect([refused.code, refused.message]).toEqual([
        'INVALID_INPUT',
        '--allow-schema-change concerns the import of --file only: without a file nothing is imported',
      ]);
    }
    expect(await call('retrain:list', { model: 'nofile' })).toEqual([]);
  });
});

describe('lathe retrain --file … --allow-schema-change', () => {
  it('exits 1 naming the flag without it, and retrains with it', () => {
    const W = join(t.dir, 'cli-ws');
    const json = cliChampionOf(t, W);
    const text = (...args: string[]) => lathe([...args, '--workspace', W]);

    const refused = text('retrain', 'm', '--file', extra);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/FAIL {2}data {6}the file was not imported: its columns differ/);
    expect(refused.stdout).toMatch(/Error: .*lathe retrain --allow-schema-change/);
    const [record] = Retraining.array().parse(json('retrain', 'list', 'm').json);
    expect(record!).toMatchObject({ status: 'failed', challengerVersion: null });
    expect(record!.error).toMatch(/adds Tag \(BIGINT\)/);

    const wrong = text('retrain', 'm', '--data', 'penguins', '--allow-schema-change');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/--allow-schema-change concerns the import of --file only/);

    const done = json('retrain', 'm', '--file', extra, '--allow-schema-change');
    expect(done.code, done.stderr).toBe(0);
    expect(Retraining.parse(done.json)).toMatchObject({
      status: 'registered',
      challengerVersion: 2,
    });
  });
});
