// Line elements of the virtualized runs table are reused as they scroll: each is keyed by its slot (its
// line's index modulo the pool, the most lines ever in view) and given to whichever line takes that slot.

/** The pool after `inView` lines are in view: never smaller, and even, so a slot's stripe never changes. */
export function growPool(pool: number, inView: number): number {
  return inView > pool ? inView + (inView % 2) : pool;
}

/**
 * The lines to render, from `first` (the first line in view) on, of a table of `count` lines: as many as
 * the pool holds (fewer only when the table is shorter), so every slot keeps its element, and in the order
 * of their slots. As the window moves, the keys keep their order, so React gives each element its new
 * line in place. In the table's order the keys rotate, and React moved the elements of about half the
 * lines on every scrolled frame, which re-attached them and restyled and laid out each of their cells.
 */
export function slotLines(first: number, count: number, pool: number): number[] {
  const n = Math.min(pool, count);
  const start = Math.max(0, Math.min(first, count - n));
  const lines = Array.from({ length: n }, (_, k) => start + k);
  return lines.sort((a, b) => (a % pool) - (b % pool));
}
