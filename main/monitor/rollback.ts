// Rollback: `champion` back to the version it pointed to before its latest move, read from the audit log.
import { CHAMPION, LatheError, type AuditEntry } from '../../shared/contract';
import type { AuditLog } from '../registry/audit';
import type { RegistryStore } from '../registry/registry-store';
import { modelRow } from '../registry/refs';
import type { Database } from '../workspace/db';

/**
 * The versions `champion` pointed to, oldest first, as the audit log (oldest first) leaves them: every
 * move pushes its version and a rollback pops the version it left, so a second rollback goes one
 * further back instead of undoing the first.
 */
export function championStack(entries: readonly AuditEntry[]): number[] {
  const stack: number[] = [];
  for (const e of entries) {
    if (e.action !== 'alias' || e.details.alias !== CHAMPION) continue;
    const to = Number(e.details.to);
    if (e.details.rollback === true) {
      stack.pop();
      if (stack[stack.length - 1] !== to) stack.push(to);
    } else stack.push(to);
  }
  return stack;
}

export interface RollbackInput {
  name: string;
  reason?: string;
  /** Roll back only while `champion` still points here (an alert names the version it judged). */
  from?: number;
}

/**
 * Points `champion` of `name` back at its previous version in one transaction with its audit entry (an
 * `alias` entry marked `rollback: true`, with the reason). Not gated: the version it restores passed
 * its gates when it was promoted, and a rollback must work when the new champion is failing. NOT_FOUND
 * without a champion, INVALID_INPUT when there is no earlier one or `from` is no longer the champion.
 */
export async function rollbackChampion(
  deps: { db: Database; registry: RegistryStore; audit: AuditLog; now: () => Date },
  input: RollbackInput,
): Promise<{ model: string; from: number; to: number }> {
  const { db, registry, audit } = deps;
  const { name } = input;
  const history = await registry.history(name);
  const stack = championStack(history.entries);
  const at = deps.now();
  let result: { from: number; to: number } | undefined;
  await db.tx(async (sql) => {
    const model = await modelRow(sql, name);
    const current = await sql.one<{ version: number }>(
      'SELECT version FROM model_aliases WHERE model_id = ? AND alias = ?',
      [model.id, CHAMPION],
    );
    if (!current)
      throw new LatheError('NOT_FOUND', `model '${name}' has no champion to roll back`, {
        model: name,
      });
    const from = Number(current.version);
    if (input.from !== undefined && input.from !== from)
      throw new LatheError(
        'INVALID_INPUT',
        `${name}@${CHAMPION} is v${from}, not v${input.from}: it moved since; nothing rolled back`,
        { model: name, champion: from },
      );
    const earlier = stack[stack.length - 1] === from ? stack[stack.length - 2] : stack.at(-1);
    if (earlier === undefined || earlier === from)
      throw new LatheError(
        'INVALID_INPUT',
        `model '${name}' has no earlier champion than v${from} to roll back to`,
        { model: name, champion: from },
      );
    await sql.run(
      `UPDATE model_aliases SET version = ?, updated_at = epoch_ms(?::BIGINT) WHERE model_id = ? AND alias = ?`,
      [earlier, at.getTime(), model.id, CHAMPION],
    );
    await audit(sql, at, {
      action: 'alias',
      modelId: model.id,
      version: earlier,
      details: { alias: CHAMPION, from, to: earlier, rollback: true },
      reason: `rollback${input.reason ? `: ${input.reason}` : ''}`,
    });
    result = { from, to: earlier };
  });
  return { model: name, ...result! };
}
