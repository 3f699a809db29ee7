// What the source of MLflow's model-versions/create names in this workspace: a run Lathe trained (its model
// becomes an ordinary servable version), or something Lathe holds no servable model for, and why.
import { parse as parseYaml } from 'yaml';
import { parseModelRef } from '../../shared/contract';
import { GBDT_MODEL_ARTIFACTS, MODEL_ARTIFACTS } from '../registry/signature';
import type { ArtifactStore } from '../workspace/artifacts';
import { text, textOrNull, type Sql } from '../workspace/db';

/** Where a version's model comes from, as far as Lathe can serve it. */
export type SourceResolution =
  | { kind: 'lathe-run'; runId: string }
  | {
      kind: 'mlflow-onnx';
      runId: string;
      /** The model folder in the run's artifacts (holding MLmodel and the ONNX file). */
      path: string;
      /** The artifact path of the ONNX file and its blob. */
      onnx: { path: string; sha256: string; sizeBytes: number };
      /** MLmodel, parsed. */
      mlmodel: Record<string, unknown>;
    }
  | { kind: 'none'; reason: string };

/** The run and artifact path a source URI names, or why it names none. */
export function runOfSource(source: string): { runId: string; path: string } | { reason: string } {
  const runs = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source);
  if (runs) return { runId: runs[1]!, path: trimSlashes(runs[2] ?? '') };
  // mlflow-artifacts:/<experiment>/<run>/artifacts/<path>, with or without a host.
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+([^/]+)\/([^/]+)\/artifacts(?:\/(.*))?$/.exec(
    source,
  );
  if (proxied) return { runId: proxied[2]!, path: trimSlashes(proxied[3] ?? '') };
  const scheme = /^([a-zA-Z][\w+.-]*):/.exec(source)?.[1];
  return {
    reason: scheme
      ? `Lathe reads models from runs of this workspace only, not from ${scheme}: URIs`
      : 'a local path: Lathe reads models from runs of this workspace only',
  };
}

const trimSlashes = (p: string) => p.replace(/^\/+|\/+$/g, '');

/**
 * Resolves `source` (and the run_id it came with) to a Lathe run with a model, an MLflow model with the
 * onnx flavor among an MLflow run's artifacts, or the reason Lathe has no servable model for it.
 */
export async function resolveMlflowSource(
  sql: Sql,
  source: string,
  _runId: string | undefined,
  artifacts?: ArtifactStore,
): Promise<SourceResolution> {
  let target = runOfSource(source);
  const models = /^models:\/(.+)$/.exec(source);
  if (models) {
    // models:/<name>/<version> or models:/<name>@<alias>: the version's own run, when it has one.
    const ref = models[1]!.replace(/\/(\d+)$/, '@$1').replace(/\/latest$/i, '');
    let parts;
    try {
      parts = parseModelRef(ref);
    } catch {
      return { kind: 'none', reason: `${source} is not a model reference Lathe reads` };
    }
    const row = await sql.one<{ run_id: string | null }>(
      `SELECT mv.run_id FROM model_versions mv JOIN models m ON m.id = mv.model_id
       WHERE m.name = ? AND mv.version = ${
         parts.kind === 'version'
           ? '?'
           : parts.kind === 'alias'
             ? '(SELECT a.version FROM model_aliases a WHERE a.model_id = m.id AND a.alias = ?)'
             : '(SELECT max(o.version) FROM model_versions o WHERE o.model_id = m.id)'
       }`,
      parts.kind === 'version'
        ? [parts.name, parts.version]
        : parts.kind === 'alias'
          ? [parts.name, parts.alias]
          : [parts.name],
    );
    if (!row) return { kind: 'none', reason: `${source} names no version of this registry` };
    if (row.run_id === null)
      return { kind: 'none', reason: `${source} names a version with no run of this workspace` };
    target = { runId: text(row.run_id), path: 'model' };
  }
  if ('reason' in target) return { kind: 'none', reason: target.reason };
  const run = await sql.one<{
    id: string;
    kind: string | null;
    status: string;
    deleted_at: unknown;
    model_type: string | null;
  }>(
    `SELECT id, kind, status, deleted_at, json_extract_string(config, '$.model.type') AS model_type
     FROM runs WHERE id = ?`,
    [target.runId],
  );
  if (!run) return { kind: 'none', reason: `run ${target.runId} is not in this workspace` };
  if (run.deleted_at !== null) return { kind: 'none', reason: `run ${run.id} is deleted` };
  const files = await sql.all<{ path: string; sha256: string; size_bytes: number }>(
    'SELECT path, sha256, size_bytes FROM artifacts WHERE run_id = ?',
    [run.id],
  );
  const has = (p: string) => files.some((f) => text(f.path) === p);
  if (textOrNull(run.kind) !== 'mlflow') {
    if (text(run.status) !== 'finished')
      return { kind: 'none', reason: `run ${run.id} is ${text(run.status)}, not finished` };
    const needed = textOrNull(run.model_type) === 'gbdt' ? GBDT_MODEL_ARTIFACTS : MODEL_ARTIFACTS;
    const missing = needed.filter((p) => !has(p));
    if (missing.length)
      return {
        kind: 'none',
        reason: `run ${run.id} has no saved model (missing ${missing.join(', ')})`,
      };
    return { kind: 'lathe-run', runId: text(run.id) };
  }
  // A run logged through MLflow: an MLflow model folder among its artifacts.
  const dir = target.path;
  const mlmodelPath = dir ? `${dir}/MLmodel` : 'MLmodel';
  const mlmodelFile = files.find((f) => text(f.path) === mlmodelPath);
  if (!mlmodelFile)
    return {
      kind: 'none',
      reason: `run ${run.id} has no MLflow model at '${dir || '.'}' (no ${mlmodelPath} among its artifacts)`,
    };
  if (!artifacts)
    return { kind: 'none', reason: `the MLmodel of run ${run.id} at '${dir}' could not be read` };
  let mlmodel: Record<string, unknown>;
  try {
    const parsed: unknown = parseYaml((await artifacts.read(text(mlmodelFile.sha256))).toString());
    if (parsed === null || typeof parsed !== 'object') throw new Error('not a mapping');
    mlmodel = parsed as Record<string, unknown>;
  } catch (err) {
    return {
      kind: 'none',
      reason: `${mlmodelPath} of run ${run.id} is not a readable MLmodel file (${(err as Error).message})`,
    };
  }
  const flavors =
    mlmodel.flavors && typeof mlmodel.flavors === 'object'
      ? (mlmodel.flavors as Record<string, unknown>)
      : {};
  const onnxFlavor = flavors.onnx as { data?: unknown } | undefined;
  if (!onnxFlavor)
    return {
      kind: 'none',
      reason: `the MLflow model at '${dir || '.'}' of run ${run.id} has no onnx flavor (flavors: ${
        Object.keys(flavors).join(', ') || 'none'
      })`,
    };
  const data = typeof onnxFlavor.data === 'string' ? onnxFlavor.data : 'model.onnx';
  const onnxPath = dir ? `${dir}/${data}` : data;
  const onnxFile = files.find((f) => text(f.path) === onnxPath);
  if (!onnxFile)
    return {
      kind: 'none',
      reason: `the onnx flavor of the MLflow model at '${dir || '.'}' names ${data}, which run ${run.id} does not hold`,
    };
  return {
    kind: 'mlflow-onnx',
    runId: text(run.id),
    path: dir,
    onnx: {
      path: onnxPath,
      sha256: text(onnxFile.sha256),
      sizeBytes: Number(onnxFile.size_bytes),
    },
    mlmodel,
  };
}
