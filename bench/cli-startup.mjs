// How fast `lathe` starts, per command, against the goals: --help under 100 ms, a read-only command under
// 200 ms. Run from the project root after `npm run build` (the CLI bundle and its command manifest are used):
//   node bench/cli-startup.mjs [--runs N] [--bin PATH]...
// Runs each command N times (default 15) as its installed bin (`node main/cli/lathe.cjs`, never npx), the
// commands taking turns in each round so a noisy moment hits them all, and prints the median wall time of
// each against its goal and against bare `node -e 0` (the floor no CLI in Node goes under). The read-only
// commands run on a fresh empty workspace (created by the first of them, as a user's first command does).
// Where NODE_EXTRA_CA_CERTS is set, each command is timed with and without it (see below).
// The machine may be shared and noisy: compare within one run. Several --bin (say, a git worktree of the
// last commit and this checkout, each built) take turns too, so one run compares them side by side.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { latheCli, median, numberArg } from './lib.mjs';

const runs = numberArg('--runs', 15);
const bins = process.argv.flatMap((a, i) =>
  a === '--bin' && process.argv[i + 1] ? [resolve(process.argv[i + 1])] : [],
);
if (bins.length === 0) bins.push(latheCli);
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-cli-'));
const HELP_GOAL_MS = 100;
const READ_GOAL_MS = 200;

const commandsOf = (bin, b) => {
  const workspace = join(dir, `ws${b}`);
  const tag = bins.length > 1 ? `[${b + 1}] ` : '';
  return [
    { name: `${tag}lathe --help`, argv: [bin, '--help'], goal: HELP_GOAL_MS },
    { name: `${tag}lathe --version`, argv: [bin, '--version'], goal: HELP_GOAL_MS },
    {
      name: `${tag}lathe data list --help`,
      argv: [bin, 'data', 'list', '--help'],
      goal: HELP_GOAL_MS,
    },
    {
      name: `${tag}lathe data list`,
      argv: [bin, 'data', 'list', '--workspace', workspace],
      goal: READ_GOAL_MS,
    },
    {
      name: `${tag}lathe runs list`,
      argv: [bin, 'runs', 'list', '--workspace', workspace],
      goal: READ_GOAL_MS,
    },
    {
      name: `${tag}lathe models list`,
      argv: [bin, 'models', 'list', '--workspace', workspace],
      goal: READ_GOAL_MS,
    },
  ];
};
// Each command of every bin beside the others: [1] data list, [2] data list, [1] runs list, …
const perBin = bins.map(commandsOf);
const commands = [
  { name: 'node -e 0 (floor)', argv: ['-e', '0'], goal: null },
  ...perBin[0].flatMap((_, i) => perBin.map((list) => list[i])),
];

const env = { ...process.env, NO_COLOR: '1', LATHE_HOME: '' };
// NODE_EXTRA_CA_CERTS makes node itself read and parse that certificate file as it starts, before any
// script runs (on this project's CI machine, a bundle of some 140 certificates: about 60 ms of every
// start). Where it is set, every command is also timed without it, taking turns with the others: the first
// table is what this machine's users see, the second what Lathe's own start-up costs.
const extraCas = process.env.NODE_EXTRA_CA_CERTS;
const settings = [{ title: '', env }];
if (extraCas) {
  const without = { ...env };
  delete without.NODE_EXTRA_CA_CERTS;
  settings[0].title = ` with NODE_EXTRA_CA_CERTS=${extraCas} (as set here)`;
  settings.push({ title: ' without NODE_EXTRA_CA_CERTS', env: without });
}
const cases = settings.flatMap((setting, s) => commands.map((c) => ({ ...c, setting: s })));
/**
 * CPU time (user + system, ms) of the children this process waited for, on Linux (/proc/self/stat's
 * cutime and cstime, in clock ticks); null elsewhere. A loaded machine stretches wall times; CPU time
 * much less, so the mean CPU per command is printed beside the medians.
 */
const TICK_MS = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return r.status === 0 ? 1000 / Number(r.stdout.trim()) : null;
})();
function childrenCpuMs() {
  if (!TICK_MS) return null;
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
  } catch {
    return null;
  }
}

function time(argv, setting) {
  const cpu = childrenCpuMs();
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env: settings[setting].env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${argv.join(' ')} exited with ${r.status}: ${r.stderr.trim()}`);
  }
  const after = childrenCpuMs();
  return { ms, cpu: cpu === null || after === null ? null : after - cpu };
}

try {
  // One run of each first, not counted: the workspace is created and the OS's file cache is warm.
  for (const c of cases) time(c.argv, c.setting);
  const times = cases.map(() => []);
  for (let i = 0; i < runs; i++) cases.forEach((c, j) => times[j].push(time(c.argv, c.setting)));
  const walls = times.map((ts) => ts.map((t) => t.ms));
  const cpus = times.map((ts) => (ts.some((t) => t.cpu === null) ? null : ts.map((t) => t.cpu)));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`CLI start-up, median of ${runs} runs each:`);
  bins.forEach((bin, b) => console.log(`  ${bins.length > 1 ? `[${b + 1}] ` : ''}${bin}`));
  const floors = settings.map((_, s) => median(walls[cases.findIndex((c) => c.setting === s)]));
  settings.forEach((setting, s) => {
    console.log(
      `\n${'command'.padEnd(30)} ${'median'.padStart(9)} ${'goal'.padStart(7)} ${'vs goal'.padStart(8)} ${'vs node'.padStart(8)} ${'cpu'.padStart(8)}${setting.title}`,
    );
    cases.forEach((c, j) => {
      if (c.setting !== s) return;
      const ms = median(walls[j]);
      const goal = c.goal ? `${c.goal} ms` : '';
      const vsGoal = c.goal ? `${(ms / c.goal).toFixed(2)}x${ms <= c.goal ? '' : ' !'}` : '';
      const cpu = cpus[j] ? `${mean(cpus[j]).toFixed(0)} ms` : '';
      console.log(
        `${c.name.padEnd(30)} ${`${ms.toFixed(0)} ms`.padStart(9)} ${goal.padStart(7)} ${vsGoal.padStart(8)} ${`${(ms / floors[s]).toFixed(2)}x`.padStart(8)} ${cpu.padStart(8)}`,
      );
    });
  });
  if (extraCas)
    console.log(
      `\nNODE_EXTRA_CA_CERTS alone adds ${(floors[0] - floors[1]).toFixed(0)} ms to every start of node here (node -e 0: ${floors[0].toFixed(0)} against ${floors[1].toFixed(0)} ms), Lathe or not.`,
    );
  console.log("vs goal: the median over the goal (under 1.00x meets it; '!' marks a miss);");
  console.log('vs node: the median over bare node -e 0 on this machine now, in the same setting;');
  console.log(
    'cpu: the mean CPU time (user + system, all threads) of a run, where the OS tells it.',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
