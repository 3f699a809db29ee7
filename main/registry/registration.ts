// Registration: a finished run's model, or a checked ONNX import, as the next version of a model.
import {
  LatheError,
  type ModelVersion,
  type ModelsRegisterIn,
  type ModelSignature,
  type VersionSource,
  type Run,
} from '../../shared/contract';
import type { DataService } from '../data/data-service';
import type { TrackingStore } from '../tracking/tracking-store';
import type { ArtifactStore } from '../workspace/artifacts';
import type { Database, Sql } from '../workspace/db';
import { newId } from '../workspace/projects';
import type { AuditLog } from './audit';
import { MODEL_SELECT } from './refs';
import { modelArtifacts, readModelFiles, signatureOf } from './signature';

/** A checked ONNX import (main/serve/onnx-import.ts) whose files are already in the artifact store. */
export interface ImportedVersionIn {
  name: string;
  description?: string;
  /** The project of a new model; default `Default`. */
  project?: string;
  signature: ModelSignature;
  source: Extract<VersionSource, { kind: 'import' }>;
  /** The version's files in the artifact store (model.onnx, signature.json). */
  files: { path: string; sha256: string; sizeBytes: number }[];
}

/** A run's model about to be registered: what its monitoring reference is computed from. */
export interface RegisterDraft {
  runId: string;
  /** The dataset version it trained on, `name@N`. */
  dataset: string;
  signature: ModelSignature;
}

/** Stores what was computed for a draft, in the registration's own transaction. */
export type RegisterWrite = (
  sql: Sql,
  version: { id: string; model: string; version: number },
) => Promise<void>;

export interface Registration {
  /** See RegistryStore.register. */
  register(input: ModelsRegisterIn, write?: RegisterWrite): Promise<ModelVersion>;
  /** See RegistryStore.registerImport. */
  registerImport(input: ImportedVersionIn, write?: RegisterWrite): Promise<ModelVersion>;
}

/** The number the next version of a model takes: a deleted version's number is never taken again. */
export async function nextVersion(sql: Sql, modelId: string): Promise<number> {
  const next = await sql.one<{ v: number }>(
    `SELECT greatest(
       coalesce((SELECT max(version) FROM model_versions WHERE model_id = ?), 0),
       coalesce((SELECT max(version) FROM audit_log WHERE model_id = ? AND action = 'delete'), 0)) + 1 AS v`,
    [modelId, modelId],
  );
  return Number(next!.v);
}

/** Refuses a run that cannot be registered, naming the run and what it lacks. */
function checkRegistrable(run: Run): void {
  const label = `run ${run.id} (${run.name})`;
  if (run.deletedAt)
    throw new LatheError(
      'INVALID_INPUT',
      `${label} is deleted; restore it with lathe runs restore ${run.id.slice(0, 8)} before registering it`,
      { runId: run.id },
    );
  if (run.status !== 'finished')
    throw new LatheError(
      'INVALID_INPUT',
      `${label} is ${run.status}; only a finished run can be registered`,
      { runId: run.id, status: run.status },
    );
  const missing = modelArtifacts(run).filter((p) => !run.artifacts.some((a) => a.path === p));
  if (missing.length)
    throw new LatheError(
      'INVALID_INPUT',
      `${label} has no saved model (missing ${missing.join(', ')})${
        run.kind === 'cv' || run.kind === 'tune'
          ? `; a ${run.kind === 'cv' ? 'cross-validation' : 'search'} keeps its models in its ${run.kind === 'cv' ? 'fold' : 'trial'} runs: register one of those`
          : ''
      }`,
      { runId: run.id, missing },
    );
}

/**
 * The model a new version goes into: `existing` (a given description replaces its own), or a new model
 * `name` in project `projectName`.
 */
async function ensureModel(
  sql: Sql,
  existing: { id: string; project: string } | null | undefined,
  name: string,
  projectName: string,
  description: string | undefined,
  at: Date,
): Promise<{ id: string; project: string }> {
  if (existing) {
    if (description !== undefined)
      await sql.run('UPDATE models SET description = ? WHERE id = ?', [description, existing.id]);
    return existing;
  }
  const p = await sql.one<{ id: string }>('SELECT id FROM projects WHERE name = ?', [projectName]);
  if (!p)
    throw new LatheError('NOT_FOUND', `no project '${projectName}'`, { project: projectName });
  const model = { id: newId(), project: projectName };
  await sql.run(
    `INSERT INTO models (id, project_id, name, description, created_at)
     VALUES (?, ?, ?, ?, epoch_ms(?::BIGINT))`,
    [model.id, p.id, name, description ?? '', at.getTime()],
  );
  return model;
}

export function createRegistration(deps: {
  db: Database;
  tracking: Pick<TrackingStore, 'get'>;
  data: Pick<DataService, 'resolve'>;
  artifacts: ArtifactStore;
  audit: AuditLog;
  actor: () => string;
  now: () => Date;
  /** The version a reference resolves to (what registering returns). */
  version: (ref: string) => Promise<ModelVersion>;
  /** See RegistryStore's `prepareRegister`. */
  prepare?: (draft: RegisterDraft) => Promise<RegisterWrite | null>;
}): Registration {
  const { db, tracking, data, artifacts, audit, actor, now } = deps;

  return {
    async register({ runId, name, description }, write) {
      const run = await tracking.get(runId);
      checkRegistrable(run);
      const files = await readModelFiles(artifacts, run);
      const dv = await data.resolve(`${run.lineage.dataset}@${run.lineage.datasetVersion}`);
      const signature = signatureOf(files, dv.columns);
      const dataset = `${run.lineage.dataset}@${run.lineage.datasetVersion}`;
      // Computed before the transaction (it reads data), written in it: a version is never without it.
      const extra = deps.prepare
        ? await deps.prepare({ runId: run.id, dataset, signature }).catch((err: unknown) => {
            console.error(
              `[Registry] ${name}: the monitoring reference of run ${run.id} could not be computed; registering without it: ${
                err instanceof Error ? err.message : String(err)
              }`,
            );
            return null;
          })
        : null;
      const at = now();
      const by = actor();
      const version = await db.tx(async (sql) => {
        const live = await sql.one<{ deleted_at: unknown }>(
          'SELECT deleted_at FROM runs WHERE id = ?',
          [run.id],
        );
        if (!live || live.deleted_at !== null)
          throw new LatheError('INVALID_INPUT', `run ${run.id} was deleted meanwhile`, {
            runId: run.id,
          });
        let model = await sql.one<{ id: string; project: string }>(
          `${MODEL_SELECT} WHERE m.name = ?`,
          [name],
        );
        if (model && model.project !== run.project)
          throw new LatheError(
            'INVALID_INPUT',
            `model '${name}' belongs to project '${model.project}' but run ${run.id} is in project '${run.project}'; register it under another name`,
            { model: name, runId: run.id },
          );
        model = await ensureModel(sql, model, name, run.project, description, at);
        const dup = await sql.one<{ version: number }>(
          'SELECT version FROM model_versions WHERE model_id = ? AND run_id = ?',
          [model.id, run.id],
        );
        if (dup)
          throw new LatheError(
            'INVALID_INPUT',
            `run ${run.id} is already version ${Number(dup.version)} of model '${name}'`,
            { runId: run.id, model: name, version: Number(dup.version) },
          );
        const v = await nextVersion(sql, model.id);
        const id = newId();
        await sql.run(
          `INSERT INTO model_versions (id, model_id, version, run_id, stage, signature, card, created_at, created_by)
           VALUES (?, ?, ?, ?, 'none', ?::JSON, NULL, epoch_ms(?::BIGINT), ?)`,
          [id, model.id, v, run.id, JSON.stringify(signature), at.getTime(), by],
        );
        await extra?.(sql, { id, model: name, version: v });
        await write?.(sql, { id, model: name, version: v });
        await audit(sql, at, {
          action: 'register',
          modelId: model.id,
          version: v,
          details: {
            runId: run.id,
            dataset,
            ...(description !== undefined ? { description } : {}),
          },
        });
        return v;
      });
      return deps.version(`${name}@${version}`);
    },

    async registerImport({ name, description, project, signature, source, files }, write) {
      const at = now();
      const by = actor();
      const version = await db.tx(async (sql) => {
        let model = await sql.one<{ id: string; project: string }>(
          `${MODEL_SELECT} WHERE m.name = ?`,
          [name],
        );
        if (model && project !== undefined && model.project !== project)
          throw new LatheError(
            'INVALID_INPUT',
            `model '${name}' belongs to project '${model.project}', not '${project}'; import it under another name`,
            { model: name },
          );
        model = await ensureModel(sql, model, name, project ?? 'Default', description, at);
        const dup = await sql.one<{ version: number }>(
          `SELECT version FROM model_versions WHERE model_id = ?
             AND json_extract_string(source, '$.kind') = 'import'
             AND json_extract_string(source, '$.sha256') = ?`,
          [model.id, source.sha256],
        );
        if (dup)
          throw new LatheError(
            'INVALID_INPUT',
            `${source.file} (sha256 ${source.sha256.slice(0, 12)}…) is already version ${Number(dup.version)} of model '${name}'`,
            { model: name, version: Number(dup.version) },
          );
        const v = await nextVersion(sql, model.id);
        const id = newId();
        await sql.run(
          `INSERT INTO model_versions (id, model_id, version, run_id, stage, signature, source, card, created_at, created_by)
           VALUES (?, ?, ?, NULL, 'none', ?::JSON, ?::JSON, NULL, epoch_ms(?::BIGINT), ?)`,
          [id, model.id, v, JSON.stringify(signature), JSON.stringify(source), at.getTime(), by],
        );
        for (const f of files)
          await sql.run('INSERT INTO model_version_files VALUES (?, ?, ?, ?)', [
            id,
            f.path,
            f.sha256,
            f.sizeBytes,
          ]);
        await write?.(sql, { id, model: name, version: v });
        await audit(sql, at, {
          action: 'import',
          modelId: model.id,
          version: v,
          details: {
            file: source.file,
            sha256: source.sha256,
            ...(description !== undefined ? { description } : {}),
          },
        });
        return v;
      });
      return deps.version(`${name}@${version}`);
    },
  };
}
