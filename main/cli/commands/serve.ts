// `lathe serve`, `lathe keys …`, `lathe export docker`, `lathe predict`: serving from the command line.
import { resolve } from 'node:path';
import { ApiKeyScope, LatheError, type LatheApi } from '../../../shared/contract';
import { unreadableText } from '../../../shared/unreadable';
import { UsageError } from '../args';
import {
  bool,
  invoke,
  num,
  str,
  strs,
  withStandingSession,
  SHORT_COMMAND_MS,
  type Command,
  type Ctx,
} from '../command';
import { createProgress, formatBytes, formatDuration, table } from '../output';
import { cancelOnInterrupt } from '../runners';

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

/** --capture: all, none or a rate in (0, 1]. */
function captureOf(spec: string | undefined): 'all' | 'none' | number | undefined {
  if (spec === undefined || spec === 'all' || spec === 'none') return spec;
  const rate = Number(spec);
  if (spec.trim() === '' || !(rate > 0 && rate <= 1))
    throw new LatheError(
      'INVALID_INPUT',
      `--capture ${spec}: expected all, none or a rate with 0 < RATE <= 1 (e.g. 0.1)`,
      { capture: spec },
    );
  return rate;
}

/** How often a foreground `lathe serve` checks that its server still runs. */
const WATCH_MS = 2000;

/**
 * Waits for Ctrl-C, or for server `id` to stop running elsewhere (stopped from the Deploy view, or its
 * owner exited): resolves true in that second case. Its timer also keeps this process alive while the
 * server runs in another process.
 */
function untilInterruptedOrGone(ctx: Ctx, api: LatheApi, id: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<true>((resolveGone) => {
    timer = setInterval(() => {
      api.invoke('serve:list', {}).then(
        (running) => {
          if (!running.some((r) => r.id === id)) resolveGone(true);
        },
        () => resolveGone(true),
      );
    }, WATCH_MS);
  });
  return Promise.race([ctx.io.interrupted.then(() => false), gone]).finally(() =>
    clearInterval(timer),
  );
}

/**
 * `lathe serve`, `lathe keys …` and `lathe export docker` call the deploy channels, so they work in the
 * process that owns the workspace and through a running app's host alike.
 */
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
      const maxBatch = num(ctx, 'max-batch') ?? 1000;
      if (!Number.isInteger(maxBatch) || maxBatch < 1)
        throw new LatheError(
          'INVALID_INPUT',
          `--max-batch: ${maxBatch} is not a positive whole number`,
        );
      const canary = str(ctx, 'canary') ? parseCanary(str(ctx, 'canary')!) : undefined;
      const shadow = str(ctx, 'shadow');
      const host = str(ctx, 'host');
      // Owning the workspace, it runs a host too: keys, export and the rest go through it meanwhile.
      await withStandingSession(ctx, { command: 'lathe serve' }, async ({ api }) => {
        const s = await api.invoke('serve:start', {
          ref: ctx.args.positionals[0]!,
          port,
          ...(host !== undefined ? { host, network: true } : {}),
          ...(canary ? { canary } : {}),
          ...(shadow ? { shadow } : {}),
          requireKey: bool(ctx, 'require-key'),
          maxBatch,
        });
        if (ctx.json)
          ctx.io.stdout.write(
            `${JSON.stringify({ url: s.url, model: s.model, version: s.version, pid: process.pid })}\n`,
          );
        else
          ctx.io.stderr.write(
            `Serving ${s.model}@${s.version} at ${s.url}/v1/models/${encodeURIComponent(s.model)}/predict` +
              `${s.canary ? `  canary ${s.canary.model}@${s.canary.version} ${s.canary.percent}%` : ''}` +
              `${s.shadow ? `  shadow ${s.shadow.model}@${s.shadow.version}` : ''}` +
              `\n${s.auth.required ? `API key required (${s.auth.activeKeys} active)` : 'no API keys: open to this address'} — press Ctrl-C to stop\n`,
          );
        if (await untilInterruptedOrGone(ctx, api, s.id))
          throw new LatheError(
            'NOT_FOUND',
            `the server of ${s.model}@${s.version} stopped: the process that owns the workspace stopped it or exited`,
          );
        ctx.say('stopping: finishing requests in flight and flushing the prediction log');
        await api.invoke('serve:stop', { id: s.id });
      });
      return 0;
    },
  },
  {
    path: ['keys', 'create'],
    summary:
      'Create an API key for `lathe serve` (or, with --scope, the MLflow API and UI of `lathe server --auth`); the key is printed once (only its sha256 is stored).',
    positionals: [{ name: 'NAME', required: true, description: 'a name for the key' }],
    flags: {
      models: {
        type: 'string',
        value: 'M1,M2',
        description: 'models the key may call (default: all)',
      },
      rate: { type: 'number', value: 'N', description: 'requests per minute (default: unlimited)' },
      scope: {
        type: 'string',
        value: 'SCOPE',
        multiple: true,
        description: `what the key may do: ${ApiKeyScope.options.join(', ')} (default predict; repeatable or comma-separated)`,
      },
    },
    async run(ctx) {
      const models = str(ctx, 'models')?.split(',');
      const rate = num(ctx, 'rate');
      const scopes = strs(ctx, 'scope')
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => {
          const parsed = ApiKeyScope.safeParse(s);
          if (!parsed.success)
            throw new LatheError(
              'INVALID_INPUT',
              `--scope ${s}: expected one of ${ApiKeyScope.options.join(', ')}`,
              { scope: s },
            );
          return parsed.data;
        });
      const created = await invoke(ctx, 'keys:create', {
        name: ctx.args.positionals[0]!,
        ...(models ? { models } : {}),
        ...(rate !== undefined ? { rateLimit: rate } : {}),
        ...(scopes.length ? { scopes } : {}),
      });
      ctx.result(
        created,
        () =>
          `${created.key}\n\nAPI key ${created.name} created (scopes ${(created.scopes ?? ['predict']).join(', ')}; models ${created.models?.join(', ') ?? 'all'}, ${created.rateLimit ?? 'unlimited'} requests/min).\nStore it now: it is not shown again.`,
      );
      return 0;
    },
  },
  {
    path: ['keys', 'list'],
    opensWorkspace: true,
    summary: 'API keys (never the secrets): name, models, rate limit, created, revoked.',
    positionals: [],
    flags: {},
    async run(ctx) {
      const keys = await invoke(ctx, 'keys:list', {});
      ctx.result(keys, () =>
        keys.length === 0
          ? 'No API keys: `lathe serve` accepts requests without one.'
          : table(
              ['name', 'id', 'scopes', 'models', 'rate/min', 'created', 'revoked'],
              keys.map((k) => [
                k.name,
                k.id,
                (k.scopes ?? ['predict']).join(','),
                k.models?.join(',') ?? 'all',
                k.rateLimit ?? '',
                k.createdAt.slice(0, 19).replace('T', ' '),
                k.revokedAt?.slice(0, 19).replace('T', ' ') ?? '',
              ]),
              100,
            ),
      );
      return 0;
    },
  },
  {
    path: ['keys', 'revoke'],
    summary: 'Revoke an API key by name or id (takes effect when `lathe serve` next starts).',
    positionals: [{ name: 'NAME', required: true, description: 'the key name or id' }],
    flags: {},
    async run(ctx) {
      const info = await invoke(ctx, 'keys:revoke', { name: ctx.args.positionals[0]! });
      ctx.result(info, () => `Revoked API key ${info.name} (${info.id}).`);
      return 0;
    },
  },
  {
    path: ['export', 'docker'],
    summary:
      'Write a Docker build context for a model version (Dockerfile, the model package, a bundled server, onnxruntime and Kubernetes manifests), or with --cli for an image of the Lathe CLI that exported pipelines run.',
    positionals: [
      {
        name: 'NAME@ALIAS',
        required: false,
        description: 'the model version to export (none with --cli)',
      },
    ],
    flags: {
      out: { type: 'string', value: 'DIR', required: true, description: 'a new (or empty) folder' },
      cli: {
        type: 'boolean',
        description:
          'an image of the Lathe CLI instead of a model server (what lathe pipeline export runs)',
      },
    },
    async run(ctx) {
      const ref = ctx.args.positionals[0];
      // Absolute before it leaves this process: the workspace owner may run in another folder.
      const out = resolve(str(ctx, 'out')!);
      if (bool(ctx, 'cli')) {
        if (ref !== undefined)
          throw new UsageError(
            `give either a model version (${ref}) or --cli: --cli exports the Lathe CLI, not a model`,
          );
        const r = await invoke(ctx, 'export:cli', { out });
        ctx.result(
          r,
          () =>
            `Docker context of the Lathe CLI in ${r.dir}: ${r.files.length} files, ${formatBytes(r.bytes)} (${r.bytes} bytes)\n` +
            `  docker build -t ${r.image} ${r.dir}\n  docker run --rm ${r.image} --help`,
        );
        return 0;
      }
      if (ref === undefined)
        throw new UsageError(
          'give the model version to export (NAME@ALIAS), or --cli for the Lathe CLI',
        );
      const r = await invoke(ctx, 'export:docker', { ref, out });
      ctx.result(
        r,
        () =>
          `Docker context for ${r.model}@${r.version} in ${r.dir}: ${r.files.length} files, ${formatBytes(r.bytes)} (${r.bytes} bytes)\n` +
          `  docker build -t ${r.image}:${r.version} ${r.dir}\n  docker run --rm -p 8080:8080 ${r.image}:${r.version}`,
      );
      return 0;
    },
  },
  {
    path: ['predict'],
    opensWorkspace: true,
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
        description: 'rows scored per step (default 100000; two steps are held in memory at once)',
      },
      capture: {
        type: 'string',
        value: 'all|none|RATE',
        description:
          'rows captured for monitoring: all (default), none, or a share 0 < RATE <= 1 sampled by row id',
      },
      keep: {
        type: 'string',
        value: 'COL,…',
        description: 'input columns copied to the output beside the prediction',
      },
      overwrite: { type: 'boolean', description: 'replace the output file when it exists' },
    },
    async run(ctx) {
      const output = resolve(str(ctx, 'output')!);
      const chunkRows = num(ctx, 'chunk-rows');
      const capture = captureOf(str(ctx, 'capture'));
      const keep = str(ctx, 'keep')
        ?.split(',')
        .map((c) => c.trim())
        .filter(Boolean);
      // A batch owns the workspace for minutes: others go through its host meanwhile (started once it
      // has run SHORT_COMMAND_MS).
      const standing = { command: 'lathe predict', quiet: true, hostAfterMs: SHORT_COMMAND_MS };
      await withStandingSession(ctx, standing, async ({ api }) => {
        const bar = createProgress(ctx.io.stderr, !ctx.json);
        const off = api.on('data:progress', (p) => {
          if (p.op !== 'predict' || p.name !== output) return;
          bar.update(
            p.fraction,
            `${p.message}${p.etaMs !== undefined ? ` ETA ${formatDuration(p.etaMs)}` : ''}`,
          );
        });
        const predicting = api.invoke('predict:batch', {
          model: ctx.args.positionals[0]!,
          // Absolute before it leaves this process: the workspace owner may run in another folder.
          input: resolve(str(ctx, 'input')!),
          output,
          ...(str(ctx, 'id-column') !== undefined ? { idColumn: str(ctx, 'id-column') } : {}),
          ...(chunkRows !== undefined ? { chunkRows } : {}),
          ...(capture !== undefined ? { capture } : {}),
          ...(keep?.length ? { passthrough: keep } : {}),
          ...(bool(ctx, 'overwrite') ? { overwrite: true } : {}),
        });
        // Ctrl-C stops the job: it writes and records nothing (a second Ctrl-C leaves at once).
        cancelOnInterrupt(
          ctx,
          bar,
          `the batch prediction into ${output}`,
          () => api.invoke('predict:cancel', { output }),
          predicting,
        );
        try {
          const r = await predicting;
          bar.done();
          const rate = r.durationMs > 0 ? Math.round((r.rows * 1000) / r.durationMs) : r.rows;
          ctx.result(
            r,
            () =>
              `Predicted ${r.rows} rows with ${r.model}@${r.version} in ${formatDuration(r.durationMs)} (${rate} rows/s) → ${r.output}\n` +
              `  columns ${r.columns.join(', ')}\n  input ${r.files.length} file(s), sha256 ${r.inputSha256.slice(0, 16)}…` +
              (r.capture
                ? `\n  captured ${r.capture.rows} rows for monitoring (rate ${r.capture.rate})`
                : '') +
              (r.unreadable ?? []).map((u) => `\n  warning: ${unreadableText(u)}`).join(''),
          );
        } finally {
          off();
          bar.done();
        }
      });
      return 0;
    },
  },
  {
    path: ['predict', 'list'],
    opensWorkspace: true,
    summary:
      'Batch predictions made with a model or one version: id (for monitor drift --batch), when, input, output, rows, duration, capture rate.',
    positionals: [
      {
        name: 'NAME[@VERSION]',
        required: true,
        description: 'a model (all its versions) or one version (NAME@3, NAME@alias)',
      },
    ],
    flags: {},
    async run(ctx) {
      const batches = await invoke(ctx, 'predict:batches', { ref: ctx.args.positionals[0]! });
      ctx.result(batches, () =>
        batches.length === 0
          ? `No batch predictions with ${ctx.args.positionals[0]!} yet.`
          : table(
              ['id', 'at', 'version', 'input', 'output', 'rows', 'duration', 'capture'],
              batches.map((b) => [
                // Enough of the id for --batch (eight characters or more name a batch).
                b.id.slice(0, 8),
                b.at.slice(0, 19).replace('T', ' '),
                `v${b.version}`,
                b.input,
                b.output,
                b.rows,
                formatDuration(b.durationMs),
                b.captureRate === null ? '' : `${Math.round(b.captureRate * 100)}%`,
              ]),
              100,
            ),
      );
      return 0;
    },
  },
  {
    path: ['serve', 'list'],
    opensWorkspace: true,
    summary:
      'Prediction servers the workspace owner runs (the app): reference, version, URL, requests; flags a moved alias.',
    positionals: [],
    flags: {},
    async run(ctx) {
      const servers = await invoke(ctx, 'serve:list', {});
      ctx.result(servers, () =>
        servers.length === 0
          ? 'No server running.'
          : table(
              ['id', 'serving', 'ref', 'url', 'requests', 'errors', 'note'],
              servers.map((s) => [
                s.id,
                `${s.model}@${s.version}`,
                s.ref ?? '',
                s.url,
                s.requests,
                s.errors,
                movedNote(s),
              ]),
              100,
            ),
      );
      return 0;
    },
  },
  {
    path: ['serve', 'restart'],
    summary:
      'Restart a running server on the same address, resolving its reference again (a moved alias is followed).',
    positionals: [{ name: 'ID', required: true, description: 'the server id (lathe serve list)' }],
    flags: {},
    async run(ctx) {
      const s = await invoke(ctx, 'serve:restart', { id: ctx.args.positionals[0]! });
      ctx.result(
        s,
        () =>
          `Restarted: serving ${s.model}@${s.version} (${s.ref ?? ''}) at ${s.url} (id ${s.id})`,
      );
      return 0;
    },
  },
];

/** Says when a server's alias now points at another version than it serves. */
function movedNote(s: { ref?: string; refNow?: number | null }): string {
  if (s.refNow === undefined) return '';
  return s.refNow === null
    ? `${s.ref} no longer resolves`
    : `${s.ref} is now v${s.refNow}: restart to follow`;
}
