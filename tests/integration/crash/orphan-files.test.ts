// An import killed between renaming its Parquet into datasets/ and committing the row leaves a whole file
// no dataset version names (a batch job killed between keeping its capture file in captures/ and its
// commit, one no batch names): verify lists them as
// warnings, not problems; gc removes those written before this process took the workspace lock, and
// keeps any an import in this process wrote or claimed since.
import { copyFileSync, existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { removeOrphanFiles } from '../../../main/workspace/orphans';
import { lathe } from '../../helpers/cli';
import { contractClient, importPenguins } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-orphans-');
const ws = join(t.dir, 'ws');
let services: Services | undefined;
const { call } = contractClient(() => services!);
/** The Parquet file an import of penguins publishes, as a killed import into `ws` would have left it. */
let penguinsFile = '';
const FAKE = 'f'.repeat(64);
const BATCH = '0b0b0b0b-0000-4000-8000-000000000000';
const hourAgo = () => new Date(Date.now() - 3_600_000);

beforeAll(async () => {
  // Another workspace makes the file a killed import of penguins would have renamed into place.
  const other = join(t.dir, 'other');
  const maker = await createServices({ workspaceDir: other });
  await importPenguins(maker);
  await maker.close();
  const [name] = readdirSync(join(other, 'datasets')).filter((n) => n.endsWith('.parquet'));
  penguinsFile = name!;
  // `ws` exists and was last owned by a process that died mid-import.
  await (await createServices({ workspaceDir: ws })).close();
  for (const [from, to] of [
    [join(other, 'datasets', name!), join(ws, 'datasets', name!)],
    [join(other, 'datasets', name!), join(ws, 'datasets', `${FAKE}.parquet`)],
    [join(other, 'datasets', name!), join(ws, 'captures', `${BATCH}.parquet`)],
  ] as const) {
    copyFileSync(from, to);
    utimesSync(to, hourAgo(), hourAgo());
  }
  services = await createServices({ workspaceDir: ws });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('files no row names', () => {
  it('verify lists each as a warning naming the file; the workspace still verifies', async () => {
    const r = await call('workspace:verify', {});
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => [w.kind, w.subject])).toEqual([
      ['orphan-file', `datasets/${penguinsFile}`],
      ['orphan-file', `datasets/${FAKE}.parquet`],
      ['orphan-file', `captures/${BATCH}.parquet`],
    ]);
  });

  it('an import of the same content claims the left file: gc beside it keeps it, removes the rest', async () => {
    const file = join(ws, 'datasets', penguinsFile);
    const before = statSync(file).mtimeMs;
    // The import and gc run side by side in this process: whichever way they interleave, the import
    // keeps its file (it touches a file it reuses, and gc keeps files touched since the lock was taken).
    const [imported, gc] = await Promise.all([importPenguins(services!), call('workspace:gc', {})]);
    expect(imported.reused).toBe(false);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mtimeMs).toBeGreaterThan(before);
    expect(gc.orphanFilesRemoved).toContain(`datasets/${FAKE}.parquet`);
    expect(gc.orphanFilesRemoved).not.toContain(`datasets/${penguinsFile}`);
    expect(existsSync(join(ws, 'datasets', `${FAKE}.parquet`))).toBe(false);
    expect(gc.orphanFilesRemoved).toContain(`captures/${BATCH}.parquet`);
    expect(existsSync(join(ws, 'captures', `${BATCH}.parquet`))).toBe(false);
    const r = await call('workspace:verify', {});
    expect(r).toMatchObject({ ok: true, problems: [], warnings: [] });
    expect(r.checked.datasetVersions).toBe(1);
    expect(await call('data:preview', { ref: 'penguins', limit: 3 })).toBeTruthy();
  });

  it('keeps a file written since this process took the lock (an import in progress) until a later owner', async () => {
    const fresh = join(ws, 'datasets', `${'e'.repeat(64)}.parquet`);
    copyFileSync(join(ws, 'datasets', penguinsFile), fresh);
    const gc = await call('workspace:gc', {});
    expect(gc.orphanFilesRemoved).toEqual([]);
    expect(existsSync(fresh)).toBe(true);
    expect((await call('workspace:verify', {})).warnings.map((w) => w.subject)).toEqual([
      `datasets/${'e'.repeat(64)}.parquet`,
    ]);
    // An owner that took the lock after the file was written removes it.
    const removed = await removeOrphanFiles(ws, services!.workspace.db, Date.now() + 60_000);
    expect(removed.map((o) => o.path)).toEqual([`datasets/${'e'.repeat(64)}.parquet`]);
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(join(ws, 'datasets', penguinsFile))).toBe(true);
  });

  it('from the CLI: verify prints the warning and exits 0; gc removes the file and names it', async () => {
    await services!.close();
    services = undefined;
    const left = join(ws, 'datasets', `${FAKE}.parquet`);
    copyFileSync(join(ws, 'datasets', penguinsFile), left);
    utimesSync(left, hourAgo(), hourAgo());
    const verified = lathe(['workspace', 'verify', '--workspace', ws]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`warning: orphan-file: datasets/${FAKE}.parquet`);
    const gc = lathe(['gc', '--workspace', ws, '--json']);
    expect(gc.code).toBe(0);
    expect((gc.json as { orphanFilesRemoved: string[] }).orphanFilesRemoved).toEqual([
      `datasets/${FAKE}.parquet`,
    ]);
    expect(existsSync(left)).toBe(false);
    const again = lathe(['workspace', 'verify', '--workspace', ws, '--json']);
    expect(again.code).toBe(0);
    expect(again.json).toMatchObject({ ok: true, problems: [], warnings: [] });
  });
});
