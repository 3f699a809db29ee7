import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../../shared/contract';
import { replayHistory } from '../../../../main/registry/history';

let seq = 0;
const entry = (
  at: string,
  action: AuditEntry['action'],
  version: number | null,
  details: Record<string, unknown> = {},
): AuditEntry => ({
  id: String(seq++).padStart(4, '0'),
  at,
  actor: 'ana',
  action,
  model: 'penguin',
  version,
  details,
  reason: null,
});

const log = [
  entry('2026-03-01T10:00:00.000Z', 'register', 1),
  entry('2026-03-01T11:00:00.000Z', 'alias', 1, { alias: 'champion', from: null, to: 1 }),
  entry('2026-03-02T09:00:00.000Z', 'import', 2),
  entry('2026-03-02T10:00:00.000Z', 'stage', 2, { from: 'none', to: 'production' }),
  entry('2026-03-02T12:00:00.000Z', 'alias', 2, { alias: 'champion', from: 1, to: 2 }),
  entry('2026-03-02T12:00:00.000Z', 'alias', 2, { alias: 'beta', from: null, to: 2 }),
  entry('2026-03-03T08:00:00.000Z', 'unalias', 2, { alias: 'beta', from: 2 }),
];

describe('replayHistory', () => {
  it('replays aliases and stages up to the end of a day, sorted by alias and version', () => {
    expect(replayHistory(log, '2026-03-01')).toEqual({
      at: '2026-03-01T23:59:59.999Z',
      aliases: [{ alias: 'champion', version: 1 }],
      versions: [{ version: 1, stage: 'none' }],
    });
    expect(replayHistory(log, '2026-03-02')).toEqual({
      at: '2026-03-02T23:59:59.999Z',
      aliases: [
        { alias: 'beta', version: 2 },
        { alias: 'champion', version: 2 },
      ],
      versions: [
        { version: 1, stage: 'none' },
        { version: 2, stage: 'production' },
      ],
    });
  });

  it('replays up to an instant, and drops an alias once removed', () => {
    expect(replayHistory(log, '2026-03-02T10:30:00Z').aliases).toEqual([
      { alias: 'champion', version: 1 },
    ]);
    expect(replayHistory(log, '2026-03-04').aliases).toEqual([{ alias: 'champion', version: 2 }]);
    expect(replayHistory(log, '2026-02-28').versions).toEqual([]);
  });

  it('refuses what is not a date, naming the field', () => {
    expect(() => replayHistory(log, 'last tuesday')).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: "at: 'last tuesday' is not a date",
        details: { field: 'at' },
      }),
    );
  });
});
