// The static checks of `npm test`, two at a time: `tsc -b` then `prettier --check .` on one core, `eslint .`
// (type-aware, the longest) on the other. One after another they took about 150 s of a CI run on two
// cores; side by side about as long as eslint alone. Each check's output is printed whole when it ends (not
// interleaved); the exit code is non-zero when any failed, after all have ended.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not URL#pathname: a checkout under a path with spaces is percent-encoded there.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
/** A package's bin script, run with this node (no shell, no npx). */
const bin = (pkg, name) => join(dirname(require.resolve(`${pkg}/package.json`)), name);

const checks = [
  [
    ['typecheck', bin('typescript', 'bin/tsc'), ['-b']],
    ['format', bin('prettier', 'bin/prettier.cjs'), ['--check', '.', '--log-level', 'warn']],
  ],
  [['lint', bin('eslint', 'bin/eslint.js'), ['.', '--max-warnings', '0']]],
];

function run([name, script, args]) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => (out += `${err.message}\n`));
    child.on('close', (code, signal) => {
      const ok = code === 0;
      const took = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(
        `${ok ? '✓' : '✗'} ${name} (${took} s)${ok ? '' : `: exit ${code ?? signal}`}\n`,
      );
      if (out.trim()) process.stdout.write(`${out.trimEnd()}\n`);
      resolve(ok);
    });
  });
}

const results = await Promise.all(
  checks.map(async (lane) => {
    const oks = [];
    for (const check of lane) oks.push(await run(check));
    return oks;
  }),
);
process.exit(results.flat().every(Boolean) ? 0 : 1);
