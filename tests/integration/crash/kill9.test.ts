// Crash safety: the real `lathe` CLI, owning the workspace, is killed with SIGKILL at seeded random points
// inside import, profiling, training (per-epoch metrics), checkpointing (a resume), evaluation,
// registration, alias moves and batch prediction. After every kill the workspace opens with nothing to
// repair, everything committed before is intact, artifacts verify, interrupted runs are marked and resume,
// and no half-written batch output sits at its final path.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { BIN, lathe } from '../../helpers/cli';
import { contractClient } from '../../helpers/services';
import { FIXTURES, tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-kill9-');
const ws = join(t.dir, 'ws');
const LOCK = join(ws, 'lathe.lock');
const outDir = join(t.dir, 'out');
afterAll(() => t.remove());

/** mulberry32: a small seeded PRNG, so every run of the test kills at the same points. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const WEATHER = join(FIXTURES, 'seattle-weather.csv');
const WEATHER_ROWS = readFileSync(WEATHER, 'utf8').trimEnd().split('\n');

/** The weather data less its last `drop` rows: new content, so an import has work to do. */
function variant(drop: number): string {
  return t.file(`weather-${drop}.csv`, `${WEATHER_ROWS.slice(0, -drop).join('\n')}\n`);
}

/** The longest any one command may run before it is killed and the test fails. */
const COMMAND_LIMIT_MS = 45_000;

/** Progress lines a training prints (per tenth of its epochs, then each phase) to kill on. */
const TRAINING_LINES = [
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((tenth) => new RegExp(`epoch ${tenth * 8}/80 `)),
  /Measuring permutation importance/,
  /Saving the model/,
  /Recording the run/,
];

/** The checkpoint artifact of a stopped training (main/train CHECKPOINT_PATH). */
const CHECKPOINT = 'checkpoint/state.bin';

/** Epochs of the runs killed mid-training. */
const LONG_EPOCHS = 80;

const trainConfig = (epochs: number) =>
  t.file(
    `train-${epochs}.json`,
    JSON.stringify({
      dataset: 'weather@1',
      target: 'weather',
      task: 'multiclass',
      model: { type: 'mlp', hidden: [16] },
      training: { epochs, batchSize: 16, learningRate: 0.005, validationFraction: 0.25 },
      seed: 5,
      experiment: 'crash',
    }),
  );

interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Milliseconds from taking the workspace lock (its start done) to the end: the command's work. */
  workMs: number;
  /** Killed for running past COMMAND_LIMIT_MS. */
  hung: boolean;
}

/**
 * Where a kill lands: `afterLockMs` after the command takes the workspace lock (a delay drawn from the
 * work time measured for the command), or `extraMs` after it prints a progress line matching `line`
 * (training prints one per tenth of its epochs, then each phase, on stderr when not --json).
 */
type KillPoint = { afterLockMs: number } | { line: RegExp; extraMs: number };

/** Runs `lathe ARGS --workspace ws` (--json unless killed on a progress line), SIGKILLed at `kill`. */
function run(args: string[], kill?: KillPoint): Promise<Spawned> {
  const started = performance.now();
  let lockedAt: number | undefined;
  const json = kill && 'line' in kill ? [] : ['--json'];
  const child = spawn(process.execPath, [BIN, ...args, '--workspace', ws, ...json], {
    env: { ...process.env, NO_COLOR: '1', LATHE_HOME: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  const killIn = (ms: number) => (timer ??= setTimeout(() => child.kill('SIGKILL'), ms));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (kill && 'line' in kill && kill.line.test(stderr)) killIn(kill.extraMs);
  });
  // The lock file appears (linked whole) when the command has started and opens the workspace.
  const watcher = existsSync(ws)
    ? watch(ws, (_event, name) => {
        if (lockedAt !== undefined || name !== 'lathe.lock' || !existsSync(LOCK)) return;
        lockedAt = performance.now();
        if (kill && 'afterLockMs' in kill) killIn(kill.afterLockMs);
      })
    : undefined;
  // Bounded: no command may hang the test.
  let hung = false;
  const cap = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, COMMAND_LIMIT_MS);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(cap);
      watcher?.close();
      const ended = performance.now();
      resolve({
        code,
        signal,
        stdout,
        stderr,
        ms: ended - started,
        workMs: ended - (lockedAt ?? started),
        hung,
      });
    }),
  );
}

function ok(r: Spawned): unknown {
  if (r.code !== 0) throw new Error(`lathe exited ${r.code}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

/** What was reported committed so far: everything here must survive every later kill. */
const committed = {
  versions: new Map<number, string>(),
  finishedRuns: new Map<string, Record<string, number>>(),
  modelVersions: new Map<string, string>(),
  aliases: new Map<string, number>(),
  audit: new Set<string>(),
  evaluations: new Set<string>(),
  outputs: new Set<string>(),
};

/** Runs a kill left interrupted; those with a checkpoint not yet continued by a (killed) resume. */
const interrupted = new Set<string>();
const resumable: string[] = [];

/** Alias moves a kill interrupted: alias reference -> the version it was being moved to. */
const moving = new Map<string, number>();

let checks = 0;
/** Milliseconds spent in the killed commands, the verify commands and the in-process checks. */
const spent = { killed: 0, verify: 0, checks: 0 };
/** One assertion the summary counts. */
function check(cond: boolean, what: string): void {
  checks++;
  expect(cond, what).toBe(true);
}

/** Calls channels on the workspace opened in this process, closed afterwards. */
async function session<T>(
  fn: (call: ReturnType<typeof contractClient>['call']) => Promise<T>,
): Promise<T> {
  let services: Services | undefined = await createServices({ workspaceDir: ws });
  try {
    return await fn(contractClient(() => services!).call);
  } finally {
    await services.close();
    services = undefined;
  }
}

/** Opens the workspace as a user would next (no repair step) and checks everything committed. */
async function checkWorkspace(after: string): Promise<void> {
  // A fresh read command: it succeeds and finds nothing wrong (hashes verified, files whole).
  const verified = await run(['workspace', 'verify']);
  spent.verify += verified.ms;
  const checking = performance.now();
  const report = JSON.parse(verified.stdout) as { ok: boolean; problems: unknown[] };
  check(verified.code === 0 && report.ok, `verify after ${after}: ${verified.stdout}`);
  expect(report.problems).toEqual([]);

  let services: Services | undefined = await createServices({ workspaceDir: ws });
  const { call } = contractClient(() => services!);
  try {
    const versions = await call('data:versions', { name: 'weather' });
    for (const [v, hash] of committed.versions)
      check(
        versions.some((x) => x.version === v && x.hash === hash),
        `weather@${v} (${hash}) after ${after}`,
      );

    const runs = await call('runs:list', { experiment: 'crash' });
    for (const r of runs)
      check(
        r.status !== 'running' && r.status !== 'queued',
        `run ${r.id} ${r.status} after ${after}`,
      );
    for (const [id, metrics] of committed.finishedRuns) {
      const r = runs.find((x) => x.id === id);
      check(r?.status === 'finished', `finished run ${id} after ${after}`);
      expect(r?.metrics).toEqual(metrics);
    }

    const models = await call('models:list', {});
    for (const m of models) {
      const detail = await call('models:get', { ref: m.name });
      for (const [alias, version] of Object.entries(detail.aliases))
        check(
          detail.versions.some((v) => v.version === version),
          `${m.name}@${alias} -> v${version} exists after ${after}`,
        );
      for (const v of detail.versions) {
        const key = `${m.name}@${v.version}`;
        const runId = committed.modelVersions.get(key);
        if (runId) check(v.runId === runId, `${key} still run ${runId} after ${after}`);
        // A registered version monitors against its training rows: registered with it, never missing.
        const reference = await call('monitor:reference', { ref: key }).catch((err: Error) => err);
        check(
          !(reference instanceof Error) && reference.source.split === 'train',
          `${key} has its monitoring reference after ${after}: ${String(reference instanceof Error ? reference.message : '')}`,
        );
      }
      const history = await call('models:history', { name: m.name });
      const ids = new Set(history.entries.map((e) => e.id));
      for (const id of committed.audit)
        if (id.startsWith(`${m.name}/`)) check(ids.has(id.slice(m.name.length + 1)), `audit ${id}`);
    }
    for (const key of committed.modelVersions.keys())
      check(
        models.some((m) => key.startsWith(`${m.name}@`)) &&
          (await call('models:version', { ref: key })).runId === committed.modelVersions.get(key),
        `${key} registered after ${after}`,
      );
    // An alias stays where it was, or (the move killed after its commit) where it was being moved.
    for (const [key, version] of committed.aliases) {
      const now = (await call('models:version', { ref: key })).version;
      check(
        now === version || now === moving.get(key),
        `${key} -> v${version} (or v${moving.get(key)}) after ${after}: v${now}`,
      );
      committed.aliases.set(key, now);
    }
    moving.clear();
    for (const id of committed.evaluations)
      check((await call('eval:get', { id })).id === id, `evaluation ${id} after ${after}`);

    // No half-written batch output at a final path: each one there is whole (every input row).
    for (const name of readdirSync(outDir).filter((f) => f.endsWith('.csv'))) {
      const lines = readFileSync(join(outDir, name), 'utf8').trimEnd().split('\n');
      check(lines.length === WEATHER_ROWS.length, `${name} whole (${lines.length} lines)`);
    }
    for (const out of committed.outputs) check(existsSync(out), `${out} kept`);
    // Scratch files beside it are only the last killed job's: each job removes those of dead ones.
    const scratch = readdirSync(outDir).filter((f) => f.startsWith('.first.csv.lathe-'));
    const jobs = new Set(scratch.map((f) => /lathe-(\d+)-/.exec(f)?.[1]));
    check(jobs.size <= 1, `scratch files of one killed job at most: ${scratch.join(', ')}`);

    // What is there now is committed from here on.
    for (const v of versions) committed.versions.set(v.version, v.hash);
    for (const r of runs) if (r.status === 'finished') committed.finishedRuns.set(r.id, r.metrics);
    for (const m of models)
      for (const e of (await call('models:history', { name: m.name })).entries)
        committed.audit.add(`${m.name}/${e.id}`);
    for (const x of runs) {
      if (x.status !== 'interrupted' || interrupted.has(x.id)) continue;
      interrupted.add(x.id);
      const { artifacts } = await call('runs:get', { id: x.id });
      if (artifacts.some((a) => a.path === CHECKPOINT)) resumable.push(x.id);
    }
  } finally {
    spent.checks += performance.now() - checking;
    await services.close();
    services = undefined;
  }
}

describe('kill -9 of the process owning the workspace', () => {
  it('loses nothing committed, at 22 random points inside the work', async () => {
    const random = prng(13);
    mkdirSync(outDir);

    // Committed state before the kills, each command timed to draw kill points from.
    ok(await run(['init']));
    const imported = await run(['data', 'import', WEATHER, '--name', 'weather']);
    ok(imported);
    const short = trainConfig(10);
    const long = trainConfig(LONG_EPOCHS);
    const trained = [
      await run(['train', '--config', short]),
      await run(['train', '--config', short]),
    ];
    const runIds = trained.map((r) => (ok(r) as { id: string }).id);
    for (const r of trained) {
      const out = ok(r) as { id: string; metrics: Record<string, number> };
      committed.finishedRuns.set(out.id, out.metrics);
    }
    for (const [i, id] of runIds.entries()) {
      ok(await run(['models', 'register', id, '--name', 'wm']));
      committed.modelVersions.set(`wm@${i + 1}`, id);
    }
    const aliased = await run(['models', 'alias', 'wm@1', 'champion']);
    ok(aliased);
    committed.aliases.set('wm@champion', 1);
    const evaluated = await run(['eval', runIds[0]!]);
    committed.evaluations.add((ok(evaluated) as { id: string }).id);
    const profiled = await run(['data', 'profile', 'weather@1']);
    ok(profiled);
    const predicted = await run([
      'predict',
      'wm@champion',
      '--input',
      WEATHER,
      '--output',
      join(outDir, 'first.csv'),
    ]);
    ok(predicted);
    committed.outputs.add(join(outDir, 'first.csv'));
    const registered = await run(['models', 'register', runIds[0]!, '--name', 'm0']);
    ok(registered);
    committed.modelVersions.set('m0@1', runIds[0]!);
    await checkWorkspace('the setup');

    let kills = 0;
    let drop = 1;
    let regs = 0;
    const ops: {
      name: string;
      measured: number;
      /** Kills on a progress line instead of a delay. */
      onLine?: boolean;
      prepare?: () => Promise<string[]>;
      args: () => string[];
      done: (out: unknown, args: string[]) => void;
    }[] = [
      {
        name: 'import',
        measured: imported.workMs,
        args: () => ['data', 'import', variant(drop++), '--name', 'weather'],
        done: (out) => {
          const v = (out as { version: { version: number; hash: string } }).version;
          committed.versions.set(v.version, v.hash);
        },
      },
      {
        name: 'profile',
        measured: profiled.workMs,
        // A version not profiled yet, so the profile has work to do.
        prepare: async () => {
          const out = ok(await run(['data', 'import', variant(drop++), '--name', 'weather'])) as {
            version: { version: number; hash: string };
          };
          committed.versions.set(out.version.version, out.version.hash);
          return ['data', 'profile', `weather@${out.version.version}`];
        },
        args: () => [],
        done: () => undefined,
      },
      {
        name: 'train',
        measured: trained[1]!.workMs,
        onLine: true,
        args: () => ['train', '--config', long],
        // Printed for people: what it committed is read back at the next check.
        done: () => undefined,
      },
      {
        name: 'checkpoint (resume)',
        measured: trained[1]!.workMs,
        onLine: true,
        prepare: async () => {
          const id = resumable.pop();
          if (id) return ['runs', 'resume', id];
          return ['train', '--config', long];
        },
        args: () => [],
        done: () => undefined,
      },
      {
        name: 'evaluation',
        measured: evaluated.workMs,
        args: () => ['eval', runIds[1]!],
        done: (out) => committed.evaluations.add((out as { id: string }).id),
      },
      {
        name: 'registration',
        measured: registered.workMs,
        args: () => ['models', 'register', runIds[1]!, '--name', `m${++regs}`],
        done: (out) => {
          const v = out as { model: string; version: number };
          committed.modelVersions.set(`${v.model}@${v.version}`, runIds[1]!);
        },
      },
      {
        name: 'alias move',
        measured: aliased.workMs,
        args: () => {
          const to = committed.aliases.get('wm@champion') === 1 ? 2 : 1;
          moving.set('wm@champion', to);
          return ['models', 'alias', `wm@${to}`, 'champion'];
        },
        done: (out) => committed.aliases.set('wm@champion', (out as { version: number }).version),
      },
      {
        name: 'batch prediction',
        measured: predicted.workMs,
        args: () => [
          'predict',
          'wm@champion',
          '--input',
          WEATHER,
          '--output',
          join(outDir, 'first.csv'),
          // Over the last output: a killed job leaves it as it was, whole.
          '--overwrite',
        ],
        done: (out) => committed.outputs.add((out as { output: string }).output),
      },
    ];

    let completed = 0;
    for (let round = 0; round < 3; round++) {
      for (const op of ops) {
        // Training is the slowest command: two kills each in training and in a resume's checkpoints.
        if (op.onLine && round === 2) continue;
        // A command that ends before its kill point (the machine ran faster than when measured) commits
        // its work; the next try draws from its new time. Two tries at most.
        for (let attempt = 0; attempt < 2; attempt++) {
          const args = op.prepare ? await op.prepare() : op.args();
          // Anywhere in the work measured for the command, from when it takes the workspace lock;
          // training: a random tenth of its epochs, or one of its closing phases, then up to 100 ms.
          const at = random();
          const kill: KillPoint = op.onLine
            ? {
                line: TRAINING_LINES[Math.floor(at * TRAINING_LINES.length)]!,
                extraMs: random() * 100,
              }
            : { afterLockMs: at * op.measured };
          const where =
            'line' in kill
              ? `${kill.line.source}+${Math.round(kill.extraMs)}`
              : `lock+${Math.round(kill.afterLockMs)}`;
          const r = await run(args, kill);
          spent.killed += r.ms;
          expect(r.hung, `${args.join(' ')} ran past ${COMMAND_LIMIT_MS} ms`).toBe(false);
          if (r.signal !== 'SIGKILL') {
            if (!op.onLine) op.done(ok(r), args);
            else expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
            op.measured = r.workMs * 0.9;
            completed++;
            continue;
          }
          kills++;
          await checkWorkspace(`kill ${kills} (${op.name} at ${where} ms)`);
          break;
        }
      }
    }

    // Every interrupted run resumes to the end: from its checkpoint, or (killed before its first one was
    // stored) restarted from the first epoch.
    let resumed = 0;
    const stillInterrupted = await session(async (call) =>
      (await call('runs:list', { experiment: 'crash' }))
        .filter((x) => x.status === 'interrupted')
        .map((x) => x.id),
    );
    // Those killed before their first checkpoint was stored restart from the first epoch.
    const restarted = await session(async (call) => {
      let n = 0;
      for (const id of stillInterrupted)
        if (!(await call('runs:get', { id })).artifacts.some((a) => a.path === CHECKPOINT)) n++;
      return n;
    });
    const finished: string[] = [];
    for (const id of stillInterrupted) {
      const r = lathe(['runs', 'resume', id, '--workspace', ws, '--json']);
      const out = r.json as { status?: string };
      check(r.code === 0 && out.status === 'finished', `resumed ${id} finished: ${r.stdout}`);
      if (r.code === 0) {
        finished.push(id);
        resumed++;
      }
    }
    // A run killed (maybe more than once) and resumed has each epoch's metrics exactly once.
    await session(async (call) => {
      for (const id of [...interrupted].filter(
        (x) => !stillInterrupted.includes(x) || finished.includes(x),
      )) {
        const run = await call('runs:get', { id });
        if (run.status !== 'finished') continue;
        const steps = (await call('runs:metrics', { id, key: 'loss', maxPoints: 100_000 })).points
          .map((p) => p.step)
          .sort((a, b) => a - b);
        check(
          steps.length === LONG_EPOCHS && steps.every((step, i) => step === i + 1),
          `run ${id} loss at steps 1..${steps.length} once each (of ${LONG_EPOCHS}): ${steps.join(',')}`,
        );
      }
    });
    await checkWorkspace('the resumes');

    console.log(
      `[kill9] ${kills} kills (${completed} more commands ended before their kill point), ${checks} checks, ${interrupted.size} interrupted runs (${resumed} resumed to the end, ${restarted} of them restarted: no checkpoint); seconds in killed commands ${(spent.killed / 1000).toFixed(1)}, verify ${(spent.verify / 1000).toFixed(1)}, in-process checks ${(spent.checks / 1000).toFixed(1)}`,
    );
    expect(kills).toBeGreaterThanOrEqual(20);
  }, 240_000);
});
