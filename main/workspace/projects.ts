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

/** Projects: the top-level grouping of datasets and experiments. */
export interface ProjectStore {
  list(): Promise<Project[]>;
  create(name: string, description: string): Promise<Project>;
  /** The id of a project by name, creating it inside `sql` (a transaction) when missing. */
  ensure(sql: Sql, name: string): Promise<string>;
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
    async ensure(sql, name) {
      const row = await sql.one<{ id: string }>('SELECT id FROM projects WHERE name = ?', [name]);
      if (row) return row.id;
      const id = newId();
      await sql.run("INSERT INTO projects VALUES (?, ?, '', now())", [id, name]);
      return id;
    },
  };
}
