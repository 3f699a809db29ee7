// Reference resolution: `NAME`, `NAME@version` and `NAME@alias` to the model_versions row they name.
import { LatheError, parseModelRef } from '../../shared/contract';
import type { Row, Sql } from '../workspace/db';

export interface VersionRow extends Row {
  id: string;
  model_id: string;
  model: string;
  version: number;
  run_id: string | null;
  stage: string;
  signature: string;
  source: string | null;
  card: string | null;
  created_at: unknown;
  created_by: string;
}

export interface ModelRow extends Row {
  id: string;
  name: string;
  description: string;
  project: string;
  created_at: unknown;
}

export const VERSION_SELECT = `SELECT mv.id, mv.model_id, m.name AS model, mv.version, mv.run_id, mv.stage,
  mv.signature::VARCHAR AS signature, mv.source::VARCHAR AS source, mv.card::VARCHAR AS card,
  mv.created_at, mv.created_by
  FROM model_versions mv JOIN models m ON m.id = mv.model_id`;

export const MODEL_SELECT = `SELECT m.id, m.name, m.description, p.name AS project, m.created_at
  FROM models m JOIN projects p ON p.id = m.project_id`;

/** The model named `name`; NOT_FOUND names it. */
export async function modelRow(sql: Sql, name: string): Promise<ModelRow> {
  const row = await sql.one<ModelRow>(`${MODEL_SELECT} WHERE m.name = ?`, [name]);
  if (!row) throw new LatheError('NOT_FOUND', `no model '${name}'`, { model: name });
  return row;
}

/**
 * The version row a reference names, read through `sql` (the database or a transaction); NOT_FOUND
 * names the model, version or alias.
 */
export async function resolveRow(sql: Sql, ref: string): Promise<VersionRow> {
  const parts = parseModelRef(ref);
  const model = await modelRow(sql, parts.name);
  let version: number;
  if (parts.kind === 'alias') {
    const a = await sql.one<{ version: number }>(
      'SELECT version FROM model_aliases WHERE model_id = ? AND alias = ?',
      [model.id, parts.alias],
    );
    if (!a)
      throw new LatheError('NOT_FOUND', `model '${parts.name}' has no alias '${parts.alias}'`, {
        model: parts.name,
        alias: parts.alias,
      });
    version = Number(a.version);
  } else if (parts.kind === 'version') {
    version = parts.version;
  } else {
    const latest = await sql.one<{ v: number | null }>(
      'SELECT max(version) AS v FROM model_versions WHERE model_id = ?',
      [model.id],
    );
    if (latest?.v === null || latest?.v === undefined)
      throw new LatheError('NOT_FOUND', `model '${parts.name}' has no versions`, {
        model: parts.name,
      });
    version = Number(latest.v);
  }
  const row = await sql.one<VersionRow>(
    `${VERSION_SELECT} WHERE mv.model_id = ? AND mv.version = ?`,
    [model.id, version],
  );
  if (!row)
    throw new LatheError('NOT_FOUND', `model '${parts.name}' has no version ${version}`, {
      model: parts.name,
      version,
    });
  return row;
}
