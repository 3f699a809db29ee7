// How fast `lathe` starts, per command, against the goals: --help under 100 ms, a read-only command under
// 200 ms. Run from the project root after `npm run build` (the CLI bundle and its command manifest are used):
//   node bench/cli-startup.mjs [--runs N] [--bin PATH]
// Runs each command N times (default 15) as its installed bin (`node main/cli/lathe.cjs`, never npx), the
// commands taking turns in each round so a noisy moment hits them all, and prints the median wall time of
// each against its goal and against bare `node -e 0` (the floor no CLI in Node goes under). The read-only
// commands run on a fresh empty workspace (created by the first of them, as a user's first command does).
// The machine may be shared and noisy: compare within one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { latheCli, numberArg } from './lib.mjs';

const runs = numberArg('--runs', 15);
const binAt = process.argv.indexOf('--bin');
const bin = binAt > 0 ? resolve(process.argv[binAt + 1]) : latheCli;
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-cli-'));
const workspace = join(dir, 'ws');
const HELP_GOAL_MS = 100;
const READ_GOAL_MS = 200;

const cases = [
  { name: 'node -e 0 (floor)', argv: ['-e', '0'], goal: null },
  { name: 'lathe --help', argv: [bin, '--help'], goal: HELP_GOAL_MS },
  { name: 'lathe --version', argv: [bin, '--version'], goal: HELP_GOAL_MS },
  { name: 'lathe data list --help', argv: [bin, 'data', 'list', '--help'], goal: HELP_GOAL_MS },
  {
    name: 'lathe data list',
    argv: [bin, 'data', 'list', '--workspace', workspace],
    goal: READ_GOAL_MS,
  },
  {
    name: 'lathe runs list',
    argv: [bin, 'runs', 'list', '--workspace', workspace],
    goal: READ_GOAL_MS,
  },
  {
    name: 'lathe models list',
    argv: [bin, 'models', 'list', '--workspace', workspace],
    goal: READ_GOAL_MS,
  },
];

const env = { ...process.env, NO_COLOR: '1', LATHE_HOME: '' };
function time(argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${argv.join(' ')} exited with ${r.status}: ${r.stderr.trim()}`);
  }
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  // One run of each first, not counted: the workspace is created and the OS's file cache is warm.
  for (const c of cases) time(c.argv);
  const times = cases.map(() => []);
  for (let i = 0; i < runs; i++) cases.forEach((c, j) => times[j].push(time(c.argv)));
  const floor = median(times[0]);
  console.log(`CLI start-up, median of ${runs} runs each (${bin}):`);
  console.log(
    `${'command'.padEnd(26)} ${'median'.padStart(9)} ${'goal'.padStart(7)} ${'vs goal'.padStart(8)} ${'vs node'.padStart(8)}`,
  );
  cases.forEach((c, j) => {
    const ms = median(times[j]);
    const goal = c.goal ? `${c.goal} ms` : '';
    const vsGoal = c.goal ? `${(ms / c.goal).toFixed(2)}x${ms <= c.goal ? '' : ' !'}` : '';
    console.log(
      `${c.name.padEnd(26)} ${`${ms.toFixed(0)} ms`.padStart(9)} ${goal.padStart(7)} ${vsGoal.padStart(8)} ${`${(ms / floor).toFixed(2)}x`.padStart(8)}`,
    );
  });
  console.log("vs goal: the median over the goal (under 1.00x meets it; '!' marks a miss);");
  console.log('vs node: the median over bare node -e 0 on this machine now.');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
