// The runners several commands share: an import, a training run and a run family (search or
// cross-validation), each with a live progress bar on stderr and Ctrl-C wired to the channel that cancels.
import { resolve } from 'node:path';
import {
  ImportIn,
  ImportQueryIn,
  defaultSearchMetric,
  trainPhaseLabel,
  type EvaluateIn,
  type EvaluationReport,
  type FamilyReport,
  type ImportOut,
  type LatheApi,
  type Run,
  type TrainConfig,
  type TuneOut,
} from '../../shared/contract';
import { parseOrThrow, type Ctx } from './command';
import { familyColumns, familyHeader, familyRow } from './family-output';
import { createProgress, formatDuration, formatValue } from './output';

/** Imports a file or query result with a progress bar; Ctrl-C cancels the import. */
export async function importWith(
  api: LatheApi,
  ctx: Ctx,
  input: {
    path?: string;
    sql?: string;
    name: string;
    project?: string;
    format?: string;
    allowSchemaChange?: boolean;
    /** Also profile the new version (a file import only). */
    profile?: boolean;
  },
): Promise<ImportOut> {
  const bar = createProgress(ctx.io.stderr, !ctx.json);
  const off = api.on('data:progress', (p) => {
    if (p.op !== 'import' || p.name !== input.name) return;
    bar.update(
      p.fraction,
      `${p.message}${p.etaMs !== undefined ? ` ETA ${formatDuration(p.etaMs)}` : ''}`,
    );
  });
  void ctx.io.interrupted.then(() => {
    ctx.say(`\ncancelling the import into ${input.name}…`);
    void api.invoke('data:cancelImport', { name: input.name }).catch(() => undefined);
  });
  try {
    if (input.sql) {
      return await api.invoke(
        'data:importQuery',
        parseOrThrow(
          ImportQueryIn,
          {
            sql: input.sql,
            name: input.name,
            project: input.project,
            allowSchemaChange: input.allowSchemaChange,
          },
          'data import',
        ),
      );
    }
    const parsed = parseOrThrow(
      ImportIn,
      {
        // Absolute before it leaves this process: the workspace owner may run in another folder.
        path:
          input.path === undefined || /^https?:\/\//i.test(input.path)
            ? input.path
            : resolve(input.path),
        name: input.name,
        project: input.project,
        format: input.format,
        allowSchemaChange: input.allowSchemaChange,
        profile: input.profile,
      },
      'data import',
    );
    return await api.invoke('data:import', parsed);
  } finally {
    off();
    bar.done();
  }
}

/**
 * Asks `cancel` to stop a job until it reaches it: a job whose request has not started it yet answers
 * `cancelled: false`, and is asked again a quarter of a second later, until `done` (the job's call)
 * settles.
 */
export function cancelUntilStopped(
  cancel: () => Promise<{ cancelled: boolean }>,
  done: Promise<unknown>,
): void {
  let settled = false;
  done.then(
    () => (settled = true),
    () => (settled = true),
  );
  const ask = () => {
    if (settled) return;
    cancel().then(
      ({ cancelled }) => {
        if (!cancelled) setTimeout(ask, 250).unref();
      },
      () => undefined,
    );
  };
  ask();
}

/**
 * Ctrl-C during `done` (a job's call) cancels the job: the progress bar ends, the command says it is
 * cancelling `what`, and `cancel` is asked until it reaches the job (cancelUntilStopped). Nothing happens
 * once `done` has settled. `asked` tells whether it was cancelled.
 */
export function cancelOnInterrupt(
  ctx: Ctx,
  bar: { done(): void },
  what: string,
  cancel: () => Promise<{ cancelled: boolean }>,
  done: Promise<unknown>,
): { readonly asked: boolean } {
  let settled = false;
  done.then(
    () => (settled = true),
    () => (settled = true),
  );
  const state = { asked: false };
  void ctx.io.interrupted.then(() => {
    if (settled) return;
    state.asked = true;
    bar.done();
    ctx.say(`cancelling ${what}…`);
    cancelUntilStopped(cancel, done);
  });
  return state;
}

/** The run an `eval:run` target names (a run id or prefix, or `NAME@version|alias`), or null. */
async function evaluatedRun(api: LatheApi, target: string): Promise<string | null> {
  try {
    // As eval:run reads it: a run first, else a model version.
    const run = /^[0-9a-f]{4,}$/i.test(target)
      ? await api.invoke('runs:get', { id: target }).catch(() => null)
      : null;
    if (run) return run.id;
    return (await api.invoke('models:version', { ref: target })).runId;
  } catch {
    // eval:run names what is wrong with the target.
    return null;
  }
}

/** Evaluates with a progress bar; Ctrl-C cancels the evaluation, which then stores nothing. */
export async function evaluateWith(
  api: LatheApi,
  ctx: Ctx,
  input: EvaluateIn,
): Promise<EvaluationReport> {
  const bar = createProgress(ctx.io.stderr, !ctx.json);
  // Through a host, other processes' evaluations report here too: only this run's are shown.
  const runId = ctx.json ? null : await evaluatedRun(api, input.target);
  const off = api.on('eval:progress', (p) => {
    if (p.runId === runId) bar.update(p.fraction, p.message);
  });
  const running = api.invoke('eval:run', input);
  cancelOnInterrupt(
    ctx,
    bar,
    `the evaluation of ${input.target}`,
    () => api.invoke('eval:cancel', { target: input.target }),
    running,
  );
  try {
    return await running;
  } finally {
    off();
    bar.done();
  }
}

/**
 * Trains with a live progress bar; Ctrl-C cancels the run (recorded as cancelled). With `resumeId`,
 * continues that stopped run from its checkpoint (runs:resume) instead.
 */
export async function trainWith(
  api: LatheApi,
  ctx: Ctx,
  config: TrainConfig | null,
  resumeId?: string,
  gitCommit?: string,
): Promise<Run> {
  // Through a host (the app, `lathe ui`, a training that owns the workspace), other processes' runs send
  // their events here too. A new training's id comes from train:start, so nothing is guessed; a resumed
  // search or cross-validation reports through its children, so a resume takes the first run that starts
  // and was not already running (its progress, and the run a Ctrl-C cancels).
  const others =
    resumeId === undefined
      ? null
      : new Set(
          (await api.invoke('runs:list', { filter: "status = 'running'", limit: 100000 })).map(
            (r) => r.id,
          ),
        );
  const ours = (id: string) => others !== null && !others.has(id);
  const bar = createProgress(ctx.io.stderr, !ctx.json);
  // A gbdt reports its boosting rounds as epochs: progress names them rounds.
  const type =
    config?.model.type ??
    (resumeId === undefined
      ? undefined
      : await api.invoke('runs:get', { id: resumeId }).then(
          (r) => r.modelType,
          () => undefined,
        ));
  const step = type === 'gbdt' ? 'round' : 'epoch';
  let runId: string | undefined;
  const off = api.on('train:progress', (p) => {
    if (ours(p.runId)) runId ??= p.runId;
    if (p.runId !== runId) return;
    const m = Object.entries(p.metrics)
      .map(([k, v]) => `${k} ${formatValue(v)}`)
      .join(' ');
    bar.update(
      p.fraction,
      `${step} ${p.epoch}/${p.epochs} loss ${formatValue(p.loss)} val_loss ${formatValue(p.valLoss)} ${m} ETA ${formatDuration(p.etaMs)}`,
    );
  });
  const offStatus = api.on('run:status', (s) => {
    if (s.status === 'running' && ours(s.runId)) runId ??= s.runId;
  });
  // After the last epoch: say what the run is doing (importance, saving, recording) until it ends.
  const offPhase = api.on('train:phase', (e) => {
    if (e.runId !== runId || e.phase === 'preparing' || e.phase === 'training') return;
    bar.done();
    ctx.say(trainPhaseLabel(e.phase));
  });
  let interrupted = false;
  const cancel = () => {
    if (!runId) return;
    ctx.say(`\ncancelling run ${runId}…`);
    void api.invoke('train:cancel', { id: runId }).catch(() => undefined);
  };
  void ctx.io.interrupted.then(() => {
    interrupted = true;
    cancel();
  });
  try {
    if (resumeId !== undefined) return await api.invoke('runs:resume', { id: resumeId });
    const started = await api.invoke('train:start', {
      config: config!,
      ...(gitCommit ? { gitCommit } : {}),
    });
    runId = started.runId;
    // A Ctrl-C while the run was being recorded cancels it now that its id is known.
    if (interrupted) cancel();
    return await api.invoke('train:wait', { id: started.runId });
  } finally {
    off();
    offStatus();
    offPhase();
    bar.done();
  }
}

/**
 * Runs a search (`tune:run`) or a cross-validation (`train:run`) with a live table: a row per trial or
 * fold as it ends (stderr, silent with --json) and a line on the running ones. Ctrl-C cancels the parent,
 * which stops its children.
 */
export async function familyWith(
  api: LatheApi,
  ctx: Ctx,
  config: TrainConfig,
  gitCommit: string | undefined,
): Promise<TuneOut> {
  const metric = config.search?.metric ?? defaultSearchMetric(config.task);
  const columns = familyColumns(config, metric);
  let total = 0;
  const bar = createProgress(ctx.io.stderr, !ctx.json);
  let parentId: string | undefined;
  let header = false;
  const running = new Map<string, number>();
  let ended = 0;
  const offChild = api.on('run:child', (e) => {
    parentId ??= e.parentId;
    if (e.parentId !== parentId) return;
    total = e.total;
    if (e.status === 'running') running.set(e.runId, 0);
    else {
      running.delete(e.runId);
      ended++;
      bar.done();
      if (!header) ctx.say(familyHeader(columns));
      header = true;
      ctx.say(familyRow(columns, e));
    }
  });
  const offProgress = api.on('train:progress', (p) => {
    if (!running.has(p.runId)) return;
    running.set(p.runId, p.fraction);
    const share = [...running.values()].reduce((a, b) => a + b, 0);
    bar.update(
      (ended + share) / total,
      `${ended}/${total} ${config.search ? 'trials' : 'folds'} done, ${running.size} running`,
    );
  });
  void ctx.io.interrupted.then(() => {
    if (parentId) {
      ctx.say(`\ncancelling ${config.search ? 'search' : 'cross-validation'} ${parentId}…`);
      void api.invoke('train:cancel', { id: parentId }).catch(() => undefined);
    }
  });
  const input = { config, ...(gitCommit ? { gitCommit } : {}) };
  try {
    if (config.search) return await api.invoke('tune:run', input);
    const run = await api.invoke('train:run', input);
    const report = run.artifacts.find((a) => a.path === 'cv-report.json');
    return { run, report: report ? await readReport(api, run.id) : null };
  } finally {
    offChild();
    offProgress();
    bar.done();
  }
}

/** A family run's report, from the run record (works through a host as well as in process). */
async function readReport(api: LatheApi, runId: string): Promise<FamilyReport | null> {
  const out = await api.invoke('runs:report', { id: runId });
  return out.report;
}

/** The exit code of a finished command that ran `run`: 0 finished, 130 cancelled, else 1. */
export const exitFor = (run: Run) =>
  run.status === 'finished' ? 0 : run.status === 'cancelled' ? 130 : 1;
