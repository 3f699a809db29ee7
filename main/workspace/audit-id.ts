// Ids of the audit log (registry changes, gate policies): they sort in the order entries were committed.
import { randomBytes } from 'node:crypto';
import type { Sql } from './db';

const TIME_CHARS = 9;
const SEQ_CHARS = 4;
/** Time, counter and 8 random hex digits (older gate-policy entries have 32-hex random ids: not ordered). */
const ID_LENGTH = TIME_CHARS + SEQ_CHARS + 8;
const SEQ_LIMIT = 36 ** SEQ_CHARS;
let auditSeq = 0;

/**
 * The id of an entry stamped `at`, after `previous` (the greatest id written so far): ids sort in the
 * order entries were written — time, then a counter — even when the clock steps back (NTP) or another
 * process wrote the previous entry a moment "later" by its clock.
 */
export function auditIdAfter(at: Date, previous: string | null): string {
  let time = at.getTime();
  auditSeq = (auditSeq + 1) % SEQ_LIMIT;
  let seq = auditSeq;
  if (previous) {
    const prevTime = parseInt(previous.slice(0, TIME_CHARS), 36);
    const prevSeq = parseInt(previous.slice(TIME_CHARS, TIME_CHARS + SEQ_CHARS), 36);
    if (time < prevTime || (time === prevTime && seq <= prevSeq)) {
      time = prevTime;
      seq = prevSeq + 1;
      if (seq >= SEQ_LIMIT) {
        time += 1;
        seq = 0;
      }
    }
  }
  return `${time.toString(36).padStart(TIME_CHARS, '0')}${seq.toString(36).padStart(SEQ_CHARS, '0')}${randomBytes(4).toString('hex')}`;
}

/**
 * The id of an audit entry stamped `at`, written through `sql` (the change's transaction: the single
 * writer runs them one at a time, so the greatest id read here is the last one committed).
 */
export async function nextAuditId(sql: Sql, at: Date): Promise<string> {
  const last = await sql.one<{ id: string | null }>(
    'SELECT max(id) AS id FROM audit_log WHERE length(id) = ?',
    [ID_LENGTH],
  );
  return auditIdAfter(at, last?.id ?? null);
}
