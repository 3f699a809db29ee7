#!/usr/bin/env node
'use strict';
// The `lathe` executable: runs the built CLI bundle, building it first in a fresh source checkout.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const entry = join(root, 'out', 'main', 'cli.cjs');
if (!existsSync(entry)) {
  require('node:child_process').execFileSync(process.execPath, [join(root, 'esbuild.config.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
// The front (out/main/cli.cjs) is small; the commands' runtime is loaded when a command runs, keeping V8's
// code cache of its bundle.
let runtime;
const loadRuntime = async () => {
  runtime ??= require('./code-cache.cjs').requireWithCodeCache(
    join(root, 'out', 'main', 'cli-run.cjs'),
  );
  return runtime.exports;
};
require(entry)
  .main(process.argv.slice(2), undefined, loadRuntime)
  .then(
    (code) => {
      process.exitCode = code;
      runtime?.save();
      // Pending handles (a finished worker, a socket) must not keep a finished command alive; but a
      // piped stdout may still hold an answer larger than the pipe's buffer: exit once both streams have
      // handed everything written to the OS (write callbacks run in order).
      process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
    },
    (err) => {
      process.stderr.write(`error: ${err && err.message ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
