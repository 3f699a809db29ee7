// Deployment: prediction servers started in-process with live counters, the API keys they check, and
// Docker build contexts. The Deploy view and `lathe serve`, `lathe keys …` and `lathe export docker` all
// call this through the channels. The services own one of these and stop every server when they close.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  LatheError,
  type ApiKeyInfo,
  type ExportDockerOut,
  type KeysCreateIn,
  type KeysCreateOut,
  type ServeStartIn,
  type ServeTryIn,
  type ServeTryOut,
  type ServeStartOut,
  type ServerStatus,
} from '../../shared/contract';
import type { Workspace } from '../workspace/workspace';
import { captureSink, captureTargets, createServeHealth } from './capture';
import { exportDocker } from './docker-export';
import { createKeyStore, keyAuth } from './keys';
import { packageOf, type PackageDeps } from './packaged-model';
import { createPredictionLog } from './prediction-log';
import { loadPredictor } from './predictor';
import { startPredictServer, type ModelRoute, type PredictServer } from './server';
import type { Predictor } from './types';

/** The window of `requestRate`. */
export const RATE_WINDOW_MS = 10_000;
/** Latencies kept per server for p50 / p99. */
const LATENCY_SAMPLES = 1000;

/** The hosts any face may bind; others need `network` (`lathe serve --host`). */
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface DeployDeps extends PackageDeps {
  db: Workspace['db'];
  serverVersion: string;
  /** The workspace folder: a Docker export into it is refused. */
  workspaceDir?: string;
  /** The clock (ms); tests may pass their own. */
  now?: () => number;
}

export interface DeployService {
  /**
   * Packages `ref` (and the canary and shadow, when given), loads their predictors and serves them on
   * `port` (0: a free one) at `host` (default 127.0.0.1), with the workspace's active API keys and the
   * prediction log. A host other than loopback is refused unless `network` is set.
   */
  start(input: ServeStartIn): Promise<ServeStartOut>;
  /** Running servers, oldest first, with request counts, rate over the last 10 s and latency. */
  list(): ServerStatus[];
  /**
   * list(), each server with `refNow` when its alias (or latest) reference now points away from the
   * version it serves.
   */
  listWithRefs(): Promise<ServerStatus[]>;
  /** Stops one server: finishes requests in flight and flushes its prediction log. */
  stop(id: string): Promise<void>;
  /**
   * Stops server `id` and starts it again on the same host and port with the same options, resolving its
   * reference anew (a moved alias is followed). A server never swaps versions on its own: requests in
   * flight and the version that answers stay predictable until this is asked for.
   */
  restart(id: string): Promise<ServeStartOut>;
  /** Posts `body` to server `id`'s predict URL (with the API key, when given) and returns the answer. */
  tryRequest(input: ServeTryIn): Promise<ServeTryOut>;
  /** Writes the Docker build context of `ref` into `out` (new or empty). */
  exportDocker(input: { ref: string; out: string }): Promise<ExportDockerOut>;
  /** All API keys (revoked ones too), oldest first; never a secret. */
  listKeys(): Promise<ApiKeyInfo[]>;
  /** Creates an API key; the result carries its secret, the only time it exists outside the caller. */
  createKey(input: KeysCreateIn): Promise<KeysCreateOut>;
  /** Revokes the active key with this name or id; servers started after refuse it. */
  revokeKey(nameOrId: string): Promise<ApiKeyInfo>;
  /** Stops every server. */
  close(): Promise<void>;
  /** Writes every running server's captured rows and health counters now (to judge a live canary). */
  flush(): Promise<void>;
}

interface Counters {
  requests: number;
  errors: number;
  /** Times (ms) of the requests in the last RATE_WINDOW_MS. */
  recent: number[];
  latenciesMs: number[];
}

interface Running extends Counters {
  info: ServeStartOut;
  /** What started it, for restart. */
  options: ServeStartIn;
  startedAt: number;
  port: number;
  server: PredictServer;
  /** Writes its prediction log and health counters now. */
  flush: () => Promise<void>;
}

/** The q-quantile (0..1) of unsorted values, nearest-rank. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * A server that could not bind for a reason the caller can fix, the host or the port given, as
 * INVALID_INPUT naming it and its value (`details.field`); null for any other failure.
 */
export function bindError(err: unknown, host: string, port: number): LatheError | null {
  const anyAddress = '0.0.0.0 for every interface, 127.0.0.1 for this machine only';
  switch ((err as NodeJS.ErrnoException | null)?.code) {
    case 'EADDRINUSE':
      return new LatheError(
        'INVALID_INPUT',
        `port ${port} on ${host} is already in use by another program: choose another port (or 0 for a free one)`,
        { field: 'port', port },
      );
    case 'EACCES':
      return new LatheError(
        'INVALID_INPUT',
        `port ${port} on ${host} needs privileges this process does not have (ports below 1024 do on most systems): choose a port from 1024 up (or 0 for a free one)`,
        { field: 'port', port },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new LatheError(
        'INVALID_INPUT',
        `host '${host}' is neither an IP address nor a name this machine resolves: give one of its addresses (${anyAddress})`,
        { field: 'host', host },
      );
    case 'EADDRNOTAVAIL':
      return new LatheError(
        'INVALID_INPUT',
        `host '${host}' is not an address of this machine: give one of its addresses (${anyAddress})`,
        { field: 'host', host },
      );
    default:
      return null;
  }
}

export function createDeployService(deps: DeployDeps): DeployService {
  const now = deps.now ?? Date.now;
  const servers = new Map<string, Running>();
  const keyStore = createKeyStore(deps.db);
  /** Ports being bound by a start still loading its model. */
  const claimed = new Set<number>();

  const prune = (r: Counters, t: number) => {
    const from = t - RATE_WINDOW_MS;
    let i = 0;
    while (i < r.recent.length && r.recent[i]! <= from) i++;
    if (i > 0) r.recent.splice(0, i);
  };

  const portTaken = (port: number) => {
    const other = [...servers.values()].find((r) => r.port === port);
    if (other)
      throw new LatheError(
        'INVALID_INPUT',
        `port ${port} is already used by the server of ${other.info.model}@${other.info.version} (${other.info.url}): stop it or choose another port`,
        { port, id: other.info.id },
      );
    if (claimed.has(port))
      throw new LatheError(
        'INVALID_INPUT',
        `port ${port} is already being bound by a server that is starting: choose another port`,
        { port },
      );
  };

  const service: DeployService = {
    async start(options) {
      const {
        ref,
        port = 0,
        host = '127.0.0.1',
        network = false,
        canary,
        shadow,
        requireKey = false,
        maxBatch,
      } = options;
      if (!network && !LOOPBACK.has(host))
        throw new LatheError('INVALID_INPUT', `host ${host}: the app serves on 127.0.0.1 only`, {
          host,
        });
      if (port !== 0) {
        portTaken(port);
        claimed.add(port);
      }
      const loaded: Predictor[] = [];
      /** The predictor of `r` and the version it serves. */
      const load = async (r: string) => {
        const { dir, version } = await packageOf(deps, r);
        const predictor = await loadPredictor(dir);
        loaded.push(predictor);
        return { predictor, version, served: { model: version.model, version: version.version } };
      };
      try {
        const champion = await load(ref);
        const challenger = canary ? await load(canary.ref) : undefined;
        const shadowed = shadow ? await load(shadow) : undefined;
        const route: ModelRoute = {
          name: champion.predictor.meta.model,
          champion: champion.predictor,
          ...(challenger && canary
            ? { canary: { predictor: challenger.predictor, percent: canary.percent } }
            : {}),
          ...(shadowed ? { shadow: shadowed.predictor } : {}),
        };
        // Keys first: the log starts a flush timer that only the catch below closes.
        const keys = await keyStore.active();
        const auth = keyAuth(keys, requireKey);
        // Each served version captures into its own table, counted by one source for this server session
        // (recorded before the first request can be flushed; its detail becomes the URL once bound).
        const targets = await captureTargets(
          deps.db,
          [champion, challenger, shadowed].flatMap((v) => (v ? [v.version] : [])),
          `http://${host}:${port}`,
        );
        const log = createPredictionLog(captureSink(deps.db, targets));
        const health = createServeHealth(deps.db);
        const counters: Counters = { requests: 0, errors: 0, recent: [], latenciesMs: [] };
        let server: PredictServer;
        try {
          server = await startPredictServer({
            models: [route],
            port,
            host,
            ...(maxBatch !== undefined ? { maxBatch } : {}),
            auth,
            log,
            health,
            serverVersion: deps.serverVersion,
            onPredict(status, seconds) {
              const r = counters;
              const t = now();
              r.requests++;
              if (status >= 400) r.errors++;
              r.recent.push(t);
              prune(r, t);
              if (seconds !== null) {
                r.latenciesMs.push(seconds * 1000);
                if (r.latenciesMs.length > LATENCY_SAMPLES) r.latenciesMs.shift();
              }
            },
          });
        } catch (err) {
          await log.close();
          await health.close();
          for (const t of targets)
            await deps.db.run('DELETE FROM capture_sources WHERE id = ?', [t.source]);
          throw bindError(err, host, port) ?? err;
        }
        // The server owns the predictors now: it closes them when it stops.
        loaded.length = 0;
        for (const t of targets)
          await deps.db.run('UPDATE capture_sources SET detail = ? WHERE id = ?', [
            server.url,
            t.source,
          ]);
        const info: ServeStartOut = {
          id: randomUUID(),
          ref,
          url: server.url,
          ...champion.served,
          ...(challenger && canary
            ? { canary: { ...challenger.served, percent: canary.percent } }
            : {}),
          ...(shadowed ? { shadow: shadowed.served } : {}),
          auth: { required: auth.required, activeKeys: keys.length },
        };
        const running: Running = Object.assign(counters, {
          info,
          options,
          startedAt: now(),
          port: server.port,
          server,
          flush: async () => {
            await log.flush();
            await health.flush();
          },
        });
        servers.set(info.id, running);
        console.error(`[DeployService] serving ${info.model}@${info.version} at ${info.url}`);
        return info;
      } finally {
        await Promise.allSettled(loaded.map((p) => p.close()));
        claimed.delete(port);
      }
    },

    async listWithRefs() {
      const listed = service.list();
      for (const s of listed) {
        if (/@\d+$/.test(s.ref ?? '@1')) continue;
        const v = await deps.registry.version(s.ref!).catch(() => null);
        if (v?.version !== s.version) s.refNow = v?.version ?? null;
      }
      return listed;
    },

    list() {
      const t = now();
      return [...servers.values()].map((r) => {
        prune(r, t);
        const span = Math.min(RATE_WINDOW_MS, Math.max(1, t - r.startedAt));
        const p50 = quantile(r.latenciesMs, 0.5);
        const p99 = quantile(r.latenciesMs, 0.99);
        return {
          ...r.info,
          startedAt: new Date(r.startedAt).toISOString(),
          requests: r.requests,
          errors: r.errors,
          requestRate: (r.recent.length * 1000) / span,
          ...(p50 !== undefined ? { p50Ms: p50 } : {}),
          ...(p99 !== undefined ? { p99Ms: p99 } : {}),
        };
      });
    },

    async restart(id) {
      const r = servers.get(id);
      if (!r)
        throw new LatheError('NOT_FOUND', `no running server with id ${id}`, {
          running: [...servers.keys()],
        });
      // Resolve first: a reference that no longer resolves leaves the running server alone.
      await deps.registry.version(r.options.ref);
      await service.stop(id);
      return service.start({ ...r.options, port: r.port });
    },

    async flush() {
      await Promise.all([...servers.values()].map((r) => r.flush()));
    },

    async stop(id) {
      const r = servers.get(id);
      if (!r)
        throw new LatheError('NOT_FOUND', `no running server with id ${id}`, {
          running: [...servers.keys()],
        });
      servers.delete(id);
      await r.server.close();
      console.error(`[DeployService] stopped ${r.info.model}@${r.info.version} at ${r.info.url}`);
    },

    async tryRequest({ id, body, apiKey }) {
      const r = servers.get(id);
      if (!r) throw new LatheError('NOT_FOUND', `no running server with id ${id}`, { id });
      const url = `${r.info.url}/v1/models/${encodeURIComponent(r.info.model)}/predict`;
      const started = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        answer = text;
      }
      return { url, status: res.status, body: answer, durationMs: performance.now() - started };
    },

    async exportDocker({ ref, out }) {
      const version = await deps.registry.version(ref);
      const r = await exportDocker({
        version,
        out: resolve(out),
        ...(deps.workspaceDir ? { workspaceDir: deps.workspaceDir } : {}),
        writePackage: (dir) => packageOf(deps, `${version.model}@${version.version}`, dir),
      });
      return { ...r, model: version.model, version: version.version };
    },

    listKeys: () => keyStore.list(),

    async createKey(input) {
      const { key, info } = await keyStore.create(input);
      return { key, ...info };
    },

    revokeKey: (nameOrId) => keyStore.revoke(nameOrId),

    async close() {
      const all = [...servers.values()];
      servers.clear();
      await Promise.allSettled(all.map((r) => r.server.close()));
    },
  };
  return service;
}
