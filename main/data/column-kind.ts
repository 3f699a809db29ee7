import type { ColumnInfo, ColumnKind } from '../../shared/contract';

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL(\(.*\))?)$/;

const INTEGER =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;

/** Whole-number DuckDB types: their values make good keys, categories and one-per-value bins. */
export function isIntegerType(type: string): boolean {
  return INTEGER.test(type.toUpperCase());
}

/** Maps a DuckDB type to the kind Lathe profiles and preprocesses by. */
export function kindOf(type: string): ColumnKind {
  const t = type.toUpperCase();
  if (NUMERIC.test(t)) return 'numeric';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE' || t.startsWith('TIMESTAMP')) return 'datetime';
  if (t === 'VARCHAR' || t.startsWith('ENUM')) return 'categorical';
  return 'other';
}

export function columnInfo(name: string, type: string): ColumnInfo {
  return { name, type, kind: kindOf(type) };
}
