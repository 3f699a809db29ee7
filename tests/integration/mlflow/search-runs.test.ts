// runs/search and experiments/search over a real DuckDB workspace (issue 15): rows inserted directly,
// filters on metrics (NaN, ±Infinity, missing), params, tags with any key, attributes and dataset
// inputs; MLflow's ordering (missing keys last, NaN after the numbers, start_time DESC and run_id for
// ties) checked against a model of MLflow's own sort on random queries; every page visited once.
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatheError } from '../../../shared/contract';
import {
  MLFLOW_RUN_STATUS,
  parseFilter,
  parseOrderBy,
  searchExperiments,
  searchRuns,
  type Clause,
  type OrderTerm,
} from '../../../main/mlflow/search-filter';
import type { Database } from '../../../main/workspace/db';
import { openWorkspace, type Workspace } from '../../../main/workspace/workspace';
import { tempDir } from '../../helpers/workspace';
import type { RunStatus } from '../../../shared/contract/runs';

const t = tempDir('lathe-mlflow-search-');
let ws: Workspace;
let db: Database;

/** A run as the test knows it, to check the searches against. */
interface TestRun {
  id: string;
  experiment: string;
  name: string;
  status: RunStatus;
  start: number;
  end: number | null;
  deleted: boolean;
  userId: string | null;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

const METRIC_KEYS = ['acc', 'val loss', "it's"];
const PARAM_KEYS = ['lr', 'model.type'];
const TAG_KEYS = ['team', 'a"b', "'; DROP TABLE runs; --"];
const STATUSES: RunStatus[] = [
  'finished',
  'running',
  'failed',
  'cancelled',
  'queued',
  'interrupted',
];

/** mulberry32: the same random rows on every run of the test. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function makeRuns(n: number): TestRun[] {
  const r = rng(15);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const metricValues = [0, -0, 0.5, 1, 2.5, -3, 1e-9, Infinity, -Infinity, NaN, 0.1 + 0.2];
  const paramValues = ['a', 'b', 'ab', 'Ab', '10', '9', 'a_b', 'a%b', "o'k"];
  const runs: TestRun[] = [];
  for (let i = 0; i < n; i++) {
    const metrics: Record<string, number> = {};
    for (const k of METRIC_KEYS) if (r() < 0.75) metrics[k] = pick(metricValues);
    const params: Record<string, string> = {};
    for (const k of PARAM_KEYS) if (r() < 0.7) params[k] = pick(paramValues);
    const tags: Record<string, string> = {};
    for (const k of TAG_KEYS) if (r() < 0.6) tags[k] = pick(paramValues);
    const start = 1_700_000_000_000 + Math.floor(r() * 8) * 1000; // ties on start_time on purpose
    runs.push({
      id: `${(i * 7919).toString(16).padStart(8, '0')}${'c'.repeat(24)}`,
      experiment: r() < 0.8 ? '1' : '2',
      name: `run-${i % 13}`,
      status: pick(STATUSES),
      start,
      end: r() < 0.3 ? null : start + Math.floor(r() * 5000),
      deleted: r() < 0.15,
      userId: r() < 0.5 ? 'alice' : null,
      metrics,
      params,
      tags,
    });
  }
  return runs;
}

const RUNS = makeRuns(60);
const byId = new Map(RUNS.map((run) => [run.id, run]));

async function insert(run: TestRun): Promise<void> {
  await db.run(
    `INSERT INTO runs (id, experiment_id, name, status, config, config_hash, seed, lathe_version, started_at,
       ended_at, system, kind, deleted_at, user_id)
     VALUES (?, ?, ?, ?, '{}', 'h', 0, 'test', make_timestamp(CAST(? AS BIGINT) * 1000),
       make_timestamp(CAST(? AS BIGINT) * 1000), '{}', 'mlflow', CASE WHEN ? THEN now() END, ?)`,
    [run.id, run.experiment, run.name, run.status, run.start, run.end, run.deleted, run.userId],
  );
  for (const [k, v] of Object.entries(run.metrics))
    await db.run(
      'INSERT INTO latest_metrics (run_id, key, step, ts, value) VALUES (?, ?, 0, 0, CAST(? AS DOUBLE))',
      [
        run.id,
        k,
        Number.isNaN(v)
          ? 'NaN'
          : v === Infinity
            ? 'Infinity'
            : v === -Infinity
              ? '-Infinity'
              : Object.is(v, -0)
                ? '-0.0'
                : String(v),
      ],
    );
  for (const [k, v] of Object.entries(run.params))
    await db.run('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)', [run.id, k, v]);
  for (const [k, v] of Object.entries(run.tags))
    await db.run('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)', [run.id, k, v]);
}

beforeAll(async () => {
  ws = await openWorkspace(join(t.dir, 'ws'));
  db = ws.db;
  await db.run(
    `INSERT INTO experiments (id, project_id, name, created_at, updated_at, deleted_at) VALUES
       ('0', 'p', 'Default', make_timestamp(1000000), NULL, NULL),
       ('1', 'p', 'alpha', make_timestamp(2000000), make_timestamp(9000000), NULL),
       ('2', 'p', 'beta', make_timestamp(3000000), NULL, NULL),
       ('10', 'p', 'gamma', make_timestamp(3000000), NULL, now()),
       ('ab12', 'q', 'alpha', make_timestamp(2000000), NULL, NULL)`,
  );
  await db.run(
    `INSERT INTO experiment_tags (experiment_id, key, value) VALUES ('1', 'team', 'vision'), ('2', 'team', 'nlp'),
       ('ab12', 'note x', 'it''s')`,
  );
  for (const run of RUNS) await insert(run);
  const [first, second] = RUNS;
  await db.run(
    `INSERT INTO run_inputs (run_id, name, digest, source_type, source, tags) VALUES
       (?, 'penguins', 'd1', 'local', 'file:///p', '[{"key":"mlflow.data.context","value":"train"}]'),
       (?, 'penguins', 'd2', 'local', 'file:///p', '[{"key":"mlflow.data.context","value":"eval"}]'),
       (?, 'cars', 'd3', 'local', 'file:///c', '[]')`,
    [first!.id, second!.id, second!.id],
  );
});
afterAll(() => {
  ws?.close();
  t.remove();
});

// ---- a model of MLflow's file-store search (SearchUtils.filter and SearchUtils.sort) -----------------

const like = (value: string, pattern: string, insensitive: boolean): boolean => {
  const re = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${re}$`, insensitive ? 'is' : 's').test(value);
};

function attribute(run: TestRun, key: string): string | number | null {
  switch (key) {
    case 'run_id':
      return run.id;
    case 'run_name':
      return run.name;
    case 'status':
      return MLFLOW_RUN_STATUS[run.status];
    case 'user_id':
      return run.userId ?? '';
    case 'start_time':
      return run.start;
    case 'end_time':
      return run.end;
    default:
      throw new Error(`no attribute ${key} in the model`);
  }
}

function matches(run: TestRun, c: Clause): boolean {
  const lhs =
    c.type === 'metric'
      ? run.metrics[c.key]
      : c.type === 'parameter'
        ? run.params[c.key]
        : c.type === 'tag'
          ? run.tags[c.key]
          : attribute(run, c.key);
  if (lhs === undefined || lhs === null) return false;
  const v = c.value;
  switch (c.comparator) {
    case '=':
      return lhs === v || (typeof lhs === 'number' && lhs === v);
    case '!=':
      return lhs !== v;
    case '<':
      return lhs < v;
    case '<=':
      return lhs <= v;
    case '>':
      return lhs > v;
    case '>=':
      return lhs >= v;
    case 'LIKE':
      return like(String(lhs), String(v), false);
    case 'ILIKE':
      return like(String(lhs), String(v), true);
    case 'IN':
      return (v as string[]).includes(String(lhs));
    case 'NOT IN':
      return !(v as string[]).includes(String(lhs));
  }
}

function sortValue(run: TestRun, term: OrderTerm): string | number | null | undefined {
  if (term.type === 'metric') return run.metrics[term.key];
  if (term.type === 'parameter') return run.params[term.key];
  if (term.type === 'tag') return run.tags[term.key];
  return attribute(run, term.key);
}

/** SearchUtils.sort: by start_time DESC and run id, then each order term (stable), last term first. */
function mlflowSort(runs: TestRun[], terms: OrderTerm[]): TestRun[] {
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  let sorted = [...runs].sort((a, b) => b.start - a.start || cmp(a.id, b.id));
  for (const term of [...terms].reverse()) {
    // _get_value_for_sort: present values first (by value), then NaN, then missing, either direction
    const rank = (x: string | number | null | undefined) =>
      x === undefined || x === null ? 2 : typeof x === 'number' && Number.isNaN(x) ? 1 : 0;
    sorted = [...sorted].sort((a, b) => {
      const x = sortValue(a, term);
      const y = sortValue(b, term);
      const rx = rank(x);
      const ry = rank(y);
      if (rx !== ry) return rx - ry;
      if (rx !== 0) return 0;
      return term.ascending ? cmp(x!, y!) : cmp(y!, x!);
    });
  }
  return sorted;
}

function expected(
  experimentIds: string[],
  filter: string,
  orderBy: string[],
  view: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' = 'ACTIVE_ONLY',
): string[] {
  const clauses = parseFilter('runs', filter);
  const terms = parseOrderBy('runs', orderBy);
  const visible = RUNS.filter(
    (r) =>
      experimentIds.includes(r.experiment) &&
      (view === 'ALL' || r.deleted === (view === 'DELETED_ONLY')) &&
      clauses.every((c) => matches(r, c)),
  );
  return mlflowSort(visible, terms).map((r) => r.id);
}

async function all(
  input: Parameters<typeof searchRuns>[1],
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const page = await searchRuns(db, { ...input, pageToken });
    ids.push(...page.runIds);
    pageToken = page.nextPageToken;
    pages++;
    expect(pages).toBeLessThan(100);
  } while (pageToken);
  return { ids, pages };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LatheError);
  expect((err as LatheError).code).toBe('INVALID_INPUT');
  return (err as LatheError).message;
}

const ids = (runs: TestRun[]) => runs.map((r) => r.id).sort();
const search = async (filter: string, extra: Partial<Parameters<typeof searchRuns>[1]> = {}) =>
  (await searchRuns(db, { experimentIds: ['1', '2'], filter, ...extra })).runIds.sort();
const active = RUNS.filter((r) => !r.deleted);

describe('runs/search filters', () => {
  it('compares metrics as IEEE numbers: NaN matches only !=, runs without the metric match nothing', async () => {
    const withNaN = active.filter((r) => Number.isNaN(r.metrics.acc));
    expect(withNaN.length).toBeGreaterThan(0);
    expect(await search('metrics.acc > 0.5')).toEqual(
      ids(active.filter((r) => r.metrics.acc !== undefined && r.metrics.acc > 0.5)),
    );
    expect(await search('metrics.acc != 1')).toEqual(
      ids(active.filter((r) => r.metrics.acc !== undefined && r.metrics.acc !== 1)),
    );
    expect(await search('metrics.acc = 0')).toEqual(ids(active.filter((r) => r.metrics.acc === 0)));
    expect(await search('metrics.acc >= 1e999')).toEqual(
      ids(active.filter((r) => r.metrics.acc === Infinity)),
    );
    expect(await search('metrics.acc <= -1e999')).toEqual(
      ids(active.filter((r) => r.metrics.acc === -Infinity)),
    );
    // 0.1 + 0.2 is stored exactly and found by its shortest form
    expect(await search('metrics.acc = 0.30000000000000004')).toEqual(
      ids(active.filter((r) => r.metrics.acc === 0.1 + 0.2)),
    );
  });

  it('reads keys with spaces, dots, quotes and SQL in them', async () => {
    expect(await search("metrics.`val loss` < 1 and params.`model.type` LIKE 'a%'")).toEqual(
      ids(
        active.filter(
          (r) =>
            r.metrics['val loss'] !== undefined &&
            r.metrics['val loss'] < 1 &&
            r.params['model.type']?.startsWith('a'),
        ),
      ),
    );
    expect(await search(`metrics."it's" > 0 and tags.\`a"b\` = 'b'`)).toEqual(
      ids(active.filter((r) => r.metrics["it's"]! > 0 && r.tags['a"b'] === 'b')),
    );
    expect(await search(`tags."'; DROP TABLE runs; --" != 'x'`)).toEqual(
      ids(active.filter((r) => r.tags["'; DROP TABLE runs; --"] !== undefined)),
    );
    expect((await db.one<{ n: bigint }>('SELECT count(*) AS n FROM runs'))?.n).toBe(60n);
    // NUL inside a key and a value travels as a bound parameter
    const third = RUNS[2]!;
    await db.run('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)', [
      third.id,
      'nul\u0000key',
      'v\u0000',
    ]);
    expect(await search("tags.`nul\u0000key` = 'v\u0000'", { runViewType: 'ALL' })).toEqual(
      ids([third]),
    );
    await db.run("DELETE FROM tags WHERE key = 'nul' || chr(0) || 'key'");
  });

  it('compares params and tags as text: =, !=, LIKE (case-sensitive), ILIKE', async () => {
    expect(await search("params.lr = 'ab'")).toEqual(
      ids(active.filter((r) => r.params.lr === 'ab')),
    );
    expect(await search("params.lr LIKE 'a%'")).toEqual(
      ids(active.filter((r) => r.params.lr?.startsWith('a'))),
    );
    expect(await search("params.lr ILIKE 'a%'")).toEqual(
      ids(active.filter((r) => r.params.lr?.toLowerCase().startsWith('a'))),
    );
    expect(await search("params.lr = 'o''k'")).toEqual(
      ids(active.filter((r) => r.params.lr === "o'k")),
    );
    expect(await search('params.lr = "10"')).toEqual(
      ids(active.filter((r) => r.params.lr === '10')),
    );
  });

  it("compares attributes: MLflow's status names, run_name, run_id IN, user_id, times in ms", async () => {
    expect(await search("attributes.status = 'KILLED'")).toEqual(
      ids(active.filter((r) => r.status === 'cancelled' || r.status === 'interrupted')),
    );
    expect(await search("status != 'FINISHED'")).toEqual(
      ids(active.filter((r) => r.status !== 'finished')),
    );
    expect(await search("run_name = 'run-3'")).toEqual(
      ids(active.filter((r) => r.name === 'run-3')),
    );
    expect(await search("attributes.`Run Name` LIKE 'run-1%'")).toEqual(
      ids(active.filter((r) => r.name.startsWith('run-1'))),
    );
    const [a, b] = active;
    expect(
      await search(`attributes.run_id IN ('${a!.id}', '${b!.id}', '${a!.id.toUpperCase()}')`),
    ).toEqual(ids([a!, b!]));
    expect(await search(`run_id NOT IN ('${a!.id}')`)).toEqual(ids(active.filter((r) => r !== a)));
    // a run with no artifact_uri of its own has the proxy's, as the tracking store reports it
    expect(
      await search(`artifact_uri = 'mlflow-artifacts:/${a!.experiment}/${a!.id}/artifacts'`),
    ).toEqual(ids([a!]));
    expect(await search("user_id = 'alice'")).toEqual(
      ids(active.filter((r) => r.userId === 'alice')),
    );
    const mid = 1_700_000_004_000;
    expect(await search(`attributes.start_time >= ${mid}`)).toEqual(
      ids(active.filter((r) => r.start >= mid)),
    );
    expect(await search(`created < ${mid}`)).toEqual(ids(active.filter((r) => r.start < mid)));
    // a run that has not ended has no end_time: it matches no comparison on it
    expect(await search('end_time > 0')).toEqual(ids(active.filter((r) => r.end !== null)));
  });

  it('matches a run when one of its dataset inputs does', async () => {
    const [first, second] = RUNS;
    const all3 = { runViewType: 'ALL' as const };
    expect(await search("datasets.name = 'penguins'", all3)).toEqual(ids([first!, second!]));
    expect(await search("datasets.name IN ('cars')", all3)).toEqual(ids([second!]));
    expect(await search("datasets.digest LIKE 'd%' AND datasets.context = 'eval'", all3)).toEqual(
      ids([second!]),
    );
    expect(await search("datasets.context = 'train'", all3)).toEqual(ids([first!]));
  });

  it('selects active, deleted or all runs, of the given experiments only', async () => {
    expect(await search('', { runViewType: 'DELETED_ONLY' })).toEqual(
      ids(RUNS.filter((r) => r.deleted)),
    );
    expect(await search('', { runViewType: 'ALL' })).toEqual(ids(RUNS));
    expect(await search('', { runViewType: 3 })).toEqual(ids(RUNS));
    expect(await search('', { experimentIds: ['2'] })).toEqual(
      ids(active.filter((r) => r.experiment === '2')),
    );
    expect((await searchRuns(db, { experimentIds: [] })).runIds).toEqual([]);
    expect((await searchRuns(db, { experimentIds: ['0'] })).runIds).toEqual([]);
  });

  it('refuses a bad filter, order_by, max_results or page token, leaving the runs unchanged', async () => {
    const e = ['1'];
    expect(
      await refusal(searchRuns(db, { experimentIds: e, filter: 'metrics.a > 1 or metrics.b < 2' })),
    ).toBe("Invalid clause(s) in filter string: 'or'");
    expect(
      await refusal(searchRuns(db, { experimentIds: e, orderBy: ['metrics.acc sideways'] })),
    ).toBe("Invalid ordering key in order_by clause 'metrics.acc sideways'.");
    expect(await refusal(searchRuns(db, { experimentIds: e, maxResults: 50001 }))).toMatch(
      /at most 50000$/,
    );
    expect(await refusal(searchRuns(db, { experimentIds: e, pageToken: 'garbage!' }))).toBe(
      'Invalid page token, could not base64-decode',
    );
    expect((await db.one<{ n: bigint }>('SELECT count(*) AS n FROM runs'))?.n).toBe(60n);
  });
});

describe('runs/search order', () => {
  it('puts numbers first, then NaN, then runs without the metric, in both directions', async () => {
    const order = async (o: string) =>
      (await searchRuns(db, { experimentIds: ['1', '2'], orderBy: [o] })).runIds.map(
        (id) => byId.get(id)!.metrics.acc,
      );
    const rank = (x: number | undefined) => (x === undefined ? 2 : Number.isNaN(x) ? 1 : 0);
    for (const o of ['metrics.acc ASC', 'metrics.acc DESC']) {
      const values = await order(o);
      const ranks = values.map(rank);
      expect(ranks).toEqual([...ranks].sort());
      // -0 and 0 are one value to MLflow (Python) and DuckDB: their runs keep the tie-break order
      const numbers = values.filter((v) => rank(v) === 0).map((v) => (v === 0 ? 0 : v!));
      const sorted = [...numbers].sort((a, b) => a - b);
      expect(numbers).toEqual(o.endsWith('ASC') ? sorted : sorted.reverse());
    }
    const desc = await order('metrics.acc DESC');
    expect(desc[0]).toBe(Infinity);
  });

  it('orders by start_time DESC then run id by default', async () => {
    expect((await searchRuns(db, { experimentIds: ['1', '2'] })).runIds).toEqual(
      expected(['1', '2'], '', []),
    );
  });

  it('agrees with a model of MLflow sort and filter on random queries', async () => {
    const key = (xs: string[]) =>
      fc.constantFrom(...xs.map((k) => `\`${k.split('`').join('``')}\``));
    const clause = fc.oneof(
      fc
        .tuple(
          key(METRIC_KEYS),
          fc.constantFrom('=', '!=', '<', '<=', '>', '>='),
          fc.constantFrom('0', '1', '-1e999', '0.5', '2.5'),
        )
        .map(([k, op, v]) => `metrics.${k} ${op} ${v}`),
      fc
        .tuple(
          fc.constantFrom('params', 'tags'),
          key([...PARAM_KEYS, ...TAG_KEYS]),
          fc.constantFrom('=', '!=', 'LIKE', 'ILIKE'),
          fc.constantFrom("'a'", "'A%'", "'%b'", "'a_b'", "'1%'"),
        )
        .map(([e, k, op, v]) => `${e}.${k} ${op} ${v}`),
      fc
        .tuple(
          fc.constantFrom('start_time', 'end_time'),
          fc.constantFrom('<', '>='),
          fc.integer({ min: 0, max: 9 }),
        )
        .map(([k, op, s]) => `attributes.${k} ${op} ${1_700_000_000_000 + s * 1000}`),
      fc
        .tuple(fc.constantFrom('=', '!='), fc.constantFrom(...Object.values(MLFLOW_RUN_STATUS)))
        .map(([op, s]) => `status ${op} '${s}'`),
    );
    const term = fc.oneof(
      fc.tuple(fc.constantFrom('metrics'), key(METRIC_KEYS)),
      fc.tuple(fc.constantFrom('params'), key(PARAM_KEYS)),
      fc.tuple(fc.constantFrom('tags'), key(TAG_KEYS)),
      fc.tuple(
        fc.constantFrom('attributes'),
        fc.constantFrom('start_time', 'end_time', 'run_name', 'status', 'user_id'),
      ),
    );
    const orderBy = fc
      .uniqueArray(term, { maxLength: 3, selector: ([e, k]) => `${e}.${k}` })
      .chain((ts) =>
        fc.tuple(
          ...ts.map(([e, k]) => fc.constantFrom(`${e}.${k}`, `${e}.${k} ASC`, `${e}.${k} DESC`)),
        ),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.array(clause, { maxLength: 3 }),
        orderBy,
        fc.constantFrom('ACTIVE_ONLY' as const, 'ALL' as const),
        async (clauses, order, view) => {
          const filter = clauses.join(' and ');
          const got = await searchRuns(db, {
            experimentIds: ['1', '2'],
            filter,
            orderBy: order,
            runViewType: view,
          });
          expect(got.runIds, `${filter} | ${order.join(', ')}`).toEqual(
            expected(['1', '2'], filter, order, view),
          );
        },
      ),
      { seed: 1515, numRuns: 120 },
    );
  });
});

describe('runs/search pages', () => {
  it('visits every run once across pages, in the order of a single page', async () => {
    for (const maxResults of [1, 7, 13, 60]) {
      for (const orderBy of [[], ['metrics.acc DESC', 'params.lr'], ['attributes.end_time ASC']]) {
        const whole = expected(['1', '2'], '', orderBy, 'ALL');
        const { ids: paged, pages } = await all({
          experimentIds: ['1', '2'],
          runViewType: 'ALL',
          orderBy,
          maxResults,
        });
        expect(paged).toEqual(whole);
        expect(new Set(paged).size).toBe(RUNS.length);
        expect(pages).toBe(Math.ceil(RUNS.length / maxResults));
      }
    }
  });

  it('answers an empty page past the end, and no token on the last page', async () => {
    const last = await searchRuns(db, {
      experimentIds: ['1', '2'],
      runViewType: 'ALL',
      maxResults: 60,
    });
    expect(last.runIds).toHaveLength(60);
    expect(last.nextPageToken).toBeUndefined();
    const past = await searchRuns(db, {
      experimentIds: ['1', '2'],
      pageToken: Buffer.from('{"offset": 500}').toString('base64'),
    });
    expect(past).toEqual({ runIds: [] });
  });
});

describe('experiments/search', () => {
  const names = async (input: Parameters<typeof searchExperiments>[1]) => {
    const { experimentIds } = await searchExperiments(db, input);
    return experimentIds;
  };

  it('lists active experiments newest first, then by id; deleted ones on request', async () => {
    // '2' and the deleted '10' share a creation time; 'ab12' is not a number and sorts after numbers
    expect(await names({})).toEqual(['2', '1', 'ab12', '0']);
    expect(await names({ viewType: 'DELETED_ONLY' })).toEqual(['10']);
    expect(await names({ viewType: 'ALL' })).toEqual(['2', '10', '1', 'ab12', '0']);
  });

  it('filters on name, tags and times; orders by name, id or times', async () => {
    expect(await names({ filter: "name = 'alpha'" })).toEqual(['1', 'ab12']);
    expect(await names({ filter: "name ILIKE 'A%' and tags.team = 'vision'" })).toEqual(['1']);
    expect(await names({ filter: "tags.`note x` = 'it''s'" })).toEqual(['ab12']);
    expect(await names({ filter: 'creation_time >= 2000 and creation_time < 3000' })).toEqual([
      '1',
      'ab12',
    ]);
    expect(await names({ filter: 'last_update_time > 2000' })).toEqual(['2', '1']);
    expect(await names({ orderBy: ['name DESC'] })).toEqual(['2', '1', 'ab12', '0']);
    expect(await names({ orderBy: ['experiment_id ASC'], viewType: 'ALL' })).toEqual([
      '0',
      '1',
      '2',
      '10',
      'ab12',
    ]);
    expect(await names({ orderBy: ['last_update_time DESC'] })).toEqual(['1', '2', 'ab12', '0']);
  });

  it('pages through every experiment once', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await searchExperiments(db, { viewType: 'ALL', maxResults: 2, pageToken });
      seen.push(...page.experimentIds);
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(['2', '10', '1', 'ab12', '0']);
    expect(await refusal(searchExperiments(db, { filter: "attributes.name = 'x'" }))).toBe(
      "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')",
    );
  });
});

describe('any filter text', () => {
  it('is either searched or refused with INVALID_INPUT, never a database error', async () => {
    const words = [
      'metrics.acc',
      'metrics.`val loss`',
      'params.lr',
      'params."model.type"',
      'tags.team',
      'attributes.status',
      'status',
      'run_id',
      'attributes.run_id',
      'datasets.name',
      'datasets.context',
      'created',
      'end_time',
      'name',
      'tags.`a"b`',
      '=',
      '!=',
      '<',
      '>=',
      '<>',
      'LIKE',
      'ilike',
      'IN',
      'NOT',
      'AND',
      'and',
      'OR',
      '(',
      ')',
      ',',
      "'a'",
      "'%'",
      "''",
      '1',
      '-2.5',
      '1e999',
      '"q"',
      'x',
      '`k`',
    ];
    const soup = fc.array(fc.constantFrom(...words), { maxLength: 9 }).map((ws) => ws.join(' '));
    const text = fc.oneof(soup, fc.string({ maxLength: 30 }));
    const searches = [
      (filter: string) => searchRuns(db, { experimentIds: ['1', '2'], filter }),
      (filter: string) => searchExperiments(db, { filter }),
    ];
    let searched = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom(0, 1), async (filter, which) => {
        try {
          await searches[which]!(filter);
          searched++;
        } catch (err) {
          expect(err, filter).toBeInstanceOf(LatheError);
          expect((err as LatheError).code, filter).toBe('INVALID_INPUT');
        }
      }),
      { seed: 1515, numRuns: 400 },
    );
    expect(searched).toBeGreaterThan(10);
  });
});
