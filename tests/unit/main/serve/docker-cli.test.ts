import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  exportCliContext,
  prunedLock,
  runtimeDependencies,
} from '../../../../main/serve/docker-cli';
import { latheVersion } from '../../../../main/version';
import { cliEnv } from '../../../helpers/cli';
import { REPO } from '../../../helpers/workspace';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lathe-docker-cli-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  optional?: boolean;
}

describe('exportCliContext', () => {
  it('writes a build context of the CLI: Dockerfile, the runtime packages locked, the built bundles', async () => {
    const out = join(tmp, 'ctx');
    const r = await exportCliContext(out);
    expect(r.dir).toBe(out);
    expect(r.image).toBe(`lathe-cli:${latheVersion()}`);
    for (const f of [
      'Dockerfile',
      '.dockerignore',
      'README.md',
      'package.json',
      'package-lock.json',
      'main/cli/lathe.cjs',
      'main/cli/code-cache.cjs',
      'out/main/cli.cjs',
      'out/main/cli-run.cjs',
      'out/main/train-worker.cjs',
      'out/main/eval-worker.cjs',
      'out/main/validation-worker.cjs',
      // lathe demo runs the shipped pipeline in the image too.
      'resources/pipelines/flights-demo.yaml',
    ])
      expect(r.files).toContain(f);
    expect(r.files.filter((f) => f.endsWith('.map') || f.endsWith('.v8cache'))).toEqual([]);
    expect(r.bytes).toBeGreaterThan(1_000_000);

    const docker = readFileSync(join(out, 'Dockerfile'), 'utf8');
    expect(docker).toMatch(/^FROM node:20[\w.-]*-slim$/m);
    expect(docker).toContain('RUN npm ci --omit=dev');
    expect(docker).toContain('ENTRYPOINT ["lathe"]');
    expect(docker).toContain('ONNXRUNTIME_NODE_INSTALL=skip');
    expect(docker).toContain('COPY out ./out');

    const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      dependencies: Record<string, string>;
    };
    const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // The CLI finds its root by the name `lathe` and reads its version there.
    expect(pkg).toMatchObject({ name: 'lathe', version: latheVersion() });
    for (const name of [
      '@duckdb/node-api',
      'onnxruntime-node',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-wasm',
      'zod',
    ])
      expect(pkg.dependencies[name]).toBe(root.dependencies[name]);
    expect(pkg.dependencies['chart.js']).toBeUndefined();
    expect(pkg.dependencies['@tensorflow/tfjs-node']).toBeUndefined();

    // npm ci needs a lock that agrees with package.json and holds everything its packages need.
    const lock = JSON.parse(readFileSync(join(out, 'package-lock.json'), 'utf8')) as {
      lockfileVersion: number;
      packages: Record<string, LockEntry>;
    };
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages['']!.dependencies).toEqual(pkg.dependencies);
    expect(lock.packages['node_modules/@duckdb/node-bindings-linux-x64']?.optional).toBe(true);
    expect(lock.packages['node_modules/react']).toBeDefined();
    expect(lock.packages['node_modules/chart.js']).toBeUndefined();
    expect(lock.packages['node_modules/vitest']).toBeUndefined();
    for (const [key, entry] of Object.entries(lock.packages)) {
      expect(entry.dev, key).toBeUndefined();
      for (const dep of Object.keys(entry.dependencies ?? {})) {
        const paths: string[] = [];
        for (let at = key; ; at = at.replace(/\/?node_modules\/(?:@[^/]+\/)?[^/]+$/, '')) {
          paths.push(`${at ? `${at}/` : ''}node_modules/${dep}`);
          if (at === '') break;
        }
        expect(
          paths.some((p) => lock.packages[p]),
          `${key} needs ${dep}`,
        ).toBe(true);
      }
    }
  });

  it('the context runs as the CLI once its packages are installed', async () => {
    const out = join(tmp, 'ctx');
    await exportCliContext(out);
    // What npm ci installs, as this checkout has it.
    symlinkSync(join(REPO, 'node_modules'), join(out, 'node_modules'), 'dir');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(out, 'main/cli/lathe.cjs'), ...args], {
        cwd: out,
        encoding: 'utf8',
        env: cliEnv(),
        timeout: 120_000,
      });
    const help = run('--help');
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain(`Lathe ${latheVersion()}`);
    const list = run('data', 'list', '--workspace', join(tmp, 'ws'), '--json');
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expect(existsSync(join(tmp, 'ws'))).toBe(true);
  });

  it('refuses a non-empty folder and a folder in the workspace, writing nothing', async () => {
    const out = join(tmp, 'full');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    await expect(exportCliContext(out)).rejects.toThrow(`the folder ${out} is not empty`);
    expect(readdirSync(out)).toEqual(['keep.txt']);
    const ws = join(tmp, 'ws');
    mkdirSync(ws);
    await expect(exportCliContext(join(ws, 'ctx'), { workspaceDir: ws })).rejects.toThrow(
      /is inside the workspace/,
    );
    expect(readdirSync(ws)).toEqual([]);
  });

  it('names npm run build when the CLI is not built', async () => {
    const root = join(tmp, 'root');
    mkdirSync(root);
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'lathe', version: '1.0.0' }));
    const out = join(tmp, 'ctx');
    await expect(exportCliContext(out, { root })).rejects.toThrow(
      /the built CLI is missing .*cli\.cjs.*: run npm run build/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe('runtimeDependencies and prunedLock', () => {
  it('keeps the dependencies a bundle loads', () => {
    const deps = { a: '1', '@s/b': '2', c: '3', d: '4' };
    const bundles = ['x = require("a"); y = require("@s/b/sub");', 'require.resolve("d")'];
    expect(runtimeDependencies(deps, bundles)).toEqual({ a: '1', '@s/b': '2', d: '4' });
  });

  it('keeps what the dependencies need, resolved as Node does, without dev flags', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'lathe' },
        'node_modules/a': { version: '1.0.0', dependencies: { b: '^1', c: '^2' } },
        'node_modules/a/node_modules/b': { version: '1.5.0' },
        'node_modules/b': { version: '9.0.0', dev: true },
        'node_modules/c': { version: '2.0.0', dev: true, optionalDependencies: { e: '1' } },
        'node_modules/d': { version: '1.0.0', dev: true },
      },
    };
    const pruned = prunedLock(lock, { name: 'lathe', version: '0.1.0' }, { a: '^1.0.0' });
    expect(pruned.packages).toEqual({
      '': { name: 'lathe', version: '0.1.0', dependencies: { a: '^1.0.0' } },
      'node_modules/a': lock.packages['node_modules/a'],
      'node_modules/a/node_modules/b': { version: '1.5.0' },
      'node_modules/c': { version: '2.0.0', optionalDependencies: { e: '1' } },
    });
    expect(() => prunedLock(lock, { name: 'lathe', version: '0.1.0' }, { missing: '1' })).toThrow(
      /package-lock.json has no missing \(needed by the CLI\)/,
    );
  });
});
