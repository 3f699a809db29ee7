// The registered models of an mlruns folder (models/<name>/…, read by mlruns-reader.ts) into Lathe's registry,
// through MLflow's registry channels (registry-service.ts), after the runs they name are in the workspace.
//
// Importing again adds nothing: a model is found by name; a folder version is the workspace version with
// the same source (its run rewritten to the Lathe run) and, preferably, the same number, each workspace
// version standing for one folder version; an alias already set is kept, even when the workspace moved it.
// What Lathe cannot hold (a model name with spaces, an alias in capitals, a version MLflow deleted) and what
// its rules refuse (a stage a gate policy blocks) is left out with a warning: the runs are already written.
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AliasName, LatheError, ModelName } from '../../shared/contract';
import { mlflowRegistryChannels } from '../../shared/contract/mlflow-registry';
import type { z } from 'zod';
import type { Database } from '../workspace/db';
import type { MlrunsModel, MlrunsRun } from './mlruns-reader';

type RegistryChannels = typeof mlflowRegistryChannels;
/** Calls an MLflow registry channel (shared/contract/mlflow-registry.ts) and answers its result. */
export type MlflowRegistryCall = <C extends keyof RegistryChannels>(
  channel: C,
  input: z.input<RegistryChannels[C]['input']>,
) => Promise<unknown>;

/** An imported run: the folder's run and the Lathe run id it went to. */
export interface ImportedRun {
  run: MlrunsRun;
  latheId: string;
}

/** What MLflow's file store writes as the stage of a deleted version (model_version_stages.py). */
const STAGE_DELETED_INTERNAL = 'Deleted_Internal';
/** MLflow's stages that need a transition-stage call ('None' is where a new version starts). */
const STAGES = new Set(['Staging', 'Production', 'Archived']);

const localFile = (uri: string): string | null => {
  try {
    return fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice(5)}`);
  } catch {
    return null;
  }
};

/**
 * The source of an MLflow model version as this workspace names it: a file: URI (or path) inside an imported
 * run's artifacts, runs:/<mlflow run id>/… or mlflow-artifacts:/<exp>/<mlflow run id>/artifacts/…, becomes
 * runs:/<lathe run id>/<path>; anything else is kept.
 */
export function rewriteSource(source: string, runs: readonly ImportedRun[]): string {
  const byRun =
    /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source) ??
    /^mlflow-artifacts:(?:\/\/[^/]*)?\/+[^/]+\/([^/]+)\/artifacts(?:\/(.*))?$/.exec(source);
  if (byRun) {
    const p = runs.find((x) => x.run.runId === byRun[1]);
    const path = (byRun[2] ?? '').replace(/^\/+|\/+$/g, '');
    return p ? `runs:/${p.latheId}${path ? `/${path}` : ''}` : source;
  }
  const path = source.startsWith('file:') ? localFile(source) : isAbsolute(source) ? source : null;
  if (path === null) return source;
  for (const p of runs) {
    const roots = [join(p.run.dir, 'artifacts')];
    const named = p.run.artifactUri.startsWith('file:') ? localFile(p.run.artifactUri) : null;
    if (named) roots.push(named);
    for (const root of roots) {
      const rel = relative(root, path);
      if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)))
        return `runs:/${p.latheId}${rel ? `/${rel.split(sep).join('/')}` : ''}`;
    }
  }
  return source;
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));

/** A call whose refusal by Lathe's rules (a gate, an alias rule) becomes a warning. */
async function orWarn(warnings: string[], what: string, call: () => Promise<unknown>) {
  try {
    await call();
    return true;
  } catch (err) {
    if (!(err instanceof LatheError)) throw err;
    warnings.push(`${what} not set: ${err.message}`);
    return false;
  }
}

/**
 * Imports `models` through `call`; answers what was added. `warnings` gets one line per thing left out.
 * Without `call` (no registry in this process) the models are left out with a warning.
 */
export async function importRegisteredModels(
  deps: { db: Database; call?: MlflowRegistryCall },
  models: readonly MlrunsModel[],
  runs: readonly ImportedRun[],
  warnings: string[],
  progress?: (done: number, total: number, name: string) => void,
): Promise<{ models: number; versions: number; aliases: number }> {
  const added = { models: 0, versions: 0, aliases: 0 };
  if (!models.length) return added;
  const { db, call } = deps;
  if (!call) {
    warnings.push(
      `registered models (${models.map((m) => m.name).join(', ')}) not imported: this process has no MLflow registry`,
    );
    return added;
  }
  const createdVersion = mlflowRegistryChannels['mlflow:model-versions:create'].output;
  for (const [i, m] of models.entries()) {
    progress?.(i, models.length, m.name);
    const named = ModelName.safeParse(m.name);
    if (!named.success) {
      warnings.push(
        `registered model ${JSON.stringify(m.name)} not imported: Lathe's model names ${named.error.issues[0]!.message}`,
      );
      continue;
    }
    let model = await db.one<{ id: string }>('SELECT id FROM models WHERE name = ?', [m.name]);
    if (!model) {
      await call('mlflow:registered-models:create', {
        name: m.name,
        description: m.description,
        tags: tagList(m.tags),
      });
      added.models++;
      model = await db.one<{ id: string }>('SELECT id FROM models WHERE name = ?', [m.name]);
    } else {
      const have = await db.all<{ key: string; value: string }>(
        'SELECT key, value FROM model_tags WHERE model_id = ?',
        [model.id],
      );
      const tags = new Map(have.map((r) => [r.key, r.value]));
      for (const [key, value] of Object.entries(m.tags))
        if (tags.get(key) !== value)
          await call('mlflow:registered-models:set-tag', { name: m.name, key, value });
    }
    const modelId = model!.id;
    const existing = (
      await db.all<{ version: number; source_uri: string | null }>(
        'SELECT version, source_uri FROM model_versions WHERE model_id = ? ORDER BY version',
        [modelId],
      )
    ).map((r) => ({ version: Number(r.version), source: r.source_uri }));
    const claimed = new Set<number>();
    const numberOf = new Map<number, number>();
    for (const v of m.versions) {
      if (v.currentStage === STAGE_DELETED_INTERNAL) {
        warnings.push(`${m.name} version ${v.version} was deleted in MLflow: not imported`);
        continue;
      }
      const source = rewriteSource(v.source, runs);
      const free = existing.filter((e) => !claimed.has(e.version) && e.source === source);
      const same = free.find((e) => e.version === v.version) ?? free[0];
      if (same) {
        claimed.add(same.version);
        numberOf.set(v.version, same.version);
        continue;
      }
      const runId = v.runId
        ? (runs.find((p) => p.run.runId === v.runId)?.latheId ?? v.runId)
        : undefined;
      const made = createdVersion.parse(
        await call('mlflow:model-versions:create', {
          name: m.name,
          source,
          ...(runId ? { run_id: runId } : {}),
          description: v.description,
          tags: tagList(v.tags),
        }),
      );
      const n = Number(made.model_version.version);
      claimed.add(n);
      existing.push({ version: n, source });
      numberOf.set(v.version, n);
      added.versions++;
      if (n !== v.version)
        warnings.push(`${m.name} version ${v.version} was registered as version ${n}`);
      if (STAGES.has(v.currentStage))
        await orWarn(warnings, `${m.name} version ${n}: stage ${v.currentStage}`, () =>
          call('mlflow:model-versions:transition-stage', {
            name: m.name,
            version: String(n),
            stage: v.currentStage,
          }),
        );
    }
    const set = await db.all<{ alias: string; version: number }>(
      'SELECT alias, version FROM model_aliases WHERE model_id = ?',
      [modelId],
    );
    const aliases = new Map(set.map((r) => [r.alias, Number(r.version)]));
    for (const [alias, version] of Object.entries(m.aliases)) {
      const n = numberOf.get(version);
      const had = aliases.get(alias);
      if (had !== undefined) {
        if (n !== undefined && had !== n)
          warnings.push(
            `${m.name}@${alias} points at version ${had} in the workspace, version ${version} in the folder: kept the workspace's`,
          );
        continue;
      }
      if (n === undefined) {
        warnings.push(`${m.name}@${alias} not set: version ${version} was not imported`);
        continue;
      }
      const ok = AliasName.safeParse(alias);
      if (!ok.success) {
        warnings.push(
          `${m.name}@${alias} not set: Lathe's aliases: ${ok.error.issues[0]!.message}`,
        );
        continue;
      }
      if (
        await orWarn(warnings, `${m.name}@${alias}`, () =>
          call('mlflow:registered-models:set-alias', {
            name: m.name,
            alias,
            version: String(n),
          }),
        )
      )
        added.aliases++;
    }
  }
  progress?.(models.length, models.length, '');
  return added;
}
