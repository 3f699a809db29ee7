// One pipeline run: steps in dependency order, independent ones at once (as many as the cores allow),
// each keyed by its resolved config, its inputs' identities and Lathe's version. A key a finished step
// already has, with outputs that still stand, skips the step with those outputs; a changed key runs it.
// The record is written as each step starts and ends, and `pipeline:status` carries it to every face.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  LatheError,
  type PipelineRun,
  type PipelineStep,
  type PipelineStepOutput,
  type PipelineStepRun,
} from '../../shared/contract';
import { iso, newId } from '../workspace/projects';
import { describeReason, keyChanges, stepKey, type StepKey } from './cache-key';
import { downstreamOf, upstreamOf, type PipelineGraph } from './graph';
import type { CachedStep, PipelineRecord } from './record';
import {
  StepError,
  expandGlob,
  fileInputs,
  outputsStand,
  pathIn,
  resolvedConfig,
  runStep,
  type StepDeps,
} from './steps';

export interface RunnerDeps extends StepDeps {
  record: PipelineRecord;
  /** Every change of the run's record (the `pipeline:status` event). */
  emit(run: PipelineRun): void;
  latheVersion: string;
  now?: () => Date;
  /** Steps run at once at most (default: the cores, 1 to 4). */
  concurrency?: number;
}

export interface RunOptions {
  /** The file's absolute path, its text and sha256. */
  file: string;
  fileHash: string;
  fileText: string;
  set: string[];
  from?: string;
  force: string[];
  only?: string;
  trigger: PipelineRun['trigger'];
  resumeOf?: string;
}

export interface StartedRun {
  readonly id: string;
  /** Resolves with the record once the run ended (never rejects). */
  readonly done: Promise<PipelineRun>;
  cancel(): void;
}

/** Steps whose inputs must come from a registered model: read from train/tune they cannot run. */
const NEEDS_MODEL = new Set(['predict', 'serve', 'export']);

/**
 * What must hold before anything runs: every file a step names loads (its content is part of the key),
 * and steps that need a registered model read one. Throws INVALID_CONFIG naming the step and field.
 */
export function preflight(
  graph: PipelineGraph,
  dir: string,
  /** The steps whose input files must exist now (default: every step). */
  reading: ReadonlySet<string> | null = null,
): Map<string, Record<string, unknown>> {
  const configs = new Map<string, Record<string, unknown>>();
  // Files a step of the pipeline writes may be read by a later one.
  const written = new Set<string>();
  for (const s of graph.steps.values())
    if (s.type === 'predict') for (const b of s.batches) written.add(pathIn(dir, b.output));
  const missing = (id: string, field: string, path: string) =>
    new LatheError(
      'INVALID_CONFIG',
      `${graph.file}: step '${id}' ${field}: no file ${path.includes('*') || path.includes('?') ? 'matches' : 'at'} ${path}`,
      { file: graph.file, issues: [{ step: id, field, message: `no file at ${path}` }] },
    );
  for (const id of graph.order) {
    const step = graph.steps.get(id)!;
    configs.set(id, resolvedConfig(step, dir));
    if (!reading || reading.has(id)) {
      if (step.type === 'import' && step.file !== undefined) {
        const path = pathIn(dir, step.file);
        if (!existsSync(path)) throw missing(id, 'file', path);
      }
      if (step.type === 'import' && step.glob !== undefined) {
        const pattern = pathIn(dir, step.glob);
        if (expandGlob(pattern).length === 0) throw missing(id, 'glob', pattern);
      }
      if (step.type === 'predict')
        step.batches.forEach((b, i) => {
          const input = (b as { input?: string }).input;
          if (input === undefined) return;
          const pattern = pathIn(dir, input);
          if (!written.has(pattern) && expandGlob(pattern).length === 0)
            throw missing(id, `batches[${i}].input`, pattern);
        });
    }
    if (NEEDS_MODEL.has(step.type)) {
      const from = (step as { from: string }).from;
      const source = graph.steps.get(from);
      if (source && (source.type === 'train' || source.type === 'tune'))
        throw new LatheError(
          'INVALID_CONFIG',
          `${graph.file}: step '${id}' from: a ${step.type} step needs a registered model version — read a register step that registers '${from}'`,
          {
            file: graph.file,
            issues: [{ step: id, field: 'from', message: 'read a register step' }],
          },
        );
    }
  }
  return configs;
}

/**
 * What a run (or its plan) starts from: the step names of --only/--from/--force checked, the preflight's
 * resolved configs (only the --only step's files need exist), and the steps forced to run.
 */
function prepare(
  graph: PipelineGraph,
  dir: string,
  options: Pick<RunOptions, 'from' | 'force' | 'only'>,
): { configs: Map<string, Record<string, unknown>>; forced: Set<string> } {
  if (options.only !== undefined) downstreamOf(graph, [options.only]);
  if (options.force.length) downstreamOf(graph, options.force);
  const configs = preflight(
    graph,
    dir,
    options.only !== undefined ? new Set([options.only]) : null,
  );
  const forced = new Set<string>([
    ...(options.from !== undefined ? downstreamOf(graph, [options.from]) : []),
    ...options.force,
  ]);
  return { configs, forced };
}

/** The inputs that enter a step's key: the steps it reads (not those it only waits for with `after`). */
function keyInputs(graph: PipelineGraph, id: string): string[] {
  return (graph.inputs[id] ?? []).filter((i) => !i.field.startsWith('after')).map((i) => i.id);
}

/** A step's key: its resolved config, what the steps it reads made, the files it reads, Lathe's version. */
async function keyOf(
  deps: Pick<RunnerDeps, 'latheVersion'>,
  graph: PipelineGraph,
  dir: string,
  configs: ReadonlyMap<string, Record<string, unknown>>,
  id: string,
  outputs: ReadonlyMap<string, PipelineStepOutput>,
): Promise<StepKey> {
  const inputs: Record<string, string> = {};
  for (const input of keyInputs(graph, id)) inputs[input] = outputs.get(input)!.identity;
  Object.assign(inputs, await fileInputs(graph.steps.get(id)!, dir));
  return stepKey({ config: configs.get(id), inputs, latheVersion: deps.latheVersion });
}

/** The newest finished step with this key whose outputs still stand, or null. */
async function cacheHit(deps: RunnerDeps, key: StepKey): Promise<CachedStep | null> {
  for (const hit of await deps.record.cached(key.key))
    if (await outputsStand(deps, hit.outputs)) return hit;
  return null;
}

const unchanged = (key: StepKey) => `unchanged (key ${key.key.slice(0, 7)})`;

/** Which flag forces a step: --from when the step is downstream of it, else --force. */
function forcedReason(graph: PipelineGraph, options: Pick<RunOptions, 'from'>, id: string): string {
  return options.from !== undefined && downstreamOf(graph, [options.from]).includes(id)
    ? `forced: --from ${options.from}`
    : 'forced: --force';
}

/** Why a step runs, against the last key recorded for it in this pipeline. */
function whyRun(previous: StepKey | null, current: StepKey): string[] {
  if (!previous) return ['new: never ran in this pipeline'];
  const changes = keyChanges(previous, current);
  if (changes.length === 0) return ['its last outputs are gone'];
  return changes.map(describeReason);
}

export function startRun(
  deps: RunnerDeps,
  graph: PipelineGraph,
  dir: string,
  options: RunOptions,
): Promise<StartedRun> {
  const now = deps.now ?? (() => new Date());
  const { configs, forced } = prepare(graph, dir, options);
  const run: PipelineRun = {
    id: newId(),
    pipeline: graph.pipeline.name,
    file: options.file,
    fileHash: options.fileHash,
    params: graph.params,
    set: options.set,
    trigger: options.trigger,
    status: 'running',
    startedAt: iso(now()),
    endedAt: null,
    durationMs: null,
    error: null,
    failedStep: null,
    resumeOf: options.resumeOf ?? null,
    from: options.from ?? null,
    force: options.force,
    steps: graph.order.map((id): PipelineStepRun => ({
      id,
      type: graph.steps.get(id)!.type,
      status: 'pending',
      startedAt: null,
      endedAt: null,
      durationMs: null,
      key: null,
      reasons: [],
      message: null,
      error: null,
      outputs: null,
      cachedFrom: null,
    })),
  };
  const stepRun = (id: string) => run.steps.find((s) => s.id === id)!;
  const outputs = new Map<string, PipelineStepOutput>();
  const controller = new AbortController();
  const cancellers = new Map<string, () => Promise<unknown>>();
  const limit = deps.concurrency ?? Math.min(4, Math.max(1, availableParallelism()));

  // Writes are chained so the record is written in the order things happened.
  let writes: Promise<unknown> = Promise.resolve();
  const write = (work: () => Promise<unknown>) => {
    writes = writes.then(work).catch((err: unknown) => {
      console.error(`[Pipeline] could not record run ${run.id}: ${(err as Error).message}`);
    });
    return writes;
  };
  const publish = () => deps.emit(structuredClone(run));
  const saveStep = (s: PipelineStepRun, parts?: StepKey | null) => {
    publish();
    return write(() => deps.record.saveStep(run.id, s, parts));
  };
  const say = (message: string) => {
    const s = run.steps.find((x) => x.status === 'running');
    if (s) {
      s.message = message.trim();
      publish();
    }
  };

  /** Ends a step: its status and fields, its end time and duration. */
  const finish = (s: PipelineStepRun, fields: Partial<PipelineStepRun>) => {
    const endedAt = iso(now());
    Object.assign(s, fields, {
      endedAt,
      durationMs: s.startedAt ? Date.parse(endedAt) - Date.parse(s.startedAt) : null,
    });
  };

  const settle = async (id: string): Promise<void> => {
    const step = graph.steps.get(id)!;
    const s = stepRun(id);
    s.startedAt = iso(now());
    s.status = 'running';
    s.message = 'checking the cache';
    publish();
    try {
      const key = await keyOf(deps, graph, dir, configs, id, outputs);
      s.key = key.key;
      const hit = forced.has(id) ? null : await cacheHit(deps, key);
      if (hit) {
        outputs.set(id, hit.outputs);
        finish(s, {
          status: 'cached',
          outputs: hit.outputs,
          cachedFrom: hit.runId,
          reasons: [unchanged(key)],
          message: hit.outputs.label,
        });
        await saveStep(s, key);
        return;
      }
      if (options.only !== undefined && id !== options.only)
        throw new StepError(
          `step '${id}' has no finished outputs for these inputs: run it before '${options.only}' (lathe pipeline run ${options.file} --only ${id})`,
        );
      s.reasons = forced.has(id)
        ? [forcedReason(graph, options, id)]
        : whyRun(await deps.record.lastKey(graph.pipeline.name, id), key);
      s.message = null;
      await saveStep(s, key);
      const done = await runStep(
        deps,
        {
          graph,
          dir,
          inputs: outputs,
          runId: run.id,
          signal: controller.signal,
          // A cancel asked before the step's call could be cancelled reaches it as soon as it can.
          onCancel: (cancel) => {
            if (controller.signal.aborted) void cancel().catch(() => undefined);
            else cancellers.set(id, cancel);
          },
          say,
          ownsFolder: async (folder) => deps.record.stepWrote(graph.pipeline.name, id, folder),
        },
        step,
      );
      cancellers.delete(id);
      outputs.set(id, done.outputs);
      finish(s, {
        status: 'succeeded',
        outputs: done.outputs,
        message: done.message,
      });
      await saveStep(s);
    } catch (err) {
      cancellers.delete(id);
      const message = (err as Error).message;
      const cancelled = controller.signal.aborted;
      finish(s, {
        status: cancelled ? 'cancelled' : 'failed',
        error: cancelled ? `cancelled: ${message}` : message,
        message: null,
      });
      if (!cancelled && run.failedStep === null) {
        run.failedStep = id;
        run.error = `step '${id}' (${step.type}) failed: ${message}`;
      }
      await saveStep(s);
      throw err;
    }
  };

  const loop = async (): Promise<PipelineRun> => {
    const state = new Map<string, 'waiting' | 'running' | 'done' | 'failed'>(
      graph.order.map((id) => [id, 'waiting']),
    );
    // --only STEP: that step and what it reads (found in the cache); nothing after it.
    const needed = options.only !== undefined ? upstreamOf(graph, options.only) : null;
    const running = new Map<string, Promise<void>>();
    let stopped = false;
    for (;;) {
      if (!stopped && !controller.signal.aborted) {
        for (const id of graph.order) {
          if (running.size >= limit) break;
          if (state.get(id) !== 'waiting' || (needed && !needed.has(id))) continue;
          const ready = (graph.inputs[id] ?? []).every((i) => state.get(i.id) === 'done');
          if (!ready) continue;
          state.set(id, 'running');
          running.set(
            id,
            settle(id).then(
              () => {
                state.set(id, 'done');
              },
              () => {
                state.set(id, 'failed');
                stopped = true;
              },
            ),
          );
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
      for (const [id] of running) if (state.get(id) !== 'running') running.delete(id);
    }
    const ended = iso(now());
    for (const s of run.steps)
      if (s.status === 'pending') {
        s.status = 'skipped';
        s.reasons = [
          controller.signal.aborted
            ? 'the run was cancelled'
            : run.failedStep
              ? `step '${run.failedStep}' failed`
              : needed && !needed.has(s.id)
                ? `not run: --only ${options.only}`
                : 'not reached',
        ];
      }
    run.status = controller.signal.aborted
      ? 'cancelled'
      : run.failedStep !== null
        ? 'failed'
        : 'succeeded';
    if (run.status === 'cancelled') {
      run.failedStep ??= run.steps.find((s) => s.status === 'cancelled')?.id ?? null;
      run.error ??= 'cancelled';
    }
    run.endedAt = ended;
    run.durationMs = Date.parse(ended) - Date.parse(run.startedAt);
    await write(async () => {
      for (const s of run.steps) if (s.status === 'skipped') await deps.record.saveStep(run.id, s);
      await deps.record.saveRun(run);
    });
    await writes;
    publish();
    return structuredClone(run);
  };

  return deps.record.create(run, options.fileText).then(() => {
    publish();
    const done = loop().catch((err: unknown): PipelineRun => {
      // The loop itself failing (the record could not be written) still ends the run.
      run.status = 'failed';
      run.error ??= (err as Error).message;
      run.endedAt = iso(now());
      return structuredClone(run);
    });
    return {
      id: run.id,
      done,
      cancel() {
        if (controller.signal.aborted) return;
        controller.abort();
        for (const cancel of cancellers.values()) void cancel().catch(() => undefined);
      },
    };
  });
}

/** Steps a run would run or skip, and why, running nothing (`--dry-run`). */
export async function planRun(
  deps: RunnerDeps,
  graph: PipelineGraph,
  dir: string,
  options: Pick<RunOptions, 'from' | 'force' | 'only'>,
): Promise<
  {
    id: string;
    type: PipelineStep['type'];
    run: boolean;
    reasons: string[];
    key: string | null;
    cached: PipelineStepOutput | null;
  }[]
> {
  const { configs, forced } = prepare(graph, dir, options);
  const needed = options.only !== undefined ? upstreamOf(graph, options.only) : null;
  const known = new Map<string, PipelineStepOutput>();
  const willRun = new Set<string>();
  const out = [];
  for (const id of graph.order) {
    const step = graph.steps.get(id)!;
    if (needed && !needed.has(id)) {
      out.push({
        id,
        type: step.type,
        run: false,
        reasons: [`not run: --only ${options.only}`],
        key: null,
        cached: null,
      });
      continue;
    }
    const reads = keyInputs(graph, id);
    const rerunning = reads.filter((i) => willRun.has(i));
    const key =
      rerunning.length === 0 && reads.every((i) => known.has(i))
        ? await keyOf(deps, graph, dir, configs, id, known)
        : null;
    const cached = key && !forced.has(id) ? ((await cacheHit(deps, key))?.outputs ?? null) : null;
    const skipByOnly = options.only !== undefined && id !== options.only;
    let reasons: string[];
    if (cached) reasons = [unchanged(key!)];
    else if (forced.has(id)) reasons = [forcedReason(graph, options, id)];
    else if (rerunning.length) reasons = rerunning.map((r) => `'${r}' reruns`);
    else if (key) reasons = whyRun(await deps.record.lastKey(graph.pipeline.name, id), key);
    else reasons = ['its inputs are not known yet'];
    if (cached) known.set(id, cached);
    else if (!skipByOnly) willRun.add(id);
    out.push({
      id,
      type: step.type,
      run: !cached && !skipByOnly,
      reasons:
        skipByOnly && !cached
          ? [`not run: --only ${options.only} (it must have run before)`]
          : reasons,
      key: key?.key ?? null,
      cached,
    });
  }
  return out;
}
