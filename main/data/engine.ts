import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { text, type Row, type SqlParam } from '../workspace/db';

/**
 * An in-memory DuckDB for heavy work on files (import, profile, preview, training reads), apart from
 * the workspace database so metadata writes never wait behind a long scan.
 */
export interface Engine {
  all<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]>;
  run(sql: string, params?: SqlParam[]): Promise<void>;
  /** A result as column arrays (JS values: bigint for BIGINT, Date for dates), for bulk reads. */
  columns(sql: string, params?: SqlParam[]): Promise<{ names: string[]; values: unknown[][] }>;
  /** Column names and DuckDB types of a query's result. */
  describe(sql: string): Promise<{ name: string; type: string }[]>;
  close(): void;
}

export async function createEngine(
  options: { threads?: number; memoryLimit?: string } = {},
): Promise<Engine> {
  const config: Record<string, string> = {};
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  const instance = await DuckDBInstance.create(':memory:', config);
  const withConnection = async <T>(
    work: (c: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>,
  ) => {
    const conn = await instance.connect();
    try {
      return await work(conn);
    } finally {
      conn.closeSync();
    }
  };
  return {
    all: <T extends Row = Row>(sql: string, params?: SqlParam[]) =>
      withConnection(
        async (c) => (await c.runAndReadAll(sql, params as DuckDBValue[])).getRowObjectsJS() as T[],
      ),
    run: (sql, params) =>
      withConnection(async (c) => {
        await c.run(sql, params);
      }),
    columns: (sql, params) =>
      withConnection(async (c) => {
        const reader = await c.runAndReadAll(sql, params);
        return { names: reader.columnNames(), values: reader.getColumnsJS() };
      }),
    describe: (sql) =>
      withConnection(async (c) => {
        const rows = (await c.runAndReadAll(`DESCRIBE ${sql}`)).getRowObjectsJS();
        return rows.map((r) => ({ name: text(r.column_name), type: text(r.column_type) }));
      }),
    close: () => instance.closeSync(),
  };
}
