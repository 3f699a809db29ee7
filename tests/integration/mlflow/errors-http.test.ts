import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCall, pick, startMlflowHost, type HttpAnswer } from './replay-http';

/**
 * Every error case of issue 15's contract, over HTTP against a real Lathe host, as MLflow's server answers
 * them (mlflow/server/handlers.py, mlflow/utils/validation.py): `{error_code, message}` with MLflow's codes,
 * 404 RESOURCE_DOES_NOT_EXIST, 400 INVALID_PARAMETER_VALUE / RESOURCE_ALREADY_EXISTS, and never a 5xx for
 * bad input (the Python client retries a 5xx seven times before it gives up).
 */
let server: Awaited<ReturnType<typeof startMlflowHost>>;
const API = '/api/2.0/mlflow';

const get = (path: string, query: Record<string, unknown> = {}) =>
  httpCall(server.base, 'GET', `${API}/${path}`, { query });
const post = (path: string, json: unknown) =>
  httpCall(server.base, 'POST', `${API}/${path}`, { json });

/** The answer is MLflow's error body with this status and code, and a message without a stack trace. */
function expectMlflowError(answer: HttpAnswer, status: number, codes: string | string[]) {
  const allowed = Array.isArray(codes) ? codes : [codes];
  expect({ status: answer.status, body: answer.text.slice(0, 300) }).toMatchObject({ status });
  const body = answer.json as { error_code?: unknown; message?: unknown };
  expect(allowed).toContain(body?.error_code);
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeGreaterThan(0);
  expect(answer.text).not.toMatch(/\bat .*\.(ts|js|cjs):\d+/);
}

function expectOk(answer: HttpAnswer) {
  expect({ status: answer.status, body: answer.text.slice(0, 300) }).toMatchObject({ status: 200 });
}

async function createRun(experimentId = '0'): Promise<string> {
  const r = await post('runs/create', { experiment_id: experimentId, start_time: 1733392800000 });
  expectOk(r);
  return pick(r.json, 'run.info.run_id') as string;
}

async function runData(runId: string) {
  const r = await get('runs/get', { run_id: runId });
  expectOk(r);
  return pick(r.json, 'run.data') as {
    metrics?: { key: string; value: unknown }[];
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
  };
}

const metric = (key: string, step = 0, value: unknown = 1) => ({
  key,
  value,
  timestamp: 1733392801000,
  step,
});

beforeAll(async () => {
  server = await startMlflowHost('lathe-mlflow-errors-');
});
afterAll(async () => {
  await server.close();
});

describe('404 RESOURCE_DOES_NOT_EXIST', () => {
  it('for an experiment, a run, a metric history, a registered model and a version that do not exist', async () => {
    expectMlflowError(
      await get('experiments/get', { experiment_id: '987654' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectMlflowError(
      await get('experiments/get-by-name', { experiment_name: 'never made' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    const ghost = '0123456789abcdef0123456789abcdef';
    expectMlflowError(await get('runs/get', { run_id: ghost }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectMlflowError(
      await get('metrics/get-history', { run_id: ghost, metric_key: 'loss' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectMlflowError(
      await post('runs/log-batch', { run_id: ghost, metrics: [metric('loss')] }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectMlflowError(
      await post('runs/update', { run_id: ghost, status: 'FINISHED' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectMlflowError(
      await get('registered-models/get', { name: 'no-such-model' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectMlflowError(
      await get('model-versions/get', { name: 'no-such-model', version: '1' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    expectMlflowError(
      await post('runs/create', { experiment_id: '987654', start_time: 1 }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
  });

  it('for an artifact that was never uploaded', async () => {
    const run = await createRun();
    const info = pick(
      (await get('runs/get', { run_id: run })).json,
      'run.info.artifact_uri',
    ) as string;
    const path = `/api/2.0/mlflow-artifacts/artifacts${info.replace(/^mlflow-artifacts:(\/\/[^/]+)?/, '')}/missing.txt`;
    const r = await httpCall(server.base, 'GET', path);
    expect(r.status).toBe(404);
  });

  it('keeps experiment 0 (Default) there from the start', async () => {
    const r = await get('experiments/get', { experiment_id: '0' });
    expectOk(r);
    expect(pick(r.json, 'experiment.name')).toBe('Default');
    expect(pick(r.json, 'experiment.lifecycle_stage')).toBe('active');
  });
});

describe('400 INVALID_PARAMETER_VALUE and RESOURCE_ALREADY_EXISTS', () => {
  it('refuses an experiment without a name, and a second experiment of the same name', async () => {
    expectMlflowError(await post('experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE');
    expectMlflowError(
      await post('experiments/create', { name: '' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectMlflowError(
      await post('experiments/create', { name: 'x'.repeat(501) }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectOk(await post('experiments/create', { name: 'twice' }));
    expectMlflowError(
      await post('experiments/create', { name: 'twice' }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    );
  });

  it('refuses metrics that are not MLflow metrics, and logs nothing of such a batch', async () => {
    const run = await createRun();
    const bad: [string, unknown][] = [
      ['a value that is not a number', metric('m', 0, 'abc')],
      ['a boolean value', metric('m', 0, true)],
      ['a fractional step', { ...metric('m'), step: 1.5 }],
      ['a step past int64', { ...metric('m'), step: '9223372036854775808' }],
      // Lathe keeps a step as INTEGER (32-bit): larger int64 steps are refused, not wrapped.
      ['a step past 2^31 - 1', { ...metric('m'), step: 2147483648 }],
      ['a negative timestamp', { ...metric('m'), timestamp: -1 }],
      ['no key', { value: 1, timestamp: 1, step: 0 }],
      ['a key that resolves to another path', metric('../escape')],
      ['a key with a newline', metric('a\nb')],
      ['a key over 250 characters', metric('k'.repeat(251))],
    ];
    for (const [what, m] of bad) {
      const r = await post('runs/log-batch', { run_id: run, metrics: [metric('fine', 7), m] });
      expect({ what, status: r.status }).toEqual({ what, status: 400 });
      expectMlflowError(r, 400, 'INVALID_PARAMETER_VALUE');
      const single = await post('runs/log-metric', { run_id: run, ...(m as object) });
      expect({ what, status: single.status }).toEqual({ what, status: 400 });
    }
    expect((await runData(run)).metrics ?? []).toEqual([]);
  });

  it('refuses to change a logged param, keeps the first value, and accepts the same value again', async () => {
    const run = await createRun();
    expectOk(await post('runs/log-parameter', { run_id: run, key: 'lr', value: '0.1' }));
    expectOk(await post('runs/log-parameter', { run_id: run, key: 'lr', value: '0.1' }));
    expectMlflowError(
      await post('runs/log-parameter', { run_id: run, key: 'lr', value: '0.2' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectMlflowError(
      await post('runs/log-batch', { run_id: run, params: [{ key: 'lr', value: '0.3' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectMlflowError(
      await post('runs/log-batch', {
        run_id: run,
        params: [
          { key: 'depth', value: '3' },
          { key: 'depth', value: '5' },
        ],
      }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expect((await runData(run)).params).toEqual([{ key: 'lr', value: '0.1' }]);
  });

  it('enforces the log-batch limits (1000 metrics, 100 params, 100 tags, 1000 items, 1 MB) atomically', async () => {
    const run = await createRun();
    const metrics = (n: number, prefix = 'm') =>
      Array.from({ length: n }, (_, i) => metric(`${prefix}${i % 10}`, i));
    const kv = (n: number, prefix: string, value = 'v') =>
      Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value }));
    const over: [string, object][] = [
      ['1001 metrics', { metrics: metrics(1001) }],
      ['101 params', { params: kv(101, 'p') }],
      ['101 tags', { tags: kv(101, 't') }],
      ['1001 items in all', { metrics: metrics(901), params: kv(100, 'p') }],
      [
        'a body over 1 MB',
        {
          params: kv(100, 'p', 'x'.repeat(5000)),
          tags: kv(100, 't', 'y'.repeat(5000)),
          metrics: metrics(10),
        },
      ],
      ['a tag key over 250 characters', { tags: [{ key: 't'.repeat(251), value: 'v' }] }],
      ['a param key over 250 characters', { params: [{ key: 'p'.repeat(251), value: 'v' }] }],
    ];
    for (const [what, body] of over) {
      const r = await post('runs/log-batch', { run_id: run, ...body });
      expect({ what, status: r.status }).toEqual({ what, status: 400 });
      expectMlflowError(r, 400, 'INVALID_PARAMETER_VALUE');
    }
    const data = await runData(run);
    expect([data.metrics ?? [], data.params ?? []]).toEqual([[], []]);
    expect((data.tags ?? []).filter((t) => !t.key.startsWith('mlflow.'))).toEqual([]);

    // At the limits, all is logged.
    expectOk(await post('runs/log-batch', { run_id: run, metrics: metrics(1000) }));
    expectOk(
      await post('runs/log-batch', { run_id: run, params: kv(100, 'p'), tags: kv(100, 't') }),
    );
    const full = await get('metrics/get-history', { run_id: run, metric_key: 'm3' });
    expectOk(full);
    expect((pick(full.json, 'metrics') as unknown[]).length).toBe(100);
  });

  it('keeps a param or tag value within MLflow length limits (refused or cut, never stored longer)', async () => {
    const run = await createRun();
    const param = await post('runs/log-parameter', {
      run_id: run,
      key: 'long',
      value: 'p'.repeat(6001),
    });
    const tag = await post('runs/set-tag', { run_id: run, key: 'long', value: 't'.repeat(8001) });
    for (const r of [param, tag]) {
      if (r.status !== 200) expectMlflowError(r, 400, 'INVALID_PARAMETER_VALUE');
    }
    const data = await runData(run);
    for (const p of data.params ?? []) expect(p.value.length).toBeLessThanOrEqual(6000);
    for (const t of data.tags ?? []) expect(t.value.length).toBeLessThanOrEqual(8000);
  });

  it('refuses a page token it did not hand out', async () => {
    const run = await createRun();
    for (const r of [
      await post('runs/search', { experiment_ids: ['0'], page_token: 'not-a-token' }),
      await post('experiments/search', { max_results: 10, page_token: '%%%garbage' }),
      await get('metrics/get-history', { run_id: run, metric_key: 'loss', page_token: 'nope' }),
      await get('registered-models/search', { page_token: 'bm9wZQ==' }),
    ]) {
      expectMlflowError(r, 400, 'INVALID_PARAMETER_VALUE');
    }
  });

  it('refuses a filter it cannot parse and an order_by it does not know', async () => {
    for (const body of [
      { experiment_ids: ['0'], filter: 'metrics.loss <<< 1' },
      { experiment_ids: ['0'], filter: "params.lr = '0.1' or params.lr = '0.2'" },
      { experiment_ids: ['0'], order_by: ['nonsense.key SIDEWAYS'] },
      { experiment_ids: ['0'], max_results: 50001 },
    ]) {
      expectMlflowError(await post('runs/search', body), 400, 'INVALID_PARAMETER_VALUE');
    }
  });

  it('refuses logging to a deleted run, and answers it again once restored', async () => {
    const run = await createRun();
    expectOk(await post('runs/delete', { run_id: run }));
    const r = await post('runs/log-metric', { run_id: run, ...metric('after_delete') });
    expectMlflowError(r, 400, ['INVALID_PARAMETER_VALUE', 'INVALID_STATE']);
    expectOk(await post('runs/restore', { run_id: run }));
    expectOk(await post('runs/log-metric', { run_id: run, ...metric('after_restore') }));
  });

  it('refuses registry input MLflow refuses', async () => {
    expectMlflowError(await post('registered-models/create', {}), 400, 'INVALID_PARAMETER_VALUE');
    expectOk(await post('registered-models/create', { name: 'errs' }));
    expectMlflowError(
      await post('registered-models/create', { name: 'errs' }),
      400,
      'RESOURCE_ALREADY_EXISTS',
    );
    expectMlflowError(
      await post('model-versions/create', {
        name: 'no-such',
        source: 'mlflow-artifacts:/0/x/artifacts/model',
      }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
    );
    for (const alias of ['latest', 'v1', 'bad alias!']) {
      const r = await post('registered-models/alias', { name: 'errs', alias, version: '1' });
      expect({ alias, status: r.status }).toMatchObject({ alias });
      expect(r.status === 400 || r.status === 404).toBe(true);
      expect(r.status).toBeLessThan(500);
    }
  });

  it('answers malformed requests with 4xx and an MLflow error body', async () => {
    const broken = await httpCall(server.base, 'POST', `${API}/runs/create`, {
      raw: '{nope',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(pick(broken.json, 'error_code')).toBeTypeOf('string');
    const wrongType = await post('runs/create', { experiment_id: { nested: true } });
    expectMlflowError(wrongType, 400, 'INVALID_PARAMETER_VALUE');
    const unknown = await httpCall(server.base, 'GET', `${API}/no/such/endpoint`);
    expect(unknown.status).toBe(404);
    const wrongMethod = await httpCall(server.base, 'GET', `${API}/runs/create`);
    expect([404, 405]).toContain(wrongMethod.status);
  });
});

describe('no 5xx for any malformed input (fast-check, fixed seed)', () => {
  const POSTS = [
    'experiments/create',
    'experiments/update',
    'experiments/delete',
    'experiments/search',
    'experiments/set-experiment-tag',
    'runs/create',
    'runs/update',
    'runs/delete',
    'runs/search',
    'runs/log-batch',
    'runs/log-metric',
    'runs/log-parameter',
    'runs/set-tag',
    'runs/delete-tag',
    'runs/log-inputs',
    'registered-models/create',
    'registered-models/alias',
    'model-versions/create',
    'model-versions/transition-stage',
  ];
  const GETS = [
    'experiments/get',
    'experiments/get-by-name',
    'runs/get',
    'metrics/get-history',
    'registered-models/get',
    'registered-models/search',
    'model-versions/get',
    'model-versions/search',
    'model-versions/get-download-uri',
  ];
  const FIELDS = [
    'run_id',
    'run_uuid',
    'experiment_id',
    'experiment_ids',
    'name',
    'key',
    'value',
    'timestamp',
    'step',
    'metrics',
    'params',
    'tags',
    'filter',
    'max_results',
    'page_token',
    'order_by',
    'status',
    'end_time',
    'version',
    'alias',
    'stage',
    'source',
    'metric_key',
    'experiment_name',
  ];
  const scalar = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('0', 'NaN', '-Infinity', '9223372036854775808', '', '../x', '1e400'),
  );
  const value = fc.oneof(
    { weight: 4, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
    {
      weight: 1,
      arbitrary: fc.array(
        fc.record(
          { key: scalar, value: scalar, timestamp: scalar, step: scalar },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
    },
    { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }) },
  );
  const body = fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 });

  it('POST bodies of every shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POSTS), fc.oneof(body, value), async (path, json) => {
        const r = await post(path, json);
        if (r.status >= 500)
          throw new Error(
            `${path} answered ${r.status} to ${JSON.stringify(json)}: ${r.text.slice(0, 200)}`,
          );
        if (r.status >= 400) expect(pick(r.json, 'error_code')).toBeTypeOf('string');
      }),
      { seed: 15015, numRuns: 150, endOnFailure: true },
    );
  });

  it('GET query strings of every shape', async () => {
    const query = fc.dictionary(
      fc.constantFrom(...FIELDS),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
      ),
      { maxKeys: 5 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...GETS), query, async (path, q) => {
        const r = await get(path, q);
        if (r.status >= 500)
          throw new Error(`${path} answered ${r.status}: ${r.text.slice(0, 200)}`);
        if (r.status >= 400) expect(pick(r.json, 'error_code')).toBeTypeOf('string');
      }),
      { seed: 15016, numRuns: 100, endOnFailure: true },
    );
  });

  it('raw bodies that are not JSON objects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...POSTS),
        fc.string({ maxLength: 60 }),
        async (path, raw) => {
          const r = await httpCall(server.base, 'POST', `${API}/${path}`, {
            raw,
            headers: { 'Content-Type': 'application/json' },
          });
          if (r.status >= 500)
            throw new Error(`${path} answered ${r.status} to ${JSON.stringify(raw)}`);
        },
      ),
      { seed: 15017, numRuns: 60, endOnFailure: true },
    );
  });
});
