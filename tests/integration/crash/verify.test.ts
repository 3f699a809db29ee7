// `workspace:verify` / `lathe workspace verify`: finds nothing on a sound workspace, and names each kind of
// damage a crash (or a hand) could leave: a blob whose bytes changed, a referenced blob that is gone, a
// dataset file cut short, an alias on a missing version or where no audit entry moved it.
import { appendFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { lathe } from '../../helpers/cli';
import { contractClient, importPenguins, penguinsConfig } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-verify-');
const ws = join(t.dir, 'ws');
let services: Services | undefined;
const { call } = contractClient(() => services!);

beforeAll(async () => {
  services = await createServices({ workspaceDir: ws });
  await importPenguins(services);
  const run = await call('train:run', {
    config: penguinsConfig({
      model: { type: 'mlp', hidden: [8] },
      training: { epochs: 2, batchSize: 32, validationFraction: 0.25 },
    }),
  });
  await call('models:register', { runId: run.id, name: 'species' });
  await call('models:alias', { ref: 'species@1', alias: 'champion' });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('workspace verify', () => {
  it('finds nothing wrong on a sound workspace, having checked every part', async () => {
    const r = await call('workspace:verify', {});
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checked.blobs).toBeGreaterThan(3);
    expect(r.checked.references).toBeGreaterThan(3);
    expect(r.checked).toMatchObject({ datasetVersions: 1, modelVersions: 1, aliases: 1 });
  });

  it('names a changed blob, a missing one, a cut dataset file and a moved alias; the CLI exits 1', async () => {
    const { artifacts, db } = services!.workspace;
    const run = (await call('runs:list', {}))[0]!;
    const files = (await call('runs:get', { id: run.id })).artifacts;
    const [changed, missing] = files.map((a) => a.sha256);
    appendFileSync(artifacts.pathOf(changed!), 'x');
    rmSync(artifacts.pathOf(missing!));
    const [version] = await call('data:versions', { name: 'penguins' });
    const parquet = join(ws, 'datasets', `${version!.hash}.parquet`);
    const bytes = readFileSync(parquet);
    truncateSync(parquet, bytes.length - 100);
    await db.run(`UPDATE model_aliases SET version = 7 WHERE alias = 'champion'`);

    const r = await call('workspace:verify', {});
    expect(r.ok).toBe(false);
    const kinds = r.problems.map((p) => `${p.kind} ${p.subject}`).sort();
    expect(kinds).toEqual(
      [
        `blob-hash ${changed}`,
        `blob-missing ${missing}`,
        'dataset-file penguins@1',
        'alias-target species@champion',
        'audit-missing species@champion',
      ].sort(),
    );
    expect(r.problems.find((p) => p.kind === 'alias-target')?.message).toMatch(/version 7/);

    await services!.close();
    services = undefined;
    const cli = lathe(['workspace', 'verify', '--workspace', ws, '--json']);
    expect(cli.code).toBe(1);
    expect((cli.json as { problems: unknown[] }).problems).toHaveLength(5);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    // Verify reads only: the damage is still there to see, and put back it is sound again.
    writeFileSync(parquet, bytes);
    const after = lathe(['workspace', 'verify', '--workspace', ws, '--json']).json as {
      problems: { kind: string }[];
    };
    expect(after.problems.map((p) => p.kind).sort()).toEqual(
      ['alias-target', 'audit-missing', 'blob-hash', 'blob-missing'].sort(),
    );
  });
});
