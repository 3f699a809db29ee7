// `lathe mlflow push`: a run or a model version copied to a team MLflow server.
import {
  LatheError,
  MLFLOW_PUSH_OP,
  type MlflowPushAuth,
  type MlflowPushOut,
} from '../../../shared/contract';
import { str, withSession, type Command } from '../command';
import { createProgress, formatBytes } from '../output';
import { cancelOnInterrupt } from '../runners';

/**
 * Credentials from MLflow's own variables, as its Python client reads them: MLFLOW_TRACKING_TOKEN, or
 * MLFLOW_TRACKING_USERNAME with MLFLOW_TRACKING_PASSWORD. Undefined when none are set.
 */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env): MlflowPushAuth | undefined {
  const token = env.MLFLOW_TRACKING_TOKEN;
  const username = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  if (token && (username || password))
    throw new LatheError(
      'INVALID_INPUT',
      'MLFLOW_TRACKING_TOKEN and MLFLOW_TRACKING_USERNAME/PASSWORD are both set: keep one way of signing in',
      { field: 'MLFLOW_TRACKING_TOKEN' },
    );
  if (token) return { kind: 'token', token };
  if (username === undefined && password === undefined) return undefined;
  if (!username || password === undefined)
    throw new LatheError(
      'INVALID_INPUT',
      `${username ? 'MLFLOW_TRACKING_PASSWORD' : 'MLFLOW_TRACKING_USERNAME'} is not set: basic auth takes both`,
      { field: username ? 'MLFLOW_TRACKING_PASSWORD' : 'MLFLOW_TRACKING_USERNAME' },
    );
  return { kind: 'basic', username, password };
}

const word = (status: string) => (status === 'exists' ? 'already there' : status);

function humanPush(r: MlflowPushOut): string {
  const lines = [
    `${r.changed ? 'pushed' : 'nothing to push: already there'} ${r.source} → ${r.to}`,
    `  experiment ${r.experiment.name} (id ${r.experiment.id}): ${word(r.experiment.status)}`,
    `  run ${r.run.id}: ${word(r.run.status)}  ${r.run.url}`,
    `  sent ${r.sent.params} param(s), ${r.sent.tags} tag(s), ${r.sent.metricPoints} metric point(s), ${r.sent.artifacts} artifact(s) (${formatBytes(r.sent.artifactBytes)})`,
    `  already there ${r.found.params} param(s), ${r.found.tags} tag(s), ${r.found.metricPoints} metric point(s), ${r.found.artifacts} artifact(s)`,
  ];
  if (r.model) {
    const m = r.model;
    lines.push(
      `  registered model ${m.name}: ${word(m.registeredModel)}`,
      `  version ${m.version} (from ${m.latheVersion}): ${word(m.status)}  source ${m.source}`,
      ...m.aliases.map((a) => `  alias ${a.alias} → ${m.version}: ${word(a.status)}`),
    );
  }
  return lines.join('\n');
}

export const mlflowPush: Command = {
  path: ['mlflow', 'push'],
  summary:
    'Copy a run, or a model version (its run, the ONNX model with an onnx-flavor MLmodel, its aliases), to an MLflow server; a second push sends nothing.',
  positionals: [
    {
      name: 'RUN|NAME@VERSION',
      required: true,
      description: 'a run id (a unique prefix is enough), or a model version NAME@3 / NAME@alias',
    },
  ],
  flags: {
    to: {
      type: 'string',
      value: 'URL',
      required: true,
      description:
        'the MLflow tracking server (e.g. http://mlflow:5000); sign in with MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD',
    },
  },
  async run(ctx) {
    const source = ctx.args.positionals[0]!;
    const auth = authFromEnv();
    const out = await withSession(ctx, async ({ api }) => {
      const bar = createProgress(ctx.io.stderr, !ctx.json);
      const off = api.on('data:progress', (p) => {
        if (p.op !== MLFLOW_PUSH_OP || p.name !== source) return;
        bar.update(p.fraction, p.message);
      });
      const to = str(ctx, 'to')!;
      const pushing = api.invoke('mlflow:push', { source, to, ...(auth ? { auth } : {}) });
      // Ctrl-C stops the push: what reached the server stays, and pushing again sends the rest.
      cancelOnInterrupt(
        ctx,
        bar,
        `the push of ${source} to ${to}`,
        () => api.invoke('mlflow:push:cancel', { source, to }),
        pushing,
      );
      try {
        return await pushing;
      } finally {
        off();
        bar.done();
      }
    });
    ctx.result(out, () => humanPush(out));
    return 0;
  },
};

export const mlflowCommands: Command[] = [mlflowPush];
