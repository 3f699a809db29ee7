import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../main/workspace/workspace';
import { SCHEMA_VERSION, migrate, migrations } from '../../main/workspace/migrations';
import { openDatabase } from '../../main/workspace/db';
import { sha256Bytes } from '../../main/workspace/artifacts';
import { resolveWorkspaceDir } from '../../main/workspace/paths';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-ws-');
afterAll(() => t.remove());

describe('workspace', () => {
  it('resolves --workspace, then $LATHE_HOME, then ~/.lathe', () => {
    expect(resolveWorkspaceDir('/a/b', { LATHE_HOME: '/c' })).toBe('/a/b');
    expect(resolveWorkspaceDir(undefined, { LATHE_HOME: '/c' })).toBe('/c');
    expect(resolveWorkspaceDir(undefined, {})).toMatch(/\.lathe$/);
  });

  it('creates the database with versioned migrations, applied once', async () => {
    const dir = join(t.dir, 'a');
    const ws = await openWorkspace(dir);
    const rows = await ws.db.all<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations',
    );
    expect(rows.map((r) => Number(r.version)).sort((a, b) => a - b)).toEqual(
      migrations.map((m) => m.version),
    );
    expect(Math.max(...rows.map((r) => Number(r.version)))).toBe(SCHEMA_VERSION);
    const tables = (
      await ws.db.all<{ name: string }>(
        'SELECT table_name AS name FROM information_schema.tables ORDER BY 1',
      )
    ).map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'projects',
        'datasets',
        'dataset_versions',
        'runs',
        'params',
        'metrics',
        'latest_metrics',
        'tags',
        'artifacts',
        'experiments',
      ]),
    );
    ws.close();
    const again = await openWorkspace(dir);
    expect((await again.db.all('SELECT * FROM schema_migrations')).length).toBe(migrations.length);
    again.close();
  });

  it('applies the pending migrations whole or not at all, naming the one that fails', async () => {
    const db = await openDatabase(join(t.dir, 'migrate.duckdb'));
    try {
      const tables = async () =>
        (
          await db.all<{ name: string }>(
            'SELECT table_name AS name FROM information_schema.tables ORDER BY 1',
          )
        ).map((r) => r.name);
      const broken = {
        version: SCHEMA_VERSION + 1,
        name: 'broken',
        // A trailing comment does not swallow the statement after it.
        sql: ['CREATE TABLE made_first (x INTEGER) -- a comment', 'CREATE TABLE half ('],
      };
      await expect(migrate(db, [...migrations, broken])).rejects.toThrow(
        `migration ${SCHEMA_VERSION + 1} (broken): `,
      );
      expect(await tables()).toEqual(['schema_migrations']);
      expect(await db.all('SELECT * FROM schema_migrations')).toEqual([]);
      // Mended, every migration applies, in one go.
      const mended = { ...broken, sql: [broken.sql[0]!, 'CREATE TABLE half (y INTEGER)'] };
      expect(await migrate(db, [...migrations, mended])).toEqual([
        ...migrations.map((m) => m.version),
        SCHEMA_VERSION + 1,
      ]);
      expect(await tables()).toEqual(expect.arrayContaining(['made_first', 'half', 'runs']));
      expect(await migrate(db, [...migrations, mended])).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('refuses a workspace written by a newer Lathe', async () => {
    const dir = join(t.dir, 'newer');
    const ws = await openWorkspace(dir);
    await ws.db.run("INSERT INTO schema_migrations VALUES (999, 'future', now())");
    ws.close();
    await expect(openWorkspace(dir)).rejects.toThrow(/schema v999 is newer than this Lathe/);
    expect(existsSync(join(dir, 'lathe.lock'))).toBe(false);
  });

  it('has one writer: a second open fails naming the owner pid, and the lock goes with close', async () => {
    const dir = join(t.dir, 'b');
    const ws = await openWorkspace(dir);
    const lock = JSON.parse(readFileSync(join(dir, 'lathe.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(process.pid);
    const second = await openWorkspace(dir).catch(
      (err: unknown) => err as { code: string; message: string },
    );
    expect(second).toMatchObject({ code: 'WORKSPACE_LOCKED' });
    expect((second as { message: string }).message).toContain(String(process.pid));
    ws.close();
    expect(existsSync(join(dir, 'lathe.lock'))).toBe(false);
    (await openWorkspace(dir)).close();
  });

  it('takes over the lock of a process that died', async () => {
    const dir = join(t.dir, 'c');
    (await openWorkspace(dir)).close();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(
      join(dir, 'lathe.lock'),
      JSON.stringify({
        pid: Number(dead.stdout),
        hostname: hostname(),
        startedAt: new Date().toISOString(),
      }),
    );
    const ws = await openWorkspace(dir);
    expect((JSON.parse(readFileSync(join(dir, 'lathe.lock'), 'utf8')) as { pid: number }).pid).toBe(
      process.pid,
    );
    ws.close();
  });

  it('stores artifacts by content: identical bytes once, under their sha256', async () => {
    const ws = await openWorkspace(join(t.dir, 'd'));
    const bytes = new TextEncoder().encode('weights');
    const a = ws.artifacts.put(bytes);
    const b = ws.artifacts.put(bytes);
    expect(a).toEqual(b);
    expect(a.sha256).toBe(sha256Bytes(bytes));
    expect(readFileSync(ws.artifacts.pathOf(a.sha256), 'utf8')).toBe('weights');
    expect(readdirSync(join(ws.paths.artifacts, 'sha256', a.sha256.slice(0, 2)))).toEqual([
      a.sha256,
    ]);
    ws.close();
  });

  it('rolls back every statement of a failed transaction', async () => {
    const ws = await openWorkspace(join(t.dir, 'e'));
    await expect(
      ws.db.tx(async (sql) => {
        await sql.run("INSERT INTO projects VALUES ('p1', 'One', '', now())");
        await sql.run("INSERT INTO projects VALUES ('p1', 'Duplicate id', '', now())");
      }),
    ).rejects.toThrow();
    expect(await ws.db.all("SELECT * FROM projects WHERE id = 'p1'")).toEqual([]);
    ws.close();
  });
});
