import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, generatedText, KERNELS } from '../../../../main/train/kernel/build.mjs';
import { lineKernel, scanCsv, type LineKernel } from '../../../../main/data/csv-scan';
import { tempDir } from '../../../helpers/workspace';

const t = tempDir();
afterAll(() => t.remove());

describe('the committed CSV line kernel', () => {
  it('is what main/data/assembly/csv-lines.ts compiles to (run npm run build:kernel)', async () => {
    const bytes = await compile('csv');
    expect(readFileSync(KERNELS.csv.output, 'utf8')).toBe(generatedText('csv', bytes));
  }, 60_000);
});

/** The kernel's answer for `text` from byte `from` to `to` (default: the end). */
function take(kernel: LineKernel, text: string, delimiters: number, from = 0, to?: number) {
  const bytes = Buffer.from(text, 'latin1');
  bytes.copy(kernel.buf);
  // Past the text: bytes the kernel must not take for a line's end.
  kernel.buf.fill(0x0a, bytes.length, bytes.length + 32);
  const { k, base } = kernel;
  const next = k.regularLines(base + from, base + (to ?? bytes.length), 0x2c, delimiters);
  return { next: next - base, lines: k.lines(), crlf: k.crlfLines(), longest: k.longest() };
}

describe('the CSV line kernel', () => {
  const kernel = lineKernel();

  it('loads in Node (WebAssembly SIMD)', () => {
    expect(kernel).not.toBeNull();
  });

  it('takes regular lines and stops at the first other one, where the JavaScript scan goes on', () => {
    const k = kernel!;
    const lines = ['1,2,3\n', '10,20,30\r\n', 'a,b,c\n'];
    expect(take(k, `${lines.join('')}`, 2)).toEqual({
      next: lines.join('').length,
      lines: 3,
      crlf: 1,
      longest: 10,
    });
    // A ragged line, a blank line, a quote, a bare CR: each stops it at that line's first byte.
    for (const odd of ['1,2\n', '\n', '"1",2,3\n', '1,2\r,3\n', '1,2,3\r\r\n']) {
      expect(take(k, `1,2,3\n4,5,6\n${odd}7,8,9\n`, 2)).toMatchObject({ next: 12, lines: 2 });
    }
    // A line not ended before `to` is left whole.
    expect(take(k, '1,2,3\n4,5,6\n', 2, 0, 9)).toMatchObject({ next: 6, lines: 1 });
  });

  it('reads a CR at a 16-byte block end with its LF in the next block, or leaves the line', () => {
    const k = kernel!;
    // "aaaaaaaaaaaaa,b\r" is 16 bytes: the CR is a block's last byte.
    const line = 'aaaaaaaaaaaaa,b\r\n';
    expect(take(k, `${line}x,y\n`, 1)).toEqual({ next: 21, lines: 2, crlf: 1, longest: 17 });
    // The LF beyond `to`: the line is not taken.
    expect(take(k, line, 1, 0, 16)).toMatchObject({ next: 0, lines: 0 });
    // A bare CR at the block end.
    expect(take(k, 'aaaaaaaaaaaaa,b\rx\n', 1)).toMatchObject({ next: 0, lines: 0 });
  });
});

describe('scanCsv with the line kernel', () => {
  const delimiters = [',', ';', '\t', '|'];
  const plain = fc.stringOf(fc.constantFrom('a', 'b', '1', ' ', 'é', '.', '-', '\t'), {
    maxLength: 40,
  });
  const quoted = fc
    .stringOf(fc.constantFrom('x', ',', ';', '\n', '\r\n', '""', ' ', '|'), { maxLength: 12 })
    .map((s) => `"${s}"`);
  const field = fc.oneof({ weight: 8, arbitrary: plain }, { weight: 1, arbitrary: quoted });
  /** A file: a header of `width` columns, then mostly regular lines with some odd ones. */
  const file = fc
    .record({
      width: fc.integer({ min: 1, max: 6 }),
      delimiter: fc.constantFrom(...delimiters),
      lines: fc.array(
        fc.record({
          shift: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 1),
          fields: fc.array(field, { minLength: 7, maxLength: 7 }),
          end: fc.constantFrom('\n', '\n', '\n', '\r\n', '\r\n', '\r', ''),
          odd: fc.constantFrom(null, null, null, null, null, null, null, null, '', '  ', '"x"y'),
        }),
        { maxLength: 60 },
      ),
    })
    .map(({ width, delimiter, lines }) => {
      const header = Array.from({ length: width }, (_, i) => `c${i}`).join(delimiter);
      const body = lines.map(({ shift, fields, end, odd }) => {
        const text = odd ?? fields.slice(0, Math.max(1, width + shift)).join(delimiter);
        return `${text}${end || '\n'}`;
      });
      // A last line may lack its line end.
      const last = lines.at(-1)?.end === '' ? body.join('').replace(/\n$/, '') : body.join('');
      return { delimiter, text: `${header}\n${last}` };
    });

  const outcome = (path: string, delimiter: string, jsOnly: boolean) =>
    scanCsv(path, delimiter, undefined, { jsOnly }).then(
      (shape) => ({ shape }),
      (err: { code?: string; message: string; details?: unknown }) => ({
        error: { code: err.code, message: err.message, details: err.details },
      }),
    );

  it('finds what the JavaScript scan alone finds: records, line ends, longest record, errors and their lines', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(file, async ({ delimiter, text }) => {
        const path = t.file(`p${n++}.csv`, text);
        expect(await outcome(path, delimiter, false)).toEqual(await outcome(path, delimiter, true));
      }),
      { numRuns: 400 },
    );
  });

  it('agrees across 1 MB reads too', async () => {
    // ~3 MB of regular lines of every length mod 16, with CRLF and odd lines spread among them.
    const lines = ['id,text,n'];
    for (let i = 0; i < 110_000; i++) {
      const text = 'x'.repeat(i % 37);
      if (i % 997 === 5) lines.push(`${i},"q,${text}\r\n",${i}`);
      else if (i % 4999 === 9) lines.push('', ' ');
      else lines.push(`${i},${text},${i}${i % 7 === 0 ? '\r' : ''}`);
    }
    const good = t.file('good.csv', `${lines.join('\n')}\n`);
    const ok = await outcome(good, ',', false);
    expect(ok).toEqual(await outcome(good, ',', true));
    expect(ok).toMatchObject({
      shape: { records: lines.filter((l) => l.trim()).length - 1, mixedLineEndings: true },
    });
    // A ragged line, then a bare CR, far into the file: the same error on the same line.
    for (const odd of ['1,2', '1,2\r3,4,5']) {
      const bad = [...lines];
      bad[90_001] = odd;
      const path = t.file('bad.csv', `${bad.join('\n')}\n`);
      const err = await outcome(path, ',', false);
      expect(err).toHaveProperty('error');
      expect(err).toEqual(await outcome(path, ',', true));
    }
  });
});
