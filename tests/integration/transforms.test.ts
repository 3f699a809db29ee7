import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, TransformStep } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { canonicalJson } from '../../main/workspace/canonical-json';
import { sha256Bytes } from '../../main/workspace/artifacts';
import { lathe } from '../helpers/cli';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

let services: Services;
const t = tempDir('lathe-transform-');
const W = join(t.dir, 'ws');
const { call, failure } = contractClient(() => services);

interface Flight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}
const flights = JSON.parse(readFileSync(vega('flights-2k.json'), 'utf8')) as Flight[];
const airports = readFileSync(vega('airports.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','));

async function snapshot() {
  return {
    list: JSON.stringify(await call('data:list', {})),
    files: readdirSync(services.workspace.paths.datasets).sort(),
    tmp: readdirSync(services.workspace.paths.tmp),
  };
}

/** Every row of a version, as objects. */
async function rowsOf(ref: string): Promise<Record<string, unknown>[]> {
  const page = await call('data:preview', { ref, offset: 0, limit: 5000 });
  return page.rows.map((r) => Object.fromEntries(page.columns.map((c, i) => [c.name, r[i]])));
}

const transform = (input: Omit<ChannelInput<'data:transform'>, 'project'>) =>
  call('data:transform', input);

beforeAll(async () => {
  services = await createServices({ workspaceDir: W, validateOutput: true });
  await call('data:import', { path: vega('flights-2k.json'), name: 'flights' });
  await call('data:import', { path: vega('airports.csv'), name: 'airports' });
  await call('data:import', {
    path: t.file(
      'people.csv',
      'id,name,score,team\n1,ann,10,a\n2,bob,x,b\n3,ann,12,a\n4,cy,7,\n5,bob,9,b\n6,ann,10,a\n',
    ),
    name: 'people',
  });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('transforms make new versions that name their parents and the transform', () => {
  it('drops, renames and filters, keeping row order, as a new dataset', async () => {
    const steps: TransformStep[] = [
      { type: 'filter', where: "origin = 'SEA' AND delay > 0" },
      { type: 'drop', columns: ['distance'] },
      { type: 'rename', mapping: { delay: 'delay_min' } },
    ];
    const r = await transform({ name: 'sea_late', from: ['flights'], steps });
    expect(r.reused).toBe(false);
    expect(r.version.format).toBe('transform');
    expect(r.version.columns.map((c) => c.name)).toEqual([
      'date',
      'delay_min',
      'origin',
      'destination',
    ]);
    const expected = flights.filter((f) => f.origin === 'SEA' && f.delay > 0);
    expect(expected.length).toBeGreaterThan(3);
    expect(r.version.rows).toBe(expected.length);
    const rows = await rowsOf('sea_late');
    expect(rows.map((x) => [x.delay_min, x.destination])).toEqual(
      expected.map((f) => [f.delay, f.destination]),
    );
    const parent = (await call('data:versions', { name: 'flights' }))[0]!;
    expect(r.version.parents).toEqual([
      { dataset: 'flights', version: 1, id: parent.id, hash: parent.hash },
    ]);
    expect(r.version.transform).toEqual({ from: ['flights@1'], steps });
    expect(r.version.hash).toBe(
      sha256Bytes(Buffer.from(canonicalJson({ parents: [parent.hash], steps }))),
    );
    expect(parent.parents).toEqual([]);
    expect(parent.transform).toBeNull();
  });

  it('reuses the version when the same transform runs again', async () => {
    const before = await snapshot();
    const again = await transform({
      name: 'sea_late',
      from: ['flights@1'],
      steps: [
        { type: 'filter', where: "origin = 'SEA' AND delay > 0" },
        { type: 'drop', columns: ['distance'] },
        { type: 'rename', mapping: { delay: 'delay_min' } },
      ],
    });
    expect(again.reused).toBe(true);
    expect(again.version.version).toBe(1);
    expect(await snapshot()).toEqual(before);
  });

  it('writes to the parent’s own name as its next version', async () => {
    const r = await transform({
      name: 'people',
      from: ['people'],
      steps: [
        { type: 'filter', where: "score <> 'x'" },
        { type: 'cast', column: 'score', to: 'INTEGER' },
      ],
    });
    expect(r.version.version).toBe(2);
    expect(r.version.columns.find((c) => c.name === 'score')!.type).toBe('INTEGER');
    expect(r.version.parents.map((p) => `${p.dataset}@${p.version}`)).toEqual(['people@1']);
    const versions = await call('data:versions', { name: 'people' });
    expect(versions.map((v) => [v.version, v.parents.length])).toEqual([
      [2, 1],
      [1, 0],
    ]);
    expect((await rowsOf('people@2')).map((x) => x.score)).toEqual([10, 12, 7, 9, 10]);
  });

  it('dedupes keeping the first row in row order', async () => {
    const r = await transform({
      name: 'people_one_per_name',
      from: ['people@1'],
      steps: [{ type: 'dedupe', columns: ['name'] }],
    });
    expect((await rowsOf(r.dataset)).map((x) => [x.id, x.name])).toEqual([
      [1, 'ann'],
      [2, 'bob'],
      [4, 'cy'],
    ]);
    const all = await transform({
      name: 'people_distinct',
      from: ['people@1'],
      steps: [{ type: 'drop', columns: ['id'] }, { type: 'dedupe' }],
    });
    expect(all.version.rows).toBe(5);
    expect((await rowsOf(all.dataset)).map((x) => x.name)).toEqual([
      'ann',
      'bob',
      'ann',
      'cy',
      'bob',
    ]);
  });

  it('joins several parents in SQL, each bound as a view named by its dataset', async () => {
    const r = await transform({
      name: 'flights_states',
      from: ['flights', 'airports'],
      steps: [
        {
          type: 'sql',
          query:
            'SELECT flights.origin, airports.state, count(*) AS n FROM flights JOIN airports ON flights.origin = airports.iata GROUP BY ALL ORDER BY n DESC, origin;',
        },
        { type: 'filter', where: 'n >= 10' },
      ],
    });
    const stateOf = new Map(airports.map((a) => [a[0]!, a[3]!]));
    const counts = new Map<string, number>();
    for (const f of flights)
      if (stateOf.has(f.origin)) counts.set(f.origin, (counts.get(f.origin) ?? 0) + 1);
    const expected = [...counts.entries()]
      .filter(([, n]) => n >= 10)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const rows = await rowsOf(r.dataset);
    expect(rows.map((x) => [x.origin, x.state, x.n])).toEqual(
      expected.map(([o, n]) => [o, stateOf.get(o), n]),
    );
    expect(r.version.parents.map((p) => p.dataset)).toEqual(['flights', 'airports']);
    expect(r.version.source).toMatch(/^flights@1 \+ airports@1 → sql\(/);
  });

  it('offers the steps before a sql step as `input`', async () => {
    const r = await transform({
      name: 'people_team_counts',
      from: ['people@2'],
      steps: [
        { type: 'filter', where: 'team IS NOT NULL' },
        {
          type: 'sql',
          query: 'SELECT team, sum(score) AS total FROM input GROUP BY team ORDER BY team',
        },
      ],
    });
    expect(await rowsOf(r.dataset)).toEqual([
      { team: 'a', total: 32 },
      { team: 'b', total: 9 },
    ]);
  });
});

describe('bad transforms leave the workspace exactly as it was', () => {
  const cases: [string, () => ChannelInput<'data:transform'>, string, RegExp][] = [
    [
      'a value that cannot be cast',
      () => ({
        name: 'p',
        from: ['people@1'],
        steps: [{ type: 'cast', column: 'score', to: 'INTEGER' }],
      }),
      'INVALID_INPUT',
      /^steps\[0\] \(cast\): cannot cast column 'score' to INTEGER: value 'x' in row 2$/,
    ],
    [
      'a step naming a missing column',
      () => ({
        name: 'p',
        from: ['people@1'],
        steps: [
          { type: 'rename', mapping: { name: 'who' } },
          { type: 'drop', columns: ['name'] },
        ],
      }),
      'COLUMN_NOT_FOUND',
      /^steps\[1\] \(drop\): no column 'name' \(columns: id, who, score, team\)$/,
    ],
    [
      'a filter over a missing column',
      () => ({ name: 'p', from: ['people@1'], steps: [{ type: 'filter', where: 'age > 3' }] }),
      'COLUMN_NOT_FOUND',
      /^steps\[0\] \(filter\): no column 'age'/,
    ],
    [
      'an unknown type',
      () => ({
        name: 'p',
        from: ['people@1'],
        steps: [{ type: 'cast', column: 'id', to: 'NUMBERISH' }],
      }),
      'INVALID_INPUT',
      /^steps\[0\] \(cast\): Type with name NUMBERISH does not exist/,
    ],
    [
      'a rename onto an existing column',
      () => ({
        name: 'p',
        from: ['people@1'],
        steps: [{ type: 'rename', mapping: { id: 'Name' } }],
      }),
      'DUPLICATE_COLUMN',
      /^steps\[0\] \(rename\): column 'name' would appear twice$/,
    ],
    [
      'several parents without a sql step first',
      () => ({
        name: 'p',
        from: ['people', 'flights'],
        steps: [{ type: 'drop', columns: ['id'] }],
      }),
      'INVALID_INPUT',
      /^steps\[0\] \(drop\): with 2 parents \(people@2, flights@1\) the first step must be a sql step/,
    ],
    [
      'an unknown parent',
      () => ({
        name: 'p',
        from: ['people', 'nope@3'],
        steps: [{ type: 'sql', query: 'SELECT 1' }],
      }),
      'NOT_FOUND',
      /^from\[1\]: no dataset named 'nope'/,
    ],
    [
      'a sql step reading a table that does not exist',
      () => ({
        name: 'p',
        from: ['people'],
        steps: [{ type: 'sql', query: 'SELECT * FROM nosuch_table' }],
      }),
      'NOT_FOUND',
      /^steps\[0\] \(sql\): no table named nosuch_table \(read a file with FROM 'file\.csv'/,
    ],
    [
      'a sql step naming a missing column',
      () => ({
        name: 'p',
        from: ['people'],
        steps: [{ type: 'sql', query: 'SELECT nosuch FROM input' }],
      }),
      'COLUMN_NOT_FOUND',
      /^steps\[0\] \(sql\): Referenced column "nosuch" not found/,
    ],
    [
      'a sql step that is not a SELECT',
      () => ({ name: 'p', from: ['people'], steps: [{ type: 'sql', query: 'DROP TABLE x' }] }),
      'INVALID_INPUT',
      /^steps\[0\] \(sql\): the query must be a SELECT/,
    ],
    [
      'a filter that keeps no rows',
      () => ({ name: 'p', from: ['people'], steps: [{ type: 'filter', where: 'false' }] }),
      'EMPTY_FILE',
      /the transform into 'p' has no data rows/,
    ],
    [
      'a step of unknown type',
      () =>
        ({
          name: 'p',
          from: ['people'],
          steps: [{ type: 'explode', column: 'id' }],
        }) as unknown as ChannelInput<'data:transform'>,
      'INVALID_INPUT',
      /steps\.0\.type/,
    ],
  ];
  for (const [what, input, code, message] of cases) {
    it(`rejects ${what}`, async () => {
      const before = await snapshot();
      const err = await failure('data:transform', input());
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
      expect(await snapshot()).toEqual(before);
    });
  }
});

describe('lathe data transform', () => {
  it('runs a steps file and a --sql query, prints versions with parents, and names bad steps', async () => {
    await services.close();
    /** `lathe data transform` on the workspace: from `from` to a new dataset `name`. */
    const transform = (from: string[], name: string, ...args: string[]) =>
      lathe([
        'data',
        'transform',
        ...from.flatMap((f) => ['--from', f]),
        '--name',
        name,
        ...args,
        '--workspace',
        W,
      ]);
    try {
      const steps = t.file(
        'steps.yaml',
        'steps:\n  - type: filter\n    where: "destination = \'SEA\'"\n  - type: drop\n    columns: [date]\n',
      );
      const made = transform(['flights'], 'to_sea', '--steps', steps, '--json');
      expect(made.code).toBe(0);
      const out = made.json as { version: { rows: number; parents: { dataset: string }[] } };
      expect(out.version.rows).toBe(flights.filter((f) => f.destination === 'SEA').length);
      expect(out.version.parents.map((p) => p.dataset)).toEqual(['flights']);

      const joined = transform(
        ['to_sea', 'airports@1'],
        'to_sea_from',
        '--sql',
        'SELECT to_sea.*, airports.city FROM to_sea JOIN airports ON to_sea.origin = airports.iata',
      );
      expect(joined.code).toBe(0);
      expect(joined.stdout).toMatch(/^Made to_sea_from@1 .* from to_sea@1, airports@1/);

      const versions = lathe(['data', 'versions', 'to_sea_from', '--workspace', W]);
      expect(versions.stdout).toMatch(/parents/);
      expect(versions.stdout).toMatch(/to_sea@1, airports@1/);

      const bad = t.file(
        'bad.json',
        JSON.stringify({ steps: [{ type: 'cast', column: 'delai', to: 'DOUBLE' }] }),
      );
      const failed = transform(['flights'], 'x', '--steps', bad);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/steps\[0\] \(cast\): no column 'delai'/);

      const invalid = t.file('invalid.yaml', 'steps:\n  - type: cast\n    column: delay\n');
      const parsed = transform(['flights'], 'x', '--steps', invalid);
      expect(parsed.code).toBe(1);
      expect(parsed.stderr).toMatch(/invalid\.yaml: steps\.0\.to/);

      const none = transform([], 'x', '--sql', 'SELECT 1');
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/needs --from/);
    } finally {
      services = await createServices({ workspaceDir: W, validateOutput: true });
    }
  });
});
