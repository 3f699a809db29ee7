// One retraining, step by step: new data → expectations → the champion's held-out rows and the
// challenger's training rows → train with the champion's config → register as `challenger` → evaluate
// on the held-out rows → gates → optional canary → optional promotion. Each step is logged (JobLog).
import type { z } from 'zod';
import {
  CHAMPION,
  GatePolicy,
  LatheError,
  type ColumnInfo,
  type EvaluationReport,
  type GateResult,
  type ModelVersion,
  type EvalProgress,
  type RetrainIn,
  type RetrainProgress,
  type Run,
  SchemaChange,
  type TrainProgress,
} from '../../shared/contract';
import type { EventBus } from '../api/event-bus';
import type { DataService, ResolvedVersion } from '../data/data-service';
import type { Engine } from '../data/engine';
import { describeSchemaChange } from '../data/schema-diff';
import type { SplitRule } from '../data/splits';
import type { ValidationService } from '../data/validation-service';
import type { EvaluateService } from '../evaluate/evaluate-service';
import type { GatePolicyStore } from '../evaluate/gate-policies';
import { checkGates } from '../evaluate/gates';
import { specColumns } from '../features/check';
import type { RegistryStore } from '../registry/registry-store';
import type { DeployService } from '../serve/deploy-service';
import type { TrackingStore } from '../tracking/tracking-store';
import type { TrainService } from '../train/train-service';
import type { ArtifactStore } from '../workspace/artifacts';
import type { Database } from '../workspace/db';
import { iso } from '../workspace/projects';
import { capturedVersion, retrainRows, type RetrainRows } from './retrain-data';
import type { JobLog } from './retrain-record';

export const CHALLENGER = 'challenger';

export interface RetrainDeps {
  db: Database;
  engine: Engine;
  data: DataService;
  validation: ValidationService;
  train: TrainService;
  tracking: TrackingStore;
  evaluation: EvaluateService;
  registry: RegistryStore;
  deploy: DeployService;
  gatePolicies: GatePolicyStore;
  artifacts: ArtifactStore;
  /** Where captured rows are written before their import. */
  tmpDir: string;
  /** The workspace folder, where batch jobs' capture files are. */
  workspaceDir: string;
  now?: () => Date;
  /**
   * The services' events: a job follows its training's and its evaluation's progress there and reports
   * its own (`retrain:progress`).
   */
  bus?: EventBus;
}

/** Where each step starts in a job's progress: the training takes most of it, then the evaluation. */
const STEP_AT = { data: 0, train: 0.05, register: 0.7, evaluate: 0.72, canary: 0.95 } as const;

/** What a cancel says of the step it stopped the job before. */
export const RETRAIN_CANCELLED = 'the retraining was cancelled';

/** The champion a retraining starts from: its version and run. */
export interface Champion {
  version: ModelVersion;
  run: Run;
}

/** Runs `work` as the only move of a model's aliases at that moment (promotion, rollback). */
export type Serialize = <T>(model: string, work: () => Promise<T>) => Promise<T>;

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : Number.isInteger(v) ? String(v) : v.toPrecision(4);

const gateLine = (g: GateResult) =>
  `${g.passed ? 'pass' : 'FAIL'} ${g.description} (observed ${fmt(g.observed)}${g.detail ? `; ${g.detail}` : ''})`;

export const dataRef = (v: { dataset: string; version: number }) => `${v.dataset}@${v.version}`;

const isLoopback = (host: string) => ['127.0.0.1', '::1', 'localhost'].includes(host);

/**
 * Runs the steps of one retraining into `log`; the record ends `registered`, `promoted` or `failed`
 * (with the failing step's message as its error) and is saved either way.
 */
export async function runRetraining(
  deps: RetrainDeps,
  log: JobLog,
  input: z.output<typeof RetrainIn>,
  champion: Champion,
  serialize: Serialize,
  signal?: AbortSignal,
): Promise<void> {
  const { record } = log;
  const report = (step: RetrainProgress['step'], fraction: number, message: string) =>
    deps.bus?.emit('retrain:progress', {
      model: record.model,
      retrainId: record.id,
      step,
      fraction: Math.min(1, Math.max(0, fraction)),
      message,
    });
  // The training's epochs and the evaluation's stages, as steps of this job.
  const unit = champion.run.config.model.type === 'gbdt' ? 'round' : 'epoch';
  const off = deps.bus?.subscribe(({ event, payload }) => {
    if (!record.runId) return;
    if (event === 'train:progress') {
      const p = payload as TrainProgress;
      if (p.runId === record.runId)
        report(
          'train',
          STEP_AT.train + (STEP_AT.register - STEP_AT.train) * p.fraction,
          `training: ${unit} ${p.epoch} of ${p.epochs}`,
        );
    } else if (event === 'eval:progress') {
      const p = payload as EvalProgress;
      if (p.runId === record.runId)
        report(
          'evaluate',
          STEP_AT.evaluate + (STEP_AT.canary - STEP_AT.evaluate) * p.fraction,
          `evaluating: ${p.message}`,
        );
    }
  });
  // A cancel stops the step running (the training run, its evaluation); the next step then fails.
  const stop = () => {
    if (!record.runId) return;
    deps.train.cancel(record.runId);
    deps.evaluation.cancel(record.runId);
  };
  signal?.addEventListener('abort', stop, { once: true });
  /** Starts `step`, unless the job was cancelled: that fails it. */
  const next = async (step: keyof typeof STEP_AT, message: string) => {
    if (signal?.aborted) await log.fail(step, RETRAIN_CANCELLED);
    report(step, STEP_AT[step], message);
  };
  // A step the cancel stopped says so before what failed in it ("run … cancelled").
  const steps: JobLog = {
    ...log,
    attempt: (name, work) =>
      log.attempt(name, async () => {
        try {
          return await work();
        } catch (err) {
          if (!signal?.aborted) throw err;
          throw new Error(
            `${RETRAIN_CANCELLED} (${err instanceof Error ? err.message : String(err)})`,
          );
        }
      }),
  };
  try {
    await next('data', 'reading the new data');
    const rows = await takeData(deps, steps, input, champion);
    await next('train', "training with the champion's config");
    const trained = await trainChallenger(deps, steps, champion, rows.training);
    await next('register', 'registering the challenger');
    const challenger = await registerChallenger(deps, steps, input.model, trained);
    await next('evaluate', "evaluating on the champion's held-out rows");
    const gates = await evaluateAndGate(deps, steps, { champion, trained, challenger, rows });
    // Nothing is served or promoted after a cancel, even one that came too late to stop a step.
    await next(
      'canary',
      `${gates.passed ? 'the gates pass' : 'a gate failed'}: the canary and the promotion`,
    );
    const canaryUrl = await canary(deps, log, input, champion, challenger, gates.passed);
    await promote(deps, log, input, { champion, challenger, gates, canaryUrl, serialize });
    if (record.status === 'running') record.status = 'registered';
  } catch (err) {
    record.status = 'failed';
    record.error = err instanceof Error ? err.message : String(err);
  } finally {
    signal?.removeEventListener('abort', stop);
    off?.();
    record.finishedAt = iso(deps.now?.() ?? new Date());
    await log.save();
  }
}

/** New data, its expectation suite, then the held-out rows and the training rows. */
async function takeData(
  deps: RetrainDeps,
  log: JobLog,
  input: z.output<typeof RetrainIn>,
  champion: Champion,
): Promise<RetrainRows> {
  const run = champion.run;
  const needed = (await log.attempt('data', () => championInputs(deps, champion))).needed;
  const fresh = await log.attempt('data', () => newData(deps, input, champion, needed));
  log.record.dataset = dataRef(fresh);
  await log.step(
    'data',
    'ok',
    `new data ${dataRef(fresh)} (${fresh.rows} rows)${
      fresh.id === run.lineage.datasetVersionId ? ': the version the champion trained on' : ''
    }`,
  );
  const missing = missingInputs(
    needed,
    fresh.columns,
    `${dataRef(fresh)} (the new data)`,
    champion,
  );
  if (missing) await log.fail('data', missing);
  await validate(deps, log, fresh, run.lineage.dataset);
  const rows = await log.attempt('data', async () =>
    retrainRows(deps, {
      champion: run,
      rule: await splitRuleOf(deps, run),
      newData: fresh,
      combine: input.combine === true,
      jobId: log.record.id,
    }),
  );
  const { holdout, training } = rows;
  log.record.dataset = dataRef(training);
  await log.step(
    'data',
    'ok',
    `training on ${dataRef(training)} (${training.rows} rows: ${
      rows.oldRows ? `${rows.oldRows} of the champion's training rows + ` : ''
    }${training.rows - rows.oldRows} new${rows.setAside ? `, ${rows.setAside} equal to a held-out row set aside` : ''}); evaluating on the champion's ${holdout.rows} held-out rows (${dataRef(holdout)})`,
  );
  return rows;
}

/**
 * What the new data (`subject`, of `columns`) lacks of the champion's inputs (`needed`); null when it has
 * them all.
 */
function missingInputs(
  needed: string[],
  columns: ColumnInfo[],
  subject: string,
  champion: Champion,
): string | null {
  const missing = needed.filter((n) => !columns.some((c) => c.name === n));
  if (!missing.length) return null;
  const [them, these] = missing.length > 1 ? ['them', 'these columns'] : ['it', 'it'];
  return `${subject} has no column ${missing.map((m) => `'${m}'`).join(', ')}: the champion ${champion.version.model}@${champion.version.version} takes ${them} as input, and the challenger is trained on the same inputs. Retrain on data that has ${these}, or train a new model without ${them} (lathe train).`;
}

/**
 * The version named, a file imported into the champion's dataset, or captured rows with actuals. A file
 * without every input the champion reads (`needed`) is refused before it becomes a version.
 */
async function newData(
  deps: RetrainDeps,
  input: z.output<typeof RetrainIn>,
  champion: Champion,
  needed: string[],
): Promise<ResolvedVersion> {
  const { data } = deps;
  const run = champion.run;
  if (input.data) return data.resolve(input.data);
  if (input.file) {
    const out = await data
      .importFile({
        path: input.file,
        name: run.lineage.dataset,
        project: run.project,
        allowSchemaChange: input.allowSchemaChange === true,
        checkColumns: (columns) => {
          const missing = missingInputs(needed, columns, 'the file (not imported)', champion);
          if (missing) throw new LatheError('COLUMN_NOT_FOUND', missing, { file: input.file });
        },
      })
      .catch((err: unknown) => {
        const change =
          err instanceof LatheError ? SchemaChange.safeParse(err.details?.schemaChange) : null;
        if (!change?.success) throw err;
        throw schemaChangeRefused(input.file!, change.data);
      });
    return data.resolve(dataRef({ dataset: out.dataset, version: out.version.version }));
  }
  if (input.captured)
    return capturedVersion(deps, {
      model: input.model,
      versionId: champion.version.id,
      label: `${input.model}@${champion.version.version}`,
      champion: run,
      old: await data.resolve(`${run.lineage.dataset}@${run.lineage.datasetVersion}`),
    });
  return data.resolve(run.lineage.dataset);
}

/**
 * The refusal of a `file` whose columns differ from the latest version of the champion's dataset: what
 * differs, and how to retrain on it anyway (the CLI's flag, the app's option) or keep it apart.
 */
function schemaChangeRefused(file: string, change: SchemaChange): LatheError {
  const { dataset, fromVersion } = change;
  // Not the file's name: a file uploaded from the browser has a staging name the user never gave.
  return new LatheError(
    'INVALID_INPUT',
    `the file was not imported: its columns differ from ${dataset}@${fromVersion}, the latest version of the champion's dataset: it ${describeSchemaChange(change)}. ` +
      `To add it as a version of '${dataset}' and retrain on it, confirm the schema change: lathe retrain --allow-schema-change, or tick "accept a schema change" in the app's Retrain form. ` +
      `Or import it under another name (lathe data import) and retrain with --data NAME.`,
    { schemaChange: change, file },
  );
}

/**
 * The columns a champion reads: `needed`, the inputs of its signature (what its model reads, after the
 * feature spec dropped or selection left out columns), and `candidates`, the columns its config selected
 * features from (its feature spec's, its `features`, else every column of its data but the target).
 */
async function championInputs(
  deps: RetrainDeps,
  champion: Champion,
): Promise<{ needed: string[]; candidates: string[] }> {
  const { config, lineage } = champion.run;
  const candidates = config.featureSpec
    ? [...new Set(specColumns(config.featureSpec))]
    : (config.features ??
      (await deps.data.resolve(`${lineage.dataset}@${lineage.datasetVersion}`)).columns
        .map((c) => c.name)
        .filter((n) => n !== config.target));
  const needed = champion.version.signature?.inputs.map((i) => i.name) ?? candidates;
  return { needed, candidates };
}

/** Checks the new version against the suite saved with its dataset (else with the champion's). */
async function validate(
  deps: RetrainDeps,
  log: JobLog,
  fresh: ResolvedVersion,
  championDataset: string,
): Promise<void> {
  const saved = await log.attempt('validate', async () => {
    const own = await deps.validation.savedSuite(fresh.dataset);
    return own.suite ? own : deps.validation.savedSuite(championDataset);
  });
  const suite = saved.suite;
  if (!suite)
    return log.step(
      'validate',
      'skipped',
      `no expectation suite saved with ${fresh.dataset}${fresh.dataset === championDataset ? '' : ` or ${championDataset}`} (lathe data suite)`,
    );
  const report = await log.attempt('validate', () =>
    deps.validation.validate(dataRef(fresh), suite, false),
  );
  const of = `expectation suite '${suite.name}' saved with ${saved.dataset}`;
  if (!report.success) {
    const failed = report.results.filter((r) => !r.passed && r.severity === 'error');
    await log.fail(
      'validate',
      `${dataRef(fresh)} fails ${of}: ${failed
        .slice(0, 5)
        .map((r) => r.message)
        .join('; ')}${failed.length > 5 ? ` (and ${failed.length - 5} more)` : ''}`,
    );
  }
  await log.step(
    'validate',
    'ok',
    `${dataRef(fresh)} passes ${of} (${report.results.length} expectations, ${report.warnings} warnings)`,
  );
}

/** The split rule the champion's run recorded (split.json). */
async function splitRuleOf(deps: RetrainDeps, run: Run): Promise<SplitRule> {
  const a = run.artifacts.find((x) => x.path === 'split.json');
  if (!a)
    throw new LatheError('NOT_FOUND', `run ${run.id} has no split.json artifact`, { id: run.id });
  return JSON.parse((await deps.artifacts.read(a.sha256)).toString('utf8')) as SplitRule;
}

/**
 * Trains the champion's config (one model: no search or cross-validation) on the training rows. A config
 * that takes every column but the target as a feature is held to the columns the champion chose from:
 * a column the new data adds is not taken up, so the challenger reads what the champion reads (and is
 * evaluated on the champion's held-out rows, which do not have it).
 */
async function trainChallenger(
  deps: RetrainDeps,
  log: JobLog,
  champion: Champion,
  training: ResolvedVersion,
): Promise<Run> {
  const { record } = log;
  const championRun = champion.run;
  const trained = await log.attempt('train', async () => {
    const { search: _search, crossValidation: _cv, name: _name, ...config } = championRun.config;
    const features = await heldFeatures(deps, champion, training);
    const { runId, done } = await deps.train.start({
      ...config,
      ...(features ? { features } : {}),
      dataset: dataRef(training),
      experiment: championRun.experiment,
      name: `${record.model}-retrain-${record.id.slice(0, 8)}`,
    });
    record.runId = runId;
    await log.save();
    await done;
    const run = await deps.tracking.get(runId);
    if (run.status !== 'finished')
      throw new Error(`run ${runId} ${run.status}${run.error ? `: ${run.error}` : ''}`);
    return run;
  });
  const metrics = Object.entries(trained.metrics)
    .filter(([k]) => k.startsWith('val_'))
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join(' ');
  await log.step(
    'train',
    'ok',
    `run ${trained.id} finished with the champion's config (run ${championRun.id}): ${metrics}`,
  );
  return trained;
}

/**
 * The features a challenger trained on `training` is held to, in its column order, when its champion's
 * config selects every column but the target and `training` has columns the champion did not choose
 * from; undefined when the champion's config applies as it is.
 */
async function heldFeatures(
  deps: RetrainDeps,
  champion: Champion,
  training: ResolvedVersion,
): Promise<string[] | undefined> {
  const { config } = champion.run;
  if (config.featureSpec || config.features) return undefined;
  const chosen = new Set((await championInputs(deps, champion)).candidates);
  const others = training.columns.map((c) => c.name).filter((n) => n !== config.target);
  const features = others.filter((n) => chosen.has(n));
  return features.length === others.length ? undefined : features;
}

/** Registers the trained run as the model's next version and points `challenger` at it. */
async function registerChallenger(
  deps: RetrainDeps,
  log: JobLog,
  model: string,
  trained: Run,
): Promise<ModelVersion> {
  const { record } = log;
  const challenger = await log.attempt('register', async () => {
    const v = await deps.registry.register({ runId: trained.id, name: model });
    record.challengerVersion = v.version;
    await log.save();
    return deps.registry.alias({
      ref: `${model}@${v.version}`,
      alias: CHALLENGER,
      reason: `retraining ${record.id}`,
    });
  });
  await log.step('register', 'ok', `registered ${model}@${challenger.version} as ${CHALLENGER}`);
  return challenger;
}

/**
 * Evaluates the challenger on the champion's held-out rows (the evaluation the registry's promotion
 * check reads) and judges the project's gates; when the policy has no champion test, the champion
 * test runs anyway: a retraining never promotes a model significantly worse on the same rows.
 */
async function evaluateAndGate(
  deps: RetrainDeps,
  log: JobLog,
  job: { champion: Champion; trained: Run; challenger: ModelVersion; rows: RetrainRows },
): Promise<{ passed: boolean; report: EvaluationReport }> {
  const { evaluation, registry } = deps;
  const { champion, trained, challenger } = job;
  const model = challenger.model;
  const cref = `${model}@${challenger.version}`;
  const holdout = dataRef(job.rows.holdout);
  const report = await log.attempt('evaluate', () =>
    evaluation.evaluate(
      {
        run: trained,
        model: { name: model, version: challenger.version, versionId: challenger.id },
      },
      { target: cref, data: holdout, sensitive: [], importanceRepeats: 0 },
    ),
  );
  const metrics = Object.entries(report.metrics)
    .filter(([, v]) => v !== null)
    .slice(0, 6)
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join(' ');
  await log.step(
    'evaluate',
    'ok',
    `evaluation ${report.id.slice(0, 8)} of ${cref} on the champion's ${report.rows} held-out rows: ${metrics}`,
  );
  const { results, policy } = await log.attempt('gates', async () => {
    const policy = await deps.gatePolicies.get((await registry.get(model)).project);
    if (policy?.champion) return { results: report.gates, policy: true };
    const [mine, theirs] = await Promise.all([
      evaluation.score(trained, { data: holdout }),
      evaluation.score(champion.run, { data: holdout }),
    ]);
    const championTest = checkGates({
      policy: GatePolicy.parse({ champion: {} }),
      report,
      scored: mine,
      champion: { label: `${model}@${champion.version.version}`, scored: theirs },
      seed: trained.config.seed,
    });
    return { results: [...report.gates, ...championTest], policy: policy !== null };
  });
  const passed = results.every((g) => g.passed);
  await log.step(
    'gates',
    passed ? 'ok' : 'failed',
    `${policy ? 'the project gate policy' : 'no project gate policy'}${
      report.gates.length === results.length ? '' : ', plus the champion test'
    }: ${results.map(gateLine).join('; ')}`,
  );
  return { passed, report };
}

/**
 * With `canaryPercent` and passing gates, serves the challenger as a canary of the champion: a running
 * server of the champion (in this process) is restarted on its address with the canary; otherwise a new
 * one starts on a free loopback port. Returns the server's URL, or null without a canary.
 */
async function canary(
  deps: RetrainDeps,
  log: JobLog,
  input: z.output<typeof RetrainIn>,
  champion: Champion,
  challenger: ModelVersion,
  gatesPassed: boolean,
): Promise<string | null> {
  const percent = input.canaryPercent;
  if (percent === undefined) {
    await log.step('canary', 'skipped', 'no canary asked (--canary PERCENT)');
    return null;
  }
  if (!gatesPassed) {
    await log.step('canary', 'skipped', 'the gates failed: no canary');
    return null;
  }
  const { model, version } = champion.version;
  const ref = `${model}@${version}`;
  const canarySpec = { ref: `${model}@${challenger.version}`, percent };
  const served = await log.attempt('canary', async () => {
    const existing = deps.deploy
      .list()
      .find((s) => s.model === model && s.version === version && !s.canary);
    if (!existing) return { server: await deps.deploy.start({ ref, port: 0, canary: canarySpec }) };
    const u = new URL(existing.url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    await deps.deploy.stop(existing.id);
    const server = await deps.deploy.start({
      ref,
      host,
      port: Number(u.port),
      network: !isLoopback(host),
      canary: canarySpec,
      requireKey: existing.auth.required,
    });
    return { server, restarted: true };
  });
  await log.step(
    'canary',
    'ok',
    `${served.restarted ? 'restarted the server' : 'started a server'} of ${ref} at ${served.server.url} with ${canarySpec.ref} answering ${percent}% of requests${served.restarted ? '' : ` (no server of ${ref} was running)`}`,
    {
      server: served.server.id,
      url: served.server.url,
      percent,
      since: iso(deps.now?.() ?? new Date()),
      promote: input.promote === true,
    },
  );
  // retrain:judge (by hand, or the running schedule) promotes or abandons it.
  log.record.status = 'canary';
  return served.server.url;
}

/** With `promote`, moves `champion` to the challenger when the gates passed and no canary is pending. */
async function promote(
  deps: RetrainDeps,
  log: JobLog,
  input: z.output<typeof RetrainIn>,
  job: {
    champion: Champion;
    challenger: ModelVersion;
    gates: { passed: boolean };
    canaryUrl: string | null;
    serialize: Serialize;
  },
): Promise<void> {
  const { record } = log;
  const { model } = input;
  const label = `${model}@${job.champion.version.version}`;
  const cref = `${model}@${job.challenger.version}`;
  if (!input.promote) return log.step('promote', 'skipped', 'not asked (--promote)');
  if (!job.gates.passed)
    return log.step(
      'promote',
      'skipped',
      `the gates failed: ${cref} stays ${CHALLENGER}; ${label} stays ${CHAMPION}`,
    );
  if (job.canaryUrl)
    return log.step(
      'promote',
      'skipped',
      `the canary at ${job.canaryUrl} has served no traffic yet: promoted once it holds (lathe retrain judge ${record.id}, also run on the monitoring schedule)`,
    );
  try {
    await job.serialize(model, async () => {
      const current = await deps.registry.version(`${model}@${CHAMPION}`);
      if (current.version !== job.champion.version.version)
        throw new LatheError(
          'INVALID_INPUT',
          `${model}@${CHAMPION} moved to v${current.version} during the retraining: ${cref} not promoted`,
        );
      return deps.registry.alias({
        ref: cref,
        alias: CHAMPION,
        reason: `retraining ${record.id}${record.reason ? `: ${record.reason}` : ''}`,
      });
    });
  } catch (err) {
    // Not promoted (the registry's gate check, or a champion that moved): the challenger stays.
    return log.step('promote', 'failed', err instanceof Error ? err.message : String(err));
  }
  await log.step('promote', 'ok', `${CHAMPION} moved from ${label} to ${cref}`);
  record.status = 'promoted';
}
