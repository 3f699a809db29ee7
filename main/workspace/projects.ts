import { randomUUID } from 'node:crypto';
import { LatheError, type Project } from '../../shared/contract';
import type { Database, Sql } from './db';

export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string')
    return new Date(value.replace(' ', 'T') + (value.endsWith('Z') ? '' : 'Z')).toISOString();
  return new Date(Number(value)).toISOString();
}

/** Like iso() but keeps null. */
export function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

/** Projects: the top-level grouping of datasets and experiments. */
export interface ProjectStore {
  list(): Promise<Project[]>;
  create(name: string, description: string): Promise<Project>;
  /** The id of a project by name, creating it inside `sql` (a transaction) when missing. */
  ensure(sql: Sql, name: string): Promise<string>;
  /** Renames a project; INVALID_INPUT when the new name is taken. */
  rename(name: string, to: string): Promise<{ name: string; previous: string }>;
  /**
   * Deletes a project and its experiments that hold no run. INVALID_INPUT naming them while it holds
   * datasets (soft-deleted ones too), runs (likewise) or models.
   */
  remove(name: string): Promise<{ name: string; experiments: number }>;
}

/** Lists at most `n` items for a message, saying how many more there are. */
export function some(items: string[], n = 10): string {
  return items.length > n
    ? `${items.slice(0, n).join(', ')} and ${items.length - n} more`
    : items.join(', ');
}

export function createProjectStore(db: Database): ProjectStore {
  const list = async (): Promise<Project[]> => {
    const rows = await db.all(`
      SELECT p.id, p.name, p.description, p.created_at,
        (SELECT count(*) FROM datasets d WHERE d.project_id = p.id) AS datasets,
        (SELECT count(*) FROM runs r JOIN experiments e ON r.experiment_id = e.id WHERE e.project_id = p.id) AS runs
      FROM projects p ORDER BY p.created_at`);
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      description: String(r.description),
      createdAt: iso(r.created_at),
      datasetCount: Number(r.datasets),
      runCount: Number(r.runs),
    }));
  };
  return {
    list,
    async create(name, description) {
      await db.tx(async (sql) => {
        if (await sql.one('SELECT id FROM projects WHERE name = ?', [name])) {
          throw new LatheError('INVALID_INPUT', `a project named '${name}' already exists`, {
            name,
          });
        }
        await sql.run('INSERT INTO projects VALUES (?, ?, ?, now())', [newId(), name, description]);
      });
      return (await list()).find((p) => p.name === name)!;
    },
    async rename(name, to) {
      await db.tx(async (sql) => {
        const row = await sql.one<{ id: string }>('SELECT id FROM projects WHERE name = ?', [name]);
        if (!row) throw new LatheError('NOT_FOUND', `no project named '${name}'`, { name });
        if (to === name) return;
        if (await sql.one('SELECT id FROM projects WHERE name = ?', [to]))
          throw new LatheError('INVALID_INPUT', `a project named '${to}' already exists`, {
            name: to,
          });
        await sql.run('UPDATE projects SET name = ? WHERE id = ?', [to, row.id]);
      });
      return { name: to, previous: name };
    },
    async remove(name) {
      return db.tx(async (sql) => {
        const row = await sql.one<{ id: string }>('SELECT id FROM projects WHERE name = ?', [name]);
        if (!row) throw new LatheError('NOT_FOUND', `no project named '${name}'`, { name });
        const names = async (query: string) =>
          (await sql.all<{ name: string }>(query, [row.id])).map((r) => String(r.name));
        const datasets = await names(
          `SELECT name || CASE WHEN deleted_at IS NULL THEN '' ELSE ' (deleted)' END AS name
           FROM datasets WHERE project_id = ? ORDER BY name`,
        );
        const runs = await names(
          `SELECT r.name || CASE WHEN r.deleted_at IS NULL THEN '' ELSE ' (deleted)' END AS name
           FROM runs r JOIN experiments e ON r.experiment_id = e.id WHERE e.project_id = ?
           ORDER BY r.started_at`,
        );
        const models = await names('SELECT name FROM models WHERE project_id = ? ORDER BY name');
        const held = [
          datasets.length ? `datasets ${some(datasets)}` : '',
          runs.length ? `${runs.length} run${runs.length === 1 ? '' : 's'} (${some(runs, 5)})` : '',
          models.length ? `models ${some(models)}` : '',
        ].filter(Boolean);
        if (held.length)
          throw new LatheError(
            'INVALID_INPUT',
            `cannot delete project '${name}': it holds ${held.join('; ')}. Delete or move them first.`,
            { name, datasets, runs, models },
          );
        const [{ n = 0 } = {}] = await sql.all<{ n: number }>(
          'SELECT count(*) AS n FROM experiments WHERE project_id = ?',
          [row.id],
        );
        await sql.run('DELETE FROM experiments WHERE project_id = ?', [row.id]);
        await sql.run('DELETE FROM gate_policies WHERE project_id = ?', [row.id]);
        await sql.run('DELETE FROM projects WHERE id = ?', [row.id]);
        return { name, experiments: Number(n) };
      });
    },
    async ensure(sql, name) {
      const row = await sql.one<{ id: string }>('SELECT id FROM projects WHERE name = ?', [name]);
      if (row) return row.id;
      const id = newId();
      await sql.run("INSERT INTO projects VALUES (?, ?, '', now())", [id, name]);
      return id;
    },
  };
}
