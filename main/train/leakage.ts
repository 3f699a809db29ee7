import type { ColumnInfo, Task } from '../../shared/contract';
import type { Engine } from '../data/engine';
import type { SplitRule } from '../data/splits';
import { ident, literal, toPlain } from '../workspace/db';

const NEAR_PERFECT = 0.98;

/**
 * Warnings for features that look like leaks: a near-perfect predictor of the target on the training
 * split (often a column derived from the target), and date features under a time split (the model is
 * validated on the future of what it learned, and date parts such as year extrapolate).
 */
export async function leakageWarnings(
  engine: Engine,
  args: {
    table: string;
    target: string;
    task: Task;
    classes: string[];
    features: ColumnInfo[];
    rule: SplitRule;
  },
): Promise<string[]> {
  const warnings: string[] = [];
  const t = ident(args.target);
  const train = `__split = 'train'`;
  const y =
    args.task === 'regression'
      ? `${t}::DOUBLE`
      : args.task === 'binary'
        ? `(CASE WHEN ${t}::VARCHAR = ${literal(args.classes[1] ?? '')} THEN 1 ELSE 0 END)::DOUBLE`
        : null;
  const numeric = args.features.filter((f) => f.kind === 'numeric' || f.kind === 'boolean');
  if (y && numeric.length) {
    const [row = {}] = await engine.all(
      `SELECT ${numeric.map((f, i) => `corr(${ident(f.name)}::DOUBLE, ${y}) AS c${i}`).join(', ')} FROM ${args.table} WHERE ${train}`,
    );
    numeric.forEach((f, i) => {
      const c = toPlain(row[`c${i}`]);
      if (typeof c === 'number' && Math.abs(c) >= NEAR_PERFECT) {
        warnings.push(
          `feature '${f.name}' is a near-perfect predictor of '${args.target}' (correlation ${c.toFixed(3)} on the training split): check it is not derived from the target`,
        );
      }
    });
  }
  if (args.task !== 'regression') {
    const [base = {}] = await engine.all(
      `SELECT max(n) / sum(n) AS majority, sum(n) AS rows FROM (SELECT count(*) AS n FROM ${args.table} WHERE ${train} GROUP BY ${t})`,
    );
    const majority = Number(toPlain(base.majority) ?? 1);
    const rows = Number(toPlain(base.rows) ?? 0);
    for (const f of args.features.filter((c) => c.kind === 'categorical')) {
      const c = ident(f.name);
      const [p = {}] = await engine.all(
        `SELECT sum(top) / sum(n) AS purity, count(*) AS groups FROM (
           SELECT max(k) AS top, sum(k) AS n FROM (SELECT ${c} AS v, ${t} AS y, count(*) AS k FROM ${args.table} WHERE ${train} GROUP BY 1, 2) GROUP BY v)`,
      );
      const purity = Number(toPlain(p.purity) ?? 0);
      const groups = Number(toPlain(p.groups) ?? 0);
      // Identifier-like columns are pure by construction; they are not what this looks for.
      if (purity >= 0.99 && purity > majority + 0.05 && groups < rows / 2) {
        warnings.push(
          `feature '${f.name}' alone predicts '${args.target}' for ${(purity * 100).toFixed(1)}% of training rows: check it is not derived from the target`,
        );
      }
    }
  }
  if (args.rule.method === 'time') {
    for (const f of args.features.filter((c) => c.kind === 'datetime')) {
      warnings.push(
        `feature '${f.name}' is a date under a time split${f.name === args.rule.column ? ' (it is the split column)' : ''}: validation rows come after every training row, so its parts (year, …) must extrapolate`,
      );
    }
  }
  return warnings;
}
