import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpectationSuite, type ExpectationSuiteInput } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { lathe } from '../helpers/cli';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-validate-');
let services: Services;
const { call, failure } = contractClient(() => services);

// 10 rows with known problems: a null name, a negative and a huge age, a bad email, a repeated id,
// and a row where start > end.
const PEOPLE = `id,name,age,email,team,start,end
1,Ada,36,ada@example.com,core,1,5
2,Bob,-3,bob@example.com,core,2,6
3,,41,no-at-sign,infra,3,7
4,Dee,29,dee@example.com,infra,4,8
5,Eve,250,eve@example.com,core,9,2
6,Fay,33,fay@example.com,ml,1,2
7,Gus,38,gus@example.com,ml,1,2
7,Hal,45,hal@example.com,ml,1,2
9,Ivy,27,ivy@example.com,core,1,2
10,Jon,31,jon@example.com,core,1,2
`;

const suite = (expectations: ExpectationSuiteInput['expectations']) =>
  ExpectationSuite.parse({ name: 'people', expectations });

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: t.file('people.csv', PEOPLE), name: 'people' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('validation', () => {
  it('evaluates every kind of expectation with observed values, failing counts and sample rows', async () => {
    const r = await call('data:validate', {
      ref: 'people',
      suite: suite([
        { type: 'column_exists', column: 'email' },
        { type: 'column_type', column: 'age', dtype: 'numeric' },
        { type: 'null_rate', column: 'name', max: 0 },
        { type: 'range', column: 'age', min: 0, max: 120 },
        { type: 'allowed_values', column: 'team', values: ['core', 'infra'] },
        { type: 'regex', column: 'email', pattern: '^[^@]+@[^@]+$' },
        { type: 'unique', columns: ['id'] },
        { type: 'row_count', min: 5, max: 100 },
        { type: 'mean', column: 'age', min: 0, max: 40, severity: 'warn' },
        { type: 'std', column: 'age', min: 0, max: 10 },
        { type: 'sql', predicate: '"start" <= "end"' },
        { type: 'column_type', column: 'name', dtype: 'VARCHAR' },
      ]),
    });
    const byIndex = (i: number) => r.results[i]!;
    expect(r.success).toBe(false);
    expect(r.rows).toBe(10);
    expect(byIndex(0)).toMatchObject({ passed: true });
    expect(byIndex(1)).toMatchObject({ passed: true, observed: 'BIGINT (numeric)' });
    expect(byIndex(2)).toMatchObject({ passed: false, failingRows: 1, observed: 0.1 });
    expect(byIndex(2).sample).toEqual([[3, null, 41, 'no-at-sign', 'infra', 3, 7]]);
    expect(byIndex(3)).toMatchObject({ passed: false, failingRows: 2, observed: [-3, 250] });
    expect(byIndex(3).message).toBe(
      'age: 2 of 10 rows outside 0 ≤ value ≤ 120 (observed min, max: [-3,250])',
    );
    expect(byIndex(4)).toMatchObject({ passed: false, failingRows: 3 });
    expect(byIndex(5)).toMatchObject({ passed: false, failingRows: 1 });
    expect(byIndex(6)).toMatchObject({
      passed: false,
      failingRows: 2,
      observed: { duplicatedRows: 2, duplicatedKeys: 1 },
    });
    expect(byIndex(6).sample.map((row) => row[1])).toEqual(['Gus', 'Hal']);
    expect(byIndex(7)).toMatchObject({ passed: true, observed: 10 });
    const ages = [36, -3, 41, 29, 250, 33, 38, 45, 27, 31];
    const mean = ages.reduce((a, b) => a + b, 0) / ages.length;
    expect(byIndex(8).observed as number).toBeCloseTo(mean, 10);
    expect(byIndex(8)).toMatchObject({ passed: false, severity: 'warn' });
    expect(byIndex(9).passed).toBe(false);
    expect(byIndex(10)).toMatchObject({ passed: false, failingRows: 1 });
    expect(byIndex(10).sample[0]![1]).toBe('Eve');
    expect(byIndex(11).passed).toBe(true);
    expect(r.errors).toBe(7);
    expect(r.warnings).toBe(1);
  });

  it('passes when only warnings fail, and reports a missing column as a failure', async () => {
    const warnOnly = await call('data:validate', {
      ref: 'people',
      suite: suite([{ type: 'range', column: 'age', min: 0, severity: 'warn' }]),
    });
    expect(warnOnly).toMatchObject({ success: true, errors: 0, warnings: 1 });
    const missing = await call('data:validate', {
      ref: 'people',
      suite: suite([{ type: 'null_rate', column: 'ghost', max: 0 }]),
    });
    expect(missing.results[0]).toMatchObject({
      passed: false,
      message:
        "column 'ghost' is not in the dataset (its columns: id, name, age, email, team, start, end)",
    });
    expect(missing.success).toBe(false);
  });

  it('refuses a suite whose SQL does not compile, naming the field, and stores nothing', async () => {
    const before = (await call('data:reports', { ref: 'people' })).length;
    const err = await failure('data:validate', {
      ref: 'people',
      suite: {
        expectations: [
          { type: 'row_count', min: 1 },
          { type: 'sql', predicate: 'no_such_column > 1' },
        ],
      },
    });
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toMatch(/^expectations\.1\.predicate: .*no_such_column/);
    const badShape = await failure('data:validate', {
      ref: 'people',
      suite: { expectations: [{ type: 'range', column: 'age' }] },
    });
    expect(badShape.message).toMatch(/suite\.expectations\.0\.min: give min, max or both/);
    expect((await call('data:reports', { ref: 'people' })).length).toBe(before);
  });

  it('quarantines failing rows and the clean rest as new versions that name their parent', async () => {
    const check = suite([
      { type: 'range', column: 'age', min: 0, max: 120 },
      { type: 'null_rate', column: 'name', max: 0 },
      { type: 'mean', column: 'age', max: 1 },
    ]);
    const r = await call('data:validate', { ref: 'people', suite: check, quarantine: true });
    expect(r.quarantine).toEqual({
      failing: { dataset: 'people_quarantine', version: 1, rows: 3 },
      clean: { dataset: 'people_clean', version: 1, rows: 7 },
    });
    const failing = await call('data:preview', { ref: 'people_quarantine', offset: 0, limit: 10 });
    expect(failing.rows.map((row) => row[0])).toEqual([2, 3, 5]);
    const [clean] = await call('data:versions', { name: 'people_clean' });
    expect(clean!.parents.map((p) => `${p.dataset}@${p.version}`)).toEqual(['people@1']);
    const again = await call('data:validate', { ref: 'people', suite: check, quarantine: true });
    expect(again.quarantine?.failing.version).toBe(1);
  });

  it('stores reports with the version, newest first', async () => {
    const reports = await call('data:reports', { ref: 'people@1' });
    expect(reports.length).toBe(5);
    expect(reports.every((r) => r.dataset === 'people' && r.version === 1)).toBe(true);
    const times = reports.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('runs a predicate as one expression: text that ends the statement and starts others runs none of them', async () => {
    await call('data:import', { path: t.file('people-sql.csv', PEOPLE), name: 'people_sql' });
    const before = (await call('data:reports', { ref: 'people_sql' })).length;
    const written = join(t.dir, 'from-a-predicate.csv');
    const err = await failure('data:validate', {
      ref: 'people_sql',
      suite: {
        expectations: [
          {
            type: 'sql',
            predicate: `true), false)); COPY (SELECT 42) TO '${written}'; SELECT (coalesce((true`,
          },
        ],
      },
    });
    expect(err).toMatchObject({
      code: 'INVALID_CONFIG',
      details: { field: 'expectations.0.predicate' },
    });
    expect(err.message).toMatch(/^expectations\.0\.predicate: /);
    expect(existsSync(written)).toBe(false);
    expect((await call('data:reports', { ref: 'people_sql' })).length).toBe(before);
    // A predicate ending in a comment is one expression too.
    const commented = await call('data:validate', {
      ref: 'people_sql',
      suite: { expectations: [{ type: 'sql', predicate: '1 = 1 -- always' }] },
    });
    expect(commented.results[0]).toMatchObject({ passed: true });
  });
});

describe('suggested suites', () => {
  const files = [
    'seattle-weather.csv',
    'cars.json',
    'penguins.json',
    'iowa-electricity.csv',
    'stocks.csv',
    'flights-2k.json',
    'unemployment.tsv',
  ];
  it.each(files)('hold on the data they were drafted from: %s', async (file) => {
    const name = file.replace(/[^A-Za-z0-9]/g, '_');
    await call('data:import', { path: vega(file), name });
    const { suite: drafted } = await call('data:suggest', { ref: name });
    expect(drafted.expectations.length).toBeGreaterThan(3);
    const report = await call('data:validate', { ref: name, suite: drafted });
    expect(report.results.filter((r) => !r.passed)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('drafts types, null rates, ranges, vocabularies and keys from the profile', async () => {
    const { suite: drafted } = await call('data:suggest', { ref: 'people' });
    const of = (type: string, column: string) =>
      drafted.expectations.find(
        (e) =>
          e.type === type &&
          ('column' in e ? e.column === column : e.type === 'unique' && e.columns[0] === column),
      );
    expect(of('null_rate', 'name')).toMatchObject({ max: 0.1 });
    expect(of('range', 'age')).toMatchObject({ min: -3, max: 250 });
    expect(of('allowed_values', 'team')).toMatchObject({ values: ['core', 'infra', 'ml'] });
    expect(of('unique', 'name')).toBeUndefined();
    expect(of('unique', 'email')).toBeDefined();
    expect(of('unique', 'id')).toBeUndefined();
  });
});

describe('lathe data suggest / validate', () => {
  it('writes a suite file, validates with it, and exits 1 when an error expectation fails', () => {
    const W = join(t.dir, 'cli-ws');
    const good = t.file('good.csv', 'x,y\n1,a\n2,b\n3,a\n');
    expect(lathe(['data', 'import', good, '--name', 'g', '--workspace', W]).code).toBe(0);
    const suiteFile = join(t.dir, 'g-suite.yaml');
    const sug = lathe(['data', 'suggest', 'g', '--out', suiteFile, '--workspace', W, '--json']);
    expect(sug.code).toBe(0);
    expect(ExpectationSuite.safeParse((sug.json as { suite: unknown }).suite).success).toBe(true);
    const ok = lathe(['data', 'validate', 'g', '--suite', suiteFile, '--workspace', W]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^PASSED: g@1 against 'g-suggested'/);
    const bad = t.file('bad.csv', 'x,y\n1,a\n-5,c\n,a\n');
    lathe(['data', 'import', bad, '--name', 'g', '--workspace', W]);
    const failed = lathe([
      'data',
      'validate',
      'g@2',
      '--suite',
      suiteFile,
      '--workspace',
      W,
      '--json',
    ]);
    expect(failed.code).toBe(1);
    expect((failed.json as { success: boolean }).success).toBe(false);
    const broken = lathe([
      'data',
      'validate',
      'g',
      '--suite',
      t.file('broken.yaml', 'expectations:\n  - type: range\n    column: x\n'),
      '--workspace',
      W,
    ]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.yaml: expectations\.0\.min: give min, max or both/);
  });

  it('imports, profiles and validates in one command, and checks the suite before importing', () => {
    const W = join(t.dir, 'one-go');
    const file = t.file('one.csv', 'x,y\n1,a\n2,b\n3,a\n');
    const suiteFile = t.file(
      'one-suite.yaml',
      'expectations:\n  - type: range\n    column: x\n    min: 0\n    max: 2\n',
    );
    const r = lathe([
      'data',
      'import',
      file,
      '--name',
      'one',
      '--profile',
      '--suite',
      suiteFile,
      '--workspace',
      W,
      '--json',
    ]);
    expect(r.code).toBe(1);
    const out = r.json as {
      version: { rows: number };
      profile: { rows: number };
      validation: { success: boolean };
    };
    expect(out.version.rows).toBe(3);
    expect(out.profile.rows).toBe(3);
    expect(out.validation.success).toBe(false);
    const broken = lathe([
      'data',
      'import',
      file,
      '--name',
      'two',
      '--suite',
      t.file('no.yaml', 'expectations: []\n'),
      '--workspace',
      W,
    ]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/no\.yaml: expectations: a suite needs at least one expectation/);
    expect(lathe(['data', 'list', '--workspace', W, '--json']).stdout).not.toMatch(/"two"/);
  });
});
