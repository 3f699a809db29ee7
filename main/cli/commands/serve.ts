// `lathe serve`, `lathe keys …`, `lathe export docker`, `lathe predict`: serving from the command line.
import { resolve } from 'node:path';
import { LatheError } from '../../../shared/contract';
import { exportDocker } from '../../serve/docker-export';
import { createKeyStore, keyAuth } from '../../serve/keys';
import { packageOf, type PackageDeps } from '../../serve/packaged-model';
import { createPredictionLog, workspaceSink } from '../../serve/prediction-log';
import { loadPredictor } from '../../serve/predictor';
import { startPredictServer, type ModelRoute } from '../../serve/server';
import type { Predictor } from '../../serve/types';
import { latheVersion } from '../../version';
import { bool, num, str, type Command, type Ctx } from '../command';
import { openSession } from '../context';
import { createProgress, formatBytes, formatDuration, table } from '../output';

/** `NAME@alias:PERCENT` → ref and percent. */
function parseCanary(spec: string): { ref: string; percent: number } {
  const m = /^(.+):(\d+(?:\.\d+)?)$/.exec(spec);
  const percent = m ? Number(m[2]) : NaN;
  if (!m || !(percent > 0 && percent < 100))
    throw new LatheError(
      'INVALID_INPUT',
      `--canary ${spec}: expected NAME@ALIAS:PERCENT with 0 < PERCENT < 100 (e.g. m@challenger:10)`,
    );
  return { ref: m[1]!, percent };
}

/** Owner-only: serving needs the workspace's artifacts and writes its prediction log. */
async function ownerSession(ctx: Ctx) {
  const session = await openSession(ctx.workspaceDir, {
    requireOwner: true,
    say: (m) => ctx.say(m),
  });
  const services = session.services!;
  const deps: PackageDeps = {
    registry: services.registry,
    tracking: services.tracking,
    artifacts: services.workspace.artifacts,
    tmpDir: services.workspace.paths.tmp,
  };
  return { session, services, deps };
}

/** The serving commands (each owns the workspace: it needs its artifacts and writes its tables). */
export const serveCommands: Command[] = [
  {
    path: ['serve'],
    summary:
      'Serve a registered model over HTTP (POST /v1/models/NAME/predict, /health, /ready, /metrics, /openapi.json) until Ctrl-C.',
    positionals: [
      { name: 'NAME@ALIAS', required: true, description: 'the model version to serve' },
    ],
    flags: {
      port: { type: 'number', value: 'PORT', description: 'port (default 8000; 0: any free port)' },
      host: { type: 'string', value: 'ADDR', description: 'address to bind (default 127.0.0.1)' },
      canary: {
        type: 'string',
        value: 'NAME@ALIAS:PERCENT',
        description: 'a challenger answering PERCENT of requests (by request id)',
      },
      shadow: {
        type: 'string',
        value: 'NAME@ALIAS',
        description: 'a challenger scored and logged on every request; the champion answers',
      },
      'require-key': {
        type: 'boolean',
        description: 'refuse requests without an API key even when none exists',
      },
      'max-batch': {
        type: 'number',
        value: 'N',
        description: 'records per request (default 1000)',
      },
    },
    async run(ctx) {
      const port = num(ctx, 'port') ?? 8000;
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new LatheError('INVALID_INPUT', `--port: ${port} is not a port number`);
      const ref = ctx.args.positionals[0]!;
      const canary = str(ctx, 'canary') ? parseCanary(str(ctx, 'canary')!) : undefined;
      const { session, services, deps } = await ownerSession(ctx);
      const loaded: Predictor[] = [];
      try {
        const load = async (r: string) => {
          const p = await loadPredictor((await packageOf(deps, r)).dir);
          loaded.push(p);
          return p;
        };
        const champion = await load(ref);
        const route: ModelRoute = { name: champion.meta.model, champion };
        if (canary) route.canary = { predictor: await load(canary.ref), percent: canary.percent };
        if (str(ctx, 'shadow')) route.shadow = await load(str(ctx, 'shadow')!);
        const keys = await createKeyStore(services.workspace.db).active();
        const auth = keyAuth(keys, bool(ctx, 'require-key'));
        const server = await startPredictServer({
          models: [route],
          port,
          host: str(ctx, 'host') ?? '127.0.0.1',
          maxBatch: num(ctx, 'max-batch') ?? 1000,
          auth,
          log: createPredictionLog(workspaceSink(services.workspace.db)),
          serverVersion: latheVersion(),
        });
        loaded.length = 0; // the server owns the predictors now
        const served = `${champion.meta.model}@${champion.meta.version}`;
        if (ctx.json)
          ctx.io.stdout.write(
            `${JSON.stringify({ url: server.url, model: champion.meta.model, version: champion.meta.version, pid: process.pid })}\n`,
          );
        else
          ctx.io.stderr.write(
            `Serving ${served} at ${server.url}/v1/models/${encodeURIComponent(route.name)}/predict` +
              `${route.canary ? `  canary ${route.canary.predictor.meta.model}@${route.canary.predictor.meta.version} ${route.canary.percent}%` : ''}` +
              `${route.shadow ? `  shadow ${route.shadow.meta.model}@${route.shadow.meta.version}` : ''}` +
              `\n${auth.required ? `API key required (${keys.length} active)` : 'no API keys: open to this address'} — press Ctrl-C to stop\n`,
          );
        await ctx.io.interrupted;
        ctx.say('stopping: finishing requests in flight and flushing the prediction log');
        await server.close();
      } finally {
        await Promise.allSettled(loaded.map((p) => p.close()));
        await session.close();
      }
      return 0;
    },
  },
  {
    path: ['keys', 'create'],
    summary:
      'Create an API key for `lathe serve`; the key is printed once (only its sha256 is stored).',
    positionals: [{ name: 'NAME', required: true, description: 'a name for the key' }],
    flags: {
      models: {
        type: 'string',
        value: 'M1,M2',
        description: 'models the key may call (default: all)',
      },
      rate: { type: 'number', value: 'N', description: 'requests per minute (default: unlimited)' },
    },
    async run(ctx) {
      const { session, services } = await ownerSession(ctx);
      try {
        const models = str(ctx, 'models')?.split(',');
        const rate = num(ctx, 'rate');
        const { key, info } = await createKeyStore(services.workspace.db).create({
          name: ctx.args.positionals[0]!,
          ...(models ? { models } : {}),
          ...(rate !== undefined ? { rateLimit: rate } : {}),
        });
        ctx.result(
          { key, ...info },
          () =>
            `${key}\n\nAPI key ${info.name} created (models ${info.models?.join(', ') ?? 'all'}, ${info.rateLimit ?? 'unlimited'} requests/min).\nStore it now: it is not shown again.`,
        );
      } finally {
        await session.close();
      }
      return 0;
    },
  },
  {
    path: ['keys', 'list'],
    summary: 'API keys (never the secrets): name, models, rate limit, created, revoked.',
    positionals: [],
    flags: {},
    async run(ctx) {
      const { session, services } = await ownerSession(ctx);
      try {
        const keys = await createKeyStore(services.workspace.db).list();
        ctx.result(keys, () =>
          keys.length === 0
            ? 'No API keys: `lathe serve` accepts requests without one.'
            : table(
                ['name', 'id', 'models', 'rate/min', 'created', 'revoked'],
                keys.map((k) => [
                  k.name,
                  k.id,
                  k.models?.join(',') ?? 'all',
                  k.rateLimit ?? '',
                  k.createdAt.slice(0, 19).replace('T', ' '),
                  k.revokedAt?.slice(0, 19).replace('T', ' ') ?? '',
                ]),
                100,
              ),
        );
      } finally {
        await session.close();
      }
      return 0;
    },
  },
  {
    path: ['keys', 'revoke'],
    summary: 'Revoke an API key by name or id (takes effect when `lathe serve` next starts).',
    positionals: [{ name: 'NAME', required: true, description: 'the key name or id' }],
    flags: {},
    async run(ctx) {
      const { session, services } = await ownerSession(ctx);
      try {
        const info = await createKeyStore(services.workspace.db).revoke(ctx.args.positionals[0]!);
        ctx.result(info, () => `Revoked API key ${info.name} (${info.id}).`);
      } finally {
        await session.close();
      }
      return 0;
    },
  },
  {
    path: ['export', 'docker'],
    summary:
      'Write a Docker build context for a model version: Dockerfile, the model package, a bundled server, onnxruntime and Kubernetes manifests.',
    positionals: [
      { name: 'NAME@ALIAS', required: true, description: 'the model version to export' },
    ],
    flags: {
      out: { type: 'string', value: 'DIR', required: true, description: 'a new (or empty) folder' },
    },
    async run(ctx) {
      const { session, services, deps } = await ownerSession(ctx);
      try {
        const version = await services.registry.version(ctx.args.positionals[0]!);
        const out = resolve(str(ctx, 'out')!);
        const r = await exportDocker({
          version,
          out,
          writePackage: (dir) => packageOf(deps, `${version.model}@${version.version}`, dir),
        });
        ctx.result(
          { ...r, model: version.model, version: version.version },
          () =>
            `Docker context for ${version.model}@${version.version} in ${r.dir}: ${r.files.length} files, ${formatBytes(r.bytes)} (${r.bytes} bytes)\n` +
            `  docker build -t ${r.image}:${version.version} ${r.dir}\n  docker run --rm -p 8080:8080 ${r.image}:${version.version}`,
        );
      } finally {
        await session.close();
      }
      return 0;
    },
  },
  {
    path: ['predict'],
    summary:
      'Predict every row of a file (or glob) with a model version: writes the id, the prediction and per-class probabilities to .csv or .parquet.',
    positionals: [
      { name: 'NAME@ALIAS', required: true, description: 'the model version (NAME@3, NAME@alias)' },
    ],
    flags: {
      input: {
        type: 'string',
        value: 'FILE|GLOB',
        required: true,
        description: 'input .csv/.tsv/.parquet/.json/.jsonl file(s); quote a glob',
      },
      output: {
        type: 'string',
        value: 'FILE',
        required: true,
        description: 'output .csv or .parquet (written whole or not at all)',
      },
      'id-column': {
        type: 'string',
        value: 'C',
        description: 'input column copied as the id (default: the row number, as `row`)',
      },
      'chunk-rows': {
        type: 'number',
        value: 'N',
        description: 'rows scored per step (default 100000)',
      },
    },
    async run(ctx) {
      const output = resolve(str(ctx, 'output')!);
      const chunkRows = num(ctx, 'chunk-rows');
      const session = await openSession(ctx.workspaceDir, { say: (m) => ctx.say(m) });
      const bar = createProgress(ctx.io.stderr, !ctx.json);
      const off = session.api.on('data:progress', (p) => {
        if (p.op !== 'predict' || p.name !== output) return;
        bar.update(
          p.fraction,
          `${p.message}${p.etaMs !== undefined ? ` ETA ${formatDuration(p.etaMs)}` : ''}`,
        );
      });
      try {
        const r = await session.api.invoke('predict:batch', {
          model: ctx.args.positionals[0]!,
          // Absolute before it leaves this process: the workspace owner may run in another folder.
          input: resolve(str(ctx, 'input')!),
          output,
          ...(str(ctx, 'id-column') !== undefined ? { idColumn: str(ctx, 'id-column') } : {}),
          ...(chunkRows !== undefined ? { chunkRows } : {}),
        });
        bar.done();
        const rate = r.durationMs > 0 ? Math.round((r.rows * 1000) / r.durationMs) : r.rows;
        ctx.result(
          r,
          () =>
            `Predicted ${r.rows} rows with ${r.model}@${r.version} in ${formatDuration(r.durationMs)} (${rate} rows/s) → ${r.output}\n` +
            `  columns ${r.columns.join(', ')}\n  input ${r.files.length} file(s), sha256 ${r.inputSha256.slice(0, 16)}…`,
        );
      } finally {
        off();
        bar.done();
        await session.close();
      }
      return 0;
    },
  },
];
