import { isUtf8 as isUtf8Bytes } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { LatheError } from '../../shared/contract';
import { wasm, type WasmMemory } from '../workspace/wasm';
import { CSV_WASM_BASE64 } from './csv-wasm';

export interface CsvShape {
  delimiter: string;
  header: string[];
  /** Data records (excluding the header and blank lines). */
  records: number;
  /** Whether every byte is valid UTF-8; when not, the file is read as Latin-1 (ISO-8859-1). */
  utf8: boolean;
  /** Records end with CRLF in some places and a bare LF in others (DuckDB's strict reader refuses it). */
  mixedLineEndings: boolean;
  /** Bytes of the longest record, line ends and quoted newlines included. */
  longestRecordBytes: number;
}

const CANDIDATES = [',', '\t', ';', '|'];
const QUOTE = 0x22;
const NL = 0x0a;
const CR = 0x0d;

/**
 * How many bytes at the end of `bytes` begin a UTF-8 character that continues past it (0 to 3): a chunk
 * read from a file may end inside one.
 */
export function incompleteUtf8Tail(bytes: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, bytes.length); k++) {
    const c = bytes[bytes.length - k]!;
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    const length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return length > k ? k : 0;
  }
  return 0;
}

/** How many times `byte` occurs in bytes[from, to). */
function countByte(bytes: Uint8Array, from: number, to: number, byte: number): number {
  let count = 0;
  for (let j = from; j < to; j++) if (bytes[j] === byte) count++;
  return count;
}

/** Splits one line of text on a delimiter, honouring double quotes. */
export function splitHeader(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(field.trim());
      field = '';
    } else field += ch;
  }
  out.push(field.trim());
  return out;
}

function pickDelimiter(firstLine: string, preferred?: string): string {
  if (preferred) return preferred;
  let best = ',';
  let bestCount = 0;
  for (const d of CANDIDATES) {
    const n = splitHeader(firstLine, d).length - 1;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/**
 * The delimiter of a file from its first line (the header), as scanCsv picks it: known before the scan,
 * so the conversion can start while the scan runs.
 */
export function sniffDelimiter(path: string, preferred?: string): string {
  if (preferred) return preferred;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    return pickDelimiter(text.split(/\r?\n/)[0] ?? '');
  } finally {
    closeSync(fd);
  }
}

/** The bytes a scan reads at once. */
const CHUNK_BYTES = 1 << 20;

/** The exports of assembly/csv-lines.ts (see there). */
export interface LineKernelExports {
  memory: WasmMemory;
  heapBase(): number;
  regularLines(from: number, to: number, delimiter: number, delimiters: number): number;
  lines(): number;
  crlfLines(): number;
  longest(): number;
}

/** A scan's instance of the line kernel, and its read buffer: CHUNK_BYTES of the kernel's memory at `base`. */
export interface LineKernel {
  k: LineKernelExports;
  base: number;
  buf: Buffer;
}

let compiledKernel: object | undefined;

/**
 * A fresh instance of the line kernel (assembly/csv-lines.ts) whose memory holds the scan's read buffer, so
 * the file is read straight into it; null where this engine has no WebAssembly SIMD.
 */
export function lineKernel(): LineKernel | null {
  try {
    compiledKernel ??= new wasm.Module(Buffer.from(CSV_WASM_BASE64, 'base64'));
    const k = new wasm.Instance(compiledKernel, {}).exports as LineKernelExports;
    const base = k.heapBase();
    // 16 bytes past the buffer: the kernel reads whole 16-byte blocks.
    const missing = base + CHUNK_BYTES + 16 - k.memory.buffer.byteLength;
    if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
    return { k, base, buf: Buffer.from(k.memory.buffer, base, CHUNK_BYTES) };
  } catch {
    return null;
  }
}

/**
 * Reads a delimited file once, checking its structure the way a user would: every record has as many
 * fields as the header, and no column name appears twice. Errors name the file, line and column. Runs of
 * regular lines go through a WebAssembly SIMD loop (assembly/csv-lines.ts), 16 bytes at a time; `jsOnly`
 * reads every line in JavaScript, as an engine without WebAssembly does (the tests compare the two).
 */
export async function scanCsv(
  path: string,
  preferredDelimiter?: string,
  onChunk?: (bytes: Buffer) => void,
  { jsOnly = false }: { jsOnly?: boolean } = {},
): Promise<CsvShape> {
  const file = basename(path);
  // Chunked async reads: a large file never blocks the event loop (IPC, the host) while it is scanned.
  const handle = await open(path, 'r');
  try {
    const kernel = jsOnly ? null : lineKernel();
    const buf = kernel?.buf ?? Buffer.alloc(CHUNK_BYTES);
    let headerBytes: number[] = [];
    let headerDone = false;
    let delimiter = 0;
    let header: string[] = [];
    let quoted = false;
    let fields = 1;
    let recordHasContent = false;
    let line = 1;
    let recordStartLine = 1;
    let records = 0;
    let prevWasQuote = false;
    let offset = 0; // file offset of buf[0]
    let recordStart = 0;
    let longest = 0;
    let lfEnds = 0;
    let crlfEnds = 0;
    let lastByte = -1; // last byte of the previous chunk
    let pendingCr = false; // a CR outside quotes ended the previous chunk
    let isUtf8 = true;
    // The end of the last chunk read when it stops inside a multi-byte character: checked with the next.
    let utf8Tail = Buffer.alloc(0);

    const bareCr = () => {
      throw new LatheError(
        'CORRUPT_FILE',
        `${file} line ${line}: a carriage return (CR) without a line feed ends a line; save the file with LF or CRLF line ends`,
        { file: path, line },
      );
    };
    /** After a closing quote comes the next field, the line end, or a doubled quote (handled before). */
    const afterQuote = (c: number) => {
      if (c === delimiter || c === NL || c === CR) return;
      throw new LatheError(
        'CORRUPT_FILE',
        `${file} line ${line}: text after the closing quote of a field (${JSON.stringify(String.fromCharCode(c))}); a quote inside a quoted field is written twice ("")`,
        { file: path, line },
      );
    };
    /** A line feed outside quotes at buf[i]: counts the record's line end (CRLF or LF). */
    const lineEnd = (buffer: Buffer, i: number) => {
      if ((i > 0 ? buffer[i - 1] : lastByte) === CR) crlfEnds++;
      else lfEnds++;
      longest = Math.max(longest, offset + i + 1 - recordStart);
      recordStart = offset + i + 1;
    };

    /**
     * Takes the regular lines of buf[i, stop) in the line kernel, i a line's first byte, and counts them;
     * returns where it stopped.
     */
    const regularLines = (kernel: LineKernel, i: number, stop: number): number => {
      // The kernel tells a delimiter from the quote and line ends only for a one-byte delimiter.
      if (header.length < 2 || delimiter >= 0x80 || [QUOTE, NL, CR].includes(delimiter)) return i;
      const k = kernel.k;
      const next = k.regularLines(
        kernel.base + i,
        kernel.base + stop,
        delimiter,
        header.length - 1,
      );
      const taken = k.lines();
      if (taken === 0) return i;
      const crlf = k.crlfLines();
      crlfEnds += crlf;
      lfEnds += taken - crlf;
      longest = Math.max(longest, k.longest());
      records += taken;
      line += taken;
      recordStartLine = line;
      recordStart = offset + next - kernel.base;
      return next - kernel.base;
    };

    const endRecord = () => {
      if (!headerDone) {
        const text = Buffer.from(headerBytes)
          .toString('utf8')
          .replace(/^\uFEFF/, '');
        const d = pickDelimiter(text, preferredDelimiter);
        delimiter = d.charCodeAt(0);
        header = splitHeader(text, d);
        headerDone = true;
        headerBytes = [];
        checkHeader(file, header);
      } else if (recordHasContent) {
        if (fields !== header.length) {
          throw new LatheError(
            'RAGGED_ROWS',
            `${file} line ${recordStartLine}: ${fields} field${fields === 1 ? '' : 's'}, expected ${header.length} (as in the header)`,
            { file: path, line: recordStartLine, fields, expected: header.length },
          );
        }
        records++;
      }
      fields = 1;
      recordHasContent = false;
    };

    for (;;) {
      const { bytesRead: n } = await handle.read(buf, 0, buf.length, null);
      if (n === 0) break;
      onChunk?.(buf.subarray(0, n));
      if (isUtf8) {
        const bytes = utf8Tail.length
          ? Buffer.concat([utf8Tail, buf.subarray(0, n)])
          : buf.subarray(0, n);
        const cut = bytes.length - incompleteUtf8Tail(bytes);
        isUtf8 = isUtf8Bytes(bytes.subarray(0, cut));
        utf8Tail = Buffer.from(bytes.subarray(cut));
      }
      if (pendingCr && buf[0] !== NL) bareCr();
      pendingCr = false;
      // Only the bytes read: the buffer's tail may hold an earlier, longer chunk.
      const chunk = buf.subarray(0, n);
      for (let i = 0; i < n; i++) {
        if (headerDone && !quoted) {
          // Fast path up to the next quote, a line at a time: the line feed found natively, then one pass
          // counting delimiters in locals (a closure's variables are slower to update byte by byte). Same
          // rules as the general loop below, with the quote branches left out.
          const q = chunk.indexOf(QUOTE, i);
          const stop = q < 0 ? n : q;
          if (stop > i && prevWasQuote) afterQuote(chunk[i]!);
          if (stop > i) prevWasQuote = false;
          const d = delimiter;
          let f: number = fields;
          let content: boolean = recordHasContent;
          // The next carriage return at or after i (n when none is left): found once, not a line at a time.
          let cr = -1;
          while (i < stop) {
            const nl = chunk.indexOf(NL, i);
            const end = nl < 0 || nl > stop ? stop : nl;
            f += countByte(chunk, i, end, d);
            if (cr < i) {
              cr = chunk.indexOf(CR, i);
              if (cr < 0) cr = n;
            }
            // A CR is allowed only right before a line feed.
            while (cr < end) {
              if (cr + 1 === n) pendingCr = true;
              else if (chunk[cr + 1] !== NL) bareCr();
              cr = chunk.indexOf(CR, cr + 1);
              if (cr < 0) cr = n;
            }
            if (!content)
              for (let j = i; j < end; j++) {
                const c = chunk[j]!;
                if (c === d || (c !== 0x20 && c !== 0x09 && c !== CR)) {
                  content = true;
                  break;
                }
              }
            if (end !== nl) {
              i = end;
              break;
            }
            fields = f;
            recordHasContent = content;
            lineEnd(chunk, nl);
            line++;
            endRecord();
            recordStartLine = line;
            f = fields;
            content = recordHasContent;
            i = nl + 1;
            // The regular lines after this one, in WebAssembly: it stops at the first other line (or
            // the stretch's end), which this loop then reads.
            if (kernel && i < stop) i = regularLines(kernel, i, stop);
          }
          fields = f;
          recordHasContent = content;
          if (i === n) break;
        }
        const b = buf[i]!;
        if (!headerDone) {
          if (b !== NL && b !== CR) headerBytes.push(b);
        }
        if (b === NL) line++;
        if (quoted) {
          if (b === QUOTE) {
            quoted = false;
            prevWasQuote = true;
          }
          continue;
        }
        if (b === QUOTE) {
          // A doubled quote inside a quoted field re-opens it.
          quoted = true;
          recordHasContent = true;
          if (prevWasQuote) prevWasQuote = false;
          continue;
        }
        if (prevWasQuote && headerDone) afterQuote(b);
        prevWasQuote = false;
        if (b === NL) {
          lineEnd(buf, i);
          endRecord();
          recordStartLine = line;
        } else if (b === CR) {
          if (i + 1 === n) pendingCr = true;
          else if (buf[i + 1] !== NL) bareCr();
          continue;
        } else {
          if (headerDone && b === delimiter) fields++;
          if (b !== 0x20 && b !== 0x09) recordHasContent = true;
          else if (headerDone && b === delimiter) recordHasContent = true;
        }
      }
      lastByte = buf[n - 1]!;
      offset += n;
    }
    // A multi-byte character cut off by the end of the file.
    if (utf8Tail.length) isUtf8 = false;
    longest = Math.max(longest, offset - recordStart);
    if (quoted) {
      throw new LatheError(
        'CORRUPT_FILE',
        `${file} line ${recordStartLine}: a quoted field is never closed`,
        {
          file: path,
          line: recordStartLine,
        },
      );
    }
    if (!headerDone || recordHasContent) endRecord();
    if (header.length === 1 && header[0] === '') {
      throw new LatheError('EMPTY_FILE', `${file} is empty: no header and no rows`, { file: path });
    }
    return {
      delimiter: String.fromCharCode(delimiter),
      header,
      records,
      utf8: isUtf8,
      mixedLineEndings: lfEnds > 0 && crlfEnds > 0,
      longestRecordBytes: longest,
    };
  } finally {
    await handle.close();
  }
}

/** Column names must be unique (DuckDB compares them case-insensitively) and non-empty. */
export function checkHeader(file: string, header: string[]): void {
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined && name !== '') {
      throw new LatheError(
        'DUPLICATE_COLUMN',
        `${file}: column '${name}' appears twice (columns ${first + 1} and ${i + 1}); rename one`,
        { file, column: name, positions: [first + 1, i + 1] },
      );
    }
    seen.set(key, i);
  });
}
