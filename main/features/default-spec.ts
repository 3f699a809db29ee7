import type { ColumnInfo, FeatureSpec, FeatureSpecInput } from '../../shared/contract';
import { FeatureSpec as FeatureSpecSchema } from '../../shared/contract';
import type { Engine } from '../data/engine';
import { ident, sqlInteger, toPlain } from '../workspace/db';

const MAX_CATEGORIES = 50;
/** Categories a tree model's ordinal code keeps per column (the most frequent; the rest are -1). */
export const MAX_TREE_CATEGORIES = 1000;

/**
 * The spec training uses when the config gives none: numeric columns imputed with the mean (plus a missing
 * indicator where the training split has nulls) and standardized; categorical one-hot, top 50 + other;
 * dates split into parts and standardized. Columns that cannot help are left out with a reason.
 *
 * For trees (`trees: true`, a gbdt): numeric and boolean columns pass through as they are (nulls stay
 * missing: the fitted spec is marked to give NaN), categorical columns become ordinal codes that trees
 * split natively (the 1000 most frequent categories of the training split; others and nulls are -1),
 * dates become their parts, unscaled, with the day of the year so trees can follow the calendar.
 */
export async function defaultFeatureSpec(
  engine: Engine,
  args: {
    from: string;
    trainWhere: string;
    columns: ColumnInfo[];
    features: string[];
    trees?: boolean;
  },
): Promise<{ spec: FeatureSpec; dropped: { column: string; reason: string }[] }> {
  const byName = new Map(args.columns.map((c) => [c.name, c]));
  const chosen = args.features.map((f) => byName.get(f)!);
  const stats = chosen.flatMap((c, i) => {
    const x = ident(c.name);
    const parts = [`count(${x}) AS n${i}`, `count(DISTINCT ${x}) AS d${i}`];
    if (c.kind === 'numeric' || c.kind === 'boolean')
      // The spread as max − min: stddev_pop throws (out of range) on values near the largest doubles.
      parts.push(`max(${x}::DOUBLE) - min(${x}::DOUBLE) AS s${i}`);
    return parts;
  });
  const [row = {}] = await engine.all(
    `SELECT count(*) AS __rows${stats.length ? `, ${stats.join(', ')}` : ''} FROM ${args.from} WHERE ${args.trainWhere}`,
  );
  const rows = Number(row.__rows ?? 0);
  const groups: FeatureSpecInput['groups'] = [];
  const dropped: { column: string; reason: string }[] = [];
  const capped: { name: string; step: { op: 'ordinal'; order?: string[] } }[] = [];
  chosen.forEach((c, i) => {
    const present = Number(row[`n${i}`] ?? 0);
    const distinct = Number(row[`d${i}`] ?? 0);
    if (present === 0) {
      dropped.push({ column: c.name, reason: 'no values in the training split' });
    } else if (c.kind === 'numeric' || c.kind === 'boolean') {
      if (Number(row[`s${i}`] ?? 0) === 0 && present === rows) {
        dropped.push({ column: c.name, reason: 'constant in the training split' });
        return;
      }
      groups.push({
        columns: [c.name],
        steps: args.trees
          ? []
          : [
              { op: 'impute', strategy: 'mean', indicator: present < rows },
              { op: 'scale', method: 'standard' },
            ],
      });
    } else if (c.kind === 'categorical') {
      if (distinct > MAX_CATEGORIES && distinct === rows) {
        dropped.push({ column: c.name, reason: 'every value is unique: looks like an identifier' });
        return;
      }
      if (!args.trees) {
        groups.push({
          columns: [c.name],
          steps: [{ op: 'onehot', maxCategories: MAX_CATEGORIES }],
        });
      } else {
        const step: { op: 'ordinal'; order?: string[] } = { op: 'ordinal' };
        if (distinct > MAX_TREE_CATEGORIES) capped.push({ name: c.name, step });
        groups.push({ columns: [c.name], steps: [step] });
      }
    } else if (c.kind === 'datetime') {
      const timestamp = c.type.toUpperCase().startsWith('TIMESTAMP');
      groups.push({
        columns: [c.name],
        steps: args.trees
          ? [
              {
                op: 'datetime',
                parts: [
                  'year',
                  'month',
                  'day',
                  'dayofweek',
                  'dayofyear',
                  ...(timestamp ? (['hour', 'minute'] as const) : []),
                ],
              },
            ]
          : [{ op: 'scale', method: 'standard' }],
      });
    } else {
      dropped.push({ column: c.name, reason: `type ${c.type} is not supported as a feature yet` });
    }
  });
  // Columns with more categories than trees keep: their most frequent ones, in the usual sorted order.
  for (const { name, step } of capped) {
    const x = ident(name);
    const top = await engine.all(
      `SELECT v FROM (SELECT ${x}::VARCHAR AS v, count(*) AS n FROM ${args.from}
       WHERE ${args.trainWhere} AND ${x} IS NOT NULL GROUP BY 1
       ORDER BY n DESC, v LIMIT ${sqlInteger(MAX_TREE_CATEGORIES)})`,
    );
    step.order = top.map((r) => String(toPlain(r.v))).sort();
  }
  return { spec: FeatureSpecSchema.parse({ groups }), dropped };
}
