// `lathe mlflow push` reads MLflow's own credential variables as its Python client does; a half-set or
// doubly-set environment is refused naming the variable, before anything is sent.
import { describe, expect, it } from 'vitest';
import { authFromEnv } from '../../../../main/cli/commands/mlflow';

describe('lathe mlflow push: credentials from the environment', () => {
  it.each([
    [{}, undefined],
    [{ MLFLOW_TRACKING_TOKEN: 'tok' }, { kind: 'token', token: 'tok' }],
    [
      { MLFLOW_TRACKING_USERNAME: 'ada', MLFLOW_TRACKING_PASSWORD: 'pw' },
      { kind: 'basic', username: 'ada', password: 'pw' },
    ],
    // An empty password is still a password (basic auth allows it).
    [
      { MLFLOW_TRACKING_USERNAME: 'ada', MLFLOW_TRACKING_PASSWORD: '' },
      { kind: 'basic', username: 'ada', password: '' },
    ],
    // An empty token is no token.
    [{ MLFLOW_TRACKING_TOKEN: '' }, undefined],
  ])('%j → %j', (env, auth) => {
    expect(authFromEnv(env)).toEqual(auth);
  });

  it.each([
    [
      { MLFLOW_TRACKING_TOKEN: 't', MLFLOW_TRACKING_USERNAME: 'ada' },
      'MLFLOW_TRACKING_TOKEN',
      'both set',
    ],
    [{ MLFLOW_TRACKING_USERNAME: 'ada' }, 'MLFLOW_TRACKING_PASSWORD', 'is not set'],
    [{ MLFLOW_TRACKING_PASSWORD: 'pw' }, 'MLFLOW_TRACKING_USERNAME', 'is not set'],
  ])('%j is refused naming %s', (env, field, words) => {
    let err: unknown;
    try {
      authFromEnv(env);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field },
      message: expect.stringContaining(words) as string,
    });
  });
});
