// MLflow's tracking channels through services.dispatch on a temp workspace: every endpoint, the error cases
// of issue 15, log-batch's limits, NaN/±Infinity, params immutability, get-history paging, experiment 0 and
// delete/restore. Runs logged here are ordinary Lathe runs (runs:get reads them).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { tempDir } from '../../helpers/workspace';

let t: ReturnType<typeof tempDir>;
let services: Services;

beforeEach(async () => {
  t = tempDir();
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
});

afterEach(async () => {
  await services.close();
  t.remove();
});

/** The result of a call that must succeed (JSON round trip, as the host sends it). */
async function call<T = Record<string, unknown>>(channel: string, input: unknown): Promise<T> {
  const res = await services.dispatch(channel, input);
  if (!res.ok) throw new Error(`${channel} failed: ${res.error.code} ${res.error.message}`);
  return JSON.parse(JSON.stringify(res.result)) as T;
}

/** The error of a call that must fail. */
async function fail(channel: string, input: unknown): Promise<{ code: string; message: string }> {
  const res = await services.dispatch(channel, input);
  if (res.ok) throw new Error(`${channel} succeeded: ${JSON.stringify(res.result)}`);
  return res.error;
}

interface WireRun {
  info: Record<string, unknown> & { run_id: string; status: string; lifecycle_stage: string };
  data: {
    metrics: { key: string; value: number | string; timestamp: number; step: number }[];
    params: { key: string; value: string }[];
    tags: { key: string; value: string }[];
  };
  inputs?: { dataset_inputs: unknown[] };
}

const getRun = async (runId: string) =>
  (await call<{ run: WireRun }>('mlflow:runs:get', { run_id: runId })).run;

async function newRun(experimentId = '0', extra: Record<string, unknown> = {}): Promise<string> {
  const { run } = await call<{ run: WireRun }>('mlflow:runs:create', {
    experiment_id: experimentId,
    start_time: 1_700_000_000_000,
    ...extra,
  });
  return run.info.run_id;
}

describe('experiments', () => {
  it('experiment 0 (Default) exists, idempotently', async () => {
    const a = await call<{ experiment: Record<string, unknown> }>('mlflow:experiments:get', {
      experiment_id: '0',
    });
    expect(a.experiment).toMatchObject({
      experiment_id: '0',
      name: 'Default',
      lifecycle_stage: 'active',
      artifact_location: 'mlflow-artifacts:/0',
    });
    const byName = await call<{ experiment: { experiment_id: string } }>(
      'mlflow:experiments:get-by-name',
      { experiment_name: 'Default' },
    );
    expect(byName.experiment.experiment_id).toBe('0');
    const search = await call<{ experiments: { experiment_id: string }[] }>(
      'mlflow:experiments:search',
      {},
    );
    expect(search.experiments.filter((e) => e.experiment_id === '0')).toHaveLength(1);
    expect(await fail('mlflow:experiments:delete', { experiment_id: '0' })).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining("Cannot delete the default experiment '0'") as string,
    });
  });

  it('create, get-by-name, tags, rename, delete and restore', async () => {
    const missing = await fail('mlflow:experiments:get-by-name', { experiment_name: 'nope' });
    expect(missing).toEqual({
      code: 'NOT_FOUND',
      message: "Could not find experiment with name 'nope'",
      details: { experiment_name: 'nope' },
    });
    const { experiment_id: id } = await call<{ experiment_id: string }>(
      'mlflow:experiments:create',
      { name: 'churn', tags: [{ key: 'team', value: 'a' }] },
    );
    expect(await fail('mlflow:experiments:create', { name: 'churn' })).toMatchObject({
      code: 'ALREADY_EXISTS',
      message: 'Experiment(name=churn) already exists.',
    });
    expect(await fail('mlflow:experiments:create', { name: '' })).toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await fail('mlflow:experiments:create', {})).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await fail('mlflow:experiments:create', { name: 'x'.repeat(501) })).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'Experiment name exceeds the maximum length of 500 characters',
    });

    await call('mlflow:experiments:set-experiment-tag', {
      experiment_id: id,
      key: 'k',
      value: 'v',
    });
    await call('mlflow:experiments:set-experiment-tag', {
      experiment_id: id,
      key: 'k',
      value: 'w',
    });
    const got = await call<{
      experiment: { name: string; tags: unknown[]; creation_time: number };
    }>('mlflow:experiments:get-by-name', { experiment_name: 'churn' });
    expect(got.experiment.tags).toEqual([
      { key: 'k', value: 'w' },
      { key: 'team', value: 'a' },
    ]);
    expect(typeof got.experiment.creation_time).toBe('number');
    await call('mlflow:experiments:delete-experiment-tag', { experiment_id: id, key: 'team' });
    expect(
      await fail('mlflow:experiments:delete-experiment-tag', { experiment_id: id, key: 'team' }),
    ).toMatchObject({ code: 'NOT_FOUND' });

    await call('mlflow:experiments:create', { name: 'other' });
    expect(
      await fail('mlflow:experiments:update', { experiment_id: id, new_name: 'other' }),
    ).toMatchObject({ code: 'ALREADY_EXISTS' });
    await call('mlflow:experiments:update', { experiment_id: id, new_name: 'churn-2' });
    expect(
      (
        await call<{ experiment: { name: string } }>('mlflow:experiments:get', {
          experiment_id: id,
        })
      ).experiment.name,
    ).toBe('churn-2');

    // Deleting marks its runs deleted; a deleted experiment refuses runs and tags; restore brings both back.
    const runId = await newRun(id);
    const earlier = await newRun(id);
    await call('mlflow:runs:delete', { run_id: earlier });
    await call('mlflow:experiments:delete', { experiment_id: id });
    const deleted = await call<{ experiment: { lifecycle_stage: string } }>(
      'mlflow:experiments:get',
      { experiment_id: id },
    );
    expect(deleted.experiment.lifecycle_stage).toBe('deleted');
    expect((await getRun(runId)).info.lifecycle_stage).toBe('deleted');
    expect(await fail('mlflow:runs:create', { experiment_id: id })).toMatchObject({
      code: 'INVALID_INPUT',
      message: `The experiment ${id} must be in the 'active' state. Current state is deleted.`,
    });
    expect(
      await fail('mlflow:experiments:set-experiment-tag', {
        experiment_id: id,
        key: 'a',
        value: 'b',
      }),
    ).toMatchObject({ code: 'INVALID_INPUT' });
    expect(
      await fail('mlflow:experiments:update', { experiment_id: id, new_name: 'z' }),
    ).toMatchObject({ code: 'INVALID_INPUT', message: 'Cannot rename a non-active experiment.' });
    const active = await call<{ experiments: { experiment_id: string }[] }>(
      'mlflow:experiments:search',
      { view_type: 'ACTIVE_ONLY' },
    );
    expect(active.experiments.map((e) => e.experiment_id)).not.toContain(id);
    // The Experiments view leaves it out too, as MLflow's UI does.
    const listed = async () =>
      (await call<{ name: string }[]>('experiments:list', {})).map((e) => e.name);
    expect(await listed()).not.toContain('churn-2');
    const onlyDeleted = await call<{ experiments: { experiment_id: string }[] }>(
      'mlflow:experiments:search',
      { view_type: '2' },
    );
    expect(onlyDeleted.experiments.map((e) => e.experiment_id)).toEqual([id]);

    await call('mlflow:experiments:restore', { experiment_id: id });
    expect(await listed()).toContain('churn-2');
    expect((await getRun(runId)).info.lifecycle_stage).toBe('active');
    expect((await getRun(earlier)).info.lifecycle_stage).toBe('deleted');
    expect(await fail('mlflow:experiments:get', { experiment_id: 'nope' })).toMatchObject({
      code: 'NOT_FOUND',
      message: 'No Experiment with id=nope exists',
    });
  });

  it('searches with a filter, order_by and page tokens', async () => {
    for (const name of ['exp-a', 'exp-b', 'other-c'])
      await call('mlflow:experiments:create', { name });
    const filtered = await call<{ experiments: { name: string }[] }>('mlflow:experiments:search', {
      filter: "name LIKE 'exp-%'",
      order_by: 'name DESC',
    });
    expect(filtered.experiments.map((e) => e.name)).toEqual(['exp-b', 'exp-a']);
    const first = await call<{ experiments: { name: string }[]; next_page_token?: string }>(
      'mlflow:experiments:search',
      { max_results: '2', order_by: ['name ASC'] },
    );
    expect(first.experiments.map((e) => e.name)).toEqual(['Default', 'exp-a']);
    const second = await call<{ experiments: { name: string }[]; next_page_token?: string }>(
      'mlflow:experiments:search',
      { max_results: 2, order_by: ['name ASC'], page_token: first.next_page_token },
    );
    expect(second.experiments.map((e) => e.name)).toEqual(['exp-b', 'other-c']);
    expect(await fail('mlflow:experiments:search', { filter: 'name ~ 1' })).toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});

describe('runs', () => {
  it('create, get, update, tags, delete and restore: an ordinary Lathe run', async () => {
    const { run } = await call<{ run: WireRun }>('mlflow:runs:create', {
      experiment_id: '0',
      start_time: '1700000000000',
      run_name: 'first',
      tags: [{ key: 'mlflow.user', value: 'ada' }],
    });
    expect(run.info).toMatchObject({
      run_name: 'first',
      experiment_id: '0',
      user_id: 'ada',
      status: 'RUNNING',
      start_time: 1_700_000_000_000,
      lifecycle_stage: 'active',
      artifact_uri: `mlflow-artifacts:/0/${run.info.run_id}/artifacts`,
    });
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'first' });
    const lathe = await services.tracking.read(run.info.run_id);
    expect(lathe).toMatchObject({ name: 'first', status: 'running', kind: 'mlflow' });

    expect(
      await fail('mlflow:runs:create', {
        run_name: 'a',
        tags: [{ key: 'mlflow.runName', value: 'b' }],
      }),
    ).toMatchObject({ code: 'INVALID_INPUT' });
    const unnamed = await newRun();
    expect((await getRun(unnamed)).info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);

    const id = run.info.run_id;
    const updated = await call<{ run_info: WireRun['info'] }>('mlflow:runs:update', {
      run_id: id,
      status: 'FINISHED',
      end_time: 1_700_000_005_000,
      run_name: 'renamed',
    });
    expect(updated.run_info).toMatchObject({
      status: 'FINISHED',
      end_time: 1_700_000_005_000,
      run_name: 'renamed',
    });
    expect(await services.tracking.read(id)).toMatchObject({ status: 'finished', name: 'renamed' });
    for (const [mlflow, lathe] of [
      ['KILLED', 'cancelled'],
      ['FAILED', 'failed'],
      ['SCHEDULED', 'queued'],
      [1, 'running'],
    ] as const) {
      const r = await call<{ run_info: { status: string } }>('mlflow:runs:update', {
        run_uuid: id,
        status: mlflow,
      });
      expect(r.run_info.status).toBe(typeof mlflow === 'number' ? 'RUNNING' : mlflow);
      expect((await services.tracking.read(id)).status).toBe(lathe);
    }

    await call('mlflow:runs:set-tag', { run_id: id, key: 'mlflow.runName', value: 'by-tag' });
    expect((await getRun(id)).info.run_name).toBe('by-tag');
    await call('mlflow:runs:set-tag', { run_id: id, key: 'note', value: 'x' });
    await call('mlflow:runs:delete-tag', { run_id: id, key: 'note' });
    expect(await fail('mlflow:runs:delete-tag', { run_id: id, key: 'note' })).toMatchObject({
      code: 'NOT_FOUND',
      message: `No tag with name: note in run with id ${id}`,
    });

    await call('mlflow:runs:delete', { run_id: id });
    expect((await getRun(id)).info.lifecycle_stage).toBe('deleted');
    for (const [channel, input] of [
      ['mlflow:runs:log-metric', { run_id: id, key: 'm', value: 1, timestamp: 1 }],
      ['mlflow:runs:log-parameter', { run_id: id, key: 'p', value: '1' }],
      ['mlflow:runs:set-tag', { run_id: id, key: 't', value: '1' }],
      ['mlflow:runs:log-batch', { run_id: id, params: [{ key: 'p', value: '1' }] }],
      ['mlflow:runs:update', { run_id: id, status: 'FINISHED' }],
    ] as const)
      expect(await fail(channel, input)).toMatchObject({
        code: 'INVALID_INPUT',
        message: `The run ${id} must be in the 'active' state. Current state is deleted.`,
      });
    await call('mlflow:runs:restore', { run_id: id });
    expect((await getRun(id)).info.lifecycle_stage).toBe('active');

    expect(await fail('mlflow:runs:get', { run_id: 'a'.repeat(32) })).toMatchObject({
      code: 'NOT_FOUND',
      message: `Run with id=${'a'.repeat(32)} not found`,
    });
    expect(await fail('mlflow:runs:get', {})).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining("Missing value for required parameter 'run_id'") as string,
    });
    expect(await fail('mlflow:runs:get', { run_id: '../etc' })).toMatchObject({
      code: 'INVALID_INPUT',
      message: "Invalid run ID: '../etc'",
    });
  });

  it('params are immutable: the same value again is fine, a changed one is refused and nothing is written', async () => {
    const id = await newRun();
    await call('mlflow:runs:log-parameter', { run_id: id, key: 'lr', value: '0.1' });
    await call('mlflow:runs:log-parameter', { run_id: id, key: 'lr', value: '0.1' });
    const changed = await fail('mlflow:runs:log-batch', {
      run_id: id,
      metrics: [{ key: 'loss', value: 1, timestamp: 5 }],
      params: [
        { key: 'depth', value: '3' },
        { key: 'lr', value: '0.2' },
      ],
    });
    expect(changed).toMatchObject({
      code: 'INVALID_INPUT',
      message: `Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='${id}'. Attempted logging new value '0.2'.`,
    });
    const run = await getRun(id);
    expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
    expect(run.data.metrics).toEqual([]);
    expect(
      await fail('mlflow:runs:log-batch', {
        run_id: id,
        params: [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
      }),
    ).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('Duplicate parameter keys') as string,
    });
  });

  it('NaN and ±Infinity round-trip as proto JSON words, and latest_metrics stays right', async () => {
    const id = await newRun();
    await call('mlflow:runs:log-batch', {
      run_id: id,
      metrics: [
        { key: 'a', value: 'NaN', timestamp: 10, step: 0 },
        { key: 'a', value: 'Infinity', timestamp: 11, step: 1 },
        { key: 'a', value: '-Infinity', timestamp: 12, step: 2 },
        { key: 'a', value: 0.5, timestamp: 13, step: 3 },
        { key: 'b', value: '-Infinity', timestamp: '14', step: '7' },
      ],
    });
    await call('mlflow:runs:log-metric', { run_id: id, key: 'c', value: 'NaN', timestamp: 20 });
    const hist = await call<{ metrics: { value: unknown; step: number; timestamp: number }[] }>(
      'mlflow:metrics:get-history',
      { run_id: id, metric_key: 'a' },
    );
    expect(hist.metrics.map((m) => m.value)).toEqual(['NaN', 'Infinity', '-Infinity', 0.5]);
    expect(hist.metrics.map((m) => m.timestamp)).toEqual([10, 11, 12, 13]);
    const run = await getRun(id);
    expect(run.data.metrics).toEqual([
      { key: 'a', value: 0.5, timestamp: 13, step: 3 },
      { key: 'b', value: '-Infinity', timestamp: 14, step: 7 },
      { key: 'c', value: 'NaN', timestamp: 20, step: 0 },
    ]);
    expect(
      await fail('mlflow:runs:log-metric', { run_id: id, key: 'c', value: 'nan?', timestamp: 1 }),
    ).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('log-batch limits, key rules, lengths and steps', async () => {
    const id = await newRun();
    const m = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i }));
    const kv = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    const cases: [Record<string, unknown>, string][] = [
      [
        { metrics: m(1001) },
        'A batch logging request can contain at most 1000 metrics. Got 1001 metrics.',
      ],
      [{ params: kv(101) }, 'at most 100 params. Got 101 params.'],
      [{ tags: kv(101) }, 'at most 100 tags. Got 101 tags.'],
      [
        { metrics: m(900), params: kv(50), tags: kv(51) },
        'at most 1000 metrics, params, and tags. Got 1001 metrics, params, and tags.',
      ],
      [
        { params: [{ key: 'big', value: 'x'.repeat(6001) }] },
        'had length 6001, which exceeded length limit of 6000',
      ],
      [{ tags: [{ key: 'big', value: 'x'.repeat(5001) }] }, 'exceeded length limit of 5000'],
      [{ params: [{ key: 'k'.repeat(251), value: '1' }] }, 'exceeded length limit of 250'],
      [
        { params: [{ key: 'a:b', value: '1' }] },
        "Invalid parameter name: 'a:b'. Names may only contain",
      ],
      [
        { tags: [{ key: '../x', value: '1' }] },
        "Invalid tag name: '../x'. Names may be treated as files",
      ],
      [{ metrics: [{ key: 'a//b', value: 1, timestamp: 1 }] }, "This name would resolve to 'a/b'"],
      [
        { metrics: [{ key: 'x', value: 1, timestamp: -1 }] },
        'Timestamp must be a nonnegative long',
      ],
      [
        { metrics: [{ key: 'x', value: 1 }] },
        "Missing value for required parameter 'metrics[0].timestamp'",
      ],
      [
        { metrics: [{ key: 'x', value: 1, timestamp: 1, step: 2 ** 31 }] },
        'Got invalid step 2147483648',
      ],
      [{ metrics: [{ key: 'x', value: 1, timestamp: '9007199254740993' }] }, 'out of range'],
      [
        {
          params: Array.from({ length: 100 }, (_, i) => ({
            key: `p${i}`,
            value: 'x'.repeat(5999),
          })),
          // Every count and length within its limit; together past 1 MB.
          tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: 'x'.repeat(4999) })),
        },
        'Batched logging API requests must be at most 1000000 bytes',
      ],
    ];
    for (const [body, message] of cases) {
      const err = await fail('mlflow:runs:log-batch', { run_id: id, ...body });
      expect(err.code, message).toBe('INVALID_INPUT');
      expect(err.message).toContain(message);
    }
    // Nothing of the refused batches landed; the limits themselves are accepted.
    expect((await getRun(id)).data).toEqual({
      metrics: [],
      params: [],
      tags: expect.any(Array) as unknown[],
    });
    await call('mlflow:runs:log-batch', { run_id: id, metrics: m(1000) });
    await call('mlflow:runs:log-batch', {
      run_id: id,
      metrics: m(900),
      params: kv(50),
      tags: kv(50),
    });
    const hist = await call<{ metrics: unknown[] }>('mlflow:metrics:get-history', {
      run_id: id,
      metric_key: 'm',
    });
    // The 900 points of the second batch equal stored ones: MLflow keeps each (key, time, step, value) once.
    expect(hist.metrics).toHaveLength(1000);
  });

  it('get-history pages by max_results and page_token', async () => {
    const id = await newRun();
    const metrics = Array.from({ length: 25 }, (_, i) => ({
      key: 'loss',
      value: 1 / (i + 1),
      timestamp: 1000 + i,
      step: i,
    }));
    await call('mlflow:runs:log-batch', { run_id: id, metrics });
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await call<{ metrics: { step: number }[]; next_page_token?: string }>(
        'mlflow:metrics:get-history',
        {
          run_id: id,
          metric_key: 'loss',
          max_results: '10',
          ...(token ? { page_token: token } : {}),
        },
      );
      seen.push(...page.metrics.map((m) => m.step));
      token = page.next_page_token;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(
      (
        await call<{ metrics: unknown[] }>('mlflow:metrics:get-history', {
          run_id: id,
          metric_key: 'none',
        })
      ).metrics,
    ).toEqual([]);
    expect(
      await fail('mlflow:metrics:get-history', {
        run_id: id,
        metric_key: 'loss',
        page_token: 'garbage!',
      }),
    ).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await fail('mlflow:metrics:get-history', { run_id: id })).toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('searches runs with MLflow filters and pages', async () => {
    const { experiment_id: exp } = await call<{ experiment_id: string }>(
      'mlflow:experiments:create',
      {
        name: 'search',
      },
    );
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await newRun(exp, { start_time: 1_700_000_000_000 + i });
      ids.push(id);
      await call('mlflow:runs:log-batch', {
        run_id: id,
        metrics: [{ key: 'acc', value: i / 10, timestamp: 1 }],
        params: [{ key: 'model', value: i % 2 ? 'tree' : 'linear' }],
      });
    }
    const found = await call<{ runs: WireRun[] }>('mlflow:runs:search', {
      experiment_ids: [exp],
      filter: "metrics.acc > 0.15 AND params.model = 'linear'",
      order_by: ['metrics.acc DESC'],
    });
    expect(found.runs.map((r) => r.info.run_id)).toEqual([ids[4], ids[2]]);
    const page1 = await call<{ runs: WireRun[]; next_page_token?: string }>('mlflow:runs:search', {
      experiment_ids: [exp],
      max_results: 3,
    });
    expect(page1.runs.map((r) => r.info.run_id)).toEqual([ids[4], ids[3], ids[2]]);
    const page2 = await call<{ runs: WireRun[]; next_page_token?: string }>('mlflow:runs:search', {
      experiment_ids: [exp],
      max_results: 3,
      page_token: page1.next_page_token,
    });
    expect(page2.runs.map((r) => r.info.run_id)).toEqual([ids[1], ids[0]]);
    expect(page2.next_page_token).toBeUndefined();
    expect(
      await fail('mlflow:runs:search', { experiment_ids: [exp], filter: 'metrics.acc >' }),
    ).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('log-inputs records dataset inputs once per name and digest', async () => {
    const id = await newRun();
    const dataset = { name: 'iris', digest: 'abc', source_type: 'local', source: '/data/iris.csv' };
    const input = {
      run_id: id,
      datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }],
    };
    await call('mlflow:runs:log-inputs', input);
    await call('mlflow:runs:log-inputs', input);
    const run = await getRun(id);
    expect(run.inputs?.dataset_inputs).toEqual([
      { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset },
    ]);
  });

  it('log-batch writes well over 20,000 metric points per second (measured, printed)', async () => {
    const id = await newRun();
    const batches = 40;
    const started = performance.now();
    for (let b = 0; b < batches; b++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: `m${i % 10}`,
        value: Math.sin(b * 1000 + i),
        timestamp: 1_700_000_000_000 + b * 1000 + i,
        step: b * 100 + Math.floor(i / 10),
      }));
      // Through JSON, as the host hands it over.
      await call('mlflow:runs:log-batch', JSON.parse(JSON.stringify({ run_id: id, metrics })));
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `[mlflow log-batch] ${batches * 1000} points in ${seconds.toFixed(2)} s: ${Math.round((batches * 1000) / seconds)} points/s`,
    );
    const hist = await call<{ metrics: unknown[] }>('mlflow:metrics:get-history', {
      run_id: id,
      metric_key: 'm3',
    });
    expect(hist.metrics).toHaveLength(batches * 100);
    const run = await getRun(id);
    expect(run.data.metrics.find((m) => m.key === 'm9')).toMatchObject({
      step: (batches - 1) * 100 + 99,
    });
  });
});
