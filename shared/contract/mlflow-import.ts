// Import of an MLflow file-store folder (mlruns/) and export of a model version as an MLflow model folder.
import { z } from 'zod';
import { ModelRef } from './registry';

export const MlrunsImportIn = z.object({
  /** The mlruns folder, absolute or relative to the owner's working folder. */
  dir: z.string().min(1, 'the mlruns folder is required'),
});
export type MlrunsImportIn = z.input<typeof MlrunsImportIn>;

const Count = z.number().int().nonnegative();

export const MlrunsImportOut = z.object({
  dir: z.string(),
  experiments: z.array(
    z.object({
      /** The MLflow experiment id in the folder. */
      mlflowId: z.string(),
      name: z.string(),
      /** The Lathe experiment it went into. */
      id: z.string(),
      created: z.boolean(),
      deleted: z.boolean(),
      runs: Count,
    }),
  ),
  /** Runs new to the workspace, runs that gained something, runs already there in full. */
  runs: z.object({ added: Count, updated: Count, unchanged: Count }),
  /** What was written (a second import of the same folder writes nothing). */
  added: z.object({
    params: Count,
    tags: Count,
    metricPoints: Count,
    artifacts: Count,
    artifactBytes: Count,
    models: Count,
    versions: Count,
    aliases: Count,
  }),
  /** MLflow run id → Lathe run id, where they differ (the MLflow id was taken by another run). */
  renamed: z.record(z.string(), z.string()),
  /** What was left out or kept as it was, one line each (e.g. artifacts in an object store). */
  warnings: z.array(z.string()),
});
export type MlrunsImportOut = z.infer<typeof MlrunsImportOut>;

export const MlflowModelExportIn = z.object({
  ref: ModelRef,
  /** A new (or empty) folder, absolute or relative to the owner's working folder. */
  out: z.string().min(1, 'an output folder is required'),
});
export type MlflowModelExportIn = z.input<typeof MlflowModelExportIn>;

export const MlflowModelExportOut = z.object({
  dir: z.string(),
  model: z.string(),
  version: z.number().int().positive(),
  /** Files written, relative, sorted. */
  files: z.array(z.string()),
  bytes: Count,
  /** The MLmodel's model_uuid. */
  modelUuid: z.string(),
});
export type MlflowModelExportOut = z.infer<typeof MlflowModelExportOut>;

/** Channels of this file, spread into shared/contract/index.ts. */
export const mlflowImportChannels = {
  /**
   * Imports an MLflow file-store folder: experiments (and deleted ones in .trash), runs with params, metric
   * histories, tags and artifacts, registered models with versions and aliases. Every file is checked
   * before anything is written; a second import of the same folder adds nothing; a run that gained
   * metric points, tags, params or artifacts since gets them. Progress: `data:progress` op `mlruns`.
   */
  'mlflow:import-mlruns': { input: MlrunsImportIn, output: MlrunsImportOut },
  /**
   * Writes a model version as an MLflow model folder (MLmodel with the onnx and python_function flavors,
   * model.onnx, signature, input example, conda.yaml / python_env.yaml / requirements.txt), as
   * mlflow.onnx.save_model does. A non-empty folder is refused.
   */
  'mlflow:export-model': { input: MlflowModelExportIn, output: MlflowModelExportOut },
} as const;
