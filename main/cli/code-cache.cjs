'use strict';
// V8's code cache of the CLI's runtime bundle (out/main/cli-run.cjs), for main/cli/lathe.cjs and the build.

/**
 * The text of `bytes`: read as Latin-1 when it is all ASCII (the build escapes the runtime bundle to ASCII:
 * esbuild.config.mjs), which is the same text, decoded several times faster than UTF-8 and kept by V8 as
 * one byte per character.
 */
function sourceOf(bytes) {
  const { isAscii } = require('node:buffer');
  return typeof isAscii === 'function' && isAscii(bytes)
    ? bytes.toString('latin1')
    : bytes.toString('utf8');
}

/**
 * `require(file)` (its exports are `exports`), with V8's code cache of it kept beside it (FILE.v8cache):
 * without it, most of a short command's start-up is compiling the bundle. V8 rejects a cache made from other source or by
 * another V8, and `save()` then writes a fresh one, after the command ran (so the functions it compiled are
 * in). The build writes the first (esbuild.config.mjs, with `rebuild`) after loading every command file. Any trouble with the cache file (read-only out/, a race with another lathe) only costs the speed-up.
 */
function requireWithCodeCache(file, { rebuild = false } = {}) {
  const fs = require('node:fs');
  const vm = require('node:vm');
  const Module = require('node:module');
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = rebuild ? undefined : fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(sourceOf(fs.readFileSync(file))), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(require('node:path').dirname(file));
  require.cache[file] = mod;
  const requireFromBundle = Module.createRequire(file);
  script
    .runInThisContext({ displayErrors: true })
    .call(
      mod.exports,
      mod.exports,
      requireFromBundle,
      mod,
      file,
      require('node:path').dirname(file),
    );
  mod.loaded = true;
  const fresh = cachedData === undefined || script.cachedDataRejected === true;
  return {
    exports: mod.exports,
    save() {
      if (!fresh) return;
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        // no cache this time
      }
    },
  };
}

module.exports = { requireWithCodeCache, sourceOf };
