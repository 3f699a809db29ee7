// Composition root: builds every service over one workspace and maps each contract channel to one of them.
import { platform } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_PROJECT, RUNS_LIST_MAX, type AppInfo, type VerifyOut } from '../shared/contract';
import { createDispatcher, resultOf, type Dispatch, type Handlers } from './api/dispatch';
import { createEventBus, type EventBus } from './api/event-bus';
import { createDataService, type DataService } from './data/data-service';
import { createEngine, lazyEngine } from './data/engine';
import { createDatasetAdmin } from './data/dataset-admin';
import { createFeatureService, type FeatureService } from './features/feature-service';
import { createValidationService, type ValidationService } from './data/validation-service';
import { createLineageService, type LineageService } from './tracking/lineage';
import { compareRuns } from './tracking/compare';
import { seriesColumns } from './tracking/metric-reads';
import { createTrackingStore, type TrackingStore } from './tracking/tracking-store';
import { BACKEND_PREFERENCE } from './train/backend-names';
import { createTrainService, type TrainService } from './train/train-service';
import { requireSearch } from './train/families';
import { latheVersion } from './version';
import { createProjectStore, type ProjectStore } from './workspace/projects';
import { createPromotionCheck, evaluationGates } from './registry/promotion';
import { createEvaluateService, type EvaluateService } from './evaluate/evaluate-service';
import { createGatePolicyStore, type GatePolicyStore } from './evaluate/gate-policies';
import { osActor } from './registry/audit';
import { createRegistryStore, type RegistryStore } from './registry/registry-store';
import { createEvalTargets, type EvalTargets } from './registry/eval-target';
import { pairEvaluation } from './registry/compare';
import { createRunGuard, type RunGuard } from './registry/run-guard';
import { createUiPrefsStore, type UiPrefsStore } from './workspace/ui-prefs';
import type { PackageDeps } from './serve/packaged-model';
import { createBatchService, type BatchService } from './serve/batch-service';
import { createDeployService, type DeployService } from './serve/deploy-service';
import { createKeyStore, type KeyIdentity } from './serve/keys';
import { createMlflowArtifactService } from './mlflow/artifact-service';
import { createMlflowPushService, type PushDeps } from './mlflow/push';
import { createMlflowTrackingHandlers } from './mlflow/tracking-service';
import { createMlflowTrackingStore } from './mlflow/tracking-store';
import { createMlflowRegistryHandlers } from './mlflow/registry-service';
import { mlflowActor, runAsMlflowUser } from './mlflow/registry-user';
import { createMlflowFileHandlers } from './mlflow/mlruns-import';
import { importOnnxModel } from './serve/onnx-import';
import type { ArtifactStore } from './workspace/artifacts';
import type { Database } from './workspace/db';
import { openWorkspace, type Workspace } from './workspace/workspace';
import { verifyWorkspace } from './workspace/verify';
import { createAlertService, type AlertService } from './monitor/alerts';
import { createCaptureService, type CaptureService } from './monitor/captures';
import { createDriftService, type DriftService } from './monitor/drift';
import { createPerformanceService, type PerformanceService } from './monitor/performance';
import { createReferenceStore, type ReferenceStore } from './monitor/reference';
import { createRetrainService, type RetrainService } from './monitor/retrain';
import { createGateCheck } from './pipeline/gate-check';
import { exportCliContext } from './serve/docker-cli';
import { createPipelineService, type PipelineService } from './pipeline/pipeline-service';
import type { Call } from './pipeline/steps';

export interface ServicesOptions {
  /** The workspace folder (see resolveWorkspaceDir in main/workspace/paths.ts). */
  workspaceDir: string;
  /** Parse every output against the contract (tests, development). */
  validateOutput?: boolean;
  /** Override the training worker bundle (tests). */
  workerPath?: string;
  /** Where the desktop app keeps MLflow credentials (main/electron/credentials.ts); absent elsewhere. */
  mlflowCredentials?: PushDeps['credentials'];
}

export interface Services {
  readonly workspaceDir: string;
  readonly workspace: Workspace;
  readonly bus: EventBus;
  readonly data: DataService;
  readonly tracking: TrackingStore;
  readonly train: TrainService;
  readonly registry: RegistryStore;
  readonly handlers: Handlers;
  /** Validating dispatcher over `handlers`: what IPC and HTTP call. */
  readonly dispatch: Dispatch;
  info(): AppInfo;
  /**
   * Evaluates the workspace's alert rules on their schedule until close(): the app and `lathe ui` call it
   * (`lathe monitor watch` too).
   */
  startMonitoring(): void;
  /** Only the retraining schedules and canary judging of startMonitoring (lathe monitor watch). */
  startRetraining(): void;
  /**
   * Reads ahead, in the background, what the app shows first, so its first view opens at once: the
   * Default project's whole runs list as the Experiments view asks for it, kept by the tracking store until
   * the database changes (list-cache.ts). The app and `lathe ui` call it once they serve, and need not
   * wait: it resolves once the list is read (a failure is the view's to report when it asks).
   */
  warmViews(): Promise<void>;
  /**
   * Records the URL of this process's local host in the workspace lock so other processes can reach it;
   * `command` names the CLI command that runs it (it will finish: the app waits for it rather than fail).
   */
  advertiseHost(url: string, command?: string): void;
  /**
   * Names the CLI command that holds the workspace in its lock before it runs a host (withStandingSession's
   * hostAfterMs): the commands waiting for it say which.
   */
  nameCommand(command: string): void;
  /**
   * Takes `url` back out of the workspace lock (its host is closing), so commands started from now on
   * wait for the lock instead of connecting to a host about to stop listening. False when the lock did
   * not name it.
   */
  withdrawHost(url: string): boolean;
  /**
   * The active API key with this secret (and, for basic auth, this name), or null: how a host started
   * with an auth mode checks a request. Not a channel, so no face can ask it over the wire.
   */
  authenticate(secret: string, name?: string): Promise<KeyIdentity | null>;
  /**
   * Runs `fn` (and every dispatch it awaits) on behalf of `user`, the authenticated caller of an MLflow
   * request: the registry's audit log names them. No user: the OS user, as for every other change.
   */
  asUser<T>(user: string | undefined, fn: () => T): T;
  close(): Promise<void>;
}

function pipelineHandlers(pipelines: PipelineService): HandlersOf<'pipeline'> {
  return {
    'pipeline:check': (input) => pipelines.check(input),
    'pipeline:plan': (input) => pipelines.plan(input),
    'pipeline:run': async (input) => (await pipelines.start(input)).done,
    'pipeline:start': async (input) => ({ id: (await pipelines.start(input)).id }),
    'pipeline:wait': ({ id }) => pipelines.wait(id),
    'pipeline:cancel': ({ id }) => pipelines.cancel(id),
    'pipeline:resume': async ({ id }) => (await pipelines.resume(id)).done,
    'pipeline:runs': ({ pipeline, limit }) => pipelines.runs(pipeline, limit),
    'pipeline:get': ({ id }) => pipelines.get(id),
    'pipeline:list': () => pipelines.list(),
    'pipeline:add': ({ file }) => pipelines.add(file),
    'pipeline:file:get': ({ file }) => pipelines.readFile(file),
    'pipeline:file:save': ({ file, text }) => pipelines.saveFile(file, text),
    'pipeline:export': (input) => pipelines.export(input),
  };
}

/** The handlers of the channels named `<domain>:…` for each domain in `D`. */
type HandlersOf<D extends string> = Pick<Handlers, Extract<keyof Handlers, `${D}:${string}`>>;

function workspaceHandlers(s: {
  info(): AppInfo;
  projects: ProjectStore;
  uiPrefs: UiPrefsStore;
  guard: RunGuard;
  verify(): Promise<VerifyOut>;
}): HandlersOf<'app' | 'projects' | 'ui' | 'workspace'> {
  const { projects, uiPrefs, guard } = s;
  return {
    'app:info': async () => s.info(),
    'projects:list': () => projects.list(),
    'projects:create': ({ name, description }) => projects.create(name, description),
    'projects:rename': ({ name, to }) => projects.rename(name, to),
    'projects:delete': ({ name }) => projects.remove(name),
    'ui:prefs:get': async ({ key }) => ({ value: (await uiPrefs.get(key)) ?? null }),
    'ui:prefs:set': ({ key, value }) => uiPrefs.set(key, value),
    'workspace:gc': () => guard.collectGarbage(),
    'workspace:verify': () => s.verify(),
  };
}

function dataHandlers(s: {
  data: DataService;
  lineage: LineageService;
  validation: ValidationService;
  features: FeatureService;
  db: Database;
}): HandlersOf<'data' | 'lineage' | 'features'> {
  const { data, lineage, validation, features } = s;
  const datasetAdmin = createDatasetAdmin(s.db);
  return {
    'data:import': (input) => data.importFile(input),
    'data:importQuery': (input) => data.importQuery(input),
    'data:transform': (input) => data.transform(input),
    'lineage:get': ({ id }) => lineage.get(id),
    'data:cancelImport': async ({ name }) => ({ name, cancelled: data.cancelImport(name) }),
    'data:suggest': async ({ ref }) => ({ suite: await validation.suggest(ref) }),
    'data:validate': ({ ref, suite, quarantine }) => validation.validate(ref, suite, quarantine),
    'data:reports': ({ ref }) => validation.reports(ref),
    'data:suite:get': ({ name }) => validation.savedSuite(name),
    'data:suite:save': ({ name, suite }) => validation.saveSuite(name, suite),
    'data:rename': ({ name, to }) => datasetAdmin.rename(name, to),
    'data:delete': ({ name }) => datasetAdmin.softDelete(name),
    'data:restore': ({ name }) => datasetAdmin.restore(name),
    'features:default': ({ ref, target }) => features.defaultSpec(ref, target),
    'features:preview': (input) => features.preview(input),
    'data:list': ({ project, deleted }) => data.list(project, deleted),
    'data:versions': ({ name }) => data.versions(name),
    'data:profile': ({ ref }) => data.profile(ref),
    'data:preview': ({ ref, offset, limit }) => data.preview(ref, offset, limit),
  };
}

function trainHandlers(s: {
  train: TrainService;
  tracking: TrackingStore;
}): HandlersOf<'train' | 'tune'> {
  const { train, tracking } = s;
  return {
    'train:start': async ({ config, gitCommit }) => ({
      runId: (await train.start(config, { gitCommit })).runId,
    }),
    'train:run': async ({ config, gitCommit }) => {
      const { runId, done } = await train.start(config, { gitCommit });
      await done;
      return tracking.get(runId);
    },
    'train:wait': async ({ id }) => {
      const run = await tracking.get(id);
      await train.wait(run.id);
      return tracking.get(run.id);
    },
    'tune:run': async ({ config, gitCommit }) => {
      requireSearch(config);
      const { runId, done } = await train.start(config, { gitCommit });
      await done;
      const run = await tracking.get(runId);
      return { run, report: await train.familyReport(run) };
    },
    'train:cancel': async ({ id }) => {
      const run = await tracking.get(id);
      return { runId: run.id, cancelled: train.cancel(run.id) };
    },
  };
}

function runsHandlers(s: {
  tracking: TrackingStore;
  train: TrainService;
  guard: RunGuard;
}): HandlersOf<'runs' | 'experiments'> {
  const { tracking, train, guard } = s;
  return {
    'runs:report': async ({ id }) => ({ report: await train.familyReport(await tracking.get(id)) }),
    'runs:list': (input) => tracking.list(input),
    'runs:listColumns': (input) => tracking.listColumns(input),
    'runs:get': ({ id }) => tracking.read(id),
    'runs:artifact': (input) => train.runArtifact(input),
    'runs:resume': async ({ id }) => {
      const { runId, done } = await train.resumeRun(id);
      await done;
      return tracking.get(runId);
    },
    'runs:compare': async ({ ids }) => compareRuns(await tracking.readMany(ids)),
    'runs:metrics': async ({ id, key, maxPoints }) => ({
      id,
      ...(await tracking.metricHistory(id, key, maxPoints)),
    }),
    'runs:update': (input) => tracking.update(input),
    'runs:metricsMany': async ({ ids, keys, maxPoints }) => ({
      series: await tracking.metricHistoryMany(ids, keys, maxPoints),
    }),
    'runs:metricsManyColumns': async ({ ids, keys, maxPoints }) => ({
      series: (await tracking.metricHistoryMany(ids, keys, maxPoints)).map(seriesColumns),
    }),
    'runs:delete': async ({ ids }) => ({ deleted: await guard.softDelete(ids) }),
    'runs:restore': async ({ ids }) => ({ restored: await tracking.restore(ids) }),
    'experiments:list': ({ project }) => tracking.experiments(project),
  };
}

function evaluateHandlers(s: {
  evaluation: EvaluateService;
  targets: EvalTargets;
  gatePolicies: GatePolicyStore;
}): HandlersOf<'eval' | 'gates'> {
  const { evaluation, targets, gatePolicies } = s;
  return {
    'eval:run': async (input) => evaluation.evaluate(await targets.target(input.target), input),
    'eval:cancel': async ({ target }) => {
      const { run } = await targets.target(target);
      return { runId: run.id, cancelled: evaluation.cancel(run.id) };
    },
    'eval:get': ({ id }) => evaluation.get(id),
    'gates:get': async ({ project }) => ({ project, policy: await gatePolicies.get(project) }),
    'gates:set': async ({ project, policy, reason }) => ({
      project,
      policy: await gatePolicies.set(project, policy, osActor(), reason),
    }),
    // Loaded on first use: the report pulls in react and react-dom/server, which no other command needs.
    'eval:html': async ({ id }) => ({
      html: (await import('./evaluate/report-html')).renderEvaluationHtml(await evaluation.get(id)),
    }),
    'eval:list': async ({ target }) => {
      if (!target) return evaluation.list();
      const t = await targets.target(target);
      return t.model ? evaluation.listOfVersion(t.model.versionId) : evaluation.list(t.run.id);
    },
  };
}

function modelsHandlers(s: {
  registry: RegistryStore;
  artifacts: ArtifactStore;
}): Omit<HandlersOf<'models'>, 'models:rollback'> {
  const { registry, artifacts } = s;
  return {
    'models:register': (input) => registry.register(input),
    'models:import': (input) => importOnnxModel({ registry, artifacts }, input),
    'models:list': ({ project }) => registry.list(project),
    'models:get': ({ ref }) => registry.get(ref),
    'models:version': ({ ref }) => registry.version(ref),
    'models:alias': (input) => registry.alias(input),
    'models:unalias': (input) => registry.unalias(input),
    'models:stage': (input) => registry.stage(input),
    'models:history': ({ name, at }) => registry.history(name, at),
    'models:card:get': ({ ref }) => registry.cardGet(ref),
    'models:card:set': ({ ref, card }) => registry.cardSet(ref, card),
    'models:card:markdown': ({ ref }) => registry.cardMarkdown(ref),
    'models:compare': ({ a, b }) => registry.compare(a, b),
  };
}

function serveHandlers(s: {
  batch: BatchService;
  deploy: DeployService;
  workspaceDir: string;
}): HandlersOf<'predict' | 'serve' | 'export' | 'keys'> {
  const { batch, deploy } = s;
  return {
    'predict:batch': (input) => batch.predict(input),
    'predict:cancel': async ({ output }) => ({
      output: resolve(output),
      cancelled: batch.cancel(output),
    }),
    'predict:batches': ({ ref }) => batch.list(ref),
    'serve:start': (input) => deploy.start(input),
    'serve:list': () => deploy.listWithRefs(),
    'serve:restart': ({ id }) => deploy.restart(id),
    'serve:try': (input) => deploy.tryRequest(input),
    'serve:stop': async ({ id }) => {
      await deploy.stop(id);
      return {};
    },
    'export:docker': (input) => deploy.exportDocker(input),
    'export:cli': ({ out }) => exportCliContext(resolve(out), { workspaceDir: s.workspaceDir }),
    'keys:list': () => deploy.listKeys(),
    'keys:create': (input) => deploy.createKey(input),
    'keys:revoke': ({ name }) => deploy.revokeKey(name),
  };
}

function mlflowArtifactHandlers(
  deps: Parameters<typeof createMlflowArtifactService>[0],
): HandlersOf<'mlflow:artifacts'> {
  const proxy = createMlflowArtifactService(deps);
  return {
    'mlflow:artifacts:put': ({ path, file }) => proxy.put(path, file),
    'mlflow:artifacts:get': ({ path }) => proxy.get(path),
    'mlflow:artifacts:list': ({ path }) => proxy.list(path),
    'mlflow:artifacts:delete': ({ path }) => proxy.remove(path),
  };
}

function mlflowPushHandlers(
  deps: PushDeps,
): Pick<
  Handlers,
  | 'mlflow:push'
  | 'mlflow:push:cancel'
  | 'mlflow:credentials:list'
  | 'mlflow:credentials:set'
  | 'mlflow:credentials:delete'
> {
  const push = createMlflowPushService(deps);
  return {
    'mlflow:push': (input) => push.push(input),
    'mlflow:push:cancel': async (input) => push.cancel(input),
    'mlflow:credentials:list': async () => push.credentialsList(),
    'mlflow:credentials:set': async ({ url, auth }) => push.credentialsSet(url, auth),
    'mlflow:credentials:delete': async ({ url }) => push.credentialsDelete(url),
  };
}

function monitorHandlers(s: {
  registry: RegistryStore;
  capture: CaptureService;
  references: ReferenceStore;
  drift: DriftService;
  performance: PerformanceService;
  alerts: AlertService;
  retrain: RetrainService;
}): HandlersOf<'monitor' | 'retrain'> & Pick<Handlers, 'models:rollback'> {
  const { registry, capture, references, drift, performance, alerts, retrain } = s;
  return {
    'monitor:captures': ({ model }) => capture.captures(model),
    'monitor:ingest': ({ dir }) => capture.ingest(dir),
    'monitor:health': (input) => capture.health(input),
    'monitor:reference': async ({ ref, data }) => {
      const v = await registry.version(ref);
      return data ? references.setFrom(v, data) : references.get(v);
    },
    'monitor:drift': (input) => drift.drift(input),
    'monitor:driftHtml': async (input) => ({ html: await drift.html(input) }),
    'monitor:actuals': (input) => performance.actuals(input),
    'monitor:performance': (input) => performance.performance(input),
    'monitor:rules:get': () => alerts.rules(),
    'monitor:rules:set': ({ rules }) => alerts.setRules(rules),
    'monitor:check': (input) => alerts.check(input),
    'monitor:alerts': (input) => alerts.list(input),
    'monitor:ack': (input) => alerts.ack(input),
    'retrain:run': (input) => retrain.run(input),
    'retrain:cancel': async ({ model }) => ({ model, cancelled: retrain.cancel(model) }),
    'retrain:list': ({ model }) => retrain.list(model),
    'retrain:judge': (input) => retrain.judge(input),
    'models:rollback': (input) => retrain.rollback(input),
  };
}

/**
 * Opens the workspace as its single writer and wires every service over it, in the order work flows
 * (data, features, train, tracking, evaluate, registry, serve): each is built after what it uses.
 */
export async function createServices(options: ServicesOptions): Promise<Services> {
  const workspace = await openWorkspace(options.workspaceDir);
  const engine = lazyEngine(() => createEngine());
  const { db, artifacts, paths } = workspace;
  const version = latheVersion();
  const bus = createEventBus();
  const projects = createProjectStore(db);
  const uiPrefs = createUiPrefsStore(db);
  const tracking = createTrackingStore(db, projects);
  // The Default project always exists (a deleted one comes back): a read, and a transaction only when it
  // is missing, so a command's start commits nothing.
  if (!(await db.one('SELECT id FROM projects WHERE name = ?', [DEFAULT_PROJECT])))
    await db.tx((sql) => projects.ensure(sql, DEFAULT_PROJECT));
  const interrupted = await tracking.markInterrupted();
  if (interrupted.length)
    console.error(`[Services] marked ${interrupted.length} run(s) left running as interrupted`);

  const data = createDataService({ workspace, engine, projects, bus });
  const validation = createValidationService({ db, engine, data });
  const features = createFeatureService({ data, engine });
  const train = createTrainService({
    data,
    engine,
    recorder: tracking,
    artifacts,
    bus,
    latheVersion: version,
    workerPath: options.workerPath,
  });
  const lineage = createLineageService({ db, data });

  const getRun = (id: string) => tracking.get(id);
  const gatePolicies = createGatePolicyStore(db, projects);
  // Evaluations name runs through registry references (registry sits to evaluate's right): resolved
  // from the version rows alone, so evaluate needs no registry store.
  const targets = createEvalTargets({ db, getRun });
  const evaluation = createEvaluateService({
    db,
    data,
    artifacts,
    familyReport: (run) => train.familyReport(run),
    getRun,
    latheVersion: version,
    policyOf: (project) => gatePolicies.get(project),
    championOf: (model) => targets.championOf(model),
    onProgress: (progress) => bus.emit('eval:progress', progress),
  });

  // Built before the registry, which stores each new version's reference through it.
  const references = createReferenceStore({ db, engine, data, artifacts, getRun });
  const registry = createRegistryStore({
    db,
    prepareRegister: (draft) => references.prepare(draft),
    tracking,
    data,
    artifacts,
    latestEvaluation: (versionId) => evaluation.latestOfVersion(versionId),
    evaluatePair: pairEvaluation({ getRun, comparePair: (a, b) => evaluation.comparePair(a, b) }),
    // Projects without a gate policy pass; with one, the latest evaluation of the version must pass it.
    checkPromotion: createPromotionCheck(
      db,
      evaluationGates((versionId) => evaluation.latestOfVersion(versionId)),
    ),
  });
  const guard = createRunGuard({
    db,
    artifacts,
    tracking,
    registry,
    workspace: { dir: paths.dir, ownedSinceMs: Date.parse(workspace.lock.info.startedAt) },
  });

  // What each service that writes a version's serving package needs: one place says where packages go.
  const packageDeps = {
    registry,
    tracking,
    artifacts,
    tmpDir: paths.tmp,
    packagesDir: paths.packages,
  } satisfies PackageDeps;
  const batch = createBatchService({
    ...packageDeps,
    db,
    bus,
    workspaceDir: paths.dir,
  });
  const deploy = createDeployService({
    ...packageDeps,
    db,
    serverVersion: version,
    workspaceDir: paths.dir,
  });

  const capture = createCaptureService({ db, registry, workspaceDir: paths.dir });
  const drift = createDriftService({
    db,
    engine,
    data,
    registry,
    references,
    workspaceDir: paths.dir,
  });
  const performance = createPerformanceService({
    db,
    engine,
    data,
    registry,
    workspaceDir: paths.dir,
  });
  const retrain = createRetrainService({
    bus,
    db,
    engine,
    data,
    validation,
    train,
    tracking,
    evaluation,
    registry,
    deploy,
    gatePolicies,
    artifacts,
    tmpDir: paths.tmp,
    workspaceDir: paths.dir,
  });
  const alerts = createAlertService({
    db,
    workspaceDir: paths.dir,
    bus,
    registry,
    drift,
    capture,
    performance,
    retrain,
  });

  const info = (): AppInfo => ({
    version,
    workspace: options.workspaceDir,
    mode: 'owner',
    pid: process.pid,
    backendPreference: [...BACKEND_PREFERENCE],
    platform: platform(),
    hostUrl: workspace.lock.info.hostUrl?.replace(/\/$/, '') ?? null,
  });

  // Pipeline steps call the channels every face calls, validated the same way.
  const call: Call = async (channel, input) =>
    resultOf(await createDispatcher(handlers)(channel, input)) as never;
  const pipelines = createPipelineService({
    db,
    call,
    gateCheck: createGateCheck({ evaluation, getRun, targets, gatePolicies }),
    datasetFile: async (ref) => (await data.resolve(ref)).storagePath,
    emit: (run) => bus.emit('pipeline:status', run),
    latheVersion: version,
  });

  const handlers: Handlers = {
    ...pipelineHandlers(pipelines),
    ...workspaceHandlers({
      info,
      projects,
      uiPrefs,
      guard,
      verify: () => verifyWorkspace({ dir: paths.dir, db, artifacts }),
    }),
    ...dataHandlers({ data, lineage, validation, features, db }),
    ...trainHandlers({ train, tracking }),
    ...runsHandlers({ tracking, train, guard }),
    ...evaluateHandlers({ evaluation, targets, gatePolicies }),
    ...modelsHandlers({ registry, artifacts }),
    ...serveHandlers({ batch, deploy, workspaceDir: paths.dir }),
    ...monitorHandlers({ registry, capture, references, drift, performance, alerts, retrain }),
    ...mlflowArtifactHandlers({ db, artifacts, uploadsDir: paths.uploads }),
    ...createMlflowTrackingHandlers({
      db,
      store: createMlflowTrackingStore({ db, projects, tracking, latheVersion: version }),
    }),
    ...createMlflowRegistryHandlers({
      db,
      registry: registry.withActor(mlflowActor),
      actor: mlflowActor,
      artifacts,
    }),
    ...mlflowPushHandlers({
      ...packageDeps,
      readRun: (id) => tracking.read(id),
      bus,
      credentials: options.mlflowCredentials,
      latheVersion: version,
    }),
    ...createMlflowFileHandlers({
      ...packageDeps,
      db,
      projects,
      latheVersion: version,
      bus,
      changed: (ids) => tracking.metricsWritten(ids),
      // The folder's registered models go through MLflow's registry channels, validated as any call.
      registryCall: async (channel, input) =>
        resultOf(await createDispatcher(handlers)(channel, input)),
      workspaceDir: paths.dir,
    }),
  };
  const keyStore = createKeyStore(db);
  const dispatch = createDispatcher(handlers, { validateOutput: options.validateOutput });

  let closing: Promise<void> | undefined;
  return {
    workspaceDir: options.workspaceDir,
    workspace,
    bus,
    data,
    tracking,
    train,
    registry,
    handlers,
    dispatch,
    info,
    startMonitoring: () => {
      alerts.startSchedule();
      pipelines.startSchedule();
      retrain.startSchedule(async () => (await alerts.rules()).rules.retrain ?? []);
    },
    startRetraining: () => {
      retrain.startSchedule(async () => (await alerts.rules()).rules.retrain ?? []);
      pipelines.startSchedule();
    },
    async warmViews() {
      // Through the dispatcher: the list is kept under the input as the view's request is parsed.
      await dispatch('runs:listColumns', { project: DEFAULT_PROJECT, limit: RUNS_LIST_MAX });
    },
    advertiseHost(url, command) {
      workspace.lock.update(command ? { hostUrl: url, command } : { hostUrl: url });
    },
    nameCommand(command) {
      workspace.lock.update({ command });
    },
    withdrawHost(url) {
      if (workspace.lock.info.hostUrl !== url) return false;
      workspace.lock.update({ hostUrl: undefined });
      return true;
    },
    authenticate: (secret, name) => keyStore.authenticate(secret, name),
    asUser: runAsMlflowUser,
    close() {
      closing ??= (async () => {
        await pipelines.stop();
        await alerts.stop();
        await retrain.stop();
        // Servers first: their prediction logs flush into the database before it closes.
        await deploy.close();
        await train.shutdown();
        // Metric points still buffered by logMetrics are written before the database closes.
        await tracking.flushMetrics();
        engine.close();
        workspace.close();
      })();
      return closing;
    },
  };
}
