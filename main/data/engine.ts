import {
  DuckDBInstance,
  DuckDBTypeId,
  StatementType,
  JSDuckDBValueConverter,
  type DuckDBDataChunk,
  type DuckDBExtractedStatements,
  type DuckDBPreparedStatement,
  type DuckDBValue,
} from '@duckdb/node-api';
import { LatheError } from '../../shared/contract';
import { paramTypes, text, type Row, type SqlParam } from '../workspace/db';

/**
 * An in-memory DuckDB for heavy work on files (import, profile, preview, training reads), apart from
 * the workspace database so metadata writes never wait behind a long scan.
 */
export interface Engine {
  all<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]>;
  run(sql: string, params?: SqlParam[]): Promise<void>;
  /** A result as column arrays (JS values: bigint for BIGINT, Date for dates), for bulk reads. */
  columns(sql: string, params?: SqlParam[]): Promise<{ names: string[]; values: unknown[][] }>;
  /**
   * `columns` with its first `numeric` columns as Float64Arrays of Number(value) (NULL as 0, as
   * Number(null) gives): a feature matrix's columns. A column of DOUBLE, FLOAT or an integer type is
   * copied from DuckDB's vectors instead of made into a JS value per row (1.2M rows of ten columns took
   * the training thread the better part of a second); any other type goes through its JS value.
   */
  matrix(
    sql: string,
    numeric: number,
  ): Promise<{ names: string[]; numeric: Float64Array[]; values: unknown[][] }>;
  /**
   * Column names and DuckDB types of a query's result. `DESCRIBE <sql>` must be one statement: text that
   * holds more (user SQL closing its statement and starting others) is refused before any of it runs.
   */
  describe(sql: string): Promise<{ name: string; type: string }[]>;
  /**
   * Refuses `sql` unless it is exactly one SELECT (WITH, FROM and VALUES are SELECTs), binding it without
   * running it: INVALID_INPUT saying what it holds instead. Syntax and binding errors are DuckDB's own.
   */
  checkSelect(sql: string): Promise<void>;
  /**
   * Runs a long statement, reporting DuckDB's own progress (0..1) every `intervalMs`; `cancel()`
   * interrupts it, and `done` then rejects with CANCELLED.
   */
  runLong(sql: string, onProgress: (fraction: number) => void, intervalMs?: number): LongStatement;
  /** Interrupts every statement running now: each rejects with DuckDB's INTERRUPT error. */
  interrupt(): void;
  close(): void;
}

export interface LongStatement {
  done: Promise<void>;
  cancel(): void;
}

export async function createEngine(
  options: { threads?: number; memoryLimit?: string } = {},
): Promise<Engine> {
  const config: Record<string, string> = {};
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  const instance = await DuckDBInstance.create(':memory:', config);
  // As in the workspace database (openDatabase): closing the instance under a running statement deadlocks
  // DuckDB and then process exit, so close() waits for the connections in use and refuses new ones.
  let active = 0;
  let closeRequested = false;
  const acquire = () => {
    if (closeRequested) throw new Error('the data engine is closed');
    active++;
  };
  const release = () => {
    if (--active === 0 && closeRequested) instance.closeSync();
  };
  type Connection = Awaited<ReturnType<DuckDBInstance['connect']>>;
  /** The connections running a statement now (what `interrupt` reaches). */
  const live = new Set<Connection>();
  const withConnection = async <T>(work: (c: Connection) => Promise<T>) => {
    acquire();
    try {
      const conn = await instance.connect();
      live.add(conn);
      try {
        return await work(conn);
      } finally {
        live.delete(conn);
        conn.closeSync();
      }
    } finally {
      release();
    }
  };
  return {
    all: <T extends Row = Row>(sql: string, params?: SqlParam[]) =>
      withConnection(
        async (c) =>
          (
            await c.runAndReadAll(sql, params as DuckDBValue[], paramTypes(params))
          ).getRowObjectsJS() as T[],
      ),
    run: (sql, params) =>
      withConnection(async (c) => {
        await c.run(sql, params, paramTypes(params));
      }),
    columns: (sql, params) =>
      withConnection(async (c) => {
        const reader = await c.runAndReadAll(sql, params, paramTypes(params));
        return { names: reader.columnNames(), values: reader.getColumnsJS() };
      }),
    matrix: (sql, numeric) =>
      withConnection(async (c) => {
        const result = await c.stream(sql);
        const names = result.columnNames();
        const k = Math.min(numeric, names.length);
        const chunks: DuckDBDataChunk[] = [];
        let rows = 0;
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          chunks.push(chunk);
          rows += chunk.rowCount;
        }
        const columns = Array.from({ length: k }, () => new Float64Array(rows));
        const values: unknown[][] = Array.from({ length: names.length - k }, () => []);
        let at = 0;
        for (const chunk of chunks) {
          const n = chunk.rowCount;
          for (let j = 0; j < k; j++) copyNumbers(chunk, j, n, columns[j]!, at);
          for (let j = k; j < names.length; j++) {
            const out = values[j - k]!;
            for (const v of chunk.convertColumnValues(j, JSDuckDBValueConverter)) out.push(v);
          }
          at += n;
        }
        return { names, numeric: columns, values };
      }),
    describe: (sql) =>
      withConnection(async (c) => {
        const prepared = await prepareOne(c, `DESCRIBE ${sql}`);
        try {
          const rows = (await prepared.runAndReadAll()).getRowObjectsJS();
          return rows.map((r) => ({ name: text(r.column_name), type: text(r.column_type) }));
        } finally {
          prepared.destroySync();
        }
      }),
    checkSelect: (sql) =>
      withConnection(async (c) => {
        const prepared = await prepareOne(c, sql);
        const type = prepared.statementType;
        prepared.destroySync();
        if (type !== StatementType.SELECT)
          throw new LatheError(
            'INVALID_INPUT',
            `the query must be a SELECT (or WITH/FROM), not ${StatementType[type] ?? 'another statement'}`,
          );
      }),
    runLong(sql, onProgress, intervalMs = 250) {
      let cancelled = false;
      let conn: Awaited<ReturnType<DuckDBInstance['connect']>> | undefined;
      const runOn = async () => {
        conn = await instance.connect();
        const c = conn;
        live.add(c);
        // Progress tracking is off by default in embedded DuckDB; its terminal bar stays off.
        await c.run('SET enable_progress_bar = true');
        await c.run('SET enable_progress_bar_print = false');
        const timer = setInterval(() => {
          const p = c.progress.percentage;
          if (p >= 0) onProgress(Math.min(1, p / 100));
        }, intervalMs);
        try {
          if (cancelled) throw new LatheError('CANCELLED', 'the statement was cancelled');
          await c.run(sql);
        } catch (err) {
          if (cancelled) throw new LatheError('CANCELLED', 'the statement was cancelled');
          throw err;
        } finally {
          clearInterval(timer);
          live.delete(c);
          c.closeSync();
        }
      };
      const done = (async () => {
        acquire();
        try {
          await runOn();
        } finally {
          release();
        }
      })();
      return {
        done,
        cancel() {
          cancelled = true;
          conn?.interrupt();
        },
      };
    },
    interrupt() {
      for (const c of live) c.interrupt();
    },
    close() {
      if (closeRequested) return;
      closeRequested = true;
      if (active === 0) instance.closeSync();
    },
  };
}

/** The types whose vectors hold their numbers as they are (a DECIMAL's hold scaled integers, a DATE's days). */
const PLAIN_NUMBERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UTINYINT,
]);

/** Number(value) of column `j`'s `n` rows into `out` from `at` (NULL as 0): typed items copied when it has them. */
function copyNumbers(chunk: DuckDBDataChunk, j: number, n: number, out: Float64Array, at: number) {
  const vector = chunk.getColumnVector(j);
  const items = (vector as { items?: unknown }).items;
  if (PLAIN_NUMBERS.has(vector.type.typeId) && ArrayBuffer.isView(items)) {
    out.set((items as Float64Array).subarray(0, n), at);
    const validity = (vector as { validity?: { itemValid(i: number): boolean; data?: unknown } })
      .validity;
    // A vector with no NULL has no validity mask.
    if (validity?.data) for (let r = 0; r < n; r++) if (!validity.itemValid(r)) out[at + r] = 0;
    return;
  }
  const js = chunk.convertColumnValues(j, JSDuckDBValueConverter);
  for (let r = 0; r < n; r++) out[at + r] = Number(js[r]);
}

/**
 * The one statement `sql` holds, prepared (bound, not run). Text of several statements is refused whole,
 * naming how many: `DESCRIBE (SELECT 1); ATTACH …` must not run its second part. A syntax error reads as
 * DuckDB's own ("Parser Error: …"), without the extraction's prefix.
 */
async function prepareOne(
  c: Awaited<ReturnType<DuckDBInstance['connect']>>,
  sql: string,
): Promise<DuckDBPreparedStatement> {
  let statements: DuckDBExtractedStatements;
  try {
    statements = await c.extractStatements(sql);
  } catch (err) {
    throw new Error((err as Error).message.replace(/^Failed to extract statements: /, ''));
  }
  if (statements.count !== 1)
    throw new LatheError(
      'INVALID_INPUT',
      `the query must be one statement; this text holds ${statements.count} (separated by ';')`,
    );
  return statements.prepare(0);
}

/**
 * The in-memory data engine, opened by the first call that needs it: a command that only reads the
 * workspace's records (`lathe data list`, `lathe runs list`) starts no second DuckDB.
 */
export function lazyEngine(open: () => Promise<Engine>): Engine {
  let opened: Promise<Engine> | undefined;
  let closed = false;
  const engine = () =>
    closed ? Promise.reject(new Error('the data engine is closed')) : (opened ??= open());
  return {
    all: async <T extends Row = Row>(sql: string, params?: SqlParam[]) =>
      (await engine()).all<T>(sql, params),
    run: async (sql, params) => (await engine()).run(sql, params),
    columns: async (sql, params) => (await engine()).columns(sql, params),
    matrix: async (sql, numeric) => (await engine()).matrix(sql, numeric),
    describe: async (sql) => (await engine()).describe(sql),
    checkSelect: async (sql) => (await engine()).checkSelect(sql),
    runLong(sql, onProgress, intervalMs) {
      let statement: LongStatement | undefined;
      let cancelled = false;
      const done = engine().then((e) => {
        statement = e.runLong(sql, onProgress, intervalMs);
        if (cancelled) statement.cancel();
        return statement.done;
      });
      return {
        done,
        cancel() {
          cancelled = true;
          statement?.cancel();
        },
      };
    },
    interrupt() {
      void opened?.then(
        (e) => e.interrupt(),
        () => undefined,
      );
    },
    close() {
      closed = true;
      void opened?.then(
        (e) => e.close(),
        () => undefined,
      );
    },
  };
}
