import {
  DOUBLE,
  DuckDBConnection,
  DuckDBInstance,
  type DuckDBAppender,
  type DuckDBDataChunk,
  type DuckDBType,
} from '@duckdb/node-api';
import type { Database as NativeDatabase } from '@duckdb/node-bindings';

export type SqlParam = string | number | boolean | null | bigint;
export type Row = Record<string, unknown>;

/** Converts a DuckDB JS value into something JSON can carry. */
export function toPlain(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
}

/** A database value as a number, or null when it is not one. */
export function plainNumber(value: unknown): number | null {
  const plain = toPlain(value);
  return typeof plain === 'number' ? plain : null;
}

/** A database value as text (numbers, dates and JSON as their plain form); '' for null. */
export function text(value: unknown): string {
  const plain = toPlain(value);
  return plain === null ? '' : String(plain);
}

/** Like text() but keeps null. */
export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : text(value);
}

/** A JSON column's value: DuckDB hands JSON back as text; null stays null. */
export function jsonOrNull(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

/** Quotes an identifier for DuckDB SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes a string literal for DuckDB SQL (for places that cannot take parameters, e.g. file paths). A
 * VARCHAR can hold NUL but a quoted literal cannot (DuckDB's parser stops there: "unterminated quoted
 * string"), so text with NUL is written as a concatenation with chr(0).
 */
export function literal(value: string): string {
  const quoted = (part: string) => `'${part.replace(/'/g, "''")}'`;
  if (!value.includes('\u0000')) return quoted(value);
  return `(${value.split('\u0000').map(quoted).join(' || chr(0) || ')})`;
}

/**
 * A number as SQL text that DuckDB reads back as exactly this value. Every number written into SQL text
 * goes through here (or through sqlInteger): a bare `0.17055522598064407` is read as a DECIMAL, so
 * comparing a DOUBLE column with it no longer matches the column's exact value. Doubles are written in
 * JavaScript's shortest round-trip form and cast from a string, so -0, tiny and huge magnitudes, NaN and
 * the infinities keep their value; bigints (integers past 2^53) stay exact as HUGEINT.
 */
export function sqlNumber(value: number | bigint): string {
  if (typeof value === 'bigint') return `'${value.toString()}'::HUGEINT`;
  if (Number.isNaN(value)) return `'NaN'::DOUBLE`;
  if (value === Infinity) return `'Infinity'::DOUBLE`;
  if (value === -Infinity) return `'-Infinity'::DOUBLE`;
  if (Object.is(value, -0)) return `'-0.0'::DOUBLE`;
  return `'${String(value)}'::DOUBLE`;
}

/** A whole number as SQL text (LIMIT, OFFSET, list indexes, intervals); refuses anything else. */
export function sqlInteger(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer for SQL: ${value}`);
  return String(value);
}

/**
 * The DuckDB types to bind `params` with: DOUBLE for a number that is not a safe integer or is -0, the
 * inferred type otherwise. DuckDB's client types a whole JS number as INTEGER or BIGINT, so 1.5e20 threw
 * "bigint out of int64 range" and -0 lost its sign; fractions already bind as DOUBLE.
 */
export function paramTypes(params?: readonly unknown[]): DuckDBType[] | undefined {
  const double = (p: unknown) =>
    typeof p === 'number' && (!Number.isSafeInteger(p) || Object.is(p, -0));
  if (!params?.some(double)) return undefined;
  // An undefined entry binds with the inferred type (the client's bindValue: `type ? type : infer`).
  return params.map((p) => (double(p) ? DOUBLE : undefined)) as DuckDBType[];
}

/** A statement runner: the shared shape of the database and of an open transaction. */
export interface Sql {
  run(sql: string, params?: SqlParam[]): Promise<void>;
  all<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]>;
  one<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T | undefined>;
}

/**
 * One DuckDB connection behind a queue: statements and transactions never interleave, so a
 * transaction's statements are exactly its own.
 */
export interface Database extends Sql {
  /**
   * How many statements that may write have been queued so far (every run, tx and append; an all, one
   * or chunks unless its SQL only reads). A result read while it is unchanged is still the answer.
   */
  readonly writes: number;
  /** Runs `work` inside BEGIN/COMMIT; any error rolls everything back. */
  tx<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs a query and hands its result to `onChunk` one DuckDB data chunk (up to 2,048 rows) at a time, in
   * order: for results of millions of rows read column by column (a numeric vector's `items` is a typed
   * array over the chunk, valid only during the call), which `all` would turn into as many objects. By
   * default DuckDB collects the whole result on its threads first and the chunks are then taken
   * synchronously: a streamed result hands each chunk over through libuv's threadpool, which took twice as
   * long for the 2,442 chunks of 500 metric histories of 10,000 points (0.9-1.0 s against 0.45-0.6 s).
   * With `stream`, the result is streamed instead, for a result too large to hold whole.
   */
  chunks(
    sql: string,
    params: SqlParam[] | undefined,
    onChunk: (chunk: DuckDBDataChunk) => void,
    options?: { stream?: boolean },
  ): Promise<void>;
  /**
   * Bulk-appends rows to `table` with DuckDB's appender (far cheaper per row than INSERT): `fill` appends
   * the rows, `then` runs statements after them, and all of it is committed together in one transaction;
   * a throw discards everything.
   */
  append(
    table: string,
    fill: (appender: DuckDBAppender) => void,
    then?: (sql: Sql) => Promise<void>,
  ): Promise<void>;
  /**
   * Closes once the statements already queued have run (at once when none are); later ones are refused.
   * `onClosed` runs when DuckDB has closed the file (its WAL checkpointed), synchronously when nothing
   * was queued.
   */
  close(onClosed?: () => void): void;
}

function runner(conn: DuckDBConnection): Sql {
  const exec = async <T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> => {
    const reader = await conn.runAndReadAll(sql, params, paramTypes(params));
    return reader.getRowObjectsJS() as T[];
  };
  return {
    async run(sql, params) {
      await conn.run(sql, params, paramTypes(params));
    },
    all: exec,
    one: async <T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T | undefined> => {
      const rows: T[] = await exec<T>(sql, params);
      return rows[0];
    },
  };
}

/**
 * Whether `sql` can only read: one SELECT, or a WITH query that writes nothing. A `;` before more text
 * (a second statement, or one inside a literal) counts as a write.
 */
function onlyReads(sql: string): boolean {
  if (/;\s*\S/.test(sql)) return false;
  const start = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
  if (start === 'SELECT' || start === 'FROM' || start === 'DESCRIBE') return true;
  return start === 'WITH' && !/\b(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY)\b/i.test(sql);
}

export async function openDatabase(
  path: string,
  options: {
    readOnly?: boolean;
    /** `path` already being opened by DuckDB's binding (opened ahead, see preopen.ts). */
    opening?: Promise<NativeDatabase>;
  } = {},
): Promise<Database> {
  const instance = options.opening
    ? new DuckDBInstance(await options.opening)
    : await DuckDBInstance.create(path, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
  const conn = await instance.connect();
  const inner = runner(conn);
  let queue: Promise<unknown> = Promise.resolve();
  // Closing while a statement runs on libuv's threadpool deadlocks DuckDB (the statement's thread
  // destroys the connection's context while holding its lock), and process exit then waits on that thread
  // forever: close() waits for the statements already queued, and refuses new ones.
  let pending = 0;
  let closeRequested = false;
  const onClosed: (() => void)[] = [];
  let closedDone = false;
  const finish = () => {
    closedDone = true;
    conn.closeSync();
    instance.closeSync();
    for (const f of onClosed.splice(0)) f();
  };
  const settled = () => {
    if (--pending === 0 && closeRequested) finish();
  };
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    if (closeRequested) return Promise.reject(new Error(`the database ${path} is closed`));
    pending++;
    const next = queue.then(work, work);
    // Registered on `next` before the caller's own await, so the count drops before the caller resumes:
    // a close() right after the last awaited statement closes at once, not a few microtasks later while
    // the caller already reopens the file (DuckDB's WAL checkpoint racing the new instance's open).
    queue = next.then(settled, settled);
    return next;
  };
  let writes = 0;
  /** Counts a statement that may write as it is queued: a read queued after it sees its effect. */
  const queued = <T>(sql: string | undefined, work: () => Promise<T>): Promise<T> => {
    if (sql === undefined || !onlyReads(sql)) writes++;
    return serial(work);
  };
  return {
    get writes() {
      return writes;
    },
    run: (sql, params) => queued(undefined, () => inner.run(sql, params)),
    all: <T extends Row = Row>(sql: string, params?: SqlParam[]) =>
      queued(sql, () => inner.all<T>(sql, params)),
    one: <T extends Row = Row>(sql: string, params?: SqlParam[]) =>
      queued(sql, () => inner.one<T>(sql, params)),
    chunks: (sql, params, onChunk, options) =>
      queued(sql, async () => {
        if (options?.stream) {
          const streamed = await conn.stream(sql, params, paramTypes(params));
          for (
            let chunk = await streamed.fetchChunk();
            chunk?.rowCount;
            chunk = await streamed.fetchChunk()
          )
            onChunk(chunk);
          return;
        }
        const result = await conn.run(sql, params, paramTypes(params));
        for (let i = 0; i < result.chunkCount; i++) {
          const chunk = result.getChunk(i);
          if (chunk.rowCount) onChunk(chunk);
        }
      }),
    tx: (work) =>
      queued(undefined, async () => {
        await inner.run('BEGIN TRANSACTION');
        try {
          const result = await work(inner);
          await inner.run('COMMIT');
          return result;
        } catch (err) {
          await inner.run('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    append: (table, fill, then) =>
      queued(undefined, async () => {
        await inner.run('BEGIN TRANSACTION');
        try {
          const appender = await conn.createAppender(table);
          try {
            fill(appender);
            appender.flushSync();
          } finally {
            appender.closeSync();
          }
          await then?.(inner);
          await inner.run('COMMIT');
        } catch (err) {
          await inner.run('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    close(then) {
      if (closedDone) return then?.();
      if (then) onClosed.push(then);
      if (closeRequested) return;
      closeRequested = true;
      if (pending === 0) finish();
    },
  };
}

/** The first line of a DuckDB error's message, without its class prefix (`Binder Error: `). */
export function duckdbMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  return raw.split('\n')[0]!.replace(/^[A-Za-z ]+Error: /, '');
}
