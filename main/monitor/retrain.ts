// The retraining loop: new data → expectations → train with the champion's config → evaluate on the
// champion's held-out rows → gates → `challenger` → optional canary → promotion; and rollback. Every step
// is recorded in `retrainings` and in the model's audit log.
import { existsSync } from 'node:fs';
import { Cron } from 'croner';
import type { z } from 'zod';
import {
  CHAMPION,
  ExpectationSuite,
  GatePolicy,
  LatheError,
  type GateResult,
  type ModelVersion,
  type RetrainIn,
  type Retraining,
  type RollbackIn,
  type Run,
} from '../../shared/contract';
import type { RetrainSchedule } from '../../shared/config/alert-rules';
import type { DataService, ResolvedVersion } from '../data/data-service';
import type { Engine } from '../data/engine';
import type { SplitRule } from '../data/splits';
import type { ValidationService } from '../data/validation-service';
import type { EvaluateService } from '../evaluate/evaluate-service';
import type { GatePolicyStore } from '../evaluate/gate-policies';
import { checkGates } from '../evaluate/gates';
import { createAuditLog, osActor } from '../registry/audit';
import type { EvalTargets } from '../registry/eval-target';
import type { RegistryStore } from '../registry/registry-store';
import { modelRow } from '../registry/refs';
import type { DeployService } from '../serve/deploy-service';
import type { TrackingStore } from '../tracking/tracking-store';
import type { TrainService } from '../train/train-service';
import type { ArtifactStore } from '../workspace/artifacts';
import { text, textOrNull, type Database } from '../workspace/db';
import { iso, newId } from '../workspace/projects';
import { capturedVersion, retrainRows, type RetrainRows } from './retrain-data';
import { rollbackChampion } from './rollback';

export const CHALLENGER = 'challenger';

export interface RetrainService {
  /**
   * Runs one retraining of a model's champion to its end and returns its record: `registered` (a new
   * `challenger`), `promoted` (also the new `champion`) or `failed` (with the step that failed). Input
   * that cannot start a job (no champion, an imported one, a missing file, one already running) throws
   * INVALID_INPUT or NOT_FOUND and records nothing.
   */
  run(input: z.output<typeof RetrainIn>): Promise<Retraining>;
  /** A model's retrainings, newest first. */
  list(model: string): Promise<Retraining[]>;
  /** Points `champion` back at its previous version (see rollbackChampion). */
  rollback(
    input: z.output<typeof RollbackIn>,
  ): Promise<{ model: string; from: number; to: number }>;
  /** Runs the scheduled retrainings `read` lists (read again every minute) until stop(). */
  startSchedule(read: () => Promise<RetrainSchedule[]>): void;
  /** Stops the schedule and waits for a scheduled retraining in flight. */
  stop(): Promise<void>;
}

export interface RetrainDeps {
  db: Database;
  engine: Engine;
  data: DataService;
  validation: ValidationService;
  train: TrainService;
  tracking: TrackingStore;
  evaluation: EvaluateService;
  targets: EvalTargets;
  registry: RegistryStore;
  deploy: DeployService;
  gatePolicies: GatePolicyStore;
  artifacts: ArtifactStore;
  /** Where captured rows are written before their import. */
  tmpDir: string;
  now?: () => Date;
}

type Step = Retraining['steps'][number];
type StepName = Step['step'];

/** A step that ends the job: its message is the record's error. */
class StepFailed extends Error {}

/** The retraining schedules due in (from, to]: their cron fired at least once in that span. */
export function dueSchedules(
  entries: readonly RetrainSchedule[],
  from: Date,
  to: Date,
): RetrainSchedule[] {
  return entries.filter((e) => {
    try {
      const next = new Cron(e.schedule, { paused: true }).nextRun(from);
      return next !== null && next.getTime() <= to.getTime();
    } catch (err) {
      console.error(
        `[Retrain] retraining schedule of ${e.model}: '${e.schedule}' is not a cron expression (${err instanceof Error ? err.message : String(err)})`,
      );
      return false;
    }
  });
}

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : Number.isInteger(v) ? String(v) : v.toPrecision(4);

const gateLine = (g: GateResult) =>
  `${g.passed ? 'pass' : 'FAIL'} ${g.description} (observed ${fmt(g.observed)}${g.detail ? `; ${g.detail}` : ''})`;

const dataRef = (v: { dataset: string; version: number }) => `${v.dataset}@${v.version}`;

const isLoopback = (host: string) => ['127.0.0.1', '::1', 'localhost'].includes(host);

export function createRetrainService(deps: RetrainDeps): RetrainService {
  const { db, data, registry, evaluation } = deps;
  const now = deps.now ?? (() => new Date());
  const audit = createAuditLog(osActor);
  const running = new Map<string, string>();
  /** Alias moves of one model (promotion, rollback) run one at a time. */
  const moves = new Map<string, Promise<unknown>>();
  const serialized = <T>(model: string, work: () => Promise<T>): Promise<T> => {
    const next = (moves.get(model) ?? Promise.resolve()).then(work, work);
    moves.set(
      model,
      next.catch(() => undefined),
    );
    return next;
  };

  // Rows a process that died left running: nothing will finish them.
  let cleaned: Promise<void> | undefined;
  const ready = () =>
    (cleaned ??= db.run(
      `UPDATE retrainings SET status = 'failed', finished_at = now(),
         error = coalesce(error, 'interrupted: the process running it stopped') WHERE status = 'running'`,
    ));

  const fromRow = (r: Record<string, unknown>): Retraining => ({
    id: text(r.id),
    model: text(r.model),
    trigger: text(r.trigger) as Retraining['trigger'],
    reason: textOrNull(r.reason),
    startedAt: iso(r.started_at),
    finishedAt: r.finished_at === null ? null : iso(r.finished_at),
    status: text(r.status) as Retraining['status'],
    championVersion: r.champion_version === null ? null : Number(r.champion_version),
    challengerVersion: r.challenger_version === null ? null : Number(r.challenger_version),
    runId: textOrNull(r.run_id),
    dataset: textOrNull(r.dataset),
    steps: JSON.parse(text(r.steps)) as Step[],
    error: textOrNull(r.error),
  });

  /** The champion a retraining starts from, with its run; throws naming what is missing. */
  async function championOf(model: string): Promise<{ version: ModelVersion; run: Run }> {
    await modelRow(db, model);
    const version = await registry.version(`${model}@${CHAMPION}`).catch((err: unknown) => {
      if (err instanceof LatheError && err.code === 'NOT_FOUND')
        throw new LatheError(
          'NOT_FOUND',
          `model '${model}' has no champion: a retraining starts from it (lathe models alias ${model}@N champion)`,
          { model },
        );
      throw err;
    });
    if (version.runId === null)
      throw new LatheError(
        'INVALID_INPUT',
        `${model}@${version.version} (the champion) is an imported ONNX model: it has no run config to retrain with`,
        { model },
      );
    const run = await deps.tracking.get(version.runId);
    return { version, run };
  }

  /** The newest expectation suite stored for a dataset (by its validation reports), if any. */
  async function suiteOf(dataset: string): Promise<ExpectationSuite | null> {
    const row = await db.one<{ suite: string }>(
      `SELECT r.suite::VARCHAR AS suite FROM validation_reports r
       JOIN dataset_versions v ON r.version_id = v.id JOIN datasets d ON v.dataset_id = d.id
       WHERE d.name = ? ORDER BY r.created_at DESC LIMIT 1`,
      [dataset],
    );
    return row ? ExpectationSuite.parse(JSON.parse(text(row.suite))) : null;
  }

  /** The split rule the champion's run recorded (split.json). */
  async function splitRuleOf(run: Run): Promise<SplitRule> {
    const a = run.artifacts.find((x) => x.path === 'split.json');
    if (!a)
      throw new LatheError('NOT_FOUND', `run ${run.id} has no split.json artifact`, { id: run.id });
    return JSON.parse((await deps.artifacts.read(a.sha256)).toString('utf8')) as SplitRule;
  }

  async function job(
    input: z.output<typeof RetrainIn>,
    champion: { version: ModelVersion; run: Run },
    modelId: string,
  ): Promise<Retraining> {
    const { model } = input;
    const record: Retraining = {
      id: newId(),
      model,
      trigger: input.trigger ?? 'manual',
      reason: input.reason ?? null,
      startedAt: iso(now()),
      finishedAt: null,
      status: 'running',
      championVersion: champion.version.version,
      challengerVersion: null,
      runId: null,
      dataset: null,
      steps: [],
      error: null,
    };
    await db.run(
      `INSERT INTO retrainings VALUES (?, ?, ?, ?, ?::TIMESTAMP, NULL, 'running', ?, NULL, NULL, NULL, '[]', NULL)`,
      [record.id, model, record.trigger, record.reason, record.startedAt, record.championVersion],
    );
    const save = () =>
      db.run(
        `UPDATE retrainings SET finished_at = ?::TIMESTAMP, status = ?, challenger_version = ?, run_id = ?,
           dataset = ?, steps = ?::JSON, error = ? WHERE id = ?`,
        [
          record.finishedAt,
          record.status,
          record.challengerVersion,
          record.runId,
          record.dataset,
          JSON.stringify(record.steps),
          record.error,
          record.id,
        ],
      );
    /** Records a step in the job and, in the same transaction, in the model's audit log. */
    const step = async (name: StepName, status: Step['status'], message: string) => {
      record.steps.push({ step: name, status, message });
      const at = now();
      await db.tx(async (sql) => {
        await audit(sql, at, {
          action: 'retrain',
          modelId,
          version: record.challengerVersion ?? record.championVersion,
          details: { retraining: record.id, step: name, status, message },
          reason: record.reason,
        });
        await sql.run('UPDATE retrainings SET steps = ?::JSON WHERE id = ?', [
          JSON.stringify(record.steps),
          record.id,
        ]);
      });
    };
    /** Runs a step's work; a throw is recorded as the step's failure and ends the job. */
    const attempt = async <T>(name: StepName, work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (err) {
        if (err instanceof StepFailed) throw err;
        const message = err instanceof Error ? err.message : String(err);
        await step(name, 'failed', message);
        throw new StepFailed(message);
      }
    };

    let rows: RetrainRows | undefined;
    try {
      const champRun = champion.run;
      const label = `${model}@${champion.version.version}`;
      // Data: the new version, then the champion's held-out rows and the challenger's training rows.
      const fresh = await attempt('data', () => newData(input, champion, label));
      record.dataset = dataRef(fresh);
      await step(
        'data',
        'ok',
        `new data ${dataRef(fresh)} (${fresh.rows} rows)${
          fresh.id === champRun.lineage.datasetVersionId
            ? ': the version the champion trained on'
            : ''
        }`,
      );
      const suite = await attempt(
        'validate',
        async () => (await suiteOf(fresh.dataset)) ?? (await suiteOf(champRun.lineage.dataset)),
      );
      if (!suite)
        await step('validate', 'skipped', `no expectation suite stored for ${fresh.dataset}`);
      else {
        const report = await attempt('validate', () =>
          deps.validation.validate(dataRef(fresh), suite, false),
        );
        const failed = report.results.filter((r) => !r.passed && r.severity === 'error');
        if (!report.success) {
          const message = `${dataRef(fresh)} fails expectation suite '${suite.name}': ${failed
            .slice(0, 5)
            .map((r) => r.message)
            .join('; ')}${failed.length > 5 ? ` (and ${failed.length - 5} more)` : ''}`;
          await step('validate', 'failed', message);
          throw new StepFailed(message);
        }
        await step(
          'validate',
          'ok',
          `${dataRef(fresh)} passes expectation suite '${suite.name}' (${report.results.length} expectations, ${report.warnings} warnings)`,
        );
      }
      rows = await attempt('data', async () =>
        retrainRows(deps, {
          champion: champRun,
          rule: await splitRuleOf(champRun),
          newData: fresh,
          combine: input.combine === true,
          jobId: record.id,
        }),
      );
      const { holdout, training } = rows;
      record.dataset = dataRef(training);
      await step(
        'data',
        'ok',
        `training on ${dataRef(training)} (${training.rows} rows: ${
          rows.oldRows ? `${rows.oldRows} of the champion's training rows + ` : ''
        }${training.rows - rows.oldRows} new${rows.setAside ? `, ${rows.setAside} equal to a held-out row set aside` : ''}); evaluating on the champion's ${holdout.rows} held-out rows (${dataRef(holdout)})`,
      );

      // Train with the champion's config on the training rows.
      const trained = await attempt('train', async () => {
        const { search: _search, crossValidation: _cv, name: _name, ...config } = champRun.config;
        const { runId, done } = await deps.train.start({
          ...config,
          dataset: dataRef(training),
          experiment: champRun.experiment,
          name: `${model}-retrain-${record.id.slice(0, 8)}`,
        });
        record.runId = runId;
        await save();
        await done;
        const run = await deps.tracking.get(runId);
        if (run.status !== 'finished')
          throw new Error(`run ${runId} ${run.status}${run.error ? `: ${run.error}` : ''}`);
        return run;
      });
      await step(
        'train',
        'ok',
        `run ${trained.id} finished with the champion's config (run ${champRun.id}): ${Object.entries(
          trained.metrics,
        )
          .filter(([k]) => k.startsWith('val_'))
          .map(([k, v]) => `${k}=${fmt(v)}`)
          .join(' ')}`,
      );

      // Register it as the challenger.
      const challenger = await attempt('register', async () => {
        const v = await registry.register({ runId: trained.id, name: model });
        record.challengerVersion = v.version;
        await save();
        return registry.alias({
          ref: `${model}@${v.version}`,
          alias: CHALLENGER,
          reason: `retraining ${record.id}`,
        });
      });
      const cref = `${model}@${challenger.version}`;
      await step('register', 'ok', `registered ${cref} as ${CHALLENGER}`);

      // Evaluate both on the champion's held-out rows, and run the gates.
      const report = await attempt('evaluate', async () =>
        evaluation.evaluate(
          {
            run: trained,
            model: { name: model, version: challenger.version, versionId: challenger.id },
          },
          {
            target: cref,
            data: dataRef(holdout),
            sensitive: [],
            importanceRepeats: 0,
          },
        ),
      );
      const keyMetrics = Object.entries(report.metrics)
        .filter(([, v]) => v !== null)
        .slice(0, 6)
        .map(([k, v]) => `${k}=${fmt(v)}`)
        .join(' ');
      await step(
        'evaluate',
        'ok',
        `evaluation ${report.id.slice(0, 8)} of ${cref} on the champion's ${holdout.rows} held-out rows: ${keyMetrics}`,
      );
      const gates = await attempt('gates', async () => {
        const project = (await registry.get(model)).project;
        const policy = await deps.gatePolicies.get(project);
        const results = [...report.gates];
        if (!policy?.champion) {
          // Retraining always asks whether the challenger is worse than the champion on the same rows.
          const [mine, theirs] = await Promise.all([
            evaluation.score(trained, { data: dataRef(holdout) }),
            evaluation.score(champRun, { data: dataRef(holdout) }),
          ]);
          results.push(
            ...checkGates({
              policy: GatePolicy.parse({ champion: {} }),
              report,
              scored: mine,
              champion: { label, scored: theirs },
              seed: trained.config.seed,
            }),
          );
        }
        return { results, policy: policy !== null };
      });
      const gatesPassed = gates.results.every((g) => g.passed);
      await step(
        'gates',
        gatesPassed ? 'ok' : 'failed',
        `${gates.policy ? 'the project gate policy' : 'no project gate policy'}${
          report.gates.length === gates.results.length ? '' : ', plus the champion test'
        }: ${gates.results.map(gateLine).join('; ')}`,
      );

      // Canary, then promotion.
      let canaryUrl: string | null = null;
      if (input.canaryPercent === undefined)
        await step('canary', 'skipped', 'no canary asked (--canary PERCENT)');
      else if (!gatesPassed) await step('canary', 'skipped', 'the gates failed: no canary');
      else {
        const c = await attempt('canary', () =>
          startCanary(model, champion.version.version, challenger.version, input.canaryPercent!),
        );
        canaryUrl = c.url;
        await step('canary', 'ok', c.message);
      }
      if (!input.promote) await step('promote', 'skipped', 'not asked (--promote)');
      else if (!gatesPassed)
        await step(
          'promote',
          'skipped',
          `the gates failed: ${cref} stays ${CHALLENGER}; ${label} stays ${CHAMPION}`,
        );
      else if (canaryUrl)
        await step(
          'promote',
          'skipped',
          `the canary at ${canaryUrl} has served no traffic yet: promote once it holds (lathe models alias ${cref} ${CHAMPION})`,
        );
      else {
        const promoted = await serialized(model, async () => {
          const current = await registry.version(`${model}@${CHAMPION}`);
          if (current.version !== champion.version.version)
            throw new LatheError(
              'INVALID_INPUT',
              `${model}@${CHAMPION} moved to v${current.version} during the retraining: ${cref} not promoted`,
            );
          return registry.alias({
            ref: cref,
            alias: CHAMPION,
            reason: `retraining ${record.id}${record.reason ? `: ${record.reason}` : ''}`,
          });
        }).catch(async (err: unknown) => {
          await step('promote', 'failed', err instanceof Error ? err.message : String(err));
          return null;
        });
        if (promoted) {
          await step('promote', 'ok', `${CHAMPION} moved from ${label} to ${cref}`);
          record.status = 'promoted';
        }
      }
      if (record.status === 'running') record.status = 'registered';
    } catch (err) {
      record.status = 'failed';
      record.error = err instanceof Error ? err.message : String(err);
    } finally {
      await rows?.dispose();
      record.finishedAt = iso(now());
      await save();
    }
    return record;
  }

  async function newData(
    input: z.output<typeof RetrainIn>,
    champion: { version: ModelVersion; run: Run },
    label: string,
  ): Promise<ResolvedVersion> {
    const run = champion.run;
    if (input.data) return data.resolve(input.data);
    if (input.file) {
      const out = await data.importFile({
        path: input.file,
        name: run.lineage.dataset,
        project: run.project,
      });
      return data.resolve(`${out.dataset}@${out.version.version}`);
    }
    if (input.captured)
      return capturedVersion(deps, {
        model: input.model,
        versionId: champion.version.id,
        label,
        champion: run,
        old: await data.resolve(`${run.lineage.dataset}@${run.lineage.datasetVersion}`),
      });
    return data.resolve(run.lineage.dataset);
  }

  /**
   * Serves the challenger as a canary of the champion: a running server of the champion (in this
   * process) is restarted on its address with the canary; otherwise a new one starts on a free port.
   */
  async function startCanary(
    model: string,
    championVersion: number,
    challengerVersion: number,
    percent: number,
  ): Promise<{ url: string; message: string }> {
    const canary = { ref: `${model}@${challengerVersion}`, percent };
    const champ = `${model}@${championVersion}`;
    const existing = deps.deploy
      .list()
      .find((s) => s.model === model && s.version === championVersion && !s.canary);
    if (existing) {
      const u = new URL(existing.url);
      const host = u.hostname.replace(/^\[|\]$/g, '');
      await deps.deploy.stop(existing.id);
      const s = await deps.deploy.start({
        ref: champ,
        host,
        port: Number(u.port),
        network: !isLoopback(host),
        canary,
        requireKey: existing.auth.required,
      });
      return {
        url: s.url,
        message: `restarted the server of ${champ} at ${s.url} with ${canary.ref} answering ${percent}% of requests`,
      };
    }
    const s = await deps.deploy.start({ ref: champ, port: 0, canary });
    return {
      url: s.url,
      message: `started a server of ${champ} at ${s.url} with ${canary.ref} answering ${percent}% of requests (no server of ${champ} was running)`,
    };
  }

  let timer: Cron | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();

  return {
    async run(input) {
      await ready();
      const given = [input.data, input.file, input.captured ? true : undefined].filter(
        (x) => x !== undefined,
      );
      if (given.length > 1)
        throw new LatheError(
          'INVALID_INPUT',
          'give one source of new data: --data, --file or --captured',
          { field: 'data' },
        );
      if (input.file && !existsSync(input.file))
        throw new LatheError('NOT_FOUND', `file: ${input.file} does not exist`, {
          field: 'file',
          file: input.file,
        });
      const model = await modelRow(db, input.model);
      const champion = await championOf(input.model);
      if (champion.run.kind === 'cv' || champion.run.kind === 'tune')
        throw new LatheError(
          'INVALID_INPUT',
          `the champion's run ${champion.run.id} is a ${champion.run.kind === 'cv' ? 'cross-validation' : 'search'}: it has no single config to retrain with`,
        );
      const other = running.get(input.model);
      if (other)
        throw new LatheError(
          'INVALID_INPUT',
          `a retraining of '${input.model}' is already running (${other.slice(0, 8)})`,
          { model: input.model },
        );
      running.set(input.model, 'starting');
      try {
        return await job(input, champion, model.id);
      } finally {
        running.delete(input.model);
      }
    },

    async list(model) {
      await ready();
      await modelRow(db, model);
      const rows = await db.all(
        'SELECT * FROM retrainings WHERE model = ? ORDER BY started_at DESC, id DESC',
        [model],
      );
      return rows.map(fromRow);
    },

    rollback: (input) =>
      serialized(input.name, () => rollbackChampion({ db, registry, audit, now }, input)),

    startSchedule(read) {
      if (timer) return;
      let last = now();
      timer = new Cron('* * * * *', () => {
        const to = now();
        const from = last;
        last = to;
        inFlight = read()
          .then(async (entries) => {
            for (const e of dueSchedules(entries, from, to)) {
              await this.run({
                model: e.model,
                ...(e.data ? { data: e.data } : {}),
                ...(e.combine ? { combine: true } : {}),
                ...(e.promote ? { promote: true } : {}),
                trigger: 'schedule',
                reason: `schedule ${e.schedule}`,
              }).catch((err: unknown) =>
                console.error(
                  `[Retrain] scheduled retraining of ${e.model} did not start: ${err instanceof Error ? err.message : String(err)}`,
                ),
              );
            }
          })
          .catch((err: unknown) =>
            console.error(
              `[Retrain] retraining schedules not read: ${err instanceof Error ? err.message : String(err)}`,
            ),
          );
      });
    },

    async stop() {
      timer?.stop();
      timer = undefined;
      await inFlight;
    },
  };
}
