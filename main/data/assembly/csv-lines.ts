// The CSV structure scan's inner loop (AssemblyScript, compiled to WebAssembly with SIMD by
// main/train/kernel/build.mjs into ../csv-wasm.ts): runs over whole lines of an unquoted stretch of a
// chunk, 16 bytes at a time, where main/data/csv-scan.ts would count a line's delimiters byte by byte in
// JavaScript. It takes only regular lines (no quote, the header's number of delimiters, no carriage return
// but one right before the line feed) and stops at the first other line, which the JavaScript scan then
// reads itself, raising its error or skipping it as a blank line.

/** The first byte the caller may use. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

let lineCount: i32 = 0;
let crlfCount: i32 = 0;
let longestLine: i32 = 0;

/** Lines the last `regularLines` took. */
export function lines(): i32 {
  return lineCount;
}

/** Of those, the lines that end with CRLF (the others end with a bare LF). */
export function crlfLines(): i32 {
  return crlfCount;
}

/** Bytes of the longest of those lines, its line end included. */
export function longest(): i32 {
  return longestLine;
}

/**
 * Takes the complete regular lines of [from, to), `from` being a line's first byte: each ends with a line
 * feed before `to`, holds `delimiters` delimiters and no quote, and has no carriage return but one right
 * before its line feed. Returns the first byte of the first line it did not take (`to` at most). Reads up
 * to 16 bytes past `to`, which the caller's memory must hold.
 */
export function regularLines(from: usize, to: usize, delimiter: i32, delimiters: i32): usize {
  const nlv = i8x16.splat(10);
  const crv = i8x16.splat(13);
  const quotev = i8x16.splat(34);
  const dv = i8x16.splat(<i8>delimiter);
  let start = from; // the current line's first byte
  let count: i32 = 0; // its delimiters so far
  let crBefore = false; // the byte before this block is a CR (then followed by this block's first byte, a LF)
  let taken: i32 = 0;
  let crlf: i32 = 0;
  let long: i32 = 0;
  for (let p = from; p < to; p += 16) {
    const v = v128.load(p);
    let nl = i8x16.bitmask(i8x16.eq(v, nlv));
    let d = i8x16.bitmask(i8x16.eq(v, dv));
    let cr = i8x16.bitmask(i8x16.eq(v, crv));
    let quote = i8x16.bitmask(i8x16.eq(v, quotev));
    const left = to - p;
    if (left < 16) {
      const keep = (1 << <i32>left) - 1;
      nl &= keep;
      d &= keep;
      cr &= keep;
      quote &= keep;
    }
    while (nl) {
      const k = ctz(nl);
      const before = (1 << k) - 1;
      const crs = cr & before;
      if (
        count + popcnt(d & before) != delimiters ||
        quote & before ||
        (crs && crs != 1 << (k - 1))
      )
        return finish(start, taken, crlf, long);
      if (crs || (k == 0 && crBefore)) crlf++;
      crBefore = false;
      taken++;
      const end = p + <usize>k + 1;
      const length = <i32>(end - start);
      if (length > long) long = length;
      start = end;
      count = 0;
      // The bits after this line feed.
      const after = ~((2 << k) - 1);
      nl &= after;
      d &= after;
      cr &= after;
      quote &= after;
    }
    // The rest of the block is the start of the next line.
    if (quote) return finish(start, taken, crlf, long);
    count += popcnt(d);
    if (cr) {
      // Only a CR in the block's last byte, with a LF right after it before `to`, may stand.
      if (cr != 0x8000 || p + 16 >= to || load<u8>(p + 16) != 10)
        return finish(start, taken, crlf, long);
      crBefore = true;
    }
  }
  return finish(start, taken, crlf, long);
}

function finish(start: usize, taken: i32, crlf: i32, long: i32): usize {
  lineCount = taken;
  crlfCount = crlf;
  longestLine = long;
  return start;
}
