// Reading a batch job's files back as records, as DuckDB reads them in the job.
import type { Engine } from '../../../main/data/engine';
import { literal, toPlain } from '../../../main/workspace/db';

/** Every row of a .csv or .parquet file as records. */
export async function rowsOf(engine: Engine, file: string): Promise<Record<string, unknown>[]> {
  const r = await engine.columns(
    file.endsWith('.parquet')
      ? `SELECT * FROM read_parquet(${literal(file)})`
      : `SELECT * FROM read_csv_auto(${literal(file)})`,
  );
  const n = r.values[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) =>
    Object.fromEntries(r.names.map((name, j) => [name, toPlain(r.values[j]![i])])),
  );
}
