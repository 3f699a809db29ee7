import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditIdAfter } from '../../../../main/workspace/audit-id';

describe('audit ids', () => {
  it('sort in the order they are made, whatever the clock says', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4_000_000_000_000 }), { minLength: 1, maxLength: 60 }),
        (times) => {
          const ids: string[] = [];
          for (const t of times) ids.push(auditIdAfter(new Date(t), ids.at(-1) ?? null));
          expect([...ids].sort()).toEqual(ids);
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
      { seed: 13, numRuns: 200 },
    );
  });

  it('keeps the time of a clock that moves forward, and follows the last id when it steps back', () => {
    const first = auditIdAfter(new Date(2_000_000), null);
    const later = auditIdAfter(new Date(3_000_000), first);
    expect(parseInt(later.slice(0, 9), 36)).toBe(3_000_000);
    const stepBack = auditIdAfter(new Date(1_000_000), later);
    expect(parseInt(stepBack.slice(0, 9), 36)).toBe(3_000_000);
    expect(stepBack > later).toBe(true);
  });
});
