/** Page indexes covering rows first..last (inclusive), for windowed fetches. */
export function pagesForRange(first: number, last: number, pageSize: number): number[] {
  if (last < first || pageSize <= 0) return [];
  const pages: number[] = [];
  for (let p = Math.floor(first / pageSize); p <= Math.floor(last / pageSize); p += 1)
    pages.push(p);
  return pages;
}
