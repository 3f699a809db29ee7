// Transforms: cleaning steps over parent dataset versions, compiled to one DuckDB query over read_parquet().
import {
  LatheError,
  describeStep,
  type ColumnInfo,
  type TransformStep,
  type VersionParent,
} from '../../shared/contract';
import { duckdbMessage, ident, literal } from '../workspace/db';
import { canonicalHash } from '../workspace/canonical-json';

/** A parent version as a transform reads it. */
export interface TransformParent {
  dataset: string;
  version: number;
  id: string;
  hash: string;
  storagePath: string;
  columns: ColumnInfo[];
}

/** The compiled transform: `select` is a parenthesized query that yields the new version's rows in order. */
export interface TransformPlan {
  select: string;
  columns: { name: string; type: string }[];
  /** The query up to (not including) each step, as CTE text, for explaining failures. */
  stages: { ctes: string; relation: string }[];
}

/** Column describing a query: what the engine's describe() returns. */
export type Describe = (sql: string) => Promise<{ name: string; type: string }[]>;

/** The hidden row-order column every stage carries, so dedupe keeps the first row and output keeps order. */
export const ORDER_COLUMN = '__lathe_row';
const ORD = ident(ORDER_COLUMN);

/** The version hash of a transform: the same parents and steps give the same version. */
export function transformHash(parents: { hash: string }[], steps: TransformStep[]): string {
  return canonicalHash({ parents: parents.map((p) => p.hash), steps });
}

export const toParent = (p: TransformParent): VersionParent => ({
  dataset: p.dataset,
  version: p.version,
  id: p.id,
  hash: p.hash,
});

/** `flights@2 → drop(a); filter(x > 0)`: the source line of a transformed version. */
export function transformSource(parents: TransformParent[], steps: TransformStep[]): string {
  return `${parents.map((p) => `${p.dataset}@${p.version}`).join(' + ')} → ${steps.map(describeStep).join('; ')}`;
}

const stepName = (i: number, step: TransformStep) => `steps[${i}] (${step.type})`;

/**
 * The error of a query the user wrote, coded, in DuckDB's words without its class prefix, after `where`
 * (`the query`): a file no path matches (FILE_NOT_FOUND, `file`), a column (COLUMN_NOT_FOUND, `column`) or
 * a table (NOT_FOUND, `table`) it names that does not exist, else INVALID_INPUT. `redact` cleans the text
 * (URL credentials).
 */
export function queryError(
  err: unknown,
  where: string,
  details: Record<string, unknown>,
  redact: (text: string) => string = (t) => t,
): LatheError {
  // The engine's own refusals say "the query …" already.
  if (err instanceof LatheError)
    return new LatheError(err.code, redact(err.message), { ...details, ...err.details });
  const message = redact(duckdbMessage(err).replace(/!$/, ''));
  const file = /No files found that match the pattern "([^"]+)"/.exec(message);
  if (file)
    return new LatheError('FILE_NOT_FOUND', `${where}: no file matches ${file[1]}`, {
      ...details,
      file: file[1],
    });
  const column = /Referenced column "([^"]+)" not found/.exec(message);
  if (column)
    return new LatheError('COLUMN_NOT_FOUND', `${where}: ${message}`, {
      ...details,
      column: column[1],
    });
  const table = /Table with name (\S+) does not exist/.exec(message);
  if (table)
    return new LatheError(
      'NOT_FOUND',
      `${where}: no table named ${table[1]} (read a file with FROM 'file.csv' or read_csv('file.csv'))`,
      { ...details, table: table[1] },
    );
  return new LatheError('INVALID_INPUT', `${where}: ${message}`, details);
}

/** A SELECT the user wrote, without trailing semicolons; anything else is rejected naming the step. */
export function cleanQuery(query: string, where: string): string {
  const trimmed = query.trim().replace(/;+\s*$/, '');
  if (!/^(select|with|from|values)\b/i.test(trimmed)) {
    throw new LatheError('INVALID_INPUT', `${where}: the query must be a SELECT (or WITH/FROM)`, {
      query,
    });
  }
  return trimmed;
}

/**
 * Compiles steps over parents to one query, checking each step against the columns it reads. A step
 * naming a missing column fails with COLUMN_NOT_FOUND naming the column and the step (index and type).
 */
export async function planTransform(
  describe: Describe,
  parents: TransformParent[],
  steps: TransformStep[],
): Promise<TransformPlan> {
  if (!parents.length) throw new LatheError('INVALID_INPUT', 'from: name at least one parent');
  if (!steps.length) throw new LatheError('INVALID_INPUT', 'steps: give at least one step');

  // Every parent is a view named by its dataset name (when only one version of it is read) and by name@version.
  const views: string[] = [];
  const counts = new Map<string, number>();
  for (const p of parents) counts.set(p.dataset, (counts.get(p.dataset) ?? 0) + 1);
  for (const p of parents) {
    const body = `SELECT * FROM read_parquet(${literal(p.storagePath)})`;
    if (counts.get(p.dataset) === 1) views.push(`${ident(p.dataset)} AS (${body})`);
    views.push(`${ident(`${p.dataset}@${p.version}`)} AS (${body})`);
  }
  for (const p of parents) {
    if (p.columns.some((c) => c.name === ORDER_COLUMN))
      throw new LatheError(
        'INVALID_INPUT',
        `${p.dataset}@${p.version} has a column named ${ORDER_COLUMN}, which transforms reserve`,
      );
  }

  const ctes = [...views];
  const stage = (i: number) => ident(`__lathe_s${i}`);
  const stages: TransformPlan['stages'] = [];
  let columns: { name: string; type: string }[] | null = null;
  if (parents.length === 1) {
    const p = parents[0]!;
    ctes.push(
      `${stage(0)} AS (SELECT * EXCLUDE (file_row_number), file_row_number AS ${ORD} FROM read_parquet(${literal(p.storagePath)}, file_row_number = true))`,
    );
    columns = p.columns.map((c) => ({ name: c.name, type: c.type }));
  } else if (steps[0]!.type !== 'sql') {
    throw new LatheError(
      'INVALID_INPUT',
      `${stepName(0, steps[0]!)}: with ${parents.length} parents (${parents.map((p) => `${p.dataset}@${p.version}`).join(', ')}) the first step must be a sql step that combines them`,
      { step: 0, type: steps[0]!.type },
    );
  }

  const withCtes = () => `WITH ${ctes.join(',\n')}`;
  const missing = (i: number, step: TransformStep, name: string, cols: { name: string }[]) =>
    new LatheError(
      'COLUMN_NOT_FOUND',
      `${stepName(i, step)}: no column '${name}' (columns: ${cols.map((c) => c.name).join(', ')})`,
      { step: i, type: step.type, column: name },
    );

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const prev = stage(i);
    const cols = columns;
    stages.push({ ctes: withCtes(), relation: prev });
    const check = (names: string[]) => {
      for (const n of names) if (!cols!.some((c) => c.name === n)) throw missing(i, step, n, cols!);
    };
    let body: string;
    switch (step.type) {
      case 'drop': {
        check(step.columns);
        if (cols!.every((c) => step.columns.includes(c.name)))
          throw new LatheError('INVALID_INPUT', `${stepName(i, step)}: would drop every column`, {
            step: i,
            type: step.type,
          });
        body = `SELECT * EXCLUDE (${step.columns.map(ident).join(', ')}) FROM ${prev}`;
        break;
      }
      case 'rename': {
        check(Object.keys(step.mapping));
        const renamed = cols!.map((c) => step.mapping[c.name] ?? c.name);
        const seen = new Set<string>();
        for (const n of renamed) {
          if (seen.has(n.toLowerCase()) || n === ORDER_COLUMN)
            throw new LatheError(
              'DUPLICATE_COLUMN',
              `${stepName(i, step)}: column '${n}' would appear twice`,
              { step: i, type: step.type, column: n },
            );
          seen.add(n.toLowerCase());
        }
        body = `SELECT ${cols!
          .map((c) =>
            step.mapping[c.name]
              ? `${ident(c.name)} AS ${ident(step.mapping[c.name]!)}`
              : ident(c.name),
          )
          .join(', ')}, ${ORD} FROM ${prev}`;
        break;
      }
      case 'cast':
        check([step.column]);
        body = `SELECT * REPLACE (CAST(${ident(step.column)} AS ${step.to}) AS ${ident(step.column)}) FROM ${prev}`;
        break;
      case 'filter':
        body = `SELECT * FROM ${prev} WHERE (${step.where})`;
        break;
      case 'dedupe': {
        const keys = step.columns ?? cols!.map((c) => c.name);
        check(keys);
        body = `SELECT * FROM ${prev} QUALIFY row_number() OVER (PARTITION BY ${keys.map(ident).join(', ')} ORDER BY ${ORD}) = 1`;
        break;
      }
      case 'sql': {
        const query = cleanQuery(step.query, stepName(i, step));
        const input = cols
          ? `WITH input AS (SELECT * EXCLUDE (${ORD}) FROM ${prev} ORDER BY ${ORD}) `
          : '';
        // The line break keeps a trailing `-- comment` from swallowing the closing parentheses.
        body = `SELECT *, row_number() OVER () - 1 AS ${ORD} FROM (${input}SELECT * FROM (${query}\n))`;
        break;
      }
    }
    ctes.push(`${stage(i + 1)} AS (${body})`);
    try {
      const described = await describe(`(${withCtes()} SELECT * FROM ${stage(i + 1)})`);
      columns = described.filter((c) => c.name !== ORDER_COLUMN);
    } catch (err) {
      // The composed query is one statement unless a step's text ended it (see Engine.describe).
      if (err instanceof LatheError)
        throw new LatheError(err.code, `${stepName(i, step)}: ${err.message}`, {
          ...err.details,
          step: i,
          type: step.type,
        });
      // A column a step's form names: the columns it could have meant.
      const col = /Referenced column "([^"]+)" not found/.exec(duckdbMessage(err));
      if (col && cols && step.type !== 'sql') throw missing(i, step, col[1]!, cols);
      throw queryError(err, stepName(i, step), { step: i, type: step.type });
    }
    if (!columns.length)
      throw new LatheError('INVALID_INPUT', `${stepName(i, step)}: leaves no columns`, { step: i });
  }
  return {
    select: `(${withCtes()} SELECT * EXCLUDE (${ORD}) FROM ${stage(steps.length)} ORDER BY ${ORD})`,
    columns: columns!,
    stages,
  };
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/**
 * Turns a failure while writing a transform into an error a user can act on: a value a cast step cannot
 * convert is named with its column, value and row (1-based, in the step's input order).
 */
export async function explainTransformError(
  query: Query,
  plan: TransformPlan,
  steps: TransformStep[],
  err: unknown,
): Promise<unknown> {
  if (err instanceof LatheError) return err;
  const message = duckdbMessage(err);
  if (/conver|cast/i.test(message)) {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (step.type !== 'cast') continue;
      const { ctes, relation } = plan.stages[i]!;
      const col = ident(step.column);
      const rows = await query(
        `${ctes} SELECT CAST(${col} AS VARCHAR) AS value, ${ORD} AS row FROM ${relation}
         WHERE ${col} IS NOT NULL AND TRY_CAST(${col} AS ${step.to}) IS NULL ORDER BY ${ORD} LIMIT 1`,
      ).catch(() => []);
      const bad = rows[0];
      if (bad) {
        const row = Number(bad.row) + 1;
        const value = String(bad.value);
        return new LatheError(
          'INVALID_INPUT',
          `${stepName(i, step)}: cannot cast column '${step.column}' to ${step.to}: value '${value}' in row ${row}`,
          { step: i, type: step.type, column: step.column, value, row },
        );
      }
    }
  }
  return new LatheError('INVALID_INPUT', `transform failed: ${message}`);
}
