import { LatheError, type SplitSpec, type Task } from '../../shared/contract';
import { ident, sqlInteger, sqlNumber, toPlain } from '../workspace/db';
import type { Engine } from './engine';

/** A split as a deterministic rule: what a run records, and all it takes to rebuild the same split. */
export interface SplitRule {
  method: 'random' | 'stratified' | 'time' | 'group';
  column: string | null;
  seed: number;
  validationFraction: number;
  testFraction: number;
  /** How rows are ordered before cutting: md5 of `<seed>:<row number>` (or of the group value). */
  order: string;
  /**
   * One fold of a cross-validation (index 1-based of k): the rows left after the test rows are dealt
   * into k folds in the same order, and fold `index` validates. A time split cuts them into k+1 chunks
   * by time instead: fold i trains on chunks 1..i and validates on chunk i+1; later rows are unused.
   */
  fold?: { k: number; index: number };
}

export function splitRule(
  split: SplitSpec,
  task: Task,
  seed: number,
  validationFraction: number,
  cv?: { folds: number; fold?: number },
): SplitRule {
  const method = split.method ?? (task === 'regression' ? 'random' : 'stratified');
  const fold = cv?.fold !== undefined ? { k: cv.folds, index: cv.fold } : undefined;
  return {
    method,
    column: split.column ?? null,
    seed,
    // A fold validates on its own rows: the validation fraction does not apply.
    validationFraction: fold ? 0 : validationFraction,
    ...(fold ? { fold } : {}),
    testFraction: split.testFraction,
    order:
      method === 'time'
        ? `${split.column}, row`
        : method === 'group'
          ? `md5('<seed>:' || ${split.column})`
          : "md5('<seed>:' || row)",
  };
}

/**
 * The rule leaves rows to train on: INVALID_CONFIG naming split.testFraction and both fractions when the
 * validation and test fractions take every row (a fold's validation fraction is 0: its fold validates).
 */
export function checkFractions(rule: Pick<SplitRule, 'validationFraction' | 'testFraction'>): void {
  const { validationFraction, testFraction } = rule;
  if (validationFraction + testFraction < 1) return;
  throw new LatheError(
    'INVALID_CONFIG',
    `split.testFraction: ${testFraction} with training.validationFraction ${validationFraction} leaves no rows to train on (together they must stay below 1)`,
    { field: 'split.testFraction' },
  );
}

/**
 * Writes `table` as `from` plus a `__split` column ('train' | 'valid' | 'test') computed by the rule, then
 * checks what the rule promises: time order across splits, no group in two splits.
 */
export async function applySplit(
  engine: Engine,
  args: { table: string; from: string; rule: SplitRule; target: string; row: string },
): Promise<{ train: number; valid: number; test: number }> {
  const { rule, row } = args;
  checkFractions(rule);
  const hashOf = (v: string) => `md5_number_lower('${sqlInteger(rule.seed)}:' || (${v})::VARCHAR)`;
  const [{ n: total = 0 } = {}] = await engine.all(`SELECT count(*) AS n FROM ${args.from}`);
  const n = Number(total);
  const nTest = Math.round(n * rule.testFraction);
  const nVal = Math.round(n * rule.validationFraction);
  let assign: string;
  let from = args.from;
  const fold = rule.fold;
  /** 'valid' for the rows of this fold, 'train' for the other folds; `r` counts from 0 after the test rows. */
  const dealt = (r: string) =>
    `CASE WHEN (${r}) % ${sqlInteger(fold?.k ?? 1)} + 1 = ${sqlInteger(fold?.index ?? 0)} THEN 'valid' ELSE 'train' END`;
  if (fold && rule.method === 'random') {
    const r = `row_number() OVER (ORDER BY ${hashOf(ident(row))}, ${ident(row)})`;
    assign = `CASE WHEN ${r} <= ${sqlInteger(nTest)} THEN 'test' ELSE ${dealt(`${r} - ${sqlInteger(nTest)} - 1`)} END`;
  } else if (fold && rule.method === 'stratified') {
    const t = ident(args.target);
    const r = `row_number() OVER (PARTITION BY ${t} ORDER BY ${hashOf(ident(row))}, ${ident(row)})`;
    const nTestClass = `round(count(*) OVER (PARTITION BY ${t}) * ${sqlNumber(rule.testFraction)})`;
    assign = `CASE WHEN ${r} <= ${nTestClass} THEN 'test' ELSE ${dealt(`${r} - ${nTestClass} - 1`)} END`;
  } else if (rule.method === 'random') {
    const r = `row_number() OVER (ORDER BY ${hashOf(ident(row))}, ${ident(row)})`;
    assign = `CASE WHEN ${r} <= ${sqlInteger(nTest)} THEN 'test' WHEN ${r} <= ${sqlInteger(nTest + nVal)} THEN 'valid' ELSE 'train' END`;
  } else if (rule.method === 'stratified') {
    const t = ident(args.target);
    const r = `row_number() OVER (PARTITION BY ${t} ORDER BY ${hashOf(ident(row))}, ${ident(row)})`;
    const nc = `count(*) OVER (PARTITION BY ${t})`;
    assign = `CASE WHEN ${r} <= round(${nc} * ${sqlNumber(rule.testFraction)}) THEN 'test'
      WHEN ${r} <= round(${nc} * ${sqlNumber(rule.testFraction)}) + round(${nc} * ${sqlNumber(rule.validationFraction)}) THEN 'valid' ELSE 'train' END`;
  } else if (rule.method === 'time') {
    const c = ident(rule.column!);
    const [nulls] = await engine.all(`SELECT count(*) - count(${c}) AS n FROM ${args.from}`);
    if (Number(nulls?.n ?? 0) > 0) {
      throw new LatheError(
        'INVALID_CONFIG',
        `split.column: '${rule.column}' has ${Number(nulls!.n)} null values; a time split needs every row dated`,
        { field: 'split.column' },
      );
    }
    const r = `row_number() OVER (ORDER BY ${c}, ${ident(row)})`;
    if (fold) {
      const chunk = `floor((${r} - 1) * ${sqlInteger(fold.k + 1)} / ${sqlInteger(Math.max(1, n - nTest))})`;
      assign = `CASE WHEN ${r} > ${sqlInteger(n - nTest)} THEN 'test' WHEN ${chunk} < ${sqlInteger(fold.index)} THEN 'train'
        WHEN ${chunk} = ${sqlInteger(fold.index)} THEN 'valid' ELSE 'unused' END`;
    } else
      assign = `CASE WHEN ${r} <= ${sqlInteger(n - nVal - nTest)} THEN 'train' WHEN ${r} <= ${sqlInteger(n - nTest)} THEN 'valid' ELSE 'test' END`;
  } else {
    const g = ident(rule.column!);
    // Whole groups in a seeded order; a group goes to test, then validation, while they are short of rows.
    from = `(SELECT s.*, o.__before, o.__gi FROM ${args.from} s JOIN (
        SELECT __g, sum(__n) OVER (ORDER BY __h, __g ROWS UNBOUNDED PRECEDING) - __n AS __before,
          row_number() OVER (ORDER BY __h, __g) AS __gi
        FROM (SELECT ${g}::VARCHAR AS __g, count(*) AS __n, ${hashOf(`coalesce(${g}::VARCHAR, '<null>')`)} AS __h
              FROM ${args.from} GROUP BY 1)
      ) o ON o.__g IS NOT DISTINCT FROM s.${g}::VARCHAR)`;
    // Group k-fold deals whole groups (in the same seeded order) into the folds.
    assign = fold
      ? `CASE WHEN __before < ${sqlInteger(nTest)} THEN 'test' ELSE ${dealt('__gi - 1')} END`
      : `CASE WHEN __before < ${sqlInteger(nTest)} THEN 'test' WHEN __before < ${sqlInteger(nTest + nVal)} THEN 'valid' ELSE 'train' END`;
  }
  await engine.run(
    `CREATE OR REPLACE TABLE ${args.table} AS SELECT * EXCLUDE (__before, __gi), ${assign} AS __split FROM ${
      rule.method === 'group' ? from : `(SELECT *, NULL AS __before, NULL AS __gi FROM ${from})`
    }`,
  );
  const counts = Object.fromEntries(
    (await engine.all(`SELECT __split AS s, count(*) AS n FROM ${args.table} GROUP BY 1`)).map(
      (r) => [String(r.s), Number(r.n)],
    ),
  );
  const result = { train: counts.train ?? 0, valid: counts.valid ?? 0, test: counts.test ?? 0 };
  if (result.train === 0 || ((rule.validationFraction > 0 || fold) && result.valid === 0)) {
    throw new LatheError(
      'INVALID_CONFIG',
      fold
        ? `crossValidation: fold ${fold.index} of ${fold.k} (${rule.method}) has ${result.train} training and ${result.valid} validation rows; use fewer folds`
        : `split: ${rule.method} split left ${result.train} training and ${result.valid} validation rows`,
    );
  }
  if (rule.method === 'time') {
    const c = ident(rule.column!);
    const [o = {}] = await engine.all(
      `SELECT max(${c}) FILTER (WHERE __split = 'train') AS tmax, min(${c}) FILTER (WHERE __split = 'valid') AS vmin,
              max(${c}) FILTER (WHERE __split = 'valid') AS vmax, min(${c}) FILTER (WHERE __split = 'test') AS smin FROM ${args.table}`,
    );
    const le = (a: unknown, b: unknown) => {
      const [x, y] = [toPlain(a), toPlain(b)];
      if (x === null || y === null) return true;
      return typeof x === 'number' && typeof y === 'number' ? x <= y : String(x) <= String(y);
    };
    if (!le(o.tmax, o.vmin) || !le(o.vmax, o.smin))
      throw new LatheError('INTERNAL', 'time split is out of order');
  }
  if (rule.method === 'group') {
    const [g] = await engine.all(
      `SELECT count(*) AS n FROM (SELECT ${ident(rule.column!)} FROM ${args.table} GROUP BY 1 HAVING count(DISTINCT __split) > 1)`,
    );
    if (Number(g?.n ?? 0) > 0)
      throw new LatheError('INTERNAL', 'group split put a group in two splits');
  }
  return result;
}
