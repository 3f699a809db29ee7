// Pipeline channels: check a pipeline file, plan and run it (cached steps skipped), its run history, cancel
// and resume, the Pipelines view's file editing, and the export to Argo Workflows or Kubernetes Jobs. The
// file's own schema is shared/config/pipeline.ts.
import { z } from 'zod';
import { IsoTime } from './common';

/** A pipeline file: absolute, or relative to the owner's working folder. */
const PipelineFile = z.string().trim().min(1, 'give the pipeline file');

/** A step id as a channel takes it (the file's graph checks that it exists). */
const StepRef = z.string().trim().min(1, 'name a step');

/** Where in a pipeline file a problem is: the step and field it names, and the line when it is known. */
export const PipelineIssue = z.object({
  message: z.string(),
  step: z.string().optional(),
  /** The field within the step (or the file), e.g. `from`, `config.model.trees`, `schedule`. */
  field: z.string().optional(),
  /** 1-based line and column of the field in the file's text, when it can be found. */
  line: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
});
export type PipelineIssue = z.infer<typeof PipelineIssue>;

/** One step as the graph sees it: what it reads and its level (steps of one level may run at once). */
export const PipelineStepInfo = z.object({
  id: z.string(),
  type: z.string(),
  description: z.string().optional(),
  /** The steps it reads or waits for: `field` is `from`, `from[1]`, `data`, `gate` or `after[0]`. */
  inputs: z.array(z.object({ field: z.string(), id: z.string() })),
  level: z.number().int().nonnegative(),
  /** One line saying what the step does (`train gbdt on checked → delayed`). */
  summary: z.string(),
});
export type PipelineStepInfo = z.infer<typeof PipelineStepInfo>;

/** A file (or text) to check: with `text`, `file` only names it and anchors its relative paths. */
export const PipelineCheckIn = z
  .object({
    file: PipelineFile.optional(),
    text: z.string().optional(),
    set: z.array(z.string()).default([]),
  })
  .refine((v) => v.file !== undefined || v.text !== undefined, {
    message: 'give a pipeline file or its text',
    path: ['file'],
  });

export const PipelineCheckOut = z.object({
  ok: z.boolean(),
  /** The pipeline's name, when the file got that far. */
  name: z.string().nullable(),
  file: z.string().nullable(),
  description: z.string().nullable(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  schedule: z.string().nullable(),
  steps: z.array(PipelineStepInfo),
  issues: z.array(PipelineIssue),
});
export type PipelineCheckOut = z.infer<typeof PipelineCheckOut>;

/** Runs a pipeline file: every step, or from one step on; cached steps skip unless forced. */
export const PipelineRunIn = z.object({
  file: PipelineFile,
  /** `NAME=VALUE` parameter overrides, in order. */
  set: z.array(z.string()).default([]),
  /** Run this step and everything downstream of it even when cached (DVC's `--downstream --force`). */
  from: StepRef.optional(),
  /** Run these steps (and what reads them) even when cached. */
  force: z.array(StepRef).default([]),
  /**
   * Run this one step only, its inputs read from their recorded outputs (they must have finished): how an
   * exported pipeline runs one step per container on a shared workspace.
   */
  only: StepRef.optional(),
  /** Who started it; recorded with the run. */
  trigger: z.enum(['manual', 'schedule', 'demo', 'resume']).default('manual'),
});
export type PipelineRunIn = z.input<typeof PipelineRunIn>;

/** What a step made: what its dependents' keys read, and links to open it. */
export const PipelineStepOutput = z.object({
  kind: z.enum([
    'dataset',
    'run',
    'evaluation',
    'gate',
    'model',
    'batches',
    'server',
    'export',
    'rules',
  ]),
  /** What enters a dependent's cache key: a dataset version's hash, a run id, `model@3`, file hashes. */
  identity: z.string(),
  /** One line for people: `flights_q1@2 (100,000 rows)`, `run 3f2a1c9 roc_auc 0.71`. */
  label: z.string(),
  /** A dataset version (`name@3`) the step made or passed on. */
  dataset: z.string().optional(),
  /** A run (train, tune: the best trial's search parent is `run`, the trial `trial`). */
  run: z.string().optional(),
  evaluation: z.string().optional(),
  /** A model version, `name@3`. */
  model: z.string().optional(),
  /** A server's URL. */
  server: z.string().optional(),
  /** Files written (batches' outputs, an export's folder). */
  files: z.array(z.string()).optional(),
  /** A gate step's verdict (false only with onFail: warn). */
  passed: z.boolean().optional(),
  /** Alert rules installed by a monitor step. */
  rules: z.array(z.string()).optional(),
});
export type PipelineStepOutput = z.infer<typeof PipelineStepOutput>;

export const PipelineStepStatus = z.enum([
  /** Not reached yet. */
  'pending',
  'running',
  'succeeded',
  /** Its key matched a finished step: skipped with that step's outputs. */
  'cached',
  'failed',
  'cancelled',
  /** Not run: an upstream step failed or the run was cancelled first. */
  'skipped',
]);
export type PipelineStepStatus = z.infer<typeof PipelineStepStatus>;

export const PipelineStepRun = z.object({
  id: z.string(),
  type: z.string(),
  status: PipelineStepStatus,
  startedAt: IsoTime.nullable(),
  endedAt: IsoTime.nullable(),
  durationMs: z.number().nonnegative().nullable(),
  /** The step's cache key (sha256 of its resolved config, its inputs' identities and Lathe's version). */
  key: z.string().nullable(),
  /** Why it ran (`config changed (3f2a1c9 → 9b8e0d1)`, `'train' reran`, `forced`), or why it was cached. */
  reasons: z.array(z.string()),
  /** What happened, in one line (`3 of 4 expectations passed; 120 rows quarantined`). */
  message: z.string().nullable(),
  error: z.string().nullable(),
  outputs: PipelineStepOutput.nullable(),
  /** For a cached step: the pipeline run whose step made the outputs. */
  cachedFrom: z.string().nullable(),
});
export type PipelineStepRun = z.infer<typeof PipelineStepRun>;

export const PipelineRunStatus = z.enum([
  'running',
  'succeeded',
  'failed',
  'cancelled',
  /** The process running it ended mid-run (crash, kill): resume it. */
  'interrupted',
]);
export type PipelineRunStatus = z.infer<typeof PipelineRunStatus>;

/** One run of a pipeline file, as recorded. */
export const PipelineRun = z.object({
  id: z.string(),
  pipeline: z.string(),
  /** The file's absolute path. */
  file: z.string(),
  /** sha256 of the file's text when it ran (the text is kept with the run). */
  fileHash: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  set: z.array(z.string()),
  trigger: z.enum(['manual', 'schedule', 'demo', 'resume']),
  status: PipelineRunStatus,
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
  durationMs: z.number().nonnegative().nullable(),
  error: z.string().nullable(),
  /** The step that failed (or was running when cancelled). */
  failedStep: z.string().nullable(),
  /** The run this one resumed. */
  resumeOf: z.string().nullable(),
  from: z.string().nullable(),
  force: z.array(z.string()),
  /** Every step of the file, in dependency order. */
  steps: z.array(PipelineStepRun),
});
export type PipelineRun = z.infer<typeof PipelineRun>;

/** A step of a plan: whether it would run and why. */
export const PipelinePlanStep = z.object({
  id: z.string(),
  type: z.string(),
  run: z.boolean(),
  reasons: z.array(z.string()),
  /** Its key, when its inputs are known without running anything. */
  key: z.string().nullable(),
  /** The outputs it would be skipped with. */
  cached: PipelineStepOutput.nullable(),
});
export type PipelinePlanStep = z.infer<typeof PipelinePlanStep>;

export const PipelinePlanOut = z.object({
  pipeline: z.string(),
  file: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  steps: z.array(PipelinePlanStep),
});
export type PipelinePlanOut = z.infer<typeof PipelinePlanOut>;

export const PipelineRunIdIn = z.object({
  /** A pipeline run id, or 8+ of its leading characters. */
  id: z.string().trim().min(1, 'a pipeline run id is required'),
});

export const PipelineRunsIn = z.object({
  /** One pipeline's runs (by name); absent: every pipeline's. */
  pipeline: z.string().min(1).optional(),
  limit: z.number().int().positive().max(1000).default(50),
});

/** A pipeline the workspace knows: a file run (or opened in the app) here. */
export const PipelineSummary = z.object({
  name: z.string(),
  file: z.string(),
  description: z.string().nullable(),
  /** The file's cron schedule; null without one (or when the file no longer reads). */
  schedule: z.string().nullable(),
  /** When the schedule fires next (while the app, `lathe ui` or `lathe monitor watch` runs). */
  nextRunAt: IsoTime.nullable(),
  runs: z.number().int().nonnegative(),
  lastRun: PipelineRun.nullable(),
  /** Why the file cannot be read or checked now, if so. */
  problem: z.string().nullable(),
});
export type PipelineSummary = z.infer<typeof PipelineSummary>;

export const PipelineAddIn = z.object({ file: PipelineFile });

export const PipelineFileIn = z.object({ file: PipelineFile });
export const PipelineFileOut = z.object({ file: z.string(), text: z.string() });

/** Writes a pipeline file's text (whole or not at all) and answers its check. */
export const PipelineFileSaveIn = z.object({ file: PipelineFile, text: z.string() });

/** Writes the pipeline as Argo Workflows or Kubernetes Job manifests that run the Lathe CLI image. */
export const PipelineExportIn = z.object({
  file: PipelineFile,
  set: z.array(z.string()).default([]),
  format: z.enum(['argo', 'k8s-jobs']).default('argo'),
  /** The image with the Lathe CLI (built from `lathe export docker --cli`). */
  image: z.string().trim().min(1, 'give the image (built from lathe export docker --cli)'),
  /** A new (or empty) folder. */
  out: z.string().trim().min(1, 'give an output folder'),
  /** The Kubernetes namespace (default: the kubectl context's). */
  namespace: z.string().trim().min(1).optional(),
  /** The PersistentVolumeClaim holding the workspace (created with the manifests when absent). */
  claim: z.string().trim().min(1).optional(),
  /** The claim's size when the manifests create it. */
  storage: z.string().trim().min(1).default('20Gi'),
});
export type PipelineExportIn = z.input<typeof PipelineExportIn>;

export const PipelineExportOut = z.object({
  dir: z.string(),
  format: z.enum(['argo', 'k8s-jobs']),
  /** Files written, relative to `dir`, sorted. */
  files: z.array(z.string()),
  steps: z.number().int().positive(),
});
export type PipelineExportOut = z.infer<typeof PipelineExportOut>;

/** A Docker build context for an image holding the Lathe CLI (what exported pipelines run). */
export const ExportCliIn = z.object({
  /** A new (or empty) folder. */
  out: z.string().trim().min(1, 'an output folder is required'),
});
export const ExportCliOut = z.object({
  dir: z.string(),
  /** The image name the README's build command tags. */
  image: z.string(),
  bytes: z.number().int().nonnegative(),
  files: z.array(z.string()),
});
export type ExportCliOut = z.infer<typeof ExportCliOut>;
