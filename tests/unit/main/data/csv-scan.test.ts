import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { incompleteUtf8Tail, scanCsv, splitHeader } from '../../../../main/data/csv-scan';
import { detectFormat } from '../../../../main/data/detect';
import { latheErrorOf, latheRejection } from '../../../helpers/errors';
import { tempDir } from '../../../helpers/workspace';

const t = tempDir();
afterAll(() => t.remove());

describe('scanCsv', async () => {
  it('counts records and picks the delimiter', async () => {
    expect(await scanCsv(t.file('a.csv', 'a,b,c\n1,2,3\n4,5,6\n'))).toEqual({
      delimiter: ',',
      header: ['a', 'b', 'c'],
      records: 2,
      utf8: true,
      mixedLineEndings: false,
      longestRecordBytes: 6,
    });
    expect((await scanCsv(t.file('s.csv', 'a;b\n1;2\n'))).delimiter).toBe(';');
    expect((await scanCsv(t.file('t.tsv', 'a\tb\n1\t2\n'), '\t')).records).toBe(1);
  });

  it('honours quotes: delimiters and newlines inside quoted fields, doubled quotes, CRLF', async () => {
    const shape = await scanCsv(
      t.file('q.csv', 'name,note\r\n"Smith, J","said ""hi""\r\nthen left"\r\nx,y\r\n'),
    );
    expect(shape).toEqual({
      delimiter: ',',
      header: ['name', 'note'],
      records: 2,
      utf8: true,
      mixedLineEndings: false,
      longestRecordBytes: 37,
    });
  });

  it('learns what DuckDB needs told: Latin-1 bytes, CRLF mixed with LF, a record over 2 MB', async () => {
    const latin1 = t.file('l1.csv', '');
    writeFileSync(latin1, Buffer.from('name,v\ncaf\xe9,1\n', 'latin1'));
    expect((await scanCsv(latin1)).utf8).toBe(false);
    expect((await scanCsv(t.file('u8.csv', 'name,v\ncafé,1\n'))).utf8).toBe(true);
    const mixed = await scanCsv(t.file('m.csv', 'a,b\r\n1,"x\ny"\n2,z\r\n'));
    expect(mixed).toMatchObject({ records: 2, mixedLineEndings: true });
    // A newline inside quotes is a value, not a line end: CRLF records with LF in a cell are not mixed.
    expect((await scanCsv(t.file('x.csv', 'a,b\r\n1,"x\ny"\r\n'))).mixedLineEndings).toBe(false);
    const long = await scanCsv(t.file('long.csv', `a,b\n1,"${'x'.repeat(3_000_000)}"\n2,y\n`));
    expect(long.longestRecordBytes).toBe(3_000_000 + 5);
  });

  it('names the line of a bare CR line end, also when it ends a 1 MB read', async () => {
    const err = await latheRejection(scanCsv(t.file('cr.csv', 'a,b\n1,x\n2,y\r3,z\n')));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(/cr\.csv line 3: a carriage return \(CR\) without a line feed/);
    const head = 'a,b\n';
    const pad = `1,${'p'.repeat((1 << 20) - head.length - 3)}\r`; // the CR is the read's last byte
    const edge = await latheRejection(scanCsv(t.file('cr-edge.csv', `${head}${pad}2,q\n`)));
    expect(edge.message).toMatch(/line 2: a carriage return/);
    expect((await scanCsv(t.file('crlf-edge.csv', `${head}${pad}\n2,q\n`))).records).toBe(2);
    // Inside quotes a CR is part of the value.
    expect((await scanCsv(t.file('cr-q.csv', 'a,b\n1,"x\ry"\n'))).records).toBe(1);
  });

  it('names the line of text after a closing quote', async () => {
    const err = await latheRejection(scanCsv(t.file('aq.csv', 'a,b\n1,2\n3,"x"y\n')));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(/aq\.csv line 3: text after the closing quote of a field \("y"\)/);
    expect((await scanCsv(t.file('dq.csv', 'a,b\n1,"x""y"\n2,""\n'))).records).toBe(2);
  });

  it('reports a ragged row with its line number and field counts', async () => {
    const err = await latheRejection(scanCsv(t.file('ragged.csv', 'a,b\n1,2\n3,4,5,6\n7\n')));
    expect(err.code).toBe('RAGGED_ROWS');
    expect(err.message).toBe('ragged.csv line 3: 4 fields, expected 2 (as in the header)');
  });

  it('finds a short row after a quoted multi-line field on the right line', async () => {
    const err = await latheRejection(scanCsv(t.file('short.csv', 'a,b\n"x\ny",2\n3\n')));
    expect(err.message).toMatch(/short\.csv line 4: 1 field, expected 2/);
  });

  it('keeps counting across 1 MB reads, quoted fields and blank lines alike', async () => {
    // ~3 MB: quote-free stretches (the fast path), quoted fields with delimiters, newlines and doubled
    // quotes, blank and whitespace-only lines, CRLF, spread over several reads.
    const lines = ['id,text,n'];
    for (let i = 0; i < 120_000; i++) {
      if (i % 1000 === 7) lines.push(`${i},"a, ""quoted""\nfield",${i}`);
      else if (i % 5000 === 11) lines.push('', '  \t');
      else lines.push(`${i},plain text ${i},${i}${i % 3 === 0 ? '\r' : ''}`);
    }
    const file = t.file('big.csv', `${lines.join('\n')}\n`);
    const records = lines.length - 1 - 2 * 24;
    expect((await scanCsv(file)).records).toBe(records);
    // A short row far into the file, after quoted multi-line fields: the line number is still exact.
    const at = 100_000;
    const bad = [...lines];
    bad[at] = '1,2';
    const expectedLine = bad
      .slice(0, at)
      .reduce((n, l) => n + 1 + (l.match(/\n/g)?.length ?? 0), 1);
    const err = await latheRejection(scanCsv(t.file('bad-big.csv', `${bad.join('\n')}\n`)));
    expect(err.code).toBe('RAGGED_ROWS');
    expect(err.message).toContain(`line ${expectedLine}: 2 fields, expected 3`);
  });

  it('tells UTF-8 from other bytes across 1 MB reads: a character cut by a read, or by the end of the file', async () => {
    const MB = 1 << 20;
    // 'é' (2 bytes), '€' (3) and '😀' (4) each straddling the first read's end, one byte in.
    for (const ch of ['é', '€', '😀']) {
      const head = 'a,b\n';
      const row = 'x,y\n';
      const filler = row.repeat(Math.floor((MB - head.length - 3) / row.length));
      const prefix = `${head}${filler}${'z'.repeat(MB - 2 - head.length - filler.length)},`;
      // The character starts at the last byte of the first read.
      expect(prefix.length).toBe(MB - 1);
      const text = `${prefix}${ch}\n1,2\n`;
      const shape = await scanCsv(t.file(`split-${ch.length}.csv`, text));
      expect(shape.utf8).toBe(true);
      expect(shape.records).toBe(filler.length / row.length + 2);
    }
    // A file that ends inside a character is not UTF-8 (read as Latin-1).
    const truncated = t.file('truncated.csv', '');
    writeFileSync(
      truncated,
      Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from('€').subarray(0, 2)]),
    );
    expect((await scanCsv(truncated)).utf8).toBe(false);
    expect(incompleteUtf8Tail(Buffer.from('ab'))).toBe(0);
    expect(incompleteUtf8Tail(Buffer.from('a€'))).toBe(0);
    expect(incompleteUtf8Tail(Buffer.from('a€').subarray(0, 3))).toBe(2);
    expect(incompleteUtf8Tail(Buffer.from('😀').subarray(0, 3))).toBe(3);
    expect(incompleteUtf8Tail(Buffer.from('😀').subarray(0, 1))).toBe(1);
  });

  it('names the line of a bare CR inside a line, and of a ragged row, in a long unquoted run', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},${i * 2},x`).join('\n');
    const bare = await latheRejection(scanCsv(t.file('bare-mid.csv', `a,b,c\n${rows}\n1,\r2,3\n`)));
    expect(bare).toMatchObject({ code: 'CORRUPT_FILE', details: { line: 5002 } });
    const ragged = await latheRejection(scanCsv(t.file('ragged-mid.csv', `a,b,c\n${rows}\n1,2\n`)));
    expect(ragged).toMatchObject({ code: 'RAGGED_ROWS', details: { line: 5002, fields: 2 } });
    // CRLF line ends throughout are fine, and a tab-only line is blank.
    const crlf = await scanCsv(
      t.file('crlf.csv', `a,b,c\r\n${rows.replace(/\n/g, '\r\n')}\r\n\t \r\n`),
    );
    expect(crlf).toMatchObject({ records: 5000, mixedLineEndings: false });
  });

  it('rejects a column name that appears twice, case-insensitively', async () => {
    const err = await latheRejection(scanCsv(t.file('dup.csv', 'id,Name,name\n1,a,b\n')));
    expect(err.code).toBe('DUPLICATE_COLUMN');
    expect(err.message).toMatch(/column 'name' appears twice \(columns 2 and 3\)/);
  });

  it('rejects an unterminated quote', async () => {
    expect((await latheRejection(scanCsv(t.file('open.csv', 'a,b\n"1,2\n')))).code).toBe(
      'CORRUPT_FILE',
    );
  });

  it('ignores blank lines', async () => {
    expect((await scanCsv(t.file('blank.csv', 'a,b\n1,2\n\n3,4\n\n'))).records).toBe(2);
  });

  it('splits a header honouring quotes', () => {
    expect(splitHeader('"a,b",c, d ', ',')).toEqual(['a,b', 'c', 'd']);
  });
});

describe('detectFormat', () => {
  it('uses the extension, then sniffs', () => {
    expect(detectFormat(t.file('x.csv', 'a\n1\n'))).toBe('csv');
    expect(detectFormat(t.file('x.jsonl', '{"a":1}\n'))).toBe('ndjson');
    expect(detectFormat(t.file('noext', '[{"a":1}]'))).toBe('json');
    expect(detectFormat(t.file('noext2', '{"a":1}\n{"a":2}\n{"a":3}\n'))).toBe('ndjson');
    expect(detectFormat(t.file('data.txt', 'a\tb\tc\n1\t2\t3\n'))).toBe('tsv');
  });

  it('refuses binary content and unknown extensions, naming the file', () => {
    const bin = latheErrorOf(() => detectFormat(t.file('blob.bin', '\u0000\u0001\u0002garbage')));
    expect(bin.code).toBe('UNSUPPORTED_FILE');
    expect(bin.message).toMatch(/blob\.bin/);
    expect(latheErrorOf(() => detectFormat(t.file('sheet.xlsx', 'PK text'))).message).toMatch(
      /sheet\.xlsx: unsupported file type \.xlsx/,
    );
  });
});
