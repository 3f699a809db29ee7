// Malformed and mislabelled data files through both faces: a refused file gets a coded error naming the
// file and the line or element, no stack, and leaves the workspace byte-for-byte unchanged; a file a user
// would expect to import (a BOM, Latin-1, CRLF mixed with LF, a 50 MB field) imports to the right values.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withServices } from '../../helpers/services';
import { FIXTURES, tempDir, vega } from '../../helpers/workspace';
import { cliFace, hostFace, seedWorkspace, type CliFace, type HostFace } from './corpus';

const BAD = join(FIXTURES, 'bad');
const t = tempDir('lathe-bad-files-');
const files = join(t.dir, 'files');
let cli: CliFace;
let host: HostFace;

const FIELD_BYTES = 50 * 1024 * 1024;

beforeAll(async () => {
  const seed = join(t.dir, 'seed');
  await seedWorkspace(seed);
  // Generated here rather than committed: a real PNG named .csv, a Parquet file cut short (the seed's own
  // dataset file, so it is a real one), and a CSV whose one field is 50 MB.
  mkdirSync(files);
  copyFileSync(vega('7zip.png'), join(files, 'image.csv'));
  const parquet = readdirSync(join(seed, 'datasets')).find((f) => f.endsWith('.parquet'))!;
  const whole = readFileSync(join(seed, 'datasets', parquet));
  writeFileSync(join(files, 'truncated.parquet'), whole.subarray(0, Math.floor(whole.length / 2)));
  writeFileSync(join(files, 'no-footer.parquet'), whole.subarray(0, whole.length - 8));
  writeFileSync(
    join(files, 'big-field.csv'),
    Buffer.concat([
      Buffer.from('id,blob\n1,"'),
      Buffer.alloc(FIELD_BYTES, 'x'),
      Buffer.from('"\n2,small\n'),
    ]),
  );
  cli = await cliFace(seed, t.dir, 2);
  host = await hostFace(seed, join(t.dir, 'host'));
  await cli.runAll([
    ...refused.map((c) => ({
      label: base(c.file),
      args: ['data', 'import', c.file, '--name', 'bad'],
    })),
    ...accepted.map((c) => ({
      label: base(c.file),
      args: ['data', 'import', c.file, '--name', okName(c.file)],
    })),
    {
      label: 'big-field.csv',
      args: ['data', 'import', generated('big-field.csv'), '--name', 'big-field'],
    },
  ]);
}, 120_000);

afterAll(async () => {
  await host?.close();
  t.remove();
});

interface Refused {
  file: string;
  code: string;
  /** What the message must name besides the file. */
  names: string[];
  why: string;
}

const fixture = (name: string) => join(BAD, name);
const generated = (name: string) => join(files, name);

const refused: Refused[] = [
  {
    file: fixture('unbalanced-quote.csv'),
    code: 'CORRUPT_FILE',
    names: ['line 3', 'never closed'],
    why: 'a quote that never closes',
  },
  {
    file: fixture('text-after-quote.csv'),
    code: 'CORRUPT_FILE',
    names: ['line 2', 'closing quote'],
    why: 'an unescaped quote inside a quoted field',
  },
  {
    file: fixture('bare-cr.csv'),
    code: 'CORRUPT_FILE',
    names: ['line 3', 'carriage return'],
    why: 'a bare CR line end among LF ones (would silently merge rows)',
  },
  {
    file: fixture('ragged.csv'),
    code: 'RAGGED_ROWS',
    names: ['line 3', '2 fields, expected 3'],
    why: 'a row with a missing field',
  },
  {
    file: fixture('header-only.csv'),
    code: 'EMPTY_FILE',
    names: ['no data rows'],
    why: 'a header and no rows',
  },
  { file: fixture('empty.csv'), code: 'EMPTY_FILE', names: ['empty'], why: 'an empty file' },
  {
    file: generated('image.csv'),
    code: 'UNSUPPORTED_FILE',
    names: ['binary'],
    why: 'a PNG image named .csv',
  },
  {
    file: generated('truncated.parquet'),
    code: 'CORRUPT_FILE',
    names: ['parquet'],
    why: 'a Parquet file cut in half',
  },
  {
    file: generated('no-footer.parquet'),
    code: 'CORRUPT_FILE',
    names: ['parquet'],
    why: 'a Parquet file missing its footer',
  },
  {
    file: fixture('scalar.json'),
    code: 'UNSUPPORTED_FILE',
    names: ['holds a number'],
    why: 'a JSON file holding one number',
  },
  {
    file: fixture('record-then-number.json'),
    code: 'UNSUPPORTED_FILE',
    names: ['element 2', 'a number'],
    why: 'a JSON array with a number among its records',
  },
  {
    file: fixture('broken-line.ndjson'),
    code: 'CORRUPT_FILE',
    names: ['line 2'],
    why: 'an NDJSON line cut short (named, not the line after it)',
  },
  {
    file: fixture('array-line.ndjson'),
    code: 'UNSUPPORTED_FILE',
    names: ['line 2', 'an array'],
    why: 'an NDJSON line holding an array',
  },
];

const base = (file: string) => file.split(/[\\/]/).pop()!;
const okName = (file: string) => `ok-${base(file).replace(/\W/g, '-')}`;

describe('bad data files: a coded error naming the file and where, no stack, nothing changed', () => {
  it.each(refused)('CLI refuses $why', ({ file, code, names }) => {
    const err = cli.failure(base(file));
    expect(err.code).toBe(code);
    for (const n of [base(file), ...names]) expect(err.message).toContain(n);
  });

  it.each(refused)('HTTP host refuses $why (browser upload, then import)', async (c) => {
    const path = await host.upload(c.file, base(c.file));
    const err = await host.fail(
      await host.invoke('data:import', { path, name: 'bad' }),
      base(c.file),
    );
    expect(err.code).toBe(c.code);
    expect(err.status).toBe(c.code === 'UNSUPPORTED_FILE' ? 415 : 422);
    for (const n of [base(c.file), ...c.names]) expect(err.message).toContain(n);
  });
});

interface Accepted {
  file: string;
  why: string;
  columns: string[];
  rows: unknown[][];
}

const accepted: Accepted[] = [
  {
    file: fixture('bom.csv'),
    why: 'a UTF-8 BOM imports, the BOM not part of the first column name',
    columns: ['id', 'name'],
    rows: [
      [1, 'alpha'],
      [2, 'beta'],
    ],
  },
  {
    file: fixture('latin1.csv'),
    why: 'Latin-1 bytes (not UTF-8) import as the characters they encode',
    columns: ['id', 'name'],
    rows: [
      [1, 'café'],
      [2, 'naïve'],
      [3, 'Ångström'],
    ],
  },
  {
    file: fixture('crlf-and-lf.csv'),
    why: 'CRLF mixed with LF imports every row, quoted line breaks kept exactly',
    columns: ['id', 'note'],
    rows: [
      [1, 'two\r\nlines'],
      [2, 'plain'],
      [3, 'lf\nonly'],
      [4, 'last'],
    ],
  },
  {
    file: fixture('mixed-types.json'),
    why: 'JSON records whose fields change type import losslessly as JSON values',
    columns: ['id', 'value'],
    rows: [
      ['1', '1.5'],
      ['"two"', '{"nested":[1,2]}'],
      [null, 'true'],
    ],
  },
];

interface Preview {
  columns: { name: string }[];
  rows: unknown[][];
}

describe('files a user expects to import: the right values, through both faces', () => {
  it.each(accepted)('CLI: $why', async ({ file, columns, rows }) => {
    const { dir } = cli.success(base(file));
    const preview = await withServices(dir, (s) => s.data.preview(okName(file), 0, 10));
    expect(preview.columns.map((c) => c.name)).toEqual(columns);
    expect(preview.rows).toEqual(rows);
  });

  it.each(accepted)('HTTP host: $why', async ({ file, columns, rows }) => {
    const name = okName(file);
    const path = await host.upload(file, base(file));
    const imported = await host.invoke('data:import', { path, name });
    expect(imported.status, imported.body).toBe(200);
    const answer = await host.invoke('data:preview', { ref: name, offset: 0, limit: 10 });
    const preview = (JSON.parse(answer.body) as { result: Preview }).result;
    expect(preview.columns.map((c) => c.name)).toEqual(columns);
    expect(preview.rows).toEqual(rows);
    await host.rebase();
  });

  it('a CSV whose one field is 50 MB imports whole (over DuckDB’s 2 MB line limit), through both faces', async () => {
    const file = generated('big-field.csv');
    const out = cli.success('big-field.csv').json as {
      version: { rows: number; columns: { name: string; type: string }[] };
    };
    expect(out.version.rows).toBe(2);
    expect(out.version.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'id:BIGINT',
      'blob:VARCHAR',
    ]);
    const path = await host.upload(file, 'big-field.csv');
    expect((await host.invoke('data:import', { path, name: 'big-field' })).status).toBe(200);
    const preview = await host.services.data.preview('big-field', 0, 2);
    expect(preview.rows.map((r) => [r[0], String(r[1]).length])).toEqual([
      [1, FIELD_BYTES],
      [2, 5],
    ]);
    expect(String(preview.rows[0]![1])).toMatch(/^x+$/);
    await host.rebase();
  });
});
