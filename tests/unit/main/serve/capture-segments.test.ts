// Segment files of the standalone server's capture log: records of the served version only, rotated by
// rows, bytes and age, written as .partial and renamed when finished (close finishes the last one).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSegmentName, type CaptureColumns } from '../../../../main/serve/capture-format';
import { segmentSink } from '../../../../main/serve/capture-segments';
import { createPredictionLog, type PredictionLogRow } from '../../../../main/serve/prediction-log';
import { tempDir } from '../../../helpers/workspace';

const columns: CaptureColumns = {
  task: 'regression',
  classes: null,
  inputs: [{ name: 'x', type: 'DOUBLE', kind: 'numeric' }],
};
const row = (i: number, records = 1, version = 1): PredictionLogRow => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  model: 'm',
  version,
  requestId: `r${i}`,
  role: 'champion',
  features: Array.from({ length: records }, (_, k) => ({ x: i * 10 + k })),
  predictions: Array.from({ length: records }, (_, k) => ({ prediction: i + k / 10 })),
  latencyMs: 1,
});

let t: ReturnType<typeof tempDir> | undefined;
afterEach(() => t?.remove());

const lines = (dir: string, f: string) =>
  readFileSync(join(dir, f), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { _row_id: string; inputs: { x: number } });

describe('segment sink', () => {
  it('rotates after maxRows records (counted per record) and finishes the last on close', async () => {
    t = tempDir('lathe-seg-');
    const sink = segmentSink({ dir: t.dir, model: 'm', version: 1, columns, maxRows: 4 });
    const log = createPredictionLog(sink, { flushMs: 60_000 });
    log.push(row(1, 3));
    log.push(row(2, 2)); // 5 records: over 4 → this segment is finished after the write
    await log.flush();
    expect(readdirSync(t.dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    log.push(row(3));
    log.push(row(4, 1, 7)); // another version: not this server's segment
    await log.flush();
    expect(readdirSync(t.dir).filter((f) => f.endsWith('.partial'))).toHaveLength(1);
    await log.close();
    const files = readdirSync(t.dir).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => parseSegmentName(f)?.version === 1)).toBe(true);
    expect(sink.finished.map((f) => f.split('/').at(-1))).toEqual(files);
    expect(lines(t.dir, files[0]!).map((l) => l._row_id)).toEqual([
      'r1/0',
      'r1/1',
      'r1/2',
      'r2/0',
      'r2/1',
    ]);
    expect(lines(t.dir, files[1]!).map((l) => [l._row_id, l.inputs.x])).toEqual([['r3', 30]]);
  });

  it('rotates by size and by age', async () => {
    t = tempDir('lathe-seg-');
    let clock = 0;
    const bySize = segmentSink({
      dir: join(t.dir, 'size'),
      model: 'm',
      version: 1,
      columns,
      maxBytes: 1,
    });
    const a = createPredictionLog(bySize, { flushMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      a.push(row(i));
      await a.flush();
    }
    await a.close();
    expect(bySize.finished).toHaveLength(3);

    const byAge = segmentSink({
      dir: join(t.dir, 'age'),
      model: 'm',
      version: 1,
      columns,
      maxAgeMs: 1000,
      now: () => clock,
    });
    const b = createPredictionLog(byAge, { flushMs: 60_000 });
    b.push(row(1));
    await b.flush();
    b.push(row(2));
    await b.flush();
    expect(byAge.finished).toHaveLength(0);
    clock = 1000;
    b.push(row(3));
    await b.flush();
    expect(byAge.finished).toHaveLength(1);
    await b.close();
    expect(byAge.finished).toHaveLength(1);
    expect(lines(join(t.dir, 'age'), byAge.finished[0]!.split('/').at(-1)!)).toHaveLength(3);
  });
});
