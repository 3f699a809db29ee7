import { z } from 'zod';
import { DatasetName } from '../contract/data';
import { AliasName, ModelName, ModelRef } from '../contract/registry';
import { AlertRule } from './alert-rules';
import { ExpectationSuite } from './expectation-suite';
import { GateSet } from './gate-policy';
import { SearchSpec, TrainConfig } from './train-config';
import { TransformSteps } from './transform';

/** A step's id: how later steps name it in `from`. */
export const StepId = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]{0,63}$/,
    'a step id starts with a letter A-Z and uses letters A-Z, digits, _ and - (at most 64; no accents)',
  );

/** A path to another file, relative to the pipeline file. */
const FilePath = z.string().trim().min(1, 'give a file path');

/** Fields every step has. */
const stepBase = {
  id: StepId,
  /** Shown in the Pipelines view and `--dry-run`; not part of the step's cache key. */
  description: z.string().max(2000).optional(),
  /** Steps that must finish first although this one reads nothing of theirs (ordering only). */
  after: z.array(StepId).optional(),
};

/** A step of one type: the common fields, `type`, and its own fields; unknown fields are refused. */
const step = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ ...stepBase, type: z.literal(type), ...shape }).strict();

/**
 * A train config inside a pipeline: every field of the train config file except `dataset`, which is the
 * `from` step's dataset version. The whole config is checked again with the train config's own rules once
 * the dataset is filled in (see Pipeline's refinement).
 */
const PipelineTrainConfig = z.object(TrainConfig.shape).partial({ dataset: true }).strict();

/** An alert rule of a monitor step: `model` is the monitored step's model unless given. */
const PipelineAlertRule = z.object(AlertRule.shape).partial({ model: true }).strict();

/** Reads data into a dataset version: exactly one of `file`, `glob`, `url` or `sql`. */
export const ImportStep = step('import', {
  /** The dataset the version belongs to (default: the step id). */
  name: DatasetName.optional(),
  /** A CSV/TSV, Parquet, JSON or NDJSON file. */
  file: FilePath.optional(),
  /** Files matched by a glob (`data/2024-*.parquet`), read as one table. */
  glob: FilePath.optional(),
  /** An http(s) URL of such a file. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  /** A DuckDB SELECT over files, e.g. `SELECT * FROM 'a.parquet' WHERE month <= 3`. */
  sql: z.string().trim().min(1, 'give a SELECT query').optional(),
  /** Accept a version whose columns differ from the dataset's latest. */
  allowSchemaChange: z.boolean().optional(),
}).refine((s) => [s.file, s.glob, s.url, s.sql].filter((x) => x !== undefined).length === 1, {
  message: 'give exactly one of file, glob, url or sql',
  path: ['file'],
});

/** Checks the `from` dataset version against an expectation suite (inline, or a suite file). */
export const ValidateStep = step('validate', {
  from: StepId,
  suite: z.union([FilePath, ExpectationSuite]),
  /**
   * What a failing suite does: `stop` the pipeline (default), `quarantine` the failing rows and go on
   * with the clean ones (the step's output is the clean version), or `warn` and go on with every row.
   */
  onFail: z.enum(['stop', 'quarantine', 'warn']).default('stop'),
});

/** Cleans one or more dataset versions into a new one (the transform steps of `lathe data transform`). */
export const TransformStepDef = step('transform', {
  /** The parent versions: one step id or several (bound by their dataset names in `sql` steps). */
  from: z.union([StepId, z.array(StepId).min(1, 'name at least one step')]),
  /** The new version's dataset (default: the step id). */
  name: DatasetName.optional(),
  steps: TransformSteps,
});

/** Trains one run on the `from` dataset version; `config` is inline or a train config file. */
export const TrainStep = step('train', {
  from: StepId,
  config: z.union([FilePath, PipelineTrainConfig]),
});

/** A hyperparameter search: `search` here, or the config's own `search`. Its output is the best trial. */
export const TuneStep = step('tune', {
  from: StepId,
  config: z.union([FilePath, PipelineTrainConfig]),
  search: SearchSpec.optional(),
});

/** Evaluates a run or model version: on its held-out rows, or every row of `data`. */
export const EvaluateStep = step('evaluate', {
  from: StepId,
  /** A dataset step whose version is evaluated on instead of the run's own held-out rows. */
  data: StepId.optional(),
  /** Sensitive columns for the fairness report. */
  sensitive: z.array(z.string().min(1)).max(20).optional(),
  /** Columns to slice the errors by. */
  slices: z.array(z.string().min(1)).max(50).optional(),
  /** Permutation importance repeats per column (0: skip). */
  importanceRepeats: z.number().int().min(0).max(50).optional(),
});

/** Checks the `from` evaluation against gates: inline, a gate policy file, or (absent) the project's policy. */
export const GateStep = step('gate', {
  from: StepId,
  gates: z.union([FilePath, GateSet]).optional(),
  /** What failing gates do: `stop` the pipeline (default) or `warn` and go on. */
  onFail: z.enum(['stop', 'warn']).default('stop'),
});

/** Registers the `from` run as a new version of a model, optionally moving an alias to it. */
export const RegisterStep = step('register', {
  from: StepId,
  name: ModelName,
  alias: AliasName.optional(),
  /** A gate step that must pass before the version is registered. */
  gate: StepId.optional(),
});

/**
 * One batch scored into an output file (.csv or .parquet): an input file (or glob), or `from` a dataset
 * step (import, validate, transform), whose dataset version's rows are scored.
 */
const Batch = z
  .object({
    input: FilePath.optional(),
    /** A dataset step whose version is the batch's input. */
    from: StepId.optional(),
    output: FilePath,
  })
  .strict()
  .refine((b) => (b.input === undefined) !== (b.from === undefined), {
    message: 'give exactly one of input (a file) or from (a dataset step)',
    path: ['input'],
  });

/** Batch prediction with the `from` model: each batch in order (e.g. one per month). */
export const PredictStep = step('predict', {
  from: StepId,
  batches: z.array(Batch).min(1, 'give at least one batch'),
  idColumn: z.string().min(1).optional(),
  passthrough: z.array(z.string().min(1)).optional(),
  /** Rows captured for monitoring: 'all' (default), 'none' or a share in (0, 1]. */
  capture: z.union([z.enum(['all', 'none']), z.number().gt(0).max(1)]).optional(),
});

/** Serves the `from` model; with `canary`, it takes `percent` of requests beside `against`. */
export const ServeStep = step('serve', {
  from: StepId,
  port: z.number().int().min(0).max(65535).optional(),
  canary: z
    .object({
      percent: z.number().gt(0).lt(100),
      /** The model the rest of the requests go to (default: the model's `champion`). */
      against: ModelRef.optional(),
    })
    .strict()
    .optional(),
});

/** Exports the `from` model: a Docker build context or an MLflow model folder. */
export const ExportStep = step('export', {
  from: StepId,
  format: z.enum(['docker', 'mlflow-model']),
  out: FilePath,
});

/** Labels for a monitored model's captured rows: a dataset step's column, matched by an id column. */
const MonitorActuals = z
  .object({
    /** A dataset step (import, validate, transform) whose version holds the labels. */
    from: StepId,
    /** The column matching a captured row's id (the predict step's `idColumn`). */
    idColumn: z.string().min(1, 'name the id column'),
    /** The column holding the true label. */
    targetColumn: z.string().min(1, 'name the target column'),
  })
  .strict();

/**
 * Watches the `from` model (a register, serve or predict step; reading the predict step reruns this one
 * whenever its batches are scored again): late labels attached first (`actuals`), so performance rules have
 * labelled rows, then alert rules installed, inline or from a rules file, and checked once.
 */
export const MonitorStep = step('monitor', {
  from: StepId,
  actuals: z.array(MonitorActuals).min(1, 'give at least one source of labels').optional(),
  rules: z.union([FilePath, z.array(PipelineAlertRule).min(1, 'give at least one rule')]),
  /** When the rules are evaluated (cron); default: the workspace's alert schedule. */
  schedule: z.string().min(1).optional(),
});

/** One step of a pipeline, by its `type`. */
export const PipelineStep = z.discriminatedUnion('type', [
  ImportStep,
  ValidateStep,
  TransformStepDef,
  TrainStep,
  TuneStep,
  EvaluateStep,
  GateStep,
  RegisterStep,
  PredictStep,
  ServeStep,
  ExportStep,
  MonitorStep,
]);
export type PipelineStep = z.infer<typeof PipelineStep>;
export type PipelineStepType = PipelineStep['type'];
/** The step of one type. */
export type StepOf<T extends PipelineStepType> = Extract<PipelineStep, { type: T }>;

/** A parameter's default: its type is the type `--set` values are read as. */
export const ParamValue = z.union([z.string(), z.number(), z.boolean()]);
export type ParamValue = z.infer<typeof ParamValue>;

/** The placeholder dataset a train config is checked with before the pipeline runs. */
const CHECK_DATASET = 'pipeline-input';

/**
 * A pipeline file (YAML or JSON, `lathe pipeline run FILE`): steps from raw data to a served, monitored
 * model. Each step names its inputs by step ids (`from: train`). Strings in steps may use `${params.NAME}`,
 * replaced by the parameter's value before the file is checked (a whole-string reference keeps the value's
 * type; `$${...}` is a literal `${...}`). Paths are relative to the pipeline file.
 */
export const Pipeline = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(5000).optional(),
    /** Parameters with their defaults; `--set NAME=VALUE` overrides one, read as its default's type. */
    params: z
      .record(
        z
          .string()
          .regex(
            /^[A-Za-z_][A-Za-z0-9_]*$/,
            'a parameter name is a letter then letters, digits, _',
          ),
        ParamValue,
      )
      .default({}),
    /** Runs the pipeline on a cron schedule while the app, `lathe ui` or `lathe monitor watch` runs. */
    schedule: z.string().trim().min(1).optional(),
    steps: z.array(PipelineStep).min(1, 'a pipeline needs at least one step'),
  })
  .strict()
  .superRefine((p, ctx) => {
    p.steps.forEach((step, i) => {
      if (step.type === 'train' || step.type === 'tune') {
        if (typeof step.config === 'string') return;
        const full = TrainConfig.safeParse({ ...step.config, dataset: CHECK_DATASET });
        if (!full.success) {
          for (const issue of full.error.issues)
            ctx.addIssue({
              code: 'custom',
              message: issue.message,
              path: ['steps', i, 'config', ...issue.path],
            });
        }
      }
      if (
        step.type === 'tune' &&
        typeof step.config !== 'string' &&
        !step.search &&
        !step.config.search
      )
        ctx.addIssue({
          code: 'custom',
          message: 'a tune step needs a search (here or in its config)',
          path: ['steps', i, 'search'],
        });
      if (step.type === 'monitor' && typeof step.rules !== 'string') {
        step.rules.forEach((rule, r) => {
          const full = AlertRule.safeParse({ ...rule, model: rule.model ?? 'pipeline-model' });
          if (!full.success)
            for (const issue of full.error.issues)
              ctx.addIssue({
                code: 'custom',
                message: issue.message,
                path: ['steps', i, 'rules', r, ...issue.path],
              });
        });
      }
    });
  });
export type Pipeline = z.infer<typeof Pipeline>;
export type PipelineInput = z.input<typeof Pipeline>;

/** JSON Schema of pipeline files, for editor completion (`lathe schema pipeline`). */
export function pipelineJsonSchema(): unknown {
  return z.toJSONSchema(Pipeline, { io: 'input' });
}
