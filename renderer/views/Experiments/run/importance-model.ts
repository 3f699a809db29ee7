// Pure logic of the run page's feature importance of a tree model: the stored model/importance.json
// (gain and split count per input, written by training), parsed, ranked and scaled for the bars.
import { z } from 'zod';

/** Where a gradient-boosted run stores its importance. */
export const TREE_IMPORTANCE_PATH = 'model/importance.json';

/** Inputs drawn before "show all". */
export const IMPORTANCE_TOP = 20;

const TreeImportance = z.object({
  gain: z.record(z.string(), z.number().nonnegative()),
  splits: z.record(z.string(), z.number().int().nonnegative()),
});
export type TreeImportance = z.infer<typeof TreeImportance>;

export type ImportanceKind = 'gain' | 'splits';

/** Names in natural order: extra_2 before extra_10. */
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Whether a run stored tree importance (a gradient-boosted run). */
export function hasTreeImportance(run: { artifacts: readonly { path: string }[] }): boolean {
  return run.artifacts.some((a) => a.path === TREE_IMPORTANCE_PATH);
}

/** The text of the artifact's base64 bytes (UTF-8). */
export function decodeBase64Text(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** model/importance.json parsed; an error names the file and the first wrong field. */
export function parseTreeImportance(text: string): TreeImportance {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${TREE_IMPORTANCE_PATH} is not JSON`);
  }
  const parsed = TreeImportance.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `${TREE_IMPORTANCE_PATH}: ${issue.path.join('.') || 'the file'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

export interface ImportanceRow {
  feature: string;
  value: number;
  /** Share of the total over all inputs (0 when the total is 0). */
  share: number;
}

/**
 * Every input by one measure, largest first (ties by name), with its share of the total. Inputs named
 * by either measure are listed (0 where the other lacks them).
 */
export function importanceRows(imp: TreeImportance, by: ImportanceKind): ImportanceRow[] {
  const features = [...new Set([...Object.keys(imp.gain), ...Object.keys(imp.splits)])];
  const values = imp[by];
  const total = features.reduce((a, f) => a + (values[f] ?? 0), 0);
  return features
    .map((feature) => {
      const value = values[feature] ?? 0;
      return { feature, value, share: total > 0 ? value / total : 0 };
    })
    .sort((a, b) => b.value - a.value || byName(a.feature, b.feature));
}

/** Inputs never split on (0 splits): the model ignores them. */
export function unusedInputs(imp: TreeImportance): string[] {
  return importanceRows(imp, 'splits')
    .filter((r) => r.value === 0)
    .map((r) => r.feature)
    .sort(byName);
}
