// lathe pipeline run | check | list | runs | show | cancel | resume.
import { resolve } from 'node:path';
import type {
  PipelineCheckOut,
  PipelinePlanOut,
  PipelineRun,
  PipelineStepRun,
} from '../../../shared/contract';
import { formatDuration } from '../../../shared/format';
import { bool, invoke, str, strs, withStandingSession, type Command, type Ctx } from '../command';
import type { Session } from '../context';
import { table } from '../output';

const MARK: Record<PipelineStepRun['status'], string> = {
  pending: '·',
  running: '…',
  succeeded: 'ok',
  cached: 'cached',
  failed: 'FAILED',
  cancelled: 'cancelled',
  skipped: 'skipped',
};

const took = (ms: number | null) => (ms === null ? '' : formatDuration(ms));

function stepLine(s: PipelineStepRun): string {
  const what = s.error ?? s.message ?? s.outputs?.label ?? s.reasons.join('; ');
  return `  ${MARK[s.status].padEnd(9)} ${s.id.padEnd(14)} ${s.type.padEnd(9)} ${took(s.durationMs).padStart(7)}  ${what}`;
}

export function humanPipelineRun(r: PipelineRun): string {
  const cached = r.steps.filter((s) => s.status === 'cached').length;
  const ran = r.steps.filter((s) => s.status === 'succeeded').length;
  const head = `Pipeline ${r.pipeline} run ${r.id.slice(0, 8)}: ${r.status} in ${took(r.durationMs)} (${ran} ran, ${cached} cached)${
    Object.keys(r.params).length
      ? `  params ${Object.entries(r.params)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ')}`
      : ''
  }`;
  const tail =
    r.status === 'failed' || r.status === 'cancelled' || r.status === 'interrupted'
      ? [`${r.error ?? r.status}`, `resume with: lathe pipeline resume ${r.id.slice(0, 8)}`]
      : [];
  return [head, ...r.steps.map(stepLine), ...tail].join('\n');
}

function humanPlan(p: PipelinePlanOut): string {
  const runs = p.steps.filter((s) => s.run).length;
  return [
    `Pipeline ${p.pipeline}: ${runs} of ${p.steps.length} steps would run (dry run: nothing ran)`,
    ...p.steps.map(
      (s) =>
        `  ${(s.run ? 'run' : 'skip').padEnd(5)} ${s.id.padEnd(14)} ${s.type.padEnd(9)} ${s.reasons.join('; ')}`,
    ),
  ].join('\n');
}

function humanCheck(c: PipelineCheckOut): string {
  if (!c.ok)
    return [
      `${c.file ?? 'pipeline'}: ${c.issues.length} problem${c.issues.length === 1 ? '' : 's'}`,
      ...c.issues.map(
        (i) =>
          `  ${i.line !== undefined ? `line ${i.line}: ` : ''}${i.step ? `step '${i.step}' ` : ''}${i.field ? `${i.field}: ` : ''}${i.message}`,
      ),
    ].join('\n');
  const width = Math.max(...c.steps.map((s) => s.id.length), 4);
  return [
    `Pipeline ${c.name}: ${c.steps.length} steps in ${Math.max(...c.steps.map((s) => s.level)) + 1} levels${c.schedule ? `, schedule '${c.schedule}'` : ''}`,
    ...c.steps.map(
      (s) =>
        `  ${String(s.level).padStart(2)}  ${s.id.padEnd(width)}  ${s.summary}${s.inputs.length ? `  ← ${s.inputs.map((i) => i.id).join(', ')}` : ''}`,
    ),
  ].join('\n');
}

/** Prints each step as it starts and ends (stderr), while `work` runs the pipeline. */
export async function followRun(
  ctx: Ctx,
  s: Session,
  work: (onId: (id: string) => void) => Promise<PipelineRun>,
): Promise<PipelineRun> {
  let runId: string | undefined;
  const seen = new Map<string, string>();
  const off = s.api.on('pipeline:status', (r) => {
    if (runId === undefined || r.id !== runId) return;
    for (const step of r.steps) {
      const state = `${step.status}:${step.status === 'running' ? (step.message ?? '') : ''}`;
      if (seen.get(step.id) === state || step.status === 'pending') continue;
      seen.set(step.id, state);
      if (step.status === 'running' && step.message === 'checking the cache') continue;
      if (step.status === 'running')
        ctx.say(
          `  …  ${step.id} (${step.type})${step.message ? `: ${step.message}` : step.reasons.length ? `: ${step.reasons.join('; ')}` : ''}`,
        );
      else ctx.say(stepLine(step));
    }
  });
  let interrupted = false;
  const cancel = () => {
    if (!runId) return;
    ctx.say(`cancelling pipeline run ${runId.slice(0, 8)}… (the running steps stop cleanly)`);
    void s.api.invoke('pipeline:cancel', { id: runId }).catch(() => undefined);
  };
  void ctx.io.interrupted.then(() => {
    interrupted = true;
    cancel();
  });
  try {
    return await work((id) => {
      runId = id;
      if (interrupted) cancel();
    });
  } finally {
    off();
  }
}

const exitOf = (r: PipelineRun) =>
  r.status === 'succeeded' ? 0 : r.status === 'cancelled' ? 130 : 1;

/** A run with a serve step keeps its servers up, as `lathe serve` does, until Ctrl-C. */
async function keepServing(ctx: Ctx, s: Session, r: PipelineRun): Promise<void> {
  const servers = r.steps.filter((x) => x.outputs?.kind === 'server' && x.status === 'succeeded');
  if (!servers.length || s.mode !== 'owner' || r.status !== 'succeeded') return;
  ctx.say(
    `serving at ${servers.map((x) => x.outputs!.server).join(', ')} from this process: press Ctrl-C to stop`,
  );
  await ctx.io.interrupted;
}

const runFlags: Command['flags'] = {
  set: {
    type: 'string',
    value: 'NAME=VALUE',
    multiple: true,
    description: 'override a parameter (its default in the file’s params; repeat for more)',
  },
  from: {
    type: 'string',
    value: 'STEP',
    description: 'run this step and every step after it even when cached',
  },
  force: {
    type: 'string',
    value: 'STEP',
    multiple: true,
    description:
      'run this step even when cached (repeat for more); what reads it follows its outputs',
  },
  only: {
    type: 'string',
    value: 'STEP',
    description: 'run only this step, reading its inputs from their finished outputs',
  },
};

export const pipelineCommands: Command[] = [
  {
    path: ['pipeline', 'run'],
    summary:
      'Run a pipeline file: steps in dependency order (independent ones at once), each skipped when its key (config, inputs, Lathe version) matches a finished step. Ctrl-C cancels cleanly; exit 1 when a step fails.',
    positionals: [
      { name: 'FILE', required: true, description: 'the pipeline file (YAML or JSON)' },
    ],
    flags: {
      ...runFlags,
      'dry-run': {
        type: 'boolean',
        description: 'print what would run and why (which key changed), running nothing',
      },
    },
    async run(ctx) {
      const input = {
        file: resolve(ctx.args.positionals[0]!),
        set: strs(ctx, 'set'),
        force: strs(ctx, 'force'),
        ...(str(ctx, 'from') !== undefined ? { from: str(ctx, 'from')! } : {}),
        ...(str(ctx, 'only') !== undefined ? { only: str(ctx, 'only')! } : {}),
      };
      if (bool(ctx, 'dry-run')) {
        const plan = await invoke(ctx, 'pipeline:plan', input);
        ctx.result(plan, () => humanPlan(plan));
        return 0;
      }
      return withStandingSession(ctx, { command: 'lathe pipeline run', quiet: true }, async (s) => {
        const r = await followRun(ctx, s, async (onId) => {
          const { id } = await s.api.invoke('pipeline:start', input);
          onId(id);
          ctx.say(`pipeline run ${id.slice(0, 8)} of ${input.file}`);
          return s.api.invoke('pipeline:wait', { id });
        });
        ctx.result(r, () => humanPipelineRun(r));
        await keepServing(ctx, s, r);
        return exitOf(r);
      });
    },
  },
  {
    path: ['pipeline', 'check'],
    summary:
      'Check a pipeline file without running it: the graph of steps by level, or every problem with its step, field and line (exit 1).',
    positionals: [{ name: 'FILE', required: true, description: 'the pipeline file' }],
    flags: { set: runFlags.set! },
    async run(ctx) {
      const out = await invoke(ctx, 'pipeline:check', {
        file: resolve(ctx.args.positionals[0]!),
        set: strs(ctx, 'set'),
      });
      ctx.result(out, () => humanCheck(out));
      return out.ok ? 0 : 1;
    },
  },
  {
    path: ['pipeline', 'list'],
    opensWorkspace: true,
    summary: 'The pipelines this workspace knows, with their schedule and last run.',
    positionals: [],
    flags: {},
    async run(ctx) {
      const list = await invoke(ctx, 'pipeline:list', {});
      ctx.result(list, () =>
        list.length === 0
          ? 'No pipelines yet: lathe pipeline run FILE (lathe schema pipeline describes the file)'
          : table(
              ['name', 'file', 'schedule', 'next run', 'runs', 'last run', 'status'],
              list.map((p) => [
                p.name,
                p.file,
                p.schedule ?? '',
                p.nextRunAt?.slice(0, 16).replace('T', ' ') ?? '',
                String(p.runs),
                p.lastRun?.startedAt.slice(0, 19).replace('T', ' ') ?? '',
                p.problem ? `file: ${p.problem}` : (p.lastRun?.status ?? ''),
              ]),
            ),
      );
      return 0;
    },
  },
  {
    path: ['pipeline', 'runs'],
    opensWorkspace: true,
    summary:
      "Pipeline runs, newest first (one pipeline's with NAME): status, trigger, parameters, steps.",
    positionals: [{ name: 'NAME', required: false, description: 'a pipeline name' }],
    flags: {},
    async run(ctx) {
      const name = ctx.args.positionals[0];
      const list = await invoke(ctx, 'pipeline:runs', name !== undefined ? { pipeline: name } : {});
      ctx.result(list, () =>
        list.length === 0
          ? 'No pipeline runs yet: lathe pipeline run FILE'
          : table(
              ['id', 'pipeline', 'started', 'trigger', 'status', 'took', 'ran', 'cached', 'params'],
              list.map((r) => [
                r.id.slice(0, 8),
                r.pipeline,
                r.startedAt.slice(0, 19).replace('T', ' '),
                r.trigger,
                r.status,
                took(r.durationMs),
                String(r.steps.filter((s) => s.status === 'succeeded').length),
                String(r.steps.filter((s) => s.status === 'cached').length),
                r.set.join(' '),
              ]),
            ),
      );
      return 0;
    },
  },
  {
    path: ['pipeline', 'show'],
    opensWorkspace: true,
    summary: "One pipeline run: each step's status, duration, key, outputs and why it ran.",
    positionals: [
      { name: 'RUN', required: true, description: 'a pipeline run id (or 8+ characters)' },
    ],
    flags: {},
    async run(ctx) {
      const r = await invoke(ctx, 'pipeline:get', { id: ctx.args.positionals[0]! });
      ctx.result(r, () => humanPipelineRun(r));
      return 0;
    },
  },
  {
    path: ['pipeline', 'cancel'],
    summary:
      'Cancel a running pipeline (run by the app or `lathe ui`): its running steps stop cleanly.',
    positionals: [{ name: 'RUN', required: true, description: 'a pipeline run id' }],
    flags: {},
    async run(ctx) {
      const out = await invoke(ctx, 'pipeline:cancel', { id: ctx.args.positionals[0]! });
      ctx.result(out, () =>
        out.cancelled ? `cancelling ${out.id.slice(0, 8)}` : `${out.id.slice(0, 8)} is not running`,
      );
      return out.cancelled ? 0 : 1;
    },
  },
  {
    path: ['pipeline', 'resume'],
    summary:
      "Run a failed, cancelled or interrupted pipeline run's file again with its parameters: finished steps are cached, so it goes on from the step that stopped it.",
    positionals: [{ name: 'RUN', required: true, description: 'a pipeline run id' }],
    flags: {},
    async run(ctx) {
      return withStandingSession(
        ctx,
        { command: 'lathe pipeline resume', quiet: true },
        async (s) => {
          const previous = await s.api.invoke('pipeline:get', { id: ctx.args.positionals[0]! });
          const r = await followRun(ctx, s, async (onId) => {
            // The resumed run's id is known from its first status event.
            const off = s.api.on('pipeline:status', (e) => {
              if (e.resumeOf === previous.id) {
                onId(e.id);
                off();
              }
            });
            try {
              return await s.api.invoke('pipeline:resume', { id: previous.id });
            } finally {
              off();
            }
          });
          ctx.result(r, () => humanPipelineRun(r));
          await keepServing(ctx, s, r);
          return exitOf(r);
        },
      );
    },
  },
];
