// The scored rows of a batch job, appended to a table of the job's own DuckDB as they come out of the model
// (typed columns, no text), which then writes the output file and the capture with COPY: DuckDB's writers
// run on its threads, and Parquet needs no temporary CSV. Past the job's memory limit the table spills to
// the job's temp folder, so memory stays bounded whatever the input's size.
import {
  BIGINT,
  DuckDBDataChunk,
  FLOAT,
  VARCHAR,
  type DuckDBInstance,
  type DuckDBType,
} from '@duckdb/node-api';
import { classValues } from '../../shared/contract/serve';
import type { Predictor } from './types';

/** The table of scored rows: its rowid is the row's position in the input. */
export const SCORED_TABLE = '__lathe_scored';

/** Rows of one appended DuckDB chunk (DuckDB's vector size). */
const APPEND_ROWS = 2048;

export interface ScoredSink {
  /** Appends `rows` scored rows (and their ids, when the job has an id column). */
  append(
    scored: Awaited<ReturnType<Predictor['predictMatrix']>>,
    ids: readonly (string | null)[] | null,
    rows: number,
  ): void;
  /** Makes the rows appended so far visible to the instance's other connections. */
  flush(): void;
  /** Ends the appends (the table keeps the rows); called again, does nothing. */
  close(): void;
}

/**
 * Creates the table in `instance`, appended to through a connection of its own (the appender's flushes
 * on the job's connection would end the feature query streaming there): `__id` (VARCHAR, with an id column), `prediction` (FLOAT for regression, BIGINT for
 * integer classes, else VARCHAR), `__p<k>` FLOAT per class.
 */
export async function createScoredSink(
  instance: DuckDBInstance,
  { classes, ids }: { classes: readonly string[] | null; ids: boolean },
): Promise<ScoredSink> {
  const answers = classes ? classValues(classes) : null;
  const integer = answers?.every((c) => typeof c === 'number') ?? false;
  const k = classes?.length ?? 0;
  const predictionType: DuckDBType = !answers ? FLOAT : integer ? BIGINT : VARCHAR;
  const types: DuckDBType[] = [
    ...(ids ? [VARCHAR] : []),
    predictionType,
    ...Array.from({ length: k }, () => FLOAT),
  ];
  const names = [
    ...(ids ? ['__id'] : []),
    'prediction',
    ...Array.from({ length: k }, (_, c) => `__p${c}`),
  ];
  const conn = await instance.connect();
  await conn.run(
    `CREATE TABLE ${SCORED_TABLE} (${names.map((n, j) => `${n} ${types[j]!.toString()}`).join(', ')})`,
  );
  const appender = await conn.createAppender(SCORED_TABLE);
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const first = ids ? 1 : 0;
  let closed = false;
  return {
    append({ predictions, probabilities }, idValues, rows) {
      for (let start = 0; start < rows; start += APPEND_ROWS) {
        const n = Math.min(APPEND_ROWS, rows - start);
        const chunk = DuckDBDataChunk.create(types, n);
        if (idValues) {
          const v = chunk.getColumnVector(0);
          for (let r = 0; r < n; r++) v.setItem(r, idValues[start + r] ?? null);
          v.flush();
        }
        const pred = chunk.getColumnVector(first);
        for (let r = 0; r < n; r++) {
          const p = predictions[start + r]!;
          pred.setItem(r, !answers ? finite(p as number) : integer ? BigInt(p) : String(p));
        }
        pred.flush();
        for (let c = 0; c < k; c++) {
          const v = chunk.getColumnVector(first + 1 + c);
          for (let r = 0; r < n; r++) v.setItem(r, finite(probabilities![(start + r) * k + c]!));
          v.flush();
        }
        appender.appendDataChunk(chunk);
      }
    },
    flush() {
      if (!closed) appender.flushSync();
    },
    close() {
      if (closed) return;
      closed = true;
      appender.closeSync();
      conn.closeSync();
    },
  };
}
