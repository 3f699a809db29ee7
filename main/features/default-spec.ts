import type { ColumnInfo, FeatureSpec, FeatureSpecInput } from '../../shared/contract';
import { FeatureSpec as FeatureSpecSchema } from '../../shared/contract';
import type { Engine } from '../data/engine';
import { ident } from '../workspace/db';

const MAX_CATEGORIES = 50;

/**
 * The spec training uses when the config gives none: numeric columns imputed with the mean (plus a missing
 * indicator where the training split has nulls) and standardized; categorical one-hot, top 50 + other;
 * dates split into parts and standardized. Columns that cannot help are left out with a reason.
 */
export async function defaultFeatureSpec(
  engine: Engine,
  args: { from: string; trainWhere: string; columns: ColumnInfo[]; features: string[] },
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
        steps: [
          { op: 'impute', strategy: 'mean', indicator: present < rows },
          { op: 'scale', method: 'standard' },
        ],
      });
    } else if (c.kind === 'categorical') {
      if (distinct > MAX_CATEGORIES && distinct === rows) {
        dropped.push({ column: c.name, reason: 'every value is unique: looks like an identifier' });
        return;
      }
      groups.push({ columns: [c.name], steps: [{ op: 'onehot', maxCategories: MAX_CATEGORIES }] });
    } else if (c.kind === 'datetime') {
      groups.push({ columns: [c.name], steps: [{ op: 'scale', method: 'standard' }] });
    } else {
      dropped.push({ column: c.name, reason: `type ${c.type} is not supported as a feature yet` });
    }
  });
  return { spec: FeatureSpecSchema.parse({ groups }), dropped };
}
