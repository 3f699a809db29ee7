import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/contract';
import {
  MLFLOW_ERROR_BY_CODE,
  accessOfChannel,
  inputFields,
  mlflowErrorOf,
  parseJsonBody,
  protoJsonText,
  queryObject,
  stripUnknown,
} from '../../../../main/host/mlflow-routes';
import { createHostAuth, credentialOf, isLoopbackHost } from '../../../../main/host/auth';
import { checkServerArgs } from '../../../../main/cli/commands/server';

describe('parseJsonBody', () => {
  it('reads bare NaN and ±Infinity (Python json.dumps) as the proto JSON strings', () => {
    expect(parseJsonBody('{"a": NaN, "b": [Infinity, -Infinity, 1.5]}')).toEqual({
      a: 'NaN',
      b: ['Infinity', '-Infinity', 1.5],
    });
  });

  it('leaves the same words inside strings alone', () => {
    expect(parseJsonBody('{"k": "NaN and Infinity", "v": NaN}')).toEqual({
      k: 'NaN and Infinity',
      v: 'NaN',
    });
    expect(parseJsonBody('{"k": "a \\" NaN", "v": -Infinity}')).toEqual({
      k: 'a " NaN',
      v: '-Infinity',
    });
  });

  it('still refuses malformed JSON, and words that only start like the tokens', () => {
    expect(() => parseJsonBody('{"a": NaNx}')).toThrow(SyntaxError);
    expect(() => parseJsonBody('{"a": 1,')).toThrow(SyntaxError);
    expect(() => parseJsonBody('{"a": Infinityy}')).toThrow(SyntaxError);
  });

  it('round-trips any JSON value JSON.parse reads (seeded property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(parseJsonBody(text)).toEqual(JSON.parse(text));
      }),
      { seed: 1515, numRuns: 200 },
    );
  });
});

describe('protoJsonText', () => {
  it('writes non-finite numbers as proto JSON strings, not null', () => {
    expect(JSON.parse(protoJsonText({ v: [NaN, Infinity, -Infinity, 2] }))).toEqual({
      v: ['NaN', 'Infinity', '-Infinity', 2],
    });
  });
});

describe('queryObject', () => {
  it('turns a repeated key into an array and keeps single values as strings', () => {
    const q = queryObject(new URLSearchParams('run_id=r1&experiment_ids=1&experiment_ids=2&n=5'));
    expect(q).toEqual({ run_id: 'r1', experiment_ids: ['1', '2'], n: '5' });
  });
});

describe('error mapping', () => {
  it('answers MLflow codes and statuses; no input problem is a 5xx', () => {
    expect(mlflowErrorOf({ code: 'NOT_FOUND' })).toEqual({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
    });
    expect(mlflowErrorOf({ code: 'ALREADY_EXISTS' })).toEqual({
      errorCode: 'RESOURCE_ALREADY_EXISTS',
      status: 400,
    });
    expect(mlflowErrorOf({ code: 'INVALID_INPUT' })).toEqual({
      errorCode: 'INVALID_PARAMETER_VALUE',
      status: 400,
    });
    const fiveHundreds = ErrorCode.options.filter((c) => MLFLOW_ERROR_BY_CODE[c][1] >= 500);
    expect(fiveHundreds.sort()).toEqual(['INTERNAL', 'NETWORK', 'WORKSPACE_LOCKED']);
  });

  it('lets a service force an MLflow code with details.mlflowCode; an unknown one is ignored', () => {
    expect(
      mlflowErrorOf({ code: 'INVALID_INPUT', details: { mlflowCode: 'INVALID_STATE' } }),
    ).toEqual({ errorCode: 'INVALID_STATE', status: 400 });
    expect(mlflowErrorOf({ code: 'NOT_FOUND', details: { mlflowCode: 'MADE_UP' } })).toEqual({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      status: 404,
    });
    expect(mlflowErrorOf({ code: 'SOMETHING_NEW' })).toEqual({
      errorCode: 'INTERNAL_ERROR',
      status: 500,
    });
  });
});

describe('channels', () => {
  it('drops the fields a channel does not take and keeps the ones it does', () => {
    expect(inputFields('projects:create')).toContain('name');
    expect(stripUnknown('projects:create', { name: 'p', bogus: 1 })).toEqual({ name: 'p' });
    expect(stripUnknown('no:such:channel', { a: 1 })).toEqual({ a: 1 });
  });

  it('classifies reads by the verb', () => {
    expect(accessOfChannel('mlflow:runs:search')).toBe('read');
    expect(accessOfChannel('mlflow:experiments:get-by-name')).toBe('read');
    expect(accessOfChannel('mlflow:metrics:get-history')).toBe('read');
    expect(accessOfChannel('mlflow:runs:log-batch')).toBe('write');
    expect(accessOfChannel('mlflow:registered-models:alias:set')).toBe('write');
    expect(accessOfChannel('mlflow:experiments:delete')).toBe('write');
  });
});

const withAuth = (authorization?: string) =>
  ({ headers: authorization ? { authorization } : {} }) as unknown as IncomingMessage;

describe('auth', () => {
  it('reads bearer and basic credentials; anything else is none', () => {
    expect(credentialOf(withAuth('Bearer abc'))).toEqual({ secret: 'abc' });
    const basic = Buffer.from('ci:s3:cret').toString('base64');
    expect(credentialOf(withAuth(`Basic ${basic}`))).toEqual({ name: 'ci', secret: 's3:cret' });
    expect(credentialOf(withAuth('Digest x'))).toBeNull();
    expect(credentialOf(withAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`))).toBeNull();
    expect(credentialOf(withAuth())).toBeNull();
  });

  const auth = createHostAuth({
    mode: 'token',
    authenticate: async (secret, name) => {
      const keys = [
        { id: '1', name: 'reader', secret: 'r', scopes: ['mlflow:read' as const] },
        { id: '2', name: 'writer', secret: 'w', scopes: ['mlflow:write' as const] },
        { id: '3', name: 'pred', secret: 'p', scopes: ['predict' as const] },
        { id: '4', name: 'admin', secret: 'a', scopes: ['workspace' as const] },
      ];
      const k = keys.find((x) => x.secret === secret && (name === undefined || x.name === name));
      return k ? { id: k.id, name: k.name, scopes: k.scopes } : null;
    },
  });

  it('grants by scope: write includes read, workspace includes both, predict neither', async () => {
    const status = async (header: string | undefined, access: Parameters<typeof auth.check>[1]) => {
      const o = await auth.check(withAuth(header), access);
      return o.ok ? 200 : o.status;
    };
    expect(await status(undefined, 'mlflow:read')).toBe(401);
    expect(await status('Bearer nope', 'mlflow:read')).toBe(401);
    expect(await status('Bearer r', 'mlflow:read')).toBe(200);
    expect(await status('Bearer r', 'mlflow:write')).toBe(403);
    expect(await status('Bearer w', 'mlflow:write')).toBe(200);
    expect(await status('Bearer w', 'mlflow:read')).toBe(200);
    expect(await status('Bearer w', 'workspace')).toBe(403);
    expect(await status('Bearer p', 'mlflow:read')).toBe(403);
    expect(await status('Bearer a', 'workspace')).toBe(200);
    expect(await status('Bearer a', 'mlflow:write')).toBe(200);
    const basic = (n: string, s: string) => `Basic ${Buffer.from(`${n}:${s}`).toString('base64')}`;
    expect(await status(basic('writer', 'w'), 'mlflow:write')).toBe(200);
    expect(await status(basic('reader', 'w'), 'mlflow:write')).toBe(401);
  });

  it('challenges browsers with basic and MLflow clients with the mode', () => {
    expect(auth.challenge(true)).toMatch(/^Basic /);
    expect(auth.challenge(false)).toMatch(/^Bearer /);
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '10.0.0.1'])
      expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('lathe server arguments', () => {
  it('refuses a non-loopback host without an auth mode, before anything is bound', () => {
    expect(() => checkServerArgs({ host: '0.0.0.0' })).toThrow(/--auth token or --auth basic/);
    expect(() => checkServerArgs({ host: '192.168.1.20', port: 5000 })).toThrow(/loopback/);
    expect(checkServerArgs({ host: '0.0.0.0', auth: 'token' })).toEqual({
      host: '0.0.0.0',
      port: 5000,
      auth: 'token',
    });
    expect(checkServerArgs({})).toEqual({ host: '127.0.0.1', port: 5000 });
  });

  it('checks the port, the auth mode and the TLS pair', () => {
    expect(() => checkServerArgs({ port: 70000 })).toThrow(/--port/);
    expect(() => checkServerArgs({ auth: 'oauth' })).toThrow(/--auth oauth/);
    expect(() => checkServerArgs({ tlsCert: 'c.pem' })).toThrow(/--tls-key/);
    expect(() => checkServerArgs({ tlsKey: 'k.pem' })).toThrow(/--tls-cert/);
  });
});
