import { describe, expect, it } from 'vitest';
import { growPool, slotLines } from '../../../../renderer/views/Experiments/runs-table/slots';

describe('runs table line slots', () => {
  it('grows the pool to the most lines in view, even, and never shrinks it', () => {
    expect(growPool(2, 25)).toBe(26);
    expect(growPool(26, 26)).toBe(26);
    expect(growPool(26, 21)).toBe(26);
    expect(growPool(26, 28)).toBe(28);
  });

  it('fills every slot once, in slot order, wherever the window is', () => {
    const pool = 26;
    const count = 1000;
    let before: number[] | null = null;
    for (let first = 0; first < count; first += 7) {
      const lines = slotLines(first, count, pool);
      expect(lines).toHaveLength(pool);
      // Each slot once, ascending: React sees the same keys in the same order on every frame.
      expect(lines.map((l) => l % pool)).toEqual(Array.from({ length: pool }, (_, k) => k));
      // The lines are the window's: consecutive, from `first` (moved back only at the table's end).
      const sorted = [...lines].sort((a, b) => a - b);
      expect(sorted[0]).toBe(Math.min(first, count - pool));
      expect(sorted[pool - 1]! - sorted[0]!).toBe(pool - 1);
      // A slot keeps its line until that line leaves the window.
      if (before)
        for (const [k, line] of lines.entries())
          if (line >= sorted[0]! && before[k]! >= sorted[0]!) expect(line).toBe(before[k]);
      before = lines;
    }
  });

  it('renders every line of a table shorter than the pool', () => {
    expect(slotLines(0, 3, 26)).toEqual([0, 1, 2]);
    expect(slotLines(5, 3, 26)).toEqual([0, 1, 2]);
    expect(slotLines(0, 0, 26)).toEqual([]);
  });
});
