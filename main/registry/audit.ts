// The audit log: every registry change writes its entries in the change's own transaction, stamped with
// who made it; history reads them back in the order they were written (ids increase in commit order).
import { userInfo } from 'node:os';
import type { AuditAction, AuditEntry } from '../../shared/contract';
import { nextAuditId } from '../workspace/audit-id';
import { text, textOrNull, type Sql } from '../workspace/db';
import { iso } from '../workspace/projects';

/** The OS user, else $USER, else 'unknown'. */
export function osActor(): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // userInfo throws where the uid has no passwd entry (some containers).
  }
  return process.env.USER || process.env.USERNAME || 'unknown';
}

/** One audit entry as a change writes it. */
export interface AuditWrite {
  action: AuditAction;
  modelId: string;
  version: number | null;
  details: Record<string, unknown>;
  reason?: string | null;
}

/** Writes an entry through `sql` (the change's transaction), stamped `at` and with the current actor. */
export type AuditLog = (sql: Sql, at: Date, entry: AuditWrite) => Promise<void>;

export function createAuditLog(actor: () => string): AuditLog {
  return async (sql, at, entry) => {
    await sql.run('INSERT INTO audit_log VALUES (?, epoch_ms(?::BIGINT), ?, ?, ?, ?, ?::JSON, ?)', [
      await nextAuditId(sql, at),
      at.getTime(),
      actor(),
      entry.action,
      entry.modelId,
      entry.version,
      JSON.stringify(entry.details),
      entry.reason ?? null,
    ]);
  };
}

/** A model's audit entries, oldest first. */
export async function readAudit(
  sql: Sql,
  model: { id: string; name: string },
): Promise<AuditEntry[]> {
  const rows = await sql.all(
    'SELECT id, "at", actor, action, version, details::VARCHAR AS details, reason FROM audit_log WHERE model_id = ? ORDER BY id',
    [model.id],
  );
  return rows.map((r) => ({
    id: text(r.id),
    at: iso(r.at),
    actor: text(r.actor),
    action: text(r.action) as AuditAction,
    model: model.name,
    version: r.version === null ? null : Number(r.version),
    details: JSON.parse(text(r.details)) as Record<string, unknown>,
    reason: textOrNull(r.reason),
  }));
}
