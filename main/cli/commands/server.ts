// `lathe server`: the Lathe host (the UI, the contract over HTTP and MLflow's REST API) without a browser,
// for notebooks that set MLFLOW_TRACKING_URI to it, until Ctrl-C.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError } from '../../../shared/contract';
import { AUTH_MODES, isLoopbackHost, type AuthMode } from '../../host/auth';
import { startHost } from '../../host/server';
import { packageRoot } from '../../version';
import { num, str, withSession, type Command } from '../command';

/** MLflow's own default port, so `MLFLOW_TRACKING_URI=http://127.0.0.1:5000` works unchanged. */
export const DEFAULT_SERVER_PORT = 5000;

export interface ServerArgs {
  host: string;
  port: number;
  auth?: AuthMode;
  tlsCert?: string;
  tlsKey?: string;
}

/**
 * Checks `lathe server`'s flags before anything is opened or bound: a port number, a known auth mode, a
 * certificate and key given together, and an auth mode whenever the address is not loopback.
 */
export function checkServerArgs(flags: {
  host?: string;
  port?: number;
  auth?: string;
  tlsCert?: string;
  tlsKey?: string;
}): ServerArgs {
  const host = flags.host ?? '127.0.0.1';
  const port = flags.port ?? DEFAULT_SERVER_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new LatheError('INVALID_INPUT', `--port: ${port} is not a port number`, { port });
  if (host.trim() === '') throw new LatheError('INVALID_INPUT', '--host: an address is required');
  if (flags.auth !== undefined && !AUTH_MODES.includes(flags.auth as AuthMode))
    throw new LatheError(
      'INVALID_INPUT',
      `--auth ${flags.auth}: expected ${AUTH_MODES.join(' or ')}`,
      { auth: flags.auth },
    );
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
    throw new LatheError(
      'INVALID_INPUT',
      `${flags.tlsCert === undefined ? '--tls-key' : '--tls-cert'} needs ${flags.tlsCert === undefined ? '--tls-cert' : '--tls-key'} too (a PEM certificate and its private key)`,
    );
  if (!isLoopbackHost(host) && flags.auth === undefined)
    throw new LatheError(
      'INVALID_INPUT',
      `--host ${host} is not a loopback address: add --auth token or --auth basic (keys made with lathe keys create NAME --scope mlflow:write), and --tls-cert/--tls-key to encrypt, so the workspace is not open to anyone who can reach it`,
      { host },
    );
  return {
    host,
    port,
    ...(flags.auth !== undefined ? { auth: flags.auth as AuthMode } : {}),
    ...(flags.tlsCert !== undefined ? { tlsCert: flags.tlsCert, tlsKey: flags.tlsKey } : {}),
  };
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new LatheError('FILE_NOT_FOUND', `${flag} ${path}: ${(err as Error).message}`, {
      file: path,
    });
  }
}

export const server: Command = {
  path: ['server'],
  summary:
    'Serve the Lathe host (UI, API and MLflow REST API at /api/2.0/mlflow) without opening a browser, until Ctrl-C.',
  positionals: [],
  flags: {
    host: {
      type: 'string',
      value: 'ADDR',
      description: 'address to bind (default 127.0.0.1; anything else needs --auth)',
    },
    port: {
      type: 'number',
      value: 'PORT',
      description: `port (default ${DEFAULT_SERVER_PORT}, MLflow's; 0: any free port)`,
    },
    auth: {
      type: 'string',
      value: 'MODE',
      description:
        'token (Authorization: Bearer KEY) or basic (key name and secret): require an API key with --scope mlflow:read/mlflow:write/workspace',
    },
    'tls-cert': { type: 'string', value: 'FILE', description: 'PEM certificate: serve HTTPS' },
    'tls-key': { type: 'string', value: 'FILE', description: "the certificate's PEM private key" },
  },
  async run(ctx) {
    const args = checkServerArgs({
      host: str(ctx, 'host'),
      port: num(ctx, 'port'),
      auth: str(ctx, 'auth'),
      tlsCert: str(ctx, 'tls-cert'),
      tlsKey: str(ctx, 'tls-key'),
    });
    const tls =
      args.tlsCert !== undefined && args.tlsKey !== undefined
        ? { cert: readPem('--tls-cert', args.tlsCert), key: readPem('--tls-key', args.tlsKey) }
        : undefined;
    await withSession(
      ctx,
      async ({ services }) => {
        const host = await startHost({
          services: services!,
          port: args.port,
          hostname: args.host,
          rendererDir: join(packageRoot(), 'out', 'renderer'),
          ...(args.auth ? { auth: args.auth } : {}),
          ...(tls ? { tls } : {}),
        });
        // Other lathe commands reach the workspace through it only on loopback without auth.
        if (isLoopbackHost(args.host) && !args.auth) services!.advertiseHost(host.url);
        services!.startMonitoring();
        const trackingUri = host.url.replace(/\/$/, '');
        if (ctx.json)
          ctx.io.stdout.write(
            `${JSON.stringify({ url: host.url, trackingUri, auth: args.auth ?? null, workspace: ctx.workspaceDir, pid: process.pid })}\n`,
          );
        else
          ctx.io.stderr.write(
            [
              `Lathe server: ${host.url}`,
              `MLFLOW_TRACKING_URI=${trackingUri}`,
              ...(args.auth === 'token'
                ? ['MLFLOW_TRACKING_TOKEN=<a key from lathe keys create NAME --scope mlflow:write>']
                : args.auth === 'basic'
                  ? ['MLFLOW_TRACKING_USERNAME=<key name>  MLFLOW_TRACKING_PASSWORD=<key secret>']
                  : []),
              `workspace ${ctx.workspaceDir} — press Ctrl-C to stop`,
              '',
            ].join('\n'),
          );
        await ctx.io.interrupted;
        await host.close();
      },
      true,
    );
    return 0;
  },
};
