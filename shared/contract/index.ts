import { z } from 'zod';
import { Empty } from './common';
import { mlflowArtifactChannels } from './mlflow-artifacts';
import { mlflowPushChannels } from './mlflow-push';
import { mlflowTrackingChannels } from './mlflow';
import { mlflowRegistryChannels } from './mlflow-registry';
import { mlflowImportChannels } from './mlflow-import';
import {
  DataListIn,
  DataRefIn,
  DataNameIn,
  DataDeleteOut,
  DataRenameIn,
  DataRenameOut,
  DatasetSummary,
  DatasetVersion,
  ImportIn,
  ImportOut,
  ImportQueryIn,
  PreviewIn,
  PreviewOut,
  Profile,
} from './data';
import { LineageGraph, LineageIn, TransformIn } from './lineage';
import {
  AppInfo,
  Project,
  ProjectCreateIn,
  ProjectDeleteIn,
  ProjectDeleteOut,
  ProjectRenameIn,
  ProjectRenameOut,
} from './projects';
import { SavedSuite, SuggestOut, SuiteSaveIn, ValidateIn, ValidationReport } from './validation';
import { DefaultSpecIn, DefaultSpecOut, FeaturePreviewIn, FeaturePreviewOut } from './features';
import {
  GcOut,
  Run,
  RunDetails,
  RunIdIn,
  RunIdsIn,
  RunsDeleteOut,
  RunsRestoreOut,
  RunMetricsIn,
  RunMetricsOut,
  RunStatusEvent,
  RunChildEvent,
  TrainPhaseEvent,
  RunReportOut,
  RunArtifactIn,
  RunArtifactOut,
  TuneOut,
  RunSummary,
  RunsListIn,
  RunColumns,
  TrainCancelOut,
  TrainProgress,
  TrainStartIn,
  TrainStartOut,
  TrainWaitOut,
  RunsCompareIn,
  RunsCompareOut,
  RunsUpdateIn,
  RunsMetricsManyIn,
  RunsMetricsManyOut,
  RunsMetricsManyColumnsOut,
} from './runs';
import { ExperimentSummary, ExperimentsListIn } from './experiments';
import { VerifyOut } from './workspace';
import {
  EvalIdIn,
  EvaluateIn,
  EvalCancelIn,
  EvalCancelOut,
  EvalProgress,
  EvaluationReport,
  EvaluationsListIn,
  GatesGetIn,
  GatesOut,
  GatesSetIn,
} from './evaluate';
import { UiPrefGetIn, UiPrefGetOut, UiPrefSetIn, UiPrefSetOut } from './ui';
import {
  ModelCardOut,
  ModelCardSetIn,
  ModelDetail,
  ModelRefIn,
  ModelVersion,
  Model,
  ModelsAliasIn,
  ModelsCompareIn,
  ModelsCompareOut,
  ModelsHistoryIn,
  ModelsHistoryOut,
  ModelsListIn,
  ModelsImportIn,
  ModelsRegisterIn,
  ModelsStageIn,
  ModelsUnaliasIn,
} from './registry';
import {
  ApiKeyInfo,
  ExportDockerIn,
  ExportDockerOut,
  KeysCreateIn,
  KeysCreateOut,
  KeysRevokeIn,
  PredictBatchIn,
  PredictBatchOut,
  PredictCancelIn,
  PredictCancelOut,
  ServeStartIn,
  ServeStartOut,
  ServeStopIn,
  ServerStatus,
  PredictBatchesIn,
  PredictBatchRecord,
  ServeTryIn,
  ServeTryOut,
} from './serve';
import {
  ActualsIn,
  ActualsOut,
  Alert,
  AlertAckIn,
  AlertsListIn,
  CapturesOut,
  CheckIn,
  CheckOut,
  DriftHtmlOut,
  DriftIn,
  DriftOut,
  HealthIn,
  HealthOut,
  IngestIn,
  IngestOut,
  MonitorModelIn,
  PerformanceIn,
  PerformanceOut,
  ReferenceIn,
  ReferenceOut,
  Retraining,
  RetrainIn,
  RetrainCancelIn,
  RetrainCancelOut,
  RetrainProgress,
  RetrainJudgeIn,
  RetrainJudgeOut,
  RollbackIn,
  RollbackOut,
  RulesOut,
  RulesSetIn,
} from './monitor';
import {
  ExportCliIn,
  ExportCliOut,
  PipelineAddIn,
  PipelineCheckIn,
  PipelineCheckOut,
  PipelineExportIn,
  PipelineExportOut,
  PipelineFileIn,
  PipelineFileOut,
  PipelineFileSaveIn,
  PipelinePlanOut,
  PipelineRun,
  PipelineRunIdIn,
  PipelineRunIn,
  PipelineRunsIn,
  PipelineSummary,
} from './pipelines';

export * from './common';
export * from './data';
export * from './errors';
export * from './projects';
export * from './runs';
export * from './evaluate';
export * from './evaluation-reading';
export * from '../config/train-config';
export * from '../config/transform';
export * from './lineage';
export * from '../config/expectation-suite';
export * from '../config/feature-spec';
export * from '../config/gate-policy';
export * from './features';
export * from './validation';
export * from './experiments';
export * from './ui';
export * from './registry';
export * from './serve';
export * from './monitor';
export * from '../config/alert-rules';
export * from '../config/pipeline';
export * from './pipelines';
export * from './workspace';
export * from './mlflow-artifacts';
export * from './mlflow-push';
export * from './mlflow';
export * from './mlflow-registry';
export * from './mlflow-import';

const channel = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({
  input,
  output,
});

/**
 * Every request the renderer, the host and the CLI can make, declared once.
 * Each takes one argument object and returns one value.
 */
export const channels = {
  /** MLflow's artifacts proxy (mlflow-artifacts.ts). */
  ...mlflowArtifactChannels,
  /** Push to a team MLflow server, and the credentials the app keeps (mlflow-push.ts). */
  ...mlflowPushChannels,
  /** MLflow's tracking REST API: experiments, runs, logging, metric history (mlflow.ts). */
  ...mlflowTrackingChannels,
  /** MLflow's model registry REST API over Lathe's registry (mlflow-registry.ts). */
  ...mlflowRegistryChannels,
  /** Import of an mlruns folder and export as an MLflow model folder (mlflow-import.ts). */
  ...mlflowImportChannels,
  /** Version, workspace path and whether this process owns the workspace. */
  'app:info': channel(Empty, AppInfo),
  /** Projects with their dataset and run counts. */
  'projects:list': channel(Empty, z.array(Project)),
  /** Creates a project; fails when the name is taken. */
  'projects:create': channel(ProjectCreateIn, Project),
  /** Renames a project; fails when the new name is taken. */
  'projects:rename': channel(ProjectRenameIn, ProjectRenameOut),
  /**
   * Deletes an empty project (and its experiments without runs); refused, naming them, while it holds
   * datasets (deleted ones too), runs or models.
   */
  'projects:delete': channel(ProjectDeleteIn, ProjectDeleteOut),
  /** Imports a CSV/TSV, Parquet, JSON or NDJSON file as a new (or reused) dataset version. */
  'data:import': channel(ImportIn, ImportOut),
  /** Stops a running import into the named dataset; the workspace stays as it was. */
  'data:cancelImport': channel(DataNameIn, z.object({ name: z.string(), cancelled: z.boolean() })),
  /** Imports the result of a DuckDB query over files as a dataset version. */
  'data:importQuery': channel(ImportQueryIn, ImportOut),
  /** Datasets with their latest version. */
  'data:list': channel(DataListIn, z.array(DatasetSummary)),
  /** Every version of one dataset, newest first. */
  'data:versions': channel(DataNameIn, z.array(DatasetVersion)),
  /** Renames a dataset (its versions, runs and reports follow); fails when the new name is taken. */
  'data:rename': channel(DataRenameIn, DataRenameOut),
  /**
   * Soft-deletes a dataset: hidden from lists, kept on disk until restored. Refused, naming them, while a
   * run that is not deleted or a registered model version was trained on one of its versions.
   */
  'data:delete': channel(DataNameIn, DataDeleteOut),
  /** Restores a soft-deleted dataset. */
  'data:restore': channel(DataNameIn, DataDeleteOut),
  /** Column statistics, quantiles, top values and histograms of a version (computed in SQL, cached). */
  'data:profile': channel(DataRefIn, Profile),
  /** A window of rows of a version, for the virtualized preview. */
  'data:preview': channel(PreviewIn, PreviewOut),
  /** Applies cleaning steps (or a SELECT) to parent versions and records the result as a new version. */
  'data:transform': channel(TransformIn, ImportOut),
  /** The graph from source files through dataset versions to runs, around a run or a dataset version. */
  'lineage:get': channel(LineageIn, LineageGraph),
  /** Drafts an expectation suite from a version's profile; every expectation holds on that version. */
  'data:suggest': channel(DataRefIn, SuggestOut),
  /** Evaluates a suite on a version in SQL and stores the report with the version. */
  'data:validate': channel(ValidateIn, ValidationReport),
  /** Stored validation reports of a version, newest first. */
  'data:reports': channel(DataRefIn, z.array(ValidationReport)),
  /** The expectation suite saved with a dataset (null when none is). */
  'data:suite:get': channel(DataNameIn, SavedSuite),
  /** Saves an expectation suite with a dataset: `data:validate` without a suite uses it. */
  'data:suite:save': channel(SuiteSaveIn, SavedSuite),
  /** The feature spec training would use by default for a version (the editor's starting point). */
  'features:default': channel(DefaultSpecIn, DefaultSpecOut),
  /** Fits a spec on a seeded sample of a version and returns transformed rows with feature docs. */
  'features:preview': channel(FeaturePreviewIn, FeaturePreviewOut),
  /** Starts a training run in a worker thread; resolves once the run is recorded. */
  'train:start': channel(TrainStartIn, TrainStartOut),
  /** Trains and resolves with the finished run record (used by the CLI). */
  'train:run': channel(TrainStartIn, Run),
  /**
   * Resolves with the run record once the training `id` names ends (at once when it is not running): with
   * train:start, a client knows its run's id from the start instead of guessing it from events.
   */
  'train:wait': channel(RunIdIn, TrainWaitOut),
  /**
   * Runs a hyperparameter search (a config with `search`): trials as child runs of one parent, several at
   * once in worker threads; resolves with the parent and its report once the search ends.
   */
  'tune:run': channel(TrainStartIn, TuneOut),
  /** What a search or cross-validation found: its trials or folds, the best trial, mean ± std. */
  'runs:report': channel(RunIdIn, RunReportOut),
  /** Asks a running training to stop; the run ends as cancelled. */
  'train:cancel': channel(RunIdIn, TrainCancelOut),
  /** Runs, newest first. */
  'runs:list': channel(RunsListIn, z.array(RunSummary)),
  /**
   * The same runs as runs:list, in the same order, sent by column with repeated text interned: what the
   * runs table reads (a list of 10,000 runs in a fraction of the bytes and parse time).
   */
  'runs:listColumns': channel(RunsListIn, RunColumns),
  /** Two or more runs side by side: params with differences marked, final metrics with the best marked. */
  'runs:compare': channel(RunsCompareIn, RunsCompareOut),
  /** One run with params, metrics, tags, lineage and artifacts. */
  'runs:get': channel(RunIdIn, RunDetails),
  /** One artifact of a run: where its blob is, and its bytes when asked (NOT_FOUND names the paths). */
  'runs:artifact': channel(RunArtifactIn, RunArtifactOut),
  /**
   * Continues an interrupted, cancelled or failed run from its last per-epoch checkpoint (same id, config
   * and dataset version) and resolves with the run once it ends, like train:run.
   */
  'runs:resume': channel(RunIdIn, Run),
  /** Metric history of a run (every step), optionally one key. */
  'runs:metrics': channel(RunMetricsIn, RunMetricsOut),
  /**
   * Metric histories of 2..500 runs in one query, each (run, key) series downsampled on its own to
   * `maxPoints` (first, last, LTTB picks and bucket extremes kept): the Compare view's curves.
   */
  'runs:metricsMany': channel(RunsMetricsManyIn, RunsMetricsManyOut),
  /**
   * The series of runs:metricsMany (same input, same order, same points) with each series' steps, values
   * and timestamps as arrays: what the Compare view reads.
   */
  'runs:metricsManyColumns': channel(RunsMetricsManyIn, RunsMetricsManyColumnsOut),
  /** Renames a run, replaces its notes and sets or deletes tags, in one transaction; returns the run. */
  'runs:update': channel(RunsUpdateIn, RunDetails),
  /** Soft-deletes runs (by id or unique prefix): hidden from lists until restored or purged by gc. */
  'runs:delete': channel(RunIdsIn, RunsDeleteOut),
  /** Brings soft-deleted runs back. */
  'runs:restore': channel(RunIdsIn, RunsRestoreOut),
  /** Purges soft-deleted runs with their params, metrics, tags and artifacts, then unreferenced artifact files. */
  'workspace:gc': channel(Empty, GcOut),
  /**
   * Checks the workspace without changing it: every artifact hashes to its address, every row naming a
   * file finds it, dataset files are whole, aliases point at existing versions where their audit entries
   * moved them. `ok` with no problems after any crash.
   */
  'workspace:verify': channel(Empty, VerifyOut),
  /**
   * Evaluates a run's model (or a registered `NAME@version|alias`) on its held-out rows or another dataset
   * version: the full metric suite, baseline, curves, slices, fairness, importance; checked against the
   * project's gate policy and stored.
   */
  'eval:run': channel(EvaluateIn, EvaluationReport),
  /**
   * Stops the running evaluations of a run or model version (its `eval:run` then fails as cancelled and
   * stores nothing); `cancelled` is false when none was running.
   */
  'eval:cancel': channel(EvalCancelIn, EvalCancelOut),
  /** One stored evaluation by id (or unique prefix). */
  'eval:get': channel(EvalIdIn, EvaluationReport),
  /** Stored evaluations, newest first; of one run or model version when `target` names it. */
  'eval:list': channel(EvaluationsListIn, z.array(EvaluationReport)),
  /** A project's gate policy (null: none). */
  'gates:get': channel(GatesGetIn, GatesOut),
  /** Sets or (with null) removes a project's gate policy; audited. */
  'gates:set': channel(GatesSetIn, GatesOut),
  /** An evaluation as one self-contained HTML file (charts inline, opens offline). */
  'eval:html': channel(EvalIdIn, z.object({ html: z.string() })),
  /** Experiments (of a project) with their run counts, newest activity first. */
  'experiments:list': channel(ExperimentsListIn, z.array(ExperimentSummary)),
  /** A renderer preference stored in the workspace (e.g. a runs table layout); null when unset. */
  'ui:prefs:get': channel(UiPrefGetIn, UiPrefGetOut),
  /** Stores a renderer preference (any JSON value; null removes it). */
  'ui:prefs:set': channel(UiPrefSetIn, UiPrefSetOut),
  /**
   * Registers a finished run's model as the next version (1, 2, 3 …) of a model, creating the model when
   * new; the signature comes from the run's data columns and fitted feature spec. Audited.
   */
  'models:register': channel(ModelsRegisterIn, ModelVersion),
  /**
   * Imports an ONNX model trained elsewhere as the next version of a model (created when new), with its
   * declared signature (YAML/JSON). The file is opened with onnxruntime and checked against the signature
   * (input and output names, element types, ranks) before anything is stored. Audited.
   */
  'models:import': channel(ModelsImportIn, ModelVersion),
  /** Registered models with their latest version, aliases and version counts per stage. */
  'models:list': channel(ModelsListIn, z.array(Model)),
  /** One model (the name of `NAME[@…]`) with every version, newest first. */
  'models:get': channel(ModelRefIn, ModelDetail),
  /** One version: `NAME@3`, `NAME@alias`, or `NAME` for the latest. */
  'models:version': channel(ModelRefIn, ModelVersion),
  /**
   * Points an alias at a version (moving it from any other version of the model). Moving `champion` is a
   * promotion: failing gates refuse it (GATE_FAILED) unless `override` gives a reason. Audited.
   */
  'models:alias': channel(ModelsAliasIn, ModelVersion),
  /** Removes an alias from a model. Audited. */
  'models:unalias': channel(ModelsUnaliasIn, ModelDetail),
  /** Sets a version's stage; `production` is a promotion, gated like `champion`. Audited. */
  'models:stage': channel(ModelsStageIn, ModelVersion),
  /** A model's audit log, oldest first; with `at`, where each alias pointed and each stage then. */
  'models:history': channel(ModelsHistoryIn, ModelsHistoryOut),
  /** A version's model card (the generated one until edited). */
  'models:card:get': channel(ModelRefIn, ModelCardOut),
  /** Replaces a version's model card. Audited. */
  'models:card:set': channel(ModelCardSetIn, ModelCardOut),
  /** A version's model card as a Markdown document. */
  'models:card:markdown': channel(ModelRefIn, z.string()),
  /** Two versions' metrics side by side. */
  'models:compare': channel(ModelsCompareIn, ModelsCompareOut),
  /**
   * Predicts every row of an input file (or glob) with a registered model version and writes the id, the
   * prediction and, for classifiers, one probability per class to a .csv or .parquet file (whole or not at
   * all). Progress: `data:progress` with op `predict` and name the output. Recorded in prediction_batches.
   */
  'predict:batch': channel(PredictBatchIn, PredictBatchOut),
  /**
   * Stops the running batch predictions into an output file: each fails as cancelled, having written and
   * recorded nothing (no output, capture or batch record); `cancelled` is false when none was running.
   */
  'predict:cancel': channel(PredictCancelIn, PredictCancelOut),
  /** The batch predictions made with a model (`NAME`) or one version (`NAME@3`, `NAME@alias`), newest first. */
  'predict:batches': channel(PredictBatchesIn, z.array(PredictBatchRecord)),
  /**
   * Starts an in-process prediction server for a model version, as `lathe serve` does (prediction log
   * into the workspace, API keys from its table). Fails when the port is taken. Stopped by
   * `serve:stop` or when the services close.
   */
  'serve:start': channel(ServeStartIn, ServeStartOut),
  /** The prediction servers this process runs, with request counts, rate and latency. */
  'serve:list': channel(Empty, z.array(ServerStatus)),
  /** Stops a server: finishes requests in flight, flushes its prediction log. */
  'serve:stop': channel(ServeStopIn, Empty),
  /**
   * Restarts a server on the same address with the same options, resolving its reference anew: a server
   * started on `NAME@alias` keeps the version it loaded until restarted, then serves where the alias points.
   */
  'serve:restart': channel(ServeStopIn, ServeStartOut),
  /** Posts one request to a running server, as a client would, and returns its status and JSON answer. */
  'serve:try': channel(ServeTryIn, ServeTryOut),
  /** Writes a Docker build context for a model version, as `lathe export docker` does. */
  'export:docker': channel(ExportDockerIn, ExportDockerOut),
  /** The prediction servers' API keys (revoked ones too), oldest first; never a secret. */
  'keys:list': channel(Empty, z.array(ApiKeyInfo)),
  /** Creates an API key; the output carries its secret, the only time it is shown. */
  'keys:create': channel(KeysCreateIn, KeysCreateOut),
  /** Revokes an active key by name or id; servers started after it refuse the key. */
  'keys:revoke': channel(KeysRevokeIn, ApiKeyInfo),
  /** A model's captured predictions: per version, rows and time span, and each source (server, batch, segment). */
  'monitor:captures': channel(MonitorModelIn, CapturesOut),
  /** Imports the log segments an exported Docker server wrote; a segment already ingested counts once. */
  'monitor:ingest': channel(IngestIn, IngestOut),
  /** Volume, latency p50/p95/p99 and 4xx/5xx error rates of a served model, per window. */
  'monitor:health': channel(HealthIn, HealthOut),
  /** A version's stored reference (summaries only); with `data`, sets it from that dataset version. */
  'monitor:reference': channel(ReferenceIn, ReferenceOut),
  /** Drift of captured predictions, a batch job or a dataset version against the stored reference. */
  'monitor:drift': channel(DriftIn, DriftOut),
  /** The same drift result as a standalone HTML report (no raw rows). */
  'monitor:driftHtml': channel(DriftIn, DriftHtmlOut),
  /** Joins late ground truth to captured rows by request or row id; the last label of an id wins. */
  'monitor:actuals': channel(ActualsIn, ActualsOut),
  /** Metrics per window on labelled rows, and estimated metrics (CBPE) without labels. */
  'monitor:performance': channel(PerformanceIn, PerformanceOut),
  /** The workspace's alert rules. */
  'monitor:rules:get': channel(Empty, RulesOut),
  /** Replaces the workspace's alert rules. */
  'monitor:rules:set': channel(RulesSetIn, RulesOut),
  /** Evaluates alert rules once; fired alerts are logged and delivered. */
  'monitor:check': channel(CheckIn, CheckOut),
  /** The alert log, newest first. */
  'monitor:alerts': channel(AlertsListIn, z.array(Alert)),
  /** Acknowledges an alert. */
  'monitor:ack': channel(AlertAckIn, Alert),
  /** Retrains a model's champion on new data and registers the result as `challenger` (promoting it if asked). */
  'retrain:run': channel(RetrainIn, Retraining),
  /**
   * Stops a model's running retraining: the step it is in (its training run, its evaluation) is cancelled,
   * and the job ends `failed` with that step's message; `cancelled` is false when none was running.
   */
  'retrain:cancel': channel(RetrainCancelIn, RetrainCancelOut),
  /** A model's retrainings, newest first. */
  'retrain:list': channel(MonitorModelIn, z.array(Retraining)),
  /** Judges a retraining's canary against the champion over the same period: promote or abandon. */
  'retrain:judge': channel(RetrainJudgeIn, RetrainJudgeOut),
  /** Points `champion` back at the version it pointed to before. */
  'models:rollback': channel(RollbackIn, RollbackOut),
  /** Checks a pipeline file (or its text): the graph of steps, or every problem with its step, field and line. */
  'pipeline:check': channel(PipelineCheckIn, PipelineCheckOut),
  /** What `pipeline:run` would run and why (which key changed), running nothing: `--dry-run`. */
  'pipeline:plan': channel(PipelineRunIn, PipelinePlanOut),
  /**
   * Runs a pipeline file to its end and resolves with its record: steps in dependency order (independent
   * ones at once), a step whose key matches a finished step skipped with its outputs. Progress:
   * `pipeline:status`. A failing step fails the run (later steps skipped); resume it with pipeline:resume.
   */
  'pipeline:run': channel(PipelineRunIn, PipelineRun),
  /** Starts a pipeline run and resolves once it is recorded (the view follows it by `pipeline:status`). */
  'pipeline:start': channel(PipelineRunIn, z.object({ id: z.string() })),
  /** Resolves with a pipeline run once it ends (at once when it is not running). */
  'pipeline:wait': channel(PipelineRunIdIn, PipelineRun),
  /** Cancels a running pipeline: its running steps are cancelled, the rest skipped; nothing half-written stays. */
  'pipeline:cancel': channel(PipelineRunIdIn, z.object({ id: z.string(), cancelled: z.boolean() })),
  /**
   * Runs a failed, cancelled or interrupted pipeline run's file again with the same parameters: the steps
   * that finished are cached, so it goes on from the step that stopped it. Resolves at its end.
   */
  'pipeline:resume': channel(PipelineRunIdIn, PipelineRun),
  /** Pipeline runs, newest first (of one pipeline with `pipeline`). */
  'pipeline:runs': channel(PipelineRunsIn, z.array(PipelineRun)),
  /** One pipeline run with its steps' statuses, keys and outputs. */
  'pipeline:get': channel(PipelineRunIdIn, PipelineRun),
  /** The pipelines this workspace knows (files run here or added in the app), with their last run. */
  'pipeline:list': channel(Empty, z.array(PipelineSummary)),
  /** Adds a pipeline file to the workspace's list (checked; a file that does not parse is refused). */
  'pipeline:add': channel(PipelineAddIn, PipelineSummary),
  /** A pipeline file's text. */
  'pipeline:file:get': channel(PipelineFileIn, PipelineFileOut),
  /** Replaces a pipeline file's text (the previous text kept as FILE~) and answers its check. */
  'pipeline:file:save': channel(PipelineFileSaveIn, PipelineCheckOut),
  /** Writes a pipeline as an Argo Workflow (or Kubernetes Jobs) running the Lathe CLI image. */
  'pipeline:export': channel(PipelineExportIn, PipelineExportOut),
  /** Writes a Docker build context for an image holding the Lathe CLI, as `lathe export docker --cli` does. */
  'export:cli': channel(ExportCliIn, ExportCliOut),
} as const;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
/** A service function per channel of `C`, taking the parsed input (the dispatcher's handlers, or a part). */
export type ChannelHandlers<C extends Record<string, { input: z.ZodType; output: z.ZodType }>> = {
  [K in keyof C]: (input: z.output<C[K]['input']>) => Promise<z.input<C[K]['output']>>;
};
export type ChannelInput<C extends ChannelName> = z.input<Channels[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.infer<Channels[C]['output']>;

export const DataProgress = z.object({
  op: z.string(),
  name: z.string(),
  fraction: z.number().min(0).max(1),
  message: z.string(),
  /** Estimated time left, when it can be told. */
  etaMs: z.number().nonnegative().optional(),
});
export type DataProgress = z.infer<typeof DataProgress>;

/** Events pushed from main to every face. */
export const events = {
  /** One epoch of a training run finished. */
  'train:progress': TrainProgress,
  /** A run changed status (running, finished, failed, cancelled, interrupted, pruned). */
  'run:status': RunStatusEvent,
  /** A fold of a cross-validation or a trial of a search started or ended. */
  'run:child': RunChildEvent,
  /** A training entered a phase: preparing data, training, importance, saving, recording. */
  'train:phase': TrainPhaseEvent,
  /** Progress of a long data operation (import, profile). */
  'data:progress': DataProgress,
  /** How far a running evaluation has come (reading, scoring, importance, learning curve, report). */
  'eval:progress': EvalProgress,
  /** How far a running retraining has come: its step, and the training's epochs or the evaluation's stage. */
  'retrain:progress': RetrainProgress,
  /** An alert fired (desktop notification in the app). */
  'monitor:alert': Alert,
  /** A pipeline run changed: a step started, ended or was cached, or the run ended (the whole record). */
  'pipeline:status': PipelineRun,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;

export const channelNames = Object.keys(channels) as ChannelName[];
export const eventNames = Object.keys(events) as EventName[];

export function isChannel(name: string): name is ChannelName {
  return Object.prototype.hasOwnProperty.call(channels, name);
}

/** The one client interface the renderer and the CLI program against. */
export interface LatheApi {
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** HTTP routes of the local host: POST /api/invoke/<channel>, WebSocket /api/events, POST /api/upload. */
export const HTTP = {
  invoke: (c: ChannelName) => `/api/invoke/${c}`,
  events: '/api/events',
  upload: '/api/upload',
  /** GET ?run=ID&path=PATH: a run's artifact as a download (runs:artifact). */
  artifact: '/api/artifacts',
} as const;

/** Body of every /api/invoke response. */
export type InvokeResponse<T> =
  | { ok: true; result: T }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

/** A WebSocket frame from the host. */
export interface EventFrame {
  event: EventName;
  payload: unknown;
}
