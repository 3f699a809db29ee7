import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpectationSuite, SchemaChange } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { lathe } from '../../helpers/cli';
import { contractClient, runRecorder } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-data-admin-');
let services: Services;
const client = contractClient(() => services);
const { call, failure, snapshot } = client;

const PEOPLE = 'id,name,age\n1,Ada,36\n2,Bob,41\n3,Cy,29\n';
const MORE_PEOPLE = 'id,name,age\n4,Dee,33\n5,Eve,52\n';
// `exist`-style mix-up: an unrelated file with other columns.
const CARS = 'id,model,age,price\n1,Golf,3.5,9000\n2,Polo,1.5,12000\n';

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('a new version with other columns', () => {
  it('is refused, naming added, removed and retyped columns, and the workspace stays as it was', async () => {
    await call('data:import', { path: t.file('people.csv', PEOPLE), name: 'people' });
    const before = await snapshot();
    const r = await services.dispatch('data:import', {
      path: t.file('cars.csv', CARS),
      name: 'people',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INVALID_INPUT');
    expect(r.error.message).toContain('the columns differ from people@1');
    expect(r.error.message).toContain('adds model (VARCHAR), price (BIGINT)');
    expect(r.error.message).toContain('removes name (VARCHAR)');
    expect(r.error.message).toContain('changes age from BIGINT to DOUBLE');
    const change = SchemaChange.parse(r.error.details?.schemaChange);
    expect(change).toMatchObject({ dataset: 'people', fromVersion: 1 });
    expect(change.added.map((c) => c.name)).toEqual(['model', 'price']);
    expect(change.removed.map((c) => c.name)).toEqual(['name']);
    expect(change.retyped).toEqual([{ name: 'age', from: 'BIGINT', to: 'DOUBLE' }]);
    expect(await snapshot()).toEqual(before);
  });

  it('is added when confirmed; the same columns need no confirmation', async () => {
    const same = await call('data:import', {
      path: t.file('more.csv', MORE_PEOPLE),
      name: 'people',
    });
    expect(same.version.version).toBe(2);
    const changed = await call('data:import', {
      path: t.file('cars2.csv', CARS),
      name: 'people',
      allowSchemaChange: true,
    });
    expect(changed.version.version).toBe(3);
    expect(changed.version.columns.map((c) => c.name)).toEqual(['id', 'model', 'age', 'price']);
  });

  it('is refused for a query import too', async () => {
    const e = await failure('data:importQuery', {
      sql: `SELECT 1 AS only_column`,
      name: 'people',
    });
    expect(e.message).toContain(
      'removes id (BIGINT), model (VARCHAR), age (DOUBLE), price (BIGINT)',
    );
  });
});

describe('renaming and deleting datasets', () => {
  it('renames, refuses a taken name, and the old name is gone', async () => {
    await call('data:import', { path: t.file('a.csv', PEOPLE), name: 'alpha' });
    await call('data:import', { path: t.file('b.csv', MORE_PEOPLE), name: 'beta' });
    expect((await failure('data:rename', { name: 'alpha', to: 'beta' })).message).toBe(
      "a dataset named 'beta' already exists",
    );
    expect(await call('data:rename', { name: 'alpha', to: 'gamma' })).toEqual({
      name: 'gamma',
      previous: 'alpha',
    });
    expect((await call('data:versions', { name: 'gamma' }))[0]!.dataset).toBe('gamma');
    expect((await failure('data:profile', { ref: 'alpha' })).code).toBe('NOT_FOUND');
  });

  it('soft-deletes and restores; a deleted dataset is hidden, unreadable and takes no import', async () => {
    expect(await call('data:delete', { name: 'gamma' })).toEqual({ name: 'gamma', changed: true });
    expect((await call('data:list', {})).map((d) => d.name)).not.toContain('gamma');
    const deleted = await call('data:list', { deleted: true });
    expect(deleted.map((d) => d.name)).toEqual(['gamma']);
    expect(deleted[0]!.deletedAt).toEqual(expect.any(String));
    const read = await failure('data:profile', { ref: 'gamma' });
    expect(read.message).toContain("dataset 'gamma' is deleted; restore it first");
    const imported = await failure('data:import', {
      path: t.file('g.csv', PEOPLE),
      name: 'gamma',
    });
    expect(imported.message).toContain("dataset 'gamma' is deleted");
    expect((await failure('data:rename', { name: 'beta', to: 'gamma' })).message).toContain(
      '(deleted; restore it to see it)',
    );
    expect(await call('data:restore', { name: 'gamma' })).toEqual({
      name: 'gamma',
      changed: true,
    });
    expect((await call('data:profile', { ref: 'gamma' })).rows).toBe(3);
  });

  it('refuses to delete a dataset runs were trained on, naming them, until they are deleted', async () => {
    const record = await runRecorder(services, { project: 'Birds' });
    const runId = await record({ name: 'penguin-run', experiment: 'e' });
    const e = await failure('data:delete', { name: 'penguins' });
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe(
      `cannot delete dataset 'penguins': 1 run trained on it: penguin-run (${runId.slice(0, 8)}). Delete those runs first.`,
    );
    expect((await call('data:list', {})).map((d) => d.name)).toContain('penguins');
    await call('runs:delete', { ids: [runId] });
    expect((await call('data:delete', { name: 'penguins' })).changed).toBe(true);
  });
});

describe('projects', () => {
  it('rename, and delete only when empty, naming what they hold', async () => {
    await call('projects:create', { name: 'Scratch' });
    expect(await call('projects:rename', { name: 'Scratch', to: 'Sandbox' })).toEqual({
      name: 'Sandbox',
      previous: 'Scratch',
    });
    expect((await failure('projects:rename', { name: 'Sandbox', to: 'Default' })).message).toBe(
      "a project named 'Default' already exists",
    );
    await call('data:import', { path: t.file('s.csv', PEOPLE), name: 'sand', project: 'Sandbox' });
    const held = await failure('projects:delete', { name: 'Sandbox' });
    expect(held.message).toBe(
      "cannot delete project 'Sandbox': it holds datasets sand. Delete or move them first.",
    );
    // Birds holds a deleted run and a deleted dataset: both still count.
    expect((await failure('projects:delete', { name: 'Birds' })).message).toBe(
      "cannot delete project 'Birds': it holds datasets penguins (deleted); 1 run (penguin-run (deleted)). Delete or move them first.",
    );
    await call('projects:create', { name: 'Empty' });
    expect(await call('projects:delete', { name: 'Empty' })).toEqual({
      name: 'Empty',
      experiments: 0,
    });
    expect((await call('projects:list', {})).map((p) => p.name)).not.toContain('Empty');
    expect((await failure('projects:delete', { name: 'Empty' })).code).toBe('NOT_FOUND');
  });
});

describe('the Default project', () => {
  it('comes back when the workspace opens after it was deleted', async () => {
    const dir = join(t.dir, 'default-ws');
    let opened = await createServices({ workspaceDir: dir });
    const { call: on } = contractClient(() => opened);
    try {
      await on('projects:delete', { name: 'Default' });
      expect(await on('projects:list', {})).toEqual([]);
    } finally {
      await opened.close();
    }
    opened = await createServices({ workspaceDir: dir });
    try {
      expect((await on('projects:list', {})).map((p) => p.name)).toEqual(['Default']);
    } finally {
      await opened.close();
    }
  });
});

describe('the dataset list', () => {
  it("gives each dataset's latest version, as data:versions does, by project and deleted alike", async () => {
    const lists = {
      all: await call('data:list', {}),
      deleted: await call('data:list', { deleted: true }),
      sandbox: await call('data:list', { project: 'Sandbox' }),
      birds: await call('data:list', { project: 'Birds', deleted: true }),
    };
    expect(lists.all.map((d) => d.name)).toEqual(['beta', 'gamma', 'people', 'sand']);
    expect(lists.sandbox.map((d) => d.name)).toEqual(['sand']);
    expect(lists.birds.map((d) => d.name)).toEqual(['penguins']);
    for (const d of [...lists.all, ...lists.sandbox]) {
      const versions = await call('data:versions', { name: d.name });
      expect(d.latest).toEqual(versions[0]);
      expect(d.versionCount).toBe(versions.length);
    }
    expect(lists.all.find((d) => d.name === 'people')!.latest.version).toBe(3);
    // A deleted dataset's versions are read once it is restored.
    for (const d of lists.deleted) {
      await call('data:restore', { name: d.name });
      expect(d.latest).toEqual((await call('data:versions', { name: d.name }))[0]);
      await call('data:delete', { name: d.name });
    }
  });
});

describe('the suite saved with a dataset', () => {
  const suite = ExpectationSuite.parse({
    name: 'people-checks',
    expectations: [
      { type: 'range', column: 'age', min: 0, max: 120 },
      { type: 'range', column: 'height', min: 0, max: 3 },
    ],
  });

  it('is saved, read back, and used by data:validate on every version when no suite is given', async () => {
    await call('data:import', { path: t.file('p.csv', PEOPLE), name: 'staff' });
    expect(await call('data:suite:get', { name: 'staff' })).toEqual({
      dataset: 'staff',
      suite: null,
      updatedAt: null,
    });
    expect((await failure('data:validate', { ref: 'staff' })).message).toBe(
      "no expectation suite given and none is saved with dataset 'staff'",
    );
    const saved = await call('data:suite:save', { name: 'staff', suite });
    expect(saved.suite).toEqual(suite);
    await call('data:import', { path: t.file('p2.csv', MORE_PEOPLE), name: 'staff' });
    const report = await call('data:validate', { ref: 'staff@2' });
    expect(report).toMatchObject({ version: 2, suiteName: 'people-checks', success: false });
    expect(report.results[0]!.passed).toBe(true);
    // A range on a missing column says why it fails.
    expect(report.results[1]!.message).toBe(
      "column 'height' is not in the dataset (its columns: id, name, age)",
    );
  });
});

describe('the CLI', () => {
  const W = join(t.dir, 'cli-ws');
  const run = (...args: string[]) => lathe([...args, '--workspace', W]);

  it('refuses a schema change unless --allow-schema-change, renames, deletes and restores', () => {
    expect(run('data', 'import', t.file('c1.csv', PEOPLE), '--name', 'crew').code).toBe(0);
    const refused = run('data', 'import', t.file('c2.csv', CARS), '--name', 'crew');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('removes name (VARCHAR)');
    expect(refused.stderr).toContain('--allow-schema-change');
    const allowed = run(
      'data',
      'import',
      t.file('c3.csv', CARS),
      '--name',
      'crew',
      '--allow-schema-change',
      '--json',
    );
    expect(allowed.code).toBe(0);
    expect((allowed.json as { version: { version: number } }).version.version).toBe(2);

    expect(run('data', 'rename', 'crew', 'team', '--json').json).toEqual({
      name: 'team',
      previous: 'crew',
    });
    expect(run('data', 'delete', 'team').stdout).toContain('restore with lathe data restore team');
    expect(run('data', 'list', '--json').json).toEqual([]);
    expect(
      (run('data', 'list', '--deleted', '--json').json as { name: string }[]).map((d) => d.name),
    ).toEqual(['team']);
    expect(run('data', 'restore', 'team', '--json').json).toEqual({ name: 'team', changed: true });

    const suiteFile = t.file(
      'suite.yaml',
      'name: s\nexpectations:\n  - type: row_count\n    min: 1\n',
    );
    expect(run('data', 'suite', 'team', '--save', suiteFile).code).toBe(0);
    const validated = run('data', 'validate', 'team', '--json');
    expect(validated.code).toBe(0);
    expect((validated.json as { suiteName: string }).suiteName).toBe('s');

    expect(run('projects', 'create', 'Tmp').code).toBe(0);
    expect(run('projects', 'rename', 'Tmp', 'Tmp2', '--json').json).toEqual({
      name: 'Tmp2',
      previous: 'Tmp',
    });
    expect(run('projects', 'delete', 'Default').stderr).toContain(
      "cannot delete project 'Default': it holds datasets team",
    );
    expect(run('projects', 'delete', 'Tmp2').code).toBe(0);
    const names = (run('projects', 'list', '--json').json as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(['Default']);
  });
});
