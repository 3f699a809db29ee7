// Run ids as users give them: a full id or a unique prefix of one.
import { LatheError } from '../../shared/contract';
import type { Database } from '../workspace/db';

/** The full id of a run given by id or unique prefix; NOT_FOUND names it, an ambiguous prefix INVALID_INPUT. */
export async function resolveRunId(db: Database, idOrPrefix: string): Promise<string> {
  const rows = await db.all<{ id: string }>(
    'SELECT id FROM runs WHERE starts_with(id, ?) LIMIT 2',
    [idOrPrefix.toLowerCase()],
  );
  if (rows.length === 0)
    throw new LatheError('NOT_FOUND', `no run with id '${idOrPrefix}'`, { id: idOrPrefix });
  if (rows.length > 1)
    throw new LatheError(
      'INVALID_INPUT',
      `run id prefix '${idOrPrefix}' is ambiguous; give more characters`,
    );
  return rows[0]!.id;
}

/** resolveRunId for many ids or prefixes in one query; full ids in the given order, each once. */
export async function resolveRunIds(
  db: Database,
  idsOrPrefixes: readonly string[],
): Promise<string[]> {
  const prefixes = [...new Set(idsOrPrefixes)];
  // `VALUES` with no rows is not SQL; none given resolves to none.
  if (prefixes.length === 0) return [];
  const matches = await db.all<{ p: string; id: string | null }>(
    `SELECT q.p, r.id FROM (VALUES ${prefixes.map(() => '(?)').join(', ')}) q(p)
       LEFT JOIN runs r ON starts_with(r.id, lower(q.p))`,
    prefixes,
  );
  const byPrefix = new Map<string, string[]>();
  for (const m of matches) {
    const list = byPrefix.get(m.p) ?? [];
    if (m.id !== null) list.push(String(m.id));
    byPrefix.set(m.p, list);
  }
  const ids: string[] = [];
  for (const p of prefixes) {
    const found = byPrefix.get(p) ?? [];
    if (found.length === 0) throw new LatheError('NOT_FOUND', `no run with id '${p}'`, { id: p });
    if (found.length > 1)
      throw new LatheError(
        'INVALID_INPUT',
        `run id prefix '${p}' is ambiguous; give more characters`,
        { id: p },
      );
    if (!ids.includes(found[0]!)) ids.push(found[0]!);
  }
  return ids;
}
