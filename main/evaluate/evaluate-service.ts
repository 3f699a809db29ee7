// The evaluation service: scores a run's model on rows it did not train on and builds the full report
// (report.ts), both in a worker thread; then checks it against the project's gate policy (gates.ts) and
// stores it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  EvaluationReport,
  type EvalProgress,
  FamilyReport,
  LatheError,
  gatesFor,
  type EvaluateIn,
  type GatePolicy,
  type Run,
} from '../../shared/contract';
import type { FittedFeatureSpec } from '../../shared/contract/features';
import type { DataService, ResolvedVersion } from '../data/data-service';
import type { SplitRule } from '../data/splits';
import type { ArtifactStore } from '../workspace/artifacts';
import type { Database } from '../workspace/db';
import { newId } from '../workspace/projects';
import { packageRoot } from '../version';
import { runningJobs } from '../workspace/running-jobs';
import { GBDT_MODEL_PATH } from '../train/gbdt/tree-model';
import type { ScoreJob, ScoredRows, StoredModel, StoredTarget } from './predict';
import type { EvalWorkerCancel, EvalWorkerJob, EvalWorkerMessage } from './worker';
import { scoredMetrics, type ReportContext } from './report';
import { checkGates, type ChampionScore } from './gates';

/** What an evaluation is of: a run, and the registered version it was named by (if any). */
export interface EvalTarget {
  run: Run;
  model: { name: string; version: number; versionId: string } | null;
  /**
   * For a run named by its id: the model it is registered as (one model only), whose own gates then
   * apply; null or absent: the project default.
   */
  gatesOf?: string | null;
}

export interface EvaluateService {
  /**
   * Evaluates, stores and returns the report. Reports its progress through `onProgress`; `cancel` of its
   * run stops it (it then fails as CANCELLED and stores nothing).
   */
  evaluate(target: EvalTarget, input: EvaluateOptions): Promise<EvaluationReport>;
  /** Stops the running evaluations of a run; false when none is running. */
  cancel(runId: string): boolean;
  get(id: string): Promise<EvaluationReport>;
  /** Reports, newest first; of one run when `runId` is given. */
  list(runId?: string): Promise<EvaluationReport[]>;
  /**
   * Reports of a registered version, newest first: those naming it, and those of the run it came from on
   * that run's own held-out rows (the same dataset version and split), which count for it.
   */
  listOfVersion(versionId: string): Promise<EvaluationReport[]>;
  /** The latest evaluation of a registered version as `listOfVersion` counts them (gates read it). */
  latestOfVersion(versionId: string): Promise<EvaluationReport | null>;
  /**
   * Two runs' models scored on the same rows — `a`'s held-out rows, or every row of `data` — with every
   * scalar metric of each.
   */
  comparePair(
    a: Run,
    b: Run,
    data?: string,
  ): Promise<{
    dataset: string;
    split: string;
    a: Record<string, number | null>;
    b: Record<string, number | null>;
  }>;
  /** Scores rows with a run's model (the champion comparison scores both models on the same rows). */
  score(run: Run, options: { data?: string; sensitive?: string[] }): Promise<ScoredRows>;
}

export type EvaluateOptions = Omit<Required<Pick<EvaluateIn, 'target'>>, never> & {
  data?: string;
  sensitive: string[];
  slices?: string[];
  importanceRepeats: number;
  learningCurve?: number[];
};

/**
 * Evaluations that count for a version (two parameters: its id twice): those naming it, and those of the
 * run it came from that were not named by another version, on the run's held-out rows. Split 'all' means
 * `--data` chose other rows; test or validation are always the run's own dataset version and split rule,
 * the rows the version would be scored on. The run is read from model_versions, written by the registry.
 */
const OF_VERSION = `SELECT report FROM evaluations WHERE model_version_id = ?
  OR (model_version_id IS NULL AND split <> 'all'
      AND run_id = (SELECT run_id FROM model_versions WHERE id = ?))`;

/** The files evaluation reads: the model's own, by its kind, and those training keeps beside it. */
const MODEL_FILES = ['features/fitted.json', 'target.json', 'split.json'];
const STORED_MODEL_FILES: Record<StoredModel['kind'], string[]> = {
  tfjs: ['model/model.json', 'model/weights.bin'],
  gbdt: [GBDT_MODEL_PATH],
};

/** Which kind of model a run saved, by the model its config trains. */
const modelKind = (run: Run): StoredModel['kind'] =>
  run.config.model.type === 'gbdt' ? 'gbdt' : 'tfjs';

export function defaultEvalWorkerPath(): string {
  return join(packageRoot(), 'out', 'main', 'eval-worker.cjs');
}

export function createEvaluateService(deps: {
  db: Database;
  data: DataService;
  artifacts: ArtifactStore;
  /** The report of a cross-validation parent (for a fold's cv summary). */
  familyReport(run: Run): Promise<FamilyReport | null>;
  getRun(id: string): Promise<Run>;
  latheVersion: string;
  /** The gate policy of a project, or null. */
  policyOf(project: string): Promise<GatePolicy | null>;
  /** The version a model's `champion` alias points to, or null. */
  championOf(model: string): Promise<{ label: string; versionId: string; run: Run } | null>;
  workerPath?: string;
  /** Hears how far each running evaluation has come (the `eval:progress` event). */
  onProgress?: (progress: EvalProgress) => void;
}): EvaluateService {
  const { db, data, artifacts } = deps;
  const workerPath = deps.workerPath ?? defaultEvalWorkerPath();
  /** The running evaluations, by run: `cancel` aborts them. */
  const running = runningJobs();

  const read = async (run: Run, path: string): Promise<Buffer> => {
    const a = run.artifacts.find((x) => x.path === path);
    if (!a)
      throw new LatheError('NOT_FOUND', `run ${run.id} has no ${path} artifact`, { id: run.id });
    return artifacts.read(a.sha256);
  };

  /** Checks that a run has a model to evaluate, naming what is missing. */
  const checkRun = (run: Run) => {
    if (run.kind === 'cv' || run.kind === 'tune') {
      throw new LatheError(
        'INVALID_INPUT',
        run.kind === 'cv'
          ? `run ${run.id} is a cross-validation: it has no single model; evaluate one of its folds`
          : `run ${run.id} is a search: evaluate its best trial (run ${run.params['best.runId'] ?? '?'})`,
        { id: run.id },
      );
    }
    if (run.status !== 'finished') {
      throw new LatheError(
        'INVALID_INPUT',
        `run ${run.id} is ${run.status}; only a finished run has a model`,
        {
          id: run.id,
        },
      );
    }
    const missing = [...STORED_MODEL_FILES[modelKind(run)], ...MODEL_FILES].filter(
      (p) => !run.artifacts.some((a) => a.path === p),
    );
    if (missing.length) {
      throw new LatheError('NOT_FOUND', `run ${run.id} has no ${missing.join(', ')}`, {
        id: run.id,
      });
    }
  };

  async function score(
    run: Run,
    options: {
      data?: string;
      sensitive?: string[];
      slices?: string[];
      /** More raw columns to return (critical segments of the gate policy). */
      extraSegments?: string[];
      importanceRepeats?: number;
      /** Score the rows another run is evaluated on (its data and split rule): the champion comparison. */
      rowsOf?: Run;
      /** Train again on these shares of the training rows and score each on the same rows. */
      learningCurve?: number[];
      /** TreeSHAP explanations of a tree model (the report's; not for comparisons). */
      explain?: boolean;
      /** Also build the report of these rows, in the worker: its context but the rows' own part. */
      report?: Omit<ReportContext, 'run' | 'numericColumns' | 'dataset' | 'split'>;
      /** Aborting it asks the worker to stop: the scoring fails as cancelled once it has. */
      signal?: AbortSignal;
      /** Hears the worker's progress: the share of this scoring done, and what it does now. */
      onProgress?: (fraction: number, message: string) => void;
    },
  ): Promise<
    ScoredRows & {
      dataset: string;
      /** The dataset version whose rows were scored. */
      version: ResolvedVersion;
      split: 'test' | 'validation' | 'all';
      backend: string;
      learningCurve: EvaluationReport['learningCurve'];
      /** The report, when `options.report` asked for one. */
      report: EvaluationReport | null;
    }
  > {
    checkRun(run);
    const cancelled = () =>
      new LatheError('CANCELLED', `the evaluation of run ${run.id.slice(0, 8)} was cancelled`, {
        id: run.id,
      });
    if (options.signal?.aborted) throw cancelled();
    if (!existsSync(workerPath)) {
      throw new LatheError(
        'INTERNAL',
        `evaluation worker not built: ${workerPath} is missing (run npm run build)`,
      );
    }
    const rowsRun = options.rowsOf ?? run;
    const version = await data.resolve(
      options.data ?? `${rowsRun.lineage.dataset}@${rowsRun.lineage.datasetVersion}`,
    );
    const fitted = JSON.parse(
      (await read(run, 'features/fitted.json')).toString('utf8'),
    ) as FittedFeatureSpec;
    const rule = JSON.parse((await read(rowsRun, 'split.json')).toString('utf8')) as SplitRule;
    const which: ScoreJob['which'] = options.data
      ? 'all'
      : rule.testFraction > 0
        ? 'test'
        : 'valid';
    const inputs = [...new Set(fitted.columns.map((c) => c.source))];
    // Slices: the named columns, or the run's input columns that exist in the evaluated data (up to 12).
    const slices = (
      options.slices ?? inputs.filter((c) => version.columns.some((x) => x.name === c))
    ).slice(0, 12);
    const segmentColumns = [
      ...new Set([...(options.sensitive ?? []), ...slices, ...(options.extraSegments ?? [])]),
    ];
    const trainingData = options.learningCurve?.length
      ? await data.resolve(`${run.lineage.dataset}@${run.lineage.datasetVersion}`)
      : null;
    const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
    const job: EvalWorkerJob = {
      cancelled: cancelFlag.buffer,
      config: run.config,
      parquetPath: version.storagePath,
      columns: version.columns,
      fitted,
      target: JSON.parse((await read(run, 'target.json')).toString('utf8')) as StoredTarget,
      rule,
      which,
      model:
        modelKind(run) === 'gbdt'
          ? { kind: 'gbdt', json: (await read(run, GBDT_MODEL_PATH)).toString('utf8') }
          : {
              kind: 'tfjs',
              modelJson: (await read(run, 'model/model.json')).toString('utf8'),
              weights: new Uint8Array(await read(run, 'model/weights.bin')),
            },
      segmentColumns,
      importanceRepeats: options.importanceRepeats ?? 0,
      seed: run.config.seed,
      ...(options.explain ? { explain: true } : {}),
      ...(trainingData
        ? {
            learningCurve: {
              fractions: options.learningCurve!,
              parquetPath: trainingData.storagePath,
              columns: trainingData.columns,
              latheVersion: deps.latheVersion,
            },
          }
        : {}),
    };
    const split = which === 'valid' ? 'validation' : which;
    const dataset = `${version.dataset}@${version.version}`;
    if (options.report)
      job.report = {
        ...options.report,
        run,
        numericColumns: version.columns.filter((c) => c.kind === 'numeric').map((c) => c.name),
        dataset,
        split,
      };
    const result = await new Promise<{
      backend: string;
      result: ScoredRows;
      learningCurve: EvaluationReport['learningCurve'];
      report: EvaluationReport | null;
    }>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(cancelled());
        return;
      }
      const worker = new Worker(workerPath, { stdout: true, stderr: true });
      worker.stdout.on('data', (chunk: Buffer) => process.stderr.write(chunk));
      worker.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
      let settled = false;
      // A cancel asks the worker to stop and waits for it to say it has: ending it from here while its
      // DuckDB runs a statement would take this process down. It stops between its stages and passes, and
      // its statements are interrupted.
      const abort = () => {
        Atomics.store(cancelFlag, 0, 1);
        worker.postMessage('cancel' satisfies EvalWorkerCancel);
      };
      options.signal?.addEventListener('abort', abort, { once: true });
      worker.once('exit', () => options.signal?.removeEventListener('abort', abort));
      worker.on('message', (m: EvalWorkerMessage) => {
        if (m.type === 'progress') {
          if (!options.signal?.aborted) options.onProgress?.(m.fraction, m.message);
          return;
        }
        if (settled) return;
        settled = true;
        void worker.terminate();
        if (options.signal?.aborted) reject(cancelled());
        else if (m.type === 'done')
          resolve({
            backend: m.backend,
            result: m.result,
            learningCurve: m.learningCurve,
            report: m.report,
          });
        else reject(new LatheError(m.code as LatheError['code'], m.message));
      });
      worker.on('error', (err) => {
        if (settled) return;
        settled = true;
        reject(new LatheError('INTERNAL', `evaluation crashed: ${err.message}`));
      });
      worker.on('exit', (code) => {
        if (!settled) reject(new LatheError('INTERNAL', `evaluation worker exited (code ${code})`));
      });
      worker.postMessage(job);
    });
    return {
      ...result.result,
      learningCurve: result.learningCurve,
      dataset,
      version,
      split,
      backend: result.backend,
      report: result.report,
    };
  }

  /** Evaluates a run's model (see `evaluate`); `signal` cancels it. */
  async function evaluateRun(
    target: EvalTarget,
    input: EvaluateOptions,
    signal: AbortSignal,
  ): Promise<EvaluationReport> {
    const { run, model } = target;
    const projectPolicy = await deps.policyOf(run.project);
    const applied = projectPolicy
      ? gatesFor(projectPolicy, model?.name ?? target.gatesOf ?? null)
      : null;
    const policy = applied?.gates ?? null;
    /** The champion's scores on the candidate's rows, or why there are none to compare. */
    const scoreChampion = async (): Promise<ChampionScore> => {
      if (!model)
        return {
          skip: 'not a registered version: evaluate it as NAME@version to compare with the champion',
        };
      const champ = await deps.championOf(model.name);
      if (!champ)
        return { skip: `no champion yet: passes, nothing to compare (model '${model.name}')` };
      if (champ.versionId === model.versionId)
        return { skip: `${model.name}@${model.version} is the champion` };
      return score(champ.run, { data: input.data, rowsOf: run, signal }).then(
        (scored): ChampionScore => ({ label: champ.label, scored }),
        // A champion that cannot score these rows (other columns, other classes) fails the gate.
        (err: Error): ChampionScore => ({
          label: champ.label,
          error: `the champion (${champ.label}) cannot score these rows: ${err.message}`,
        }),
      );
    };
    const sensitive = [
      ...new Set([...input.sensitive, ...(policy?.fairness.map((f) => f.column) ?? [])]),
    ];
    // The champion reads the candidate's rows, not its scores: it is scored at once, in its own worker.
    const championScoring = policy?.champion ? scoreChampion() : null;
    // Awaited below; a candidate that fails first leaves it unread.
    championScoring?.catch(() => undefined);
    const parent = run.kind === 'fold' && run.parentId ? await deps.getRun(run.parentId) : null;
    const cvReport = parent ? await deps.familyReport(parent) : null;
    // The worker builds the report beside the scores (the metrics, curves and slices of many rows are
    // seconds of work, which would stall this thread: the app's main process).
    const scored = await score(run, {
      ...input,
      sensitive,
      extraSegments: policy?.segments.map((s) => s.column) ?? [],
      explain: true,
      signal,
      onProgress: (fraction, message) => deps.onProgress?.({ runId: run.id, fraction, message }),
      report: {
        id: newId(),
        model: model && { name: model.name, version: model.version },
        sensitive,
        cv:
          parent && cvReport
            ? { runId: parent.id, folds: cvReport.children.length, summary: cvReport.summary }
            : null,
      },
    });
    const report = scored.report;
    if (!report) throw new LatheError('INTERNAL', 'the evaluation worker built no report');
    if (policy) {
      report.gates = checkGates({
        policy,
        report,
        scored,
        champion: await championScoring,
        seed: run.config.seed,
        projectDefault: applied?.section === null,
      });
      report.gateSection = applied?.section ?? null;
      report.passed = report.gates.every((g) => g.passed);
    }
    // Cancelled while the champion still scored (its failure fails no gate then): nothing is stored.
    if (signal.aborted)
      throw new LatheError(
        'CANCELLED',
        `the evaluation of run ${run.id.slice(0, 8)} was cancelled`,
        {
          id: run.id,
        },
      );
    const versionId = scored.version.id;
    await db.run(
      `INSERT INTO evaluations (id, run_id, model_version_id, dataset_version_id, split, report, gates, passed, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())`,
      [
        report.id,
        run.id,
        model?.versionId ?? null,
        versionId,
        report.split,
        JSON.stringify(report),
        JSON.stringify(report.gates),
        report.passed,
      ],
    );
    return report;
  }

  const fromRow = (r: { report: unknown }) =>
    EvaluationReport.parse(typeof r.report === 'string' ? JSON.parse(r.report) : r.report);

  return {
    evaluate: (target, input) =>
      running.run(target.run.id, (signal) => evaluateRun(target, input, signal)),

    cancel: (runId) => running.cancel(runId),

    async get(id) {
      const rows = await db.all<{ report: unknown }>(
        'SELECT report FROM evaluations WHERE starts_with(id, ?) ORDER BY created_at DESC LIMIT 2',
        [id.toLowerCase()],
      );
      if (!rows.length) throw new LatheError('NOT_FOUND', `no evaluation '${id}'`, { id });
      if (rows.length > 1)
        throw new LatheError('INVALID_INPUT', `evaluation id '${id}' is ambiguous`, { id });
      return fromRow(rows[0]!);
    },

    async list(runId) {
      const rows = await db.all<{ report: unknown }>(
        `SELECT report FROM evaluations ${runId ? 'WHERE run_id = ?' : ''} ORDER BY created_at DESC`,
        runId ? [runId] : [],
      );
      return rows.map(fromRow);
    },

    async listOfVersion(versionId) {
      const rows = await db.all<{ report: unknown }>(`${OF_VERSION} ORDER BY created_at DESC`, [
        versionId,
        versionId,
      ]);
      return rows.map(fromRow);
    },

    async latestOfVersion(versionId) {
      const [row] = await db.all<{ report: unknown }>(
        `${OF_VERSION} ORDER BY created_at DESC LIMIT 1`,
        [versionId, versionId],
      );
      return row ? fromRow(row) : null;
    },

    async comparePair(a, b, dataOverride) {
      // Both at once, each in its own worker (one core each); a's failure is named first when both fail.
      const [pa, pb] = await Promise.allSettled([
        score(a, { data: dataOverride }),
        score(b, { data: dataOverride, rowsOf: a }),
      ]);
      if (pa.status === 'rejected') throw pa.reason;
      if (pb.status === 'rejected') throw pb.reason;
      const [sa, sb] = [pa.value, pb.value];
      if (sa.classes.join('\u0000') !== sb.classes.join('\u0000')) {
        throw new LatheError(
          'INVALID_INPUT',
          `the two models predict different classes (${sa.classes.join(', ')} vs ${sb.classes.join(', ')})`,
        );
      }
      return {
        dataset: sa.dataset,
        split: sa.split,
        a: scoredMetrics(sa, a.config.seed),
        b: scoredMetrics(sb, a.config.seed),
      };
    },

    score: (run, options) => score(run, options),
  };
}
