// The pipeline channels: check a file (every problem with its step, field and line), plan, run, wait,
// cancel and resume runs, the history, the pipelines the workspace knows and their files, and the
// schedules of those files while the app, `lathe ui` or `lathe monitor watch` runs.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Cron } from 'croner';
import { LineCounter, isMap, isSeq, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import {
  LatheError,
  type PipelineCheckIn,
  type PipelineCheckOut,
  type PipelineExportIn,
  type PipelineExportOut,
  type PipelineIssue,
  type PipelinePlanOut,
  type PipelineRun,
  type PipelineRunIn,
  type PipelineSummary,
} from '../../shared/contract';
import { sha256Bytes } from '../workspace/artifacts';
import { text as textOf, type Database } from '../workspace/db';
import { scheduleFired } from '../monitor/cron';
import { isInside } from '../workspace/paths';
import { isoOrNull } from '../workspace/projects';
import { packageRoot } from '../version';
import { exportPipeline } from './export-argo';
import { parsePipeline, stepInputs, type PipelineGraph } from './graph';
import { createPipelineRecord, type PipelineRecord } from './record';
import { planRun, preflight, startRun, type RunnerDeps, type StartedRun } from './runner';
import type { StepDeps } from './steps';

export interface PipelineService {
  check(input: z.output<typeof PipelineCheckIn>): Promise<PipelineCheckOut>;
  plan(input: z.output<typeof PipelineRunIn>): Promise<PipelinePlanOut>;
  /** Starts a run; resolves with its id once recorded, and the run's end. */
  start(input: z.output<typeof PipelineRunIn>): Promise<{ id: string; done: Promise<PipelineRun> }>;
  wait(id: string): Promise<PipelineRun>;
  cancel(id: string): Promise<{ id: string; cancelled: boolean }>;
  resume(id: string): Promise<{ id: string; done: Promise<PipelineRun> }>;
  runs(pipeline: string | undefined, limit: number): Promise<PipelineRun[]>;
  get(id: string): Promise<PipelineRun>;
  list(): Promise<PipelineSummary[]>;
  add(file: string): Promise<PipelineSummary>;
  readFile(file: string): Promise<{ file: string; text: string }>;
  saveFile(file: string, text: string): Promise<PipelineCheckOut>;
  /** Writes the pipeline as Argo Workflows or Kubernetes Job manifests (export-argo.ts). */
  export(input: z.output<typeof PipelineExportIn>): Promise<PipelineExportOut>;
  /** Runs the known pipelines' schedules every minute until stop(). */
  startSchedule(): void;
  /** Stops the schedule, cancels runs in flight and waits for them to end. */
  stop(): Promise<void>;
}

export interface PipelineServiceDeps extends StepDeps {
  db: Database;
  emit: RunnerDeps['emit'];
  latheVersion: string;
  now?: () => Date;
}

const sha256 = (text: string) => sha256Bytes(Buffer.from(text, 'utf8'));

/** Reads a pipeline file: FILE_NOT_FOUND naming it when it is missing. */
function readPipelineFile(path: string): string {
  const file = resolve(path);
  if (!existsSync(file))
    throw new LatheError('FILE_NOT_FOUND', `pipeline file not found: ${file}`, { file });
  return readFileSync(file, 'utf8');
}

/** Where a field of a step (`config.model.trees`, `from[1]`) is in the file's text. */
function locate(
  text: string,
  issue: { step?: string; field?: string },
): { line: number; column: number } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    return e.linePos ? { line: e.linePos[0].line, column: e.linePos[0].col } : undefined;
  }
  const path: (string | number)[] = [];
  if (issue.step !== undefined) {
    const steps = doc.get('steps', true);
    if (!isSeq(steps)) return undefined;
    const index = steps.items.findIndex((s) => isMap(s) && s.get('id') === issue.step);
    if (index < 0) return undefined;
    path.push('steps', index);
  }
  if (issue.field && issue.field !== '(root)')
    for (const m of issue.field.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
      path.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  // The deepest node of the path that exists: a missing field points at the step (or map) that lacks it.
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null;
    if (node && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}

/** A LatheError about a pipeline file as issues with lines; anything else is thrown again. */
function issuesOf(err: unknown, text: string): PipelineIssue[] {
  if (!(err instanceof LatheError)) throw err;
  const listed =
    (err.details?.issues as { step?: string; field?: string; message: string }[]) ?? [];
  const found = listed.length ? listed : [{ message: err.message }];
  return found.map((i) => {
    const at = locate(text, i);
    return {
      message: i.message,
      ...(i.step !== undefined ? { step: i.step } : {}),
      ...(i.field !== undefined ? { field: i.field } : {}),
      ...(at ? { line: at.line, column: at.column } : {}),
    };
  });
}

function summaryOf(graph: PipelineGraph, id: string): string {
  const s = graph.steps.get(id)!;
  const from = 'from' in s ? (Array.isArray(s.from) ? s.from.join(', ') : s.from) : undefined;
  switch (s.type) {
    case 'import':
      return `import ${s.file ?? s.glob ?? s.url ?? 'a query'} as ${s.name ?? s.id}`;
    case 'validate':
      return `validate ${from} (onFail: ${s.onFail})`;
    case 'transform':
      return `transform ${from} in ${s.steps.length} step${s.steps.length === 1 ? '' : 's'}`;
    case 'train':
    case 'tune': {
      const c = typeof s.config === 'string' ? null : s.config;
      return `${s.type} ${c ? `${c.model.type} ` : ''}on ${from}${c ? ` → ${c.target}` : ` (${typeof s.config === 'string' ? s.config : 'inline'})`}`;
    }
    case 'evaluate':
      return `evaluate ${from}${s.data ? ` on ${s.data}` : ''}`;
    case 'gate':
      return `gate ${from} (onFail: ${s.onFail})`;
    case 'register':
      return `register ${from} as ${s.name}${s.alias ? `@${s.alias}` : ''}`;
    case 'predict':
      return `score ${s.batches.length} batch${s.batches.length === 1 ? '' : 'es'} with ${from}`;
    case 'serve':
      return `serve ${from}${s.canary ? ` as a ${s.canary.percent}% canary` : ''}`;
    case 'export':
      return `export ${from} as ${s.format} to ${s.out}`;
    case 'monitor':
      return `watch ${from} with ${typeof s.rules === 'string' ? s.rules : `${s.rules.length} rule${s.rules.length === 1 ? '' : 's'}`}`;
  }
}

function checkOf(graph: PipelineGraph, file: string | null): PipelineCheckOut {
  const level = new Map<string, number>();
  graph.levels.forEach((ids, i) => ids.forEach((id) => level.set(id, i)));
  return {
    ok: true,
    name: graph.pipeline.name,
    file,
    description: graph.pipeline.description ?? null,
    params: graph.params,
    schedule: graph.pipeline.schedule ?? null,
    steps: graph.order.map((id) => {
      const step = graph.steps.get(id)!;
      return {
        id,
        type: step.type,
        ...(step.description !== undefined ? { description: step.description } : {}),
        inputs: stepInputs(step).map(({ field, id: input }) => ({ field, id: input })),
        level: level.get(id) ?? 0,
        summary: summaryOf(graph, id),
      };
    }),
    issues: [],
  };
}

export function createPipelineService(deps: PipelineServiceDeps): PipelineService {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const record: PipelineRecord = createPipelineRecord(db);
  const running = new Map<string, StartedRun>();
  /** The pipelines (by name) with a run in flight in this process: one run of a pipeline at a time. */
  const busy = new Map<string, string>();
  const runner: RunnerDeps = {
    call: deps.call,
    gateCheck: deps.gateCheck,
    datasetFile: (ref) => deps.datasetFile(ref),
    record,
    emit: deps.emit,
    latheVersion: deps.latheVersion,
    now,
  };
  let swept: Promise<void> | undefined;
  /** Runs a previous process left `running` end as interrupted, once, before any read. */
  const sweep = () => (swept ??= record.markInterrupted(new Set(running.keys())));

  const remember = async (name: string, file: string) => {
    await db.run(
      `INSERT INTO pipelines (name, file, added_at) VALUES (?, ?, now())
       ON CONFLICT (name) DO UPDATE SET file = excluded.file`,
      [name, file],
    );
  };

  /**
   * The file of a pipeline this workspace knows (run here or added): the only files the app reads and
   * writes as pipeline text, so no face can read or overwrite any other file through these channels.
   */
  const known = async (path: string): Promise<string> => {
    const file = resolve(path);
    const row = await db.one('SELECT name FROM pipelines WHERE file = ?', [file]);
    if (!row)
      throw new LatheError(
        'INVALID_INPUT',
        `${file} is not a pipeline file this workspace knows: add it first (Add pipeline file, or lathe pipeline run)`,
        { file },
      );
    return file;
  };

  const load = (file: string, text: string, set: readonly string[]) =>
    parsePipeline(text, { file, set });

  const start = async (
    input: z.output<typeof PipelineRunIn>,
    resumeOf?: string,
  ): Promise<{ id: string; done: Promise<PipelineRun> }> => {
    await sweep();
    const file = resolve(input.file);
    const text = readPipelineFile(file);
    const graph = load(file, text, input.set);
    const other = busy.get(graph.pipeline.name);
    if (other)
      throw new LatheError(
        'INVALID_INPUT',
        `pipeline '${graph.pipeline.name}' is already running (run ${other.slice(0, 8)}): wait for it or cancel it (lathe pipeline cancel ${other.slice(0, 8)})`,
        { pipeline: graph.pipeline.name, run: other },
      );
    const started = await startRun(runner, graph, dirname(file), {
      file,
      fileHash: sha256(text),
      fileText: text,
      set: input.set,
      force: input.force,
      trigger: input.trigger,
      ...(input.from !== undefined ? { from: input.from } : {}),
      ...(input.only !== undefined ? { only: input.only } : {}),
      ...(resumeOf !== undefined ? { resumeOf } : {}),
    });
    await remember(graph.pipeline.name, file);
    running.set(started.id, started);
    busy.set(graph.pipeline.name, started.id);
    const done = started.done.finally(() => {
      running.delete(started.id);
      if (busy.get(graph.pipeline.name) === started.id) busy.delete(graph.pipeline.name);
    });
    return { id: started.id, done };
  };

  const summary = async (name: string, file: string): Promise<PipelineSummary> => {
    const [count] = await db.all<{ n: number }>(
      'SELECT count(*)::INTEGER AS n FROM pipeline_runs WHERE pipeline = ?',
      [name],
    );
    const [lastRun] = await record.list(name, 1);
    let schedule: string | null = null;
    let description: string | null = null;
    let problem: string | null = null;
    try {
      const graph = load(file, readPipelineFile(file), []);
      schedule = graph.pipeline.schedule ?? null;
      description = graph.pipeline.description ?? null;
    } catch (err) {
      problem = (err as Error).message;
    }
    let nextRunAt: string | null = null;
    if (schedule) {
      const next = new Cron(schedule, { paused: true }).nextRun(now());
      nextRunAt = isoOrNull(next);
    }
    return {
      name,
      file,
      description,
      schedule,
      nextRunAt,
      runs: Number(count?.n ?? 0),
      lastRun: lastRun ?? null,
      problem,
    };
  };

  let timer: NodeJS.Timeout | undefined;
  let lastTick = now();
  const tick = async () => {
    const to = now();
    const from = lastTick;
    lastTick = to;
    const rows = await db.all<{ name: string; file: string }>('SELECT name, file FROM pipelines');
    for (const row of rows) {
      const file = textOf(row.file);
      if (busy.has(textOf(row.name)) || !existsSync(file)) continue;
      let schedule: string | undefined;
      try {
        schedule = load(file, readFileSync(file, 'utf8'), []).pipeline.schedule;
      } catch (err) {
        console.error(`[Pipeline] ${file}: ${(err as Error).message}`);
        continue;
      }
      if (!schedule || !scheduleFired(schedule, from, to)) continue;
      try {
        await start({ file, set: [], force: [], trigger: 'schedule' });
      } catch (err) {
        console.error(`[Pipeline] scheduled run of ${file}: ${(err as Error).message}`);
      }
    }
  };

  return {
    async check(input) {
      const file = input.file !== undefined ? resolve(input.file) : null;
      const text = input.text ?? readPipelineFile(file!);
      try {
        const graph = load(file ?? 'pipeline', text, input.set);
        if (file) {
          try {
            preflight(graph, dirname(file));
          } catch (err) {
            return { ...checkOf(graph, file), ok: false, issues: issuesOf(err, text) };
          }
        }
        return checkOf(graph, file);
      } catch (err) {
        return {
          ok: false,
          name: null,
          file,
          description: null,
          params: {},
          schedule: null,
          steps: [],
          issues: issuesOf(err, text),
        };
      }
    },

    async plan(input) {
      await sweep();
      const file = resolve(input.file);
      const graph = load(file, readPipelineFile(file), input.set);
      const steps = await planRun(runner, graph, dirname(file), {
        force: input.force,
        ...(input.from !== undefined ? { from: input.from } : {}),
        ...(input.only !== undefined ? { only: input.only } : {}),
      });
      return { pipeline: graph.pipeline.name, file, params: graph.params, steps };
    },

    start: (input) => start(input),

    async wait(id) {
      await sweep();
      const run = await record.get(id);
      return running.get(run.id)?.done ?? run;
    },

    async cancel(id) {
      await sweep();
      const run = await record.get(id);
      const live = running.get(run.id);
      if (!live) return { id: run.id, cancelled: false };
      live.cancel();
      return { id: run.id, cancelled: true };
    },

    async resume(id) {
      await sweep();
      const run = await record.get(id);
      if (run.status === 'running' || run.status === 'succeeded')
        throw new LatheError(
          'INVALID_INPUT',
          `pipeline run ${run.id.slice(0, 8)} ${run.status === 'running' ? 'is still running' : 'succeeded'}: only a failed, cancelled or interrupted run resumes`,
          { id: run.id, status: run.status },
        );
      return start({ file: run.file, set: run.set, force: [], trigger: 'resume' }, run.id);
    },

    async runs(pipeline, limit) {
      await sweep();
      return record.list(pipeline, limit);
    },

    async get(id) {
      await sweep();
      return record.get(id);
    },

    async list() {
      await sweep();
      const rows = await db.all<{ name: string; file: string }>(
        'SELECT name, file FROM pipelines ORDER BY name',
      );
      return Promise.all(rows.map((r) => summary(textOf(r.name), textOf(r.file))));
    },

    async add(path) {
      const file = resolve(path);
      const graph = load(file, readPipelineFile(file), []);
      const known = await db.one<{ file: string }>('SELECT file FROM pipelines WHERE name = ?', [
        graph.pipeline.name,
      ]);
      if (known && textOf(known.file) !== file)
        throw new LatheError(
          'INVALID_INPUT',
          `a pipeline named '${graph.pipeline.name}' is already known from ${textOf(known.file)}: rename one of them (its name field)`,
          { file, pipeline: graph.pipeline.name },
        );
      await remember(graph.pipeline.name, file);
      return summary(graph.pipeline.name, file);
    },

    async readFile(path) {
      const file = await known(path);
      return { file, text: readPipelineFile(file) };
    },

    async saveFile(path, text) {
      const file = await known(path);
      const shipped = join(packageRoot(), 'resources', 'pipelines');
      if (isInside(shipped, file))
        throw new LatheError(
          'INVALID_INPUT',
          `${file} ships with Lathe (lathe demo runs it) and is read-only: copy it to your own folder, then add the copy`,
          { file },
        );
      const previous = readPipelineFile(file);
      // The text it replaces stays in the workspace (one level of undo), the new one is written whole.
      await db.run('UPDATE pipelines SET previous_text = ? WHERE file = ?', [previous, file]);
      const tmp = `${file}.lathe-${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
      return this.check({ file, text, set: [] });
    },

    async export(input) {
      const file = resolve(input.file);
      const graph = load(file, readPipelineFile(file), input.set);
      return exportPipeline(graph, { ...input, out: resolve(input.out) }, file);
    },

    startSchedule() {
      if (timer) return;
      lastTick = now();
      timer = setInterval(() => {
        tick().catch((err: unknown) => {
          console.error(`[Pipeline] schedule: ${(err as Error).message}`);
        });
      }, 60_000);
      timer.unref();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      const live = [...running.values()];
      for (const r of live) r.cancel();
      await Promise.all(live.map((r) => r.done));
    },
  };
}
