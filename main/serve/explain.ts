// Explanations of a served tree model: the package's gbdt.json (checked against package.json's sha256 and
// with zod) read once, on the first request that asks `"explain": true`, and TreeSHAP contributions per row
// in the answer's shape (shared/contract/serve.ts PredictionExplanation). Reads no training code: the
// model format and TreeSHAP import nothing but types.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError } from '../../shared/contract';
import type { PredictionExplanation } from '../../shared/contract/serve';
import type { StoredTarget } from '../evaluate/predict';
import type { GbdtModel } from '../train/gbdt/tree-model';
import { createTreeExplainer } from '../train/gbdt/tree-shap';
import { GbdtModelFile } from './onnx-trees';
import type { PackageMeta } from './types';

/** The trees of a package, beside model.onnx. */
export const PACKAGE_GBDT = 'gbdt.json';

/** The refusal of `explain` for a model without trees: the message every face shows. */
export function explainRefusal(meta: PackageMeta): string {
  const need = 'explain: explanations need a tree model (gbdt)';
  if (meta.source?.kind === 'import') return `${need}; this model is an imported ONNX model`;
  if (meta.modelType && meta.modelType !== 'gbdt')
    return `${need}; this model is ${meta.modelType}`;
  // A package written before packages kept their trees (or their model type).
  return `${need}, and this package holds no trees (no ${PACKAGE_GBDT}): package or export the version again`;
}

/** Reads and checks gbdt.json of the package in `dir`; errors name the file as CORRUPT_FILE. */
export function readPackageGbdt(dir: string, meta: PackageMeta, width: number): GbdtModel {
  const file = join(dir, PACKAGE_GBDT);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new LatheError('CORRUPT_FILE', `${file} cannot be read: ${(err as Error).message}`, {
      file,
    });
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== meta.gbdtSha256)
    throw new LatheError(
      'CORRUPT_FILE',
      `${file}: sha256 ${digest} does not match package.json (${meta.gbdtSha256})`,
      { file },
    );
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new LatheError('CORRUPT_FILE', `${file} is not JSON: ${(err as Error).message}`, {
      file,
    });
  }
  const parsed = GbdtModelFile.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LatheError(
      'CORRUPT_FILE',
      `${file}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
      { file },
    );
  }
  if (parsed.data.features.length !== width)
    throw new LatheError(
      'CORRUPT_FILE',
      `${file}: ${parsed.data.features.length} features, but the model takes ${width}`,
      { file },
    );
  return parsed.data;
}

/**
 * Contributions of rows already transformed by the fitted spec (row-major, the model's features): per
 * row, feature → contribution and the base value, per class for multiclass; a regression's in the
 * target's units (raw · std, base · std + mean), so base + contributions = the prediction.
 */
export function createExplain(
  model: GbdtModel,
  target: StoredTarget,
): (x: Float32Array, rows: number) => PredictionExplanation[] {
  const explainer = createTreeExplainer(model);
  const names = model.features;
  const m = names.length;
  const k = model.outputs;
  const [scale, shift] = target.kind === 'regression' ? [target.std, target.mean] : [1, 0];
  const classes = target.kind === 'classes' ? target.classes : [];
  if (k > 1 && classes.length !== k)
    throw new LatheError(
      'CORRUPT_FILE',
      `${PACKAGE_GBDT}: ${k} outputs, but the target has ${classes.length} classes`,
      { file: PACKAGE_GBDT },
    );
  // Object.fromEntries defines each name as an own property, even one called __proto__.
  const one = (phi: Float64Array, at: number) => ({
    contributions: Object.fromEntries(names.map((name, j) => [name, phi[at + j]! * scale])),
    base: phi[at + m]! * scale + shift,
  });
  return (x, rows) => {
    const phi = explainer.explain(x, rows);
    const out: PredictionExplanation[] = [];
    for (let r = 0; r < rows; r++) {
      if (k === 1) {
        out.push(one(phi, r * (m + 1)));
        continue;
      }
      const each = classes.map((_, c) => one(phi, (r * k + c) * (m + 1)));
      out.push({
        contributions: Object.fromEntries(classes.map((name, c) => [name, each[c]!.contributions])),
        base: Object.fromEntries(classes.map((name, c) => [name, each[c]!.base])),
      });
    }
    return out;
  };
}
