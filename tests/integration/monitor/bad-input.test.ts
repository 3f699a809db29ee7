// `lathe monitor …` given bad input fails as the rest of the CLI does: exit 1, a Lathe error whose
// message names the model, batch, flag or value, and a workspace left as it was. A batch job's capture
// file that is damaged or lacks a column is CORRUPT_FILE naming the file and the batch, not DuckDB's
// Binder Error; finding the file costs nothing on a read that succeeds.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { initBackend } from '../../../main/train/backend';
import { literal, openDatabase } from '../../../main/workspace/db';
import { lathe } from '../../helpers/cli';
import { trainRegistered } from '../../helpers/runs';
import { contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import { diffSnapshots, snapshotWorkspace } from '../../helpers/workspace-snapshot';

const t = tempDir('lathe-monitor-bad-');
const WS = join(t.dir, 'ws');
/** The batch jobs of species@1 and species@2 (their capture_sources ids). */
let batch1 = '';
let batch2 = '';
/** A batch job of species@1 run with --capture none. */
let uncaptured = '';
/** The rows species@1's batch job captured. */
let rows1 = 0;
const LABELS = join(t.dir, 'labels.csv');

/** `lathe ARGS --json` on `ws`. */
const L = (args: string[], ws = WS) => lathe([...args, '--workspace', ws, '--json']);

interface Refusal {
  code: number | null;
  error: { code: string; message: string };
  stderr: string;
}

/** Runs `args`, which must fail, and checks the workspace is the same before and after. */
async function refused(args: string[], ws = WS): Promise<Refusal> {
  const before = await snapshotWorkspace(ws);
  const r = L(args, ws);
  expect(diffSnapshots(before, await snapshotWorkspace(ws))).toEqual([]);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  const { error } = r.json as { error: { code: string; message: string } };
  // Lathe's words, never DuckDB's or zod's.
  expect(error.message).not.toMatch(/Binder Error|Invalid input$/);
  return { code: r.code, error, stderr: r.stderr };
}

beforeAll(async () => {
  await initBackend('cpu');
  const services = await createServices({ workspaceDir: WS });
  const { call } = contractClient(() => services);
  try {
    await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
    await trainRegistered(call, penguinsConfig({ seed: 1 }), 'species');
    await trainRegistered(call, penguinsConfig({ seed: 2 }), 'species');
    const rows = (
      JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<string, unknown>[]
    )
      .filter((p) => p['Beak Length (mm)'] !== null)
      .map(({ Species: _y, ...r }, i) => ({ id: `p${i}`, ...r }));
    const input = join(t.dir, 'inputs.json');
    writeFileSync(input, JSON.stringify(rows));
    writeFileSync(LABELS, 'id,target\np0,Adelie\np1,Adelie\n');
    const score = (model: string, capture: 'all' | 'none' = 'all') =>
      call('predict:batch', {
        model,
        input,
        output: join(t.dir, `${model.replace('@', '-')}-${capture}.csv`),
        idColumn: 'id',
        capture,
      });
    const first = await score('species@1');
    batch1 = first.id;
    rows1 = first.capture?.rows ?? 0;
    batch2 = (await score('species@2')).id;
    uncaptured = (await score('species@1', 'none')).id;
    // An alert of a model no longer in the registry (renamed or deleted through the MLflow API).
    await services.workspace.db.run(
      `INSERT INTO alerts (id, "at", rule, model, version, signal, severity, value, threshold, message,
         deliveries) VALUES ('a-gone', now()::TIMESTAMP, 'r', 'gone', 1, 'volume', 'info', 1, 0, 'm', '[]'::JSON)`,
    );
  } finally {
    await services.close();
  }
  // Opening a workspace clears its scratch folder (tmp/): done once here, so that the snapshots around
  // each refused command compare what the command did.
  expect(L(['monitor', 'captures', 'species']).code).toBe(0);
}, 300_000);

afterAll(() => t.remove());

describe('lathe monitor alerts', () => {
  it('of a model that does not exist is NOT_FOUND naming it; a known model without alerts is not', async () => {
    const r = await refused(['monitor', 'alerts', 'nosuch']);
    expect(r.error).toMatchObject({ code: 'NOT_FOUND', message: "no model 'nosuch'" });
    expect((await refused(['monitor', 'alerts', 'nosuch', '--open'])).error.code).toBe('NOT_FOUND');
    const known = L(['monitor', 'alerts', 'species']);
    expect([known.code, known.json]).toEqual([0, []]);
    // The log outlives the model it names: its alerts are still listed.
    const gone = L(['monitor', 'alerts', 'gone']);
    expect(gone.code, gone.stderr).toBe(0);
    expect((gone.json as { id: string }[]).map((a) => a.id)).toEqual(['a-gone']);
  });

  it('refuses a --limit that is not a whole number from 1, naming it', async () => {
    const r = await refused(['monitor', 'alerts', 'species', '--limit', '0']);
    expect(r.error.code).toBe('INVALID_INPUT');
    expect(r.error.message).toBe('--limit 0: expected a whole number from 1 to 10000');
  });
});

describe('lathe monitor drift --batch', () => {
  it('of an unknown batch names it and says how to list the batch jobs', async () => {
    const r = await refused(['monitor', 'drift', 'species@1', '--batch', 'nosuch']);
    expect(r.error.code).toBe('NOT_FOUND');
    expect(r.error.message).toContain("no batch job 'nosuch'");
    expect(r.error.message).toContain('lathe predict list species lists');
  });

  it("of another version's batch names the version that scored it", async () => {
    const r = await refused(['monitor', 'drift', 'species@1', '--batch', batch2]);
    expect(r.error.code).toBe('INVALID_INPUT');
    expect(r.error.message).toContain(`batch ${batch2} scored species@2, not species@1`);
  });

  it('of a batch run with --capture none says it captured nothing', async () => {
    const r = await refused(['monitor', 'drift', 'species@1', '--batch', uncaptured]);
    expect(r.error.code).toBe('NOT_FOUND');
    expect(r.error.message).toBe(
      `batch ${uncaptured} of species@1 captured no rows (it ran with --capture none): nothing to compare`,
    );
  });

  it('takes 8 or more leading characters of a batch id', () => {
    const r = L(['monitor', 'drift', 'species@1', '--batch', batch1.slice(0, 8)]);
    expect(r.code, r.stderr).toBe(0);
    expect((r.json as { current: unknown }).current).toMatchObject({
      kind: 'batch',
      source: batch1,
    });
  });
});

describe('times, windows, methods and thresholds', () => {
  it.each([
    [
      'a --from that is not an ISO time',
      ['monitor', 'drift', 'species@1', '--from', 'March 7'],
      /^range\.from: 'March 7' is not a time \(ISO 8601/,
    ],
    [
      'a date the calendar has not',
      ['monitor', 'drift', 'species@1', '--to', '2026-02-30'],
      /^range\.to: '2026-02-30' is not a time/,
    ],
    [
      'a bare number as a time',
      ['monitor', 'performance', 'species', '--from', '1'],
      /^range\.from: '1' is not a time/,
    ],
    [
      'a time of day past 23:59',
      ['monitor', 'health', 'species', '--from', '2026-01-01T24:00'],
      /^range\.from: '2026-01-01T24:00' is not a time/,
    ],
    [
      'a range that ends before it starts',
      ['monitor', 'drift', 'species@1', '--from', '2026-01-02', '--to', '2026-01-01'],
      /^range: from '2026-01-02' is not before to '2026-01-01'/,
    ],
    [
      'an empty range (performance)',
      ['monitor', 'performance', 'species', '--from', '2026-01-02', '--to', '2026-01-02'],
      /^range: from '2026-01-02' is not before to '2026-01-02'/,
    ],
    [
      'a range that ends before it starts (health)',
      ['monitor', 'health', 'species', '--from', '2026-01-02T10:00', '--to', '2026-01-02T09:00'],
      /^range: from '2026-01-02T10:00' is not before to '2026-01-02T09:00'/,
    ],
    [
      'a negative --window',
      ['monitor', 'performance', 'species', '--window', '-2'],
      /^--window: '-2' is not hour, day, week or a number of rows greater than 0$/,
    ],
    [
      'a --window that is no unit',
      ['monitor', 'performance', 'species', '--window', 'fortnight'],
      /^--window: 'fortnight' is not hour, day, week/,
    ],
    [
      'a --rows range that is no FROM:TO',
      ['monitor', 'drift', 'species@1', '--rows', '100'],
      /^--rows: '100' is not FROM:TO \(row positions from 0, TO past the last row read and above FROM\)$/,
    ],
    [
      'an empty --rows range',
      ['monitor', 'drift', 'species@1', '--rows', '7:7'],
      /^--rows: '7:7' is not FROM:TO/,
    ],
    [
      'a --rows range of a dataset version',
      ['monitor', 'drift', 'species@1', '--data', 'penguins', '--rows', '0:10'],
      /^windows, time ranges and row ranges cut captured rows; a dataset version \(--data\) is compared whole$/,
    ],
    [
      'a --threshold of a column that is no input',
      ['monitor', 'drift', 'species@1', '--threshold', 'nosuch=0.1'],
      /^thresholds: 'nosuch' is not an input of species@1 \(inputs: Island, /,
    ],
    [
      'a --threshold that is no finite number',
      ['monitor', 'drift', 'species@1', '--threshold', 'Infinity'],
      /^--threshold: 'Infinity' is not \[COLUMN=\]POSITIVE_NUMBER$/,
    ],
    [
      'a --share above 1',
      ['monitor', 'drift', 'species@1', '--share', '2'],
      /^--share 2: expected 0 < S <= 1$/,
    ],
  ])('refuses %s, naming it, as INVALID_INPUT', async (_what, args, message) => {
    const r = await refused(args);
    expect(r.error.code).toBe('INVALID_INPUT');
    expect(r.error.message).toMatch(message);
    expect(r.stderr).toMatch(/^error: /m);
  });

  it('still reads a time with an offset, and a leap day', () => {
    const r = L([
      'monitor',
      'drift',
      'species@1',
      '--from',
      '2024-02-29T10:00:00+02:00',
      '--to',
      '2999-01-01',
    ]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('a damaged capture file of a batch job', () => {
  /** A copy of the workspace whose species@1 batch file `damage` rewrote. */
  async function damaged(name: string, damage: (file: string) => Promise<void> | void) {
    const ws = join(t.dir, name);
    cpSync(WS, ws, { recursive: true });
    const file = join(ws, 'captures', `${batch1}.parquet`);
    await damage(file);
    return { ws, file };
  }

  /** Commands that read every captured row of species@1 (a function: batch1 is known once set up). */
  const readers = (): [string, string[]][] => [
    ['drift', ['monitor', 'drift', 'species@1']],
    ['drift per window', ['monitor', 'drift', 'species@1', '--batch', batch1, '--window', '50']],
    [
      'drift of a row range',
      ['monitor', 'drift', 'species@1', '--batch', batch1, '--rows', '0:50'],
    ],
    ['performance', ['monitor', 'performance', 'species']],
    ['captures', ['monitor', 'captures', 'species']],
    [
      'actuals',
      [
        'monitor',
        'actuals',
        'species',
        '--file',
        LABELS,
        '--id-column',
        'id',
        '--target-column',
        'target',
      ],
    ],
  ];

  it('lacking a column its version needs is CORRUPT_FILE naming the file, the batch and the column', async () => {
    const { ws, file } = await damaged('ws-no-column', async (f) => {
      const db = await openDatabase(':memory:');
      try {
        await db.run(
          `COPY (SELECT * EXCLUDE ("Sex") FROM read_parquet(${literal(f)})) TO ${literal(`${f}.tmp`)} (FORMAT parquet)`,
        );
      } finally {
        db.close();
      }
      cpSync(`${f}.tmp`, f);
    });
    for (const [what, args] of readers()) {
      const r = await refused(args, ws);
      expect(r.error.code, `${what}: ${r.error.message}`).toBe('CORRUPT_FILE');
      expect(r.error.message, what).toBe(
        `the captured rows of batch ${batch1} (${rows1} rows) cannot be read: ${file} lacks the column 'Sex'`,
      );
    }
  });

  it('that is not Parquet is CORRUPT_FILE naming the file and the batch', async () => {
    const { ws, file } = await damaged('ws-junk', (f) => writeFileSync(f, 'not parquet'));
    const r = await refused(['monitor', 'drift', 'species@1'], ws);
    expect(r.error.code).toBe('CORRUPT_FILE');
    expect(r.error.message).toContain(
      `the captured rows of batch ${batch1} (${rows1} rows) cannot be read: ${file} is not a readable Parquet file`,
    );
  });

  it('is looked for only when a read fails: a read that succeeds describes no file', async () => {
    const services: Services = await createServices({ workspaceDir: WS });
    try {
      const { call } = contractClient(() => services);
      const all = vi.spyOn(services.workspace.db, 'all');
      await call('monitor:drift', { ref: 'species@1', batch: batch1, window: 100 });
      await call('monitor:performance', { ref: 'species' });
      await call('monitor:captures', { model: 'species' });
      const described = all.mock.calls.filter(([sql]) => /^\s*DESCRIBE/i.test(sql));
      expect(described).toEqual([]);
      expect(all.mock.calls.length).toBeGreaterThan(0);
    } finally {
      await services.close();
    }
  });
});
