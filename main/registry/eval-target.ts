// What an evaluation names, resolved through the registry: a run id or `NAME@version|alias`, and the
// champion a challenger is compared with. Lives in registry/ because evaluate sits to its left.
import { CHAMPION, LatheError, type Run } from '../../shared/contract';
import type { EvalTarget } from '../evaluate/evaluate-service';
import { text, type Database } from '../workspace/db';
import { resolveRow } from './refs';

export interface EvalTargets {
  /**
   * A run id (prefix) or a registered `NAME@version|alias`: the run, and the version it names. A run named
   * by its id that is registered as one model takes that model's gates.
   */
  target(ref: string): Promise<EvalTarget>;
  /** The version a model's `champion` alias points to with its run, or null (none, or imported). */
  championOf(model: string): Promise<{ label: string; versionId: string; run: Run } | null>;
}

export function createEvalTargets(deps: {
  db: Database;
  getRun: (idOrPrefix: string) => Promise<Run>;
}): EvalTargets {
  const { db, getRun } = deps;
  const versionOf = async (ref: string) => {
    const row = await resolveRow(db, ref);
    return {
      id: text(row.id),
      model: text(row.model),
      version: Number(row.version),
      runId: row.run_id === null ? null : text(row.run_id),
    };
  };
  return {
    async target(ref) {
      if (/^[0-9a-f]{4,}$/i.test(ref) && !ref.includes('@')) {
        try {
          const run = await getRun(ref);
          const models = await db.all<{ name: string }>(
            `SELECT DISTINCT m.name FROM model_versions v JOIN models m ON m.id = v.model_id
             WHERE v.run_id = ?`,
            [run.id],
          );
          return { run, model: null, gatesOf: models.length === 1 ? text(models[0]!.name) : null };
        } catch (err) {
          if (!(err instanceof LatheError) || err.code !== 'NOT_FOUND') throw err;
        }
      }
      const v = await versionOf(ref);
      if (v.runId === null)
        throw new LatheError(
          'INVALID_INPUT',
          `${v.model}@${v.version} is an imported ONNX model: it has no run to evaluate (score it with lathe predict)`,
          { model: v.model, version: v.version },
        );
      return {
        run: await getRun(v.runId),
        model: { name: v.model, version: v.version, versionId: v.id },
      };
    },

    async championOf(model) {
      try {
        const v = await versionOf(`${model}@${CHAMPION}`);
        // An imported champion has no run to score a challenger's rows with: no champion comparison.
        if (v.runId === null) return null;
        return { label: `${v.model}@${v.version}`, versionId: v.id, run: await getRun(v.runId) };
      } catch (err) {
        if (err instanceof LatheError && err.code === 'NOT_FOUND') return null;
        throw err;
      }
    },
  };
}
