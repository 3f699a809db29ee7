// Names with path separators, `..` and NUL, and hostile API payloads (wrong types, unknown fields, deep
// nesting, a body over the limit): a coded error naming the field or value, no stack, nothing changed.
// NUL cannot be passed in a command-line argument at all (the OS forbids it), so the CLI gets NUL only
// through files it reads (a train config); the host gets it everywhere.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/contract';
import { STATUS_BY_CODE } from '../../../main/host/server';
import { penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import {
  cliFace,
  hostFace,
  httpRequest,
  seedWorkspace,
  type CliFace,
  type HostFace,
  type Seed,
} from './corpus';

const t = tempDir('lathe-bad-names-');
let cli: CliFace;
let host: HostFace;
let seed: Seed;

const PENGUINS = vega('penguins.json');
const BAD_NAMES = ['a/b', 'a\\b', '..', '../escape', '/abs'];
/** The CLI's share of BAD_NAMES (each CLI case is a process; the host checks every one). */
const CLI_NAMES = new Set(['a/b', '..', '../escape']);

/** A train config file with `patch` applied, for the CLI. */
function configFile(name: string, patch: Record<string, unknown>): string {
  const file = join(t.dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...penguinsConfig(), ...patch }));
  return file;
}

interface NameCase {
  label: string;
  /** CLI arguments; absent when the CLI cannot carry the value (NUL in an argument). */
  args?: () => string[];
  channel: string;
  body: () => unknown;
  code: string;
  /** What the message must name (a field or the value). */
  names: string[];
}

const nameCases: NameCase[] = [
  ...BAD_NAMES.map((bad): NameCase => ({
    label: `dataset name ${JSON.stringify(bad)}`,
    args: CLI_NAMES.has(bad) ? () => ['data', 'import', PENGUINS, '--name', bad] : undefined,
    channel: 'data:import',
    body: () => ({ path: PENGUINS, name: bad }),
    code: 'INVALID_INPUT',
    names: ['name'],
  })),
  {
    label: 'dataset name with NUL',
    channel: 'data:import',
    body: () => ({ path: PENGUINS, name: 'a\u0000b' }),
    code: 'INVALID_INPUT',
    names: ['name'],
  },
  {
    label: 'dataset renamed to ../escape',
    args: () => ['data', 'rename', 'penguins', '../escape'],
    channel: 'data:rename',
    body: () => ({ name: 'penguins', to: '../escape' }),
    code: 'INVALID_INPUT',
    names: ['to'],
  },
  ...BAD_NAMES.map((bad): NameCase => ({
    label: `project name ${JSON.stringify(bad)}`,
    args: CLI_NAMES.has(bad) ? () => ['projects', 'create', bad] : undefined,
    channel: 'projects:create',
    body: () => ({ name: bad }),
    code: 'INVALID_INPUT',
    names: ['name'],
  })),
  {
    label: 'project name with NUL',
    channel: 'projects:create',
    body: () => ({ name: 'a\u0000b' }),
    code: 'INVALID_INPUT',
    names: ['name'],
  },
  {
    label: 'a project created on the fly by an import, named ../escape',
    args: () => ['data', 'import', PENGUINS, '--name', 'fresh', '--project', '../escape'],
    channel: 'data:import',
    body: () => ({ path: PENGUINS, name: 'fresh', project: '../escape' }),
    code: 'INVALID_INPUT',
    names: ['project'],
  },
  {
    label: 'a project created on the fly by a train config, named a/b',
    args: () => ['train', '--config', configFile('project-slash', { project: 'a/b' })],
    channel: 'train:run',
    body: () => ({ config: { ...penguinsConfig(), project: 'a/b' } }),
    code: 'INVALID_CONFIG',
    names: ['project'],
  },
  ...['../escape', 'a/b'].map((bad): NameCase => ({
    label: `model name ${JSON.stringify(bad)}`,
    args: () => ['models', 'register', seed.runId, '--name', bad],
    channel: 'models:register',
    body: () => ({ runId: seed.runId, name: bad }),
    code: 'INVALID_INPUT',
    names: ['name'],
  })),
  {
    label: 'experiment name with NUL (a train config can hold one)',
    args: () => ['train', '--config', configFile('experiment-nul', { experiment: 'a\u0000b' })],
    channel: 'train:run',
    body: () => ({ config: { ...penguinsConfig(), experiment: 'a\u0000b' } }),
    code: 'INVALID_CONFIG',
    names: ['experiment', 'control characters'],
  },
  {
    label: 'run name with NUL in a train config',
    args: () => ['train', '--config', configFile('run-nul', { name: 'run\u0000x' })],
    channel: 'train:run',
    body: () => ({ config: { ...penguinsConfig(), name: 'run\u0000x' } }),
    code: 'INVALID_CONFIG',
    names: ['name', 'control characters'],
  },
  {
    label: 'run renamed to a name with a control character',
    args: () => ['runs', 'rename', seed.runId, 'bell\u0007'],
    channel: 'runs:update',
    body: () => ({ id: seed.runId, name: 'bell\u0007' }),
    code: 'INVALID_INPUT',
    names: ['name', 'control characters'],
  },
  ...['../../lathe.duckdb', '/etc/passwd', 'model/../../../lathe.lock'].map((bad): NameCase => ({
    label: `artifact path ${JSON.stringify(bad)}`,
    args: () => ['runs', 'artifact', seed.runId, bad, '--out', join(t.dir, 'out.bin')],
    channel: 'runs:artifact',
    body: () => ({ id: seed.runId, path: bad }),
    code: 'NOT_FOUND',
    names: [bad],
  })),
  {
    label: 'artifact path with NUL',
    channel: 'runs:artifact',
    body: () => ({ id: seed.runId, path: 'model/model.json\u0000.txt' }),
    code: 'NOT_FOUND',
    names: ['model/model.json'],
  },
];

beforeAll(async () => {
  const seedDir = join(t.dir, 'seed');
  seed = await seedWorkspace(seedDir);
  cli = await cliFace(seedDir, t.dir, 2);
  host = await hostFace(seedDir, join(t.dir, 'host'));
  await cli.runAll(
    nameCases.filter((c) => c.args).map((c) => ({ label: c.label, args: c.args!() })),
  );
}, 120_000);

afterAll(async () => {
  await host?.close();
  t.remove();
});

describe('names with path separators, .. and NUL are refused, naming the field', () => {
  it.each(nameCases.filter((c) => c.args))('CLI: $label', ({ label, code, names }) => {
    const err = cli.failure(label);
    // Through the CLI a config file's error is INVALID_CONFIG and an argument's INVALID_INPUT.
    expect([code, 'INVALID_INPUT', 'INVALID_CONFIG']).toContain(err.code);
    if (code === 'NOT_FOUND') expect(err.code).toBe('NOT_FOUND');
    for (const n of names) expect(err.message).toContain(n);
  });

  it.each(nameCases)('HTTP host: $label', async ({ label, channel, body, code, names }) => {
    const err = await host.fail(await host.invoke(channel, body()), label);
    expect(err.code).toBe(code === 'INVALID_CONFIG' ? 'INVALID_INPUT' : code);
    for (const n of names) expect(err.message).toContain(n);
  });

  it('HTTP host: the artifact download route refuses a path out of the run', async () => {
    for (const bad of ['../../lathe.duckdb', '/etc/passwd']) {
      const answer = await httpRequest(
        host.host.port,
        `/api/artifacts?run=${seed.runId}&path=${encodeURIComponent(bad)}`,
        { method: 'GET' },
      );
      const err = await host.fail(answer, `GET artifact ${bad}`);
      expect(err.code).toBe('NOT_FOUND');
      expect(answer.body).not.toContain('DUCK');
    }
  });
});

const nested = (depth: number, open: string, close: string, inner = '1') =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

interface PayloadCase {
  label: string;
  channel: string;
  /** The raw body text. */
  body: () => string;
  status: number;
  names: string[];
}

const payloads: PayloadCase[] = [
  {
    label: 'a number where a path belongs',
    channel: 'data:import',
    body: () => JSON.stringify({ path: 5, name: 'x' }),
    status: 400,
    names: ['path', 'expected string'],
  },
  {
    label: 'an array where a project name belongs',
    channel: 'projects:create',
    body: () => JSON.stringify({ name: ['a'] }),
    status: 400,
    names: ['name'],
  },
  {
    label: 'a string where a train config belongs',
    channel: 'train:run',
    body: () => JSON.stringify({ config: 'penguins' }),
    status: 400,
    names: ['config', 'expected object'],
  },
  {
    label: 'a boolean where an alias belongs',
    channel: 'models:alias',
    body: () => JSON.stringify({ ref: 'penguin-model@1', alias: true }),
    status: 400,
    names: ['alias'],
  },
  {
    label: 'a string where a page size belongs',
    channel: 'runs:list',
    body: () => JSON.stringify({ limit: 'ten' }),
    status: 400,
    names: ['limit'],
  },
  {
    label: 'an unknown field (refused, not silently dropped)',
    channel: 'projects:create',
    body: () => JSON.stringify({ name: 'Extra', colour: 'red' }),
    status: 400,
    names: ["unknown field 'colour'", 'name'],
  },
  {
    label: 'a misspelt option (allowSchemaChnage) on an import',
    channel: 'data:import',
    body: () => JSON.stringify({ path: PENGUINS, name: 'typo', allowSchemaChnage: true }),
    status: 400,
    names: ["'allowSchemaChnage'"],
  },
  {
    label: 'a body of 10,000 nested arrays',
    channel: 'projects:create',
    body: () => nested(10_000, '[', ']'),
    status: 400,
    names: ['expected object'],
  },
  {
    label: 'a field of 10,000 nested arrays',
    channel: 'projects:create',
    body: () => `{"name":"Deep","description":${nested(10_000, '[', ']')}}`,
    status: 400,
    names: ['description'],
  },
  {
    label: 'an alert rule field of 10,000 nested objects',
    channel: 'monitor:rules:set',
    body: () =>
      `{"rules":{"rules":[{"name":"x","model":"m","signal":"metric","metric":${nested(10_000, '{"a":', '}')}}]}}`,
    status: 400,
    names: ['rules.rules.0.metric'],
  },
  {
    label: 'a JSON array as the whole body',
    channel: 'projects:create',
    body: () => '[]',
    status: 400,
    names: ['expected object'],
  },
  {
    label: 'a bare string as the whole body',
    channel: 'projects:create',
    body: () => '"Default"',
    status: 400,
    names: ['expected object'],
  },
  {
    label: 'a body that is not JSON',
    channel: 'projects:create',
    body: () => '{"name": "x",',
    status: 400,
    names: ['invalid JSON body'],
  },
  {
    label: 'an unknown channel',
    channel: 'data:explode',
    body: () => '{}',
    status: 404,
    names: ['data:explode'],
  },
  {
    label: 'a body one byte over the 16 MiB limit',
    channel: 'projects:create',
    body: () => {
      const limit = 16 * 1024 * 1024;
      const head = '{"name":"Big","description":"';
      return `${head}${'x'.repeat(limit + 1 - head.length - 2)}"}`;
    },
    status: 413,
    names: ['limit'],
  },
];

describe('hostile API payloads: a 4xx naming the field, no stack, nothing changed', () => {
  it.each(payloads)('HTTP host: $label', async ({ label, channel, body, status, names }) => {
    const text = body();
    const err = await host.fail(await host.invoke(channel, text), label);
    expect(err.status).toBe(status);
    for (const n of names) expect(err.message).toContain(n);
  });

  it('HTTP host: a body over the limit announced by Content-Length is refused before it is read', async () => {
    const answer = await httpRequest(host.host.port, '/api/invoke/projects:create', {
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(64 * 1024 * 1024) },
      body: '{"name":"x"',
    });
    const err = await host.fail(answer, 'declared 64 MiB');
    expect(err.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
  });

  it('HTTP host: a body that is exactly within the limit is read (the limit is not off by one)', async () => {
    const limit = 16 * 1024 * 1024;
    const text = `{"name":"Edge","description":"${'x'.repeat(10)}"}`;
    const padded = text + ' '.repeat(limit - Buffer.byteLength(text));
    const answer = await host.invoke('projects:list', padded);
    // projects:list takes no fields: the body was read and parsed, then refused for its fields.
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('name');
  });
});

describe('every error code has a considered HTTP status', () => {
  it('maps each code: 409 for a state that refuses the call now, 4xx for the request, 5xx only for faults', () => {
    for (const code of ErrorCode.options) {
      expect(STATUS_BY_CODE[code], code).toBeGreaterThanOrEqual(400);
      expect(STATUS_BY_CODE[code], code).toBeLessThan(600);
    }
    expect(STATUS_BY_CODE.GATE_FAILED).toBe(409);
    expect(STATUS_BY_CODE.CANCELLED).toBe(409);
    expect(STATUS_BY_CODE.WORKSPACE_LOCKED).toBe(409);
    expect(STATUS_BY_CODE.WORKSPACE_READ_ONLY).toBe(409);
    expect(STATUS_BY_CODE.INTERNAL).toBe(500);
    const fivexx = ErrorCode.options.filter((c) => STATUS_BY_CODE[c] >= 500);
    expect(fivexx.sort()).toEqual(['INTERNAL', 'NETWORK']);
  });

  it('a promotion refused by a gate answers 409 GATE_FAILED, and the alias does not move', async () => {
    const set = await host.invoke('gates:set', {
      project: 'Default',
      policy: { metrics: [{ metric: 'accuracy', min: 1 }] },
    });
    expect(set.status, set.body).toBe(200);
    await host.rebase();
    const answer = await host.invoke('models:alias', {
      ref: `${seed.model}@1`,
      alias: 'champion',
      reason: 'try it',
    });
    const err = await host.fail(answer, 'gated promotion');
    expect(err.status).toBe(409);
    expect(err.code).toBe('GATE_FAILED');
    expect(err.message).toContain(`${seed.model}@1 cannot take alias 'champion'`);
  });

  it('a cancelled import answers 409 CANCELLED and leaves nothing behind', async () => {
    const file = join(t.dir, 'long.csv');
    const rows = Array.from({ length: 400_000 }, (_, i) => `${i},${i * 0.5},label-${i % 7}`);
    writeFileSync(file, `id,x,label\n${rows.join('\n')}\n`);
    await host.rebase();
    const started = new Promise<void>((resolveStarted) => {
      const off = host.services.bus.subscribe((frame) => {
        const payload = (frame as { payload?: { op?: string; name?: string } }).payload;
        if (payload?.name === 'long' && payload.op === 'import') {
          off();
          resolveStarted();
        }
      });
    });
    const importing = host.invoke('data:import', { path: file, name: 'long' });
    await started;
    const cancel = await host.invoke('data:cancelImport', { name: 'long' });
    expect(cancel.status, cancel.body).toBe(200);
    const err = await host.fail(await importing, 'cancelled import');
    expect(err.status).toBe(409);
    expect(err.code).toBe('CANCELLED');
  });
});
