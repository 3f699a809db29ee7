// Composition root: builds every service over one workspace and maps each contract channel to one of them.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { platform } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  FamilyReport,
  LatheError,
  defaultSearchMetric,
  betterOf,
  type AppInfo,
  type JsonValue,
  type Run,
  type TrainConfig,
} from '../shared/contract';
import { createDispatcher, type Dispatch, type Handlers } from './api/dispatch';
import { createEventBus, type EventBus } from './api/event-bus';
import { createDataService, type DataService } from './data/data-service';
import { createEngine } from './data/engine';
import { createFeatureService } from './features/feature-service';
import { createValidationService } from './data/validation-service';
import { isUrl } from './data/download';
import { collectGarbage } from './tracking/gc';
import { createLineageService } from './tracking/lineage';
import { compareRuns } from './tracking/compare';
import { createTrackingStore, type TrackingStore } from './tracking/tracking-store';
import { BACKEND_PREFERENCE } from './train/backend-names';
import { createTrainService, type FamilyResume, type TrainService } from './train/train-service';
import { CHECKPOINT_PATH } from './train/checkpoint-state';
import { CV_REPORT, SEARCH_REPORT } from './train/families';
import { latheVersion } from './version';
import { createProjectStore } from './workspace/projects';
import { createPromotionCheck } from './registry/promotion';
import { createEvaluateService, type EvalTarget } from './evaluate/evaluate-service';
import { renderEvaluationHtml } from './evaluate/report-html';
import { createGatePolicyStore } from './evaluate/gate-policies';
import { createRegistryStore, osActor, type RegistryStore } from './registry/registry-store';
import { createUiPrefsStore } from './workspace/ui-prefs';
import { predictBatch } from './serve/batch';
import { createDeployService } from './serve/deploy-service';
import { writeModelPackage } from './serve/package';
import { importOnnxModel } from './serve/onnx-import';
import { openWorkspace, type Workspace } from './workspace/workspace';

/** The value at a dotted config path (`training.learningRate`), as a search set it. */
function configValue(config: TrainConfig, path: string): JsonValue {
  let node: unknown = config;
  for (const key of path.split('.'))
    node =
      typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : null;
  return (node ?? null) as JsonValue;
}

export interface ServicesOptions {
  /** The workspace folder (see resolveWorkspaceDir in main/workspace/paths.ts). */
  workspaceDir: string;
  /** Parse every output against the contract (tests, development). */
  validateOutput?: boolean;
  /** Override the training worker bundle (tests). */
  workerPath?: string;
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
  /** Records the URL of this process's local host in the workspace lock so other processes can reach it. */
  advertiseHost(url: string): void;
  close(): Promise<void>;
}

/** Opens the workspace as its single writer and wires every service over it. */
export async function createServices(options: ServicesOptions): Promise<Services> {
  const workspace = await openWorkspace(options.workspaceDir);
  const engine = await createEngine().catch((err: unknown) => {
    workspace.close();
    throw err;
  });
  const { db, artifacts, paths } = workspace;
  const bus = createEventBus();
  const projects = createProjectStore(db);
  const tracking = createTrackingStore(db, projects);
  const uiPrefs = createUiPrefsStore(db);
  await db.tx((sql) => projects.ensure(sql, 'Default'));
  const interrupted = await tracking.markInterrupted();
  if (interrupted.length)
    console.error(`[Services] marked ${interrupted.length} run(s) left running as interrupted`);
  const data = createDataService({ workspace, engine, projects, bus });
  const lineage = createLineageService({ db, data });
  const validation = createValidationService({ db, engine, data });
  const features = createFeatureService({ data, engine });
  const version = latheVersion();
  const train = createTrainService({
    data,
    engine,
    recorder: tracking,
    artifacts,
    bus,
    latheVersion: version,
    workerPath: options.workerPath,
  });

  const registry = createRegistryStore({
    db,
    tracking,
    data,
    artifacts,
    // Projects without a gate policy pass; with one, the latest evaluation of the version must pass it.
    latestEvaluation: (versionId) => evaluation.latestOfVersion(versionId),
    // models:compare scores both versions on the first one's held-out rows.
    evaluatePair: async (va, vb) => {
      // An imported version has no run to score through the evaluation service.
      if (va.runId === null || vb.runId === null) return null;
      const [ra, rb] = await Promise.all([tracking.get(va.runId), tracking.get(vb.runId)]);
      const pair = await evaluation.comparePair(ra, rb);
      const [name, version] = pair.dataset.split('@') as [string, string];
      return {
        dataset: name,
        datasetVersion: Number(version),
        split: pair.split,
        metrics: Object.keys(pair.a)
          .filter((k) => pair.a[k] !== null || pair.b[k] !== null)
          .map((key) => {
            const [a, b] = [pair.a[key] ?? null, pair.b[key] ?? null];
            return { key, a, b, better: betterOf(key, a, b) };
          }),
      };
    },
    checkPromotion: createPromotionCheck(db, async (v) => {
      const latest = await evaluation.latestOfVersion(v.id);
      if (!latest)
        return {
          passed: false,
          failures: [
            v.runId === null
              ? `${v.model}@${v.version} is an imported ONNX model with no evaluation: promote it with an override reason`
              : `${v.model}@${v.version} has no evaluation yet: run lathe eval ${v.model}@${v.version}`,
          ],
        };
      const failed = latest.gates.filter((g) => !g.passed);
      return {
        passed: latest.passed !== false && failed.length === 0,
        failures: failed.map(
          (g) =>
            `${g.description}: observed ${g.observed === null ? 'n/a' : String(g.observed)}${g.detail ? ` (${g.detail})` : ''} [evaluation ${latest.id.slice(0, 8)}]`,
        ),
      };
    }),
  });
  const deploy = createDeployService({
    registry,
    tracking,
    artifacts,
    tmpDir: paths.tmp,
    db,
    serverVersion: version,
  });

  const gatePolicies = createGatePolicyStore(db, projects);
  const evaluation = createEvaluateService({
    db,
    data,
    artifacts,
    familyReport: (run) => familyReport(run),
    getRun: (id) => tracking.get(id),
    latheVersion: version,
    policyOf: (project) => gatePolicies.get(project),
    championOf: async (model) => {
      try {
        const v = await registry.version(`${model}@champion`);
        // An imported champion has no run to score a challenger's rows with: no champion comparison.
        if (v.runId === null) return null;
        return {
          label: `${v.model}@${v.version}`,
          versionId: v.id,
          run: await tracking.get(v.runId),
        };
      } catch (err) {
        if (err instanceof LatheError && err.code === 'NOT_FOUND') return null;
        throw err;
      }
    },
  });
  /** A run id (prefix) or a registered `NAME@version|alias`: the run, and the version it names. */
  const evalTarget = async (target: string): Promise<EvalTarget> => {
    if (/^[0-9a-f]{4,}$/i.test(target) && !target.includes('@')) {
      try {
        return { run: await tracking.get(target), model: null };
      } catch (err) {
        if (!(err instanceof LatheError) || err.code !== 'NOT_FOUND') throw err;
      }
    }
    const v = await registry.version(target);
    if (v.runId === null)
      throw new LatheError(
        'INVALID_INPUT',
        `${v.model}@${v.version} is an imported ONNX model: it has no run to evaluate (score it with lathe predict)`,
        { model: v.model, version: v.version },
      );
    return {
      run: await tracking.get(v.runId),
      model: { name: v.model, version: v.version, versionId: v.id },
    };
  };

  const info = (): AppInfo => ({
    version,
    workspace: options.workspaceDir,
    mode: 'owner',
    pid: process.pid,
    backendPreference: [...BACKEND_PREFERENCE],
    platform: platform(),
  });

  /** The report a search or cross-validation parent stores as an artifact; null for other runs. */
  const familyReport = async (run: Run): Promise<FamilyReport | null> => {
    const a = run.artifacts.find((x) => x.path === CV_REPORT || x.path === SEARCH_REPORT);
    if (!a) return null;
    return FamilyReport.parse(JSON.parse((await artifacts.read(a.sha256)).toString('utf8')));
  };

  /** What resuming a stopped search or cross-validation needs: its children, as far as each went. */
  const familyResume = async (run: Run): Promise<FamilyResume> => {
    if (!['interrupted', 'cancelled', 'failed'].includes(run.status)) {
      throw new LatheError(
        'INVALID_INPUT',
        `run ${run.id} is ${run.status}; only an interrupted, cancelled or failed ${run.kind === 'tune' ? 'search' : 'cross-validation'} can be resumed`,
        { id: run.id },
      );
    }
    const ids = (await tracking.list({ parentId: run.id, limit: 100000, deleted: true })).map(
      (c) => c.id,
    );
    const children = ids.length ? await tracking.getMany(ids) : [];
    const metric = run.config.search?.metric ?? defaultSearchMetric(run.config.task);
    const dataset = `${run.lineage.dataset}@${run.lineage.datasetVersion}`;
    return {
      parentId: run.id,
      config: run.config,
      dataset,
      gitCommit: run.lineage.gitCommit ?? null,
      children: await Promise.all(
        children.map(async (c) => {
          const checkpoint = c.artifacts.find((a) => a.path === CHECKPOINT_PATH);
          const stopped = ['interrupted', 'cancelled', 'failed'].includes(c.status);
          const history = (await tracking.metricHistory(c.id, metric, 1_000_000)).points
            .sort((a, b) => a.step - b.step)
            .map((p) => p.value);
          return {
            index:
              c.kind === 'fold'
                ? (c.config.crossValidation?.fold ?? 0)
                : Number(c.tags['search.trial'] ?? 0),
            runId: c.id,
            status: c.status,
            metrics: c.metrics,
            assignment: Object.fromEntries(
              Object.keys(run.config.search?.space ?? {}).map((path) => [
                path,
                configValue(c.config, path),
              ]),
            ),
            history,
            error: c.error,
            resumable: stopped && !!checkpoint,
            ...(stopped && checkpoint
              ? {
                  resume: { runId: c.id, config: c.config, dataset, checkpoint: checkpoint.sha256 },
                }
              : {}),
          };
        }),
      ),
    };
  };

  const handlers: Handlers = {
    'app:info': async () => info(),
    'projects:list': () => projects.list(),
    'projects:create': ({ name, description }) => projects.create(name, description),
    'data:import': async (input) => {
      if (isUrl(input.path)) return data.importFile(input);
      const file = resolve(input.path);
      try {
        return await data.importFile({ ...input, path: file });
      } finally {
        // Files uploaded through the browser UI are staged in the workspace: drop them once imported.
        if (!relative(paths.uploads, file).startsWith('..')) rmSync(file, { force: true });
      }
    },
    'data:importQuery': (input) => data.importQuery(input),
    'data:transform': (input) => data.transform(input),
    'lineage:get': ({ id }) => lineage.get(id),
    'data:cancelImport': async ({ name }) => ({ name, cancelled: data.cancelImport(name) }),
    'data:suggest': async ({ ref }) => ({ suite: await validation.suggest(ref) }),
    'data:validate': ({ ref, suite, quarantine }) => validation.validate(ref, suite, quarantine),
    'data:reports': ({ ref }) => validation.reports(ref),
    'features:default': ({ ref, target }) => features.defaultSpec(ref, target),
    'features:preview': (input) => features.preview(input),
    'data:list': ({ project }) => data.list(project),
    'data:versions': ({ name }) => data.versions(name),
    'data:profile': ({ ref }) => data.profile(ref),
    'data:preview': ({ ref, offset, limit }) => data.preview(ref, offset, limit),
    'train:start': async ({ config, gitCommit }) => ({
      runId: (await train.start(config, { gitCommit })).runId,
    }),
    'train:run': async ({ config, gitCommit }) => {
      const { runId, done } = await train.start(config, { gitCommit });
      await done;
      return tracking.get(runId);
    },
    'tune:run': async ({ config, gitCommit }) => {
      if (!config.search) {
        throw new LatheError(
          'INVALID_CONFIG',
          'search: the config has no search space; add a `search:` section (see lathe schema train-config)',
          { field: 'search' },
        );
      }
      const { runId, done } = await train.start(config, { gitCommit });
      await done;
      const run = await tracking.get(runId);
      return { run, report: await familyReport(run) };
    },
    'runs:report': async ({ id }) => ({ report: await familyReport(await tracking.get(id)) }),
    'train:cancel': async ({ id }) => {
      const run = await tracking.get(id);
      return { runId: run.id, cancelled: train.cancel(run.id) };
    },
    'runs:list': (input) => tracking.list(input),
    'runs:get': ({ id }) => tracking.get(id),
    'runs:resume': async ({ id }) => {
      const run = await tracking.get(id);
      if (run.kind === 'cv' || run.kind === 'tune') {
        const { done } = await train.resumeFamily(await familyResume(run));
        await done;
        return tracking.get(run.id);
      }
      const checkpoint = run.artifacts.find((a) => a.path === CHECKPOINT_PATH);
      if (!['interrupted', 'cancelled', 'failed'].includes(run.status) || !checkpoint) {
        throw new LatheError(
          'INVALID_INPUT',
          run.status === 'running' || run.status === 'queued' || run.status === 'finished'
            ? `run ${run.id} is ${run.status}; only an interrupted, cancelled or failed run can be resumed`
            : `run ${run.id} is ${run.status} but has no checkpoint (it stopped before its first epoch ended); train it again`,
          { id: run.id },
        );
      }
      const { done } = await train.resume({
        runId: run.id,
        config: run.config,
        dataset: `${run.lineage.dataset}@${run.lineage.datasetVersion}`,
        checkpoint: checkpoint.sha256,
      });
      await done;
      return tracking.get(run.id);
    },
    'runs:compare': async ({ ids }) => compareRuns(await tracking.getMany(ids)),
    'runs:metrics': async ({ id, key, maxPoints }) => ({
      id,
      ...(await tracking.metricHistory(id, key, maxPoints)),
    }),
    'runs:update': (input) => tracking.update(input),
    'runs:metricsMany': async ({ ids, keys, maxPoints }) => ({
      series: await tracking.metricHistoryMany(ids, keys, maxPoints),
    }),
    'runs:delete': async ({ ids }) => {
      const backing = await registry.versionsOfRuns((await tracking.getMany(ids)).map((r) => r.id));
      if (backing.length)
        throw new LatheError(
          'INVALID_INPUT',
          `cannot delete a run that backs a registered model version: ${backing.join(', ')}`,
          { versions: backing },
        );
      return { deleted: await tracking.softDelete(ids) };
    },
    'runs:restore': async ({ ids }) => ({ restored: await tracking.restore(ids) }),
    'workspace:gc': async () => {
      await registry.assertNoDeletedRegisteredRuns();
      return collectGarbage({ db, artifacts, tracking });
    },
    'experiments:list': ({ project }) => tracking.experiments(project),
    'ui:prefs:get': async ({ key }) => ({ value: (await uiPrefs.get(key)) ?? null }),
    'ui:prefs:set': ({ key, value }) => uiPrefs.set(key, value),
    'eval:run': async (input) => evaluation.evaluate(await evalTarget(input.target), input),
    'eval:get': ({ id }) => evaluation.get(id),
    'gates:get': async ({ project }) => ({ project, policy: await gatePolicies.get(project) }),
    'gates:set': async ({ project, policy, reason }) => ({
      project,
      policy: await gatePolicies.set(project, policy, osActor(), reason),
    }),
    'eval:html': async ({ id }) => ({ html: renderEvaluationHtml(await evaluation.get(id)) }),
    'eval:list': async ({ target }) => {
      if (!target) return evaluation.list();
      const t = await evalTarget(target);
      return t.model ? evaluation.listOfVersion(t.model.versionId) : evaluation.list(t.run.id);
    },
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
    'predict:batch': async (input) => {
      const v = await registry.version(input.model);
      const run = v.runId === null ? null : await tracking.get(v.runId);
      const dir = mkdtempSync(join(paths.tmp, 'package-'));
      try {
        await writeModelPackage({ version: v, run, artifacts, dir, latheVersion: version });
        const output = resolve(input.output);
        const result = await predictBatch({
          packageDir: dir,
          input: resolve(input.input),
          output,
          idColumn: input.idColumn,
          chunkRows: input.chunkRows,
          onProgress: ({ rows, total, elapsedMs }) => {
            const rate = elapsedMs > 0 ? (rows * 1000) / elapsedMs : 0;
            bus.emit('data:progress', {
              op: 'predict',
              name: output,
              fraction: total > 0 ? Math.min(1, rows / total) : 1,
              message: `${rows.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows, ${Math.round(rate).toLocaleString('en-US')} rows/s`,
              ...(rate > 0 ? { etaMs: ((total - rows) / rate) * 1000 } : {}),
            });
          },
        });
        const id = randomUUID();
        const at = new Date();
        await db.run(
          'INSERT INTO prediction_batches VALUES (?, epoch_ms(?::BIGINT), ?, ?, ?, ?, ?, ?, ?)',
          [
            id,
            at.getTime(),
            v.model,
            v.version,
            input.input,
            result.inputSha256,
            result.output,
            result.rows,
            result.durationMs,
          ],
        );
        return {
          id,
          model: v.model,
          version: v.version,
          input: input.input,
          files: result.files,
          inputSha256: result.inputSha256,
          output: result.output,
          columns: result.columns,
          rows: result.rows,
          durationMs: result.durationMs,
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    'serve:start': (input) => deploy.start(input),
    'serve:list': async () => deploy.list(),
    'serve:stop': async ({ id }) => {
      await deploy.stop(id);
      return {};
    },
    'export:docker': (input) => deploy.exportDocker(input),
  };

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
    dispatch: createDispatcher(handlers, { validateOutput: options.validateOutput }),
    info,
    advertiseHost(url) {
      workspace.lock.update({ hostUrl: url });
    },
    close() {
      closing ??= (async () => {
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
