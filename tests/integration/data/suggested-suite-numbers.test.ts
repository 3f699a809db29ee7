import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpectationSuite, type Expectation } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

// Regressions of numbers written into SQL text: each dataset here broke a suggested suite, the range
// check or the profile before the bounds went through sqlNumber (a bare 17-digit literal is a DECIMAL).
const t = tempDir('lathe-suite-numbers-');
let services: Services;
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

const importSql = (name: string, sql: string) => call('data:importQuery', { name, sql });
const ranges = (suite: ExpectationSuite) =>
  suite.expectations.filter(
    (e): e is Extract<Expectation, { type: 'range' }> => e.type === 'range',
  );

/** Suggests a suite for `name` and validates the version with it (through the saved-suite path too). */
async function suggestAndValidate(name: string) {
  const { suite } = await call('data:suggest', { ref: name });
  const report = await call('data:validate', { ref: name, suite });
  await call('data:suite:save', { name, suite });
  const saved = await call('data:validate', { ref: name });
  return { suite, report, saved };
}

const failures = (r: { results: { passed: boolean; message: string }[] }) =>
  r.results.filter((x) => !x.passed).map((x) => x.message);

describe('a suggested suite on full-precision numbers', () => {
  it('holds on 17-digit doubles at the ends of the range (the DECIMAL-literal defect)', async () => {
    await importSql(
      'seventeen',
      `SELECT * FROM (VALUES ('0.17055522598064407'::DOUBLE), ('-0.000039434416199038757'::DOUBLE),
         ('0.1'::DOUBLE)) AS t(x)`,
    );
    const { suite, report, saved } = await suggestAndValidate('seventeen');
    expect(ranges(suite)).toMatchObject([
      { column: 'x', min: -0.000039434416199038757, max: 0.17055522598064407 },
    ]);
    expect(failures(report)).toEqual([]);
    expect(report.success).toBe(true);
    expect(failures(saved)).toEqual([]);
  });

  it('a range bound one ulp inside the data fails on exactly that row', async () => {
    const max = 0.17055522598064407;
    const justBelow = 0.17055522598064404; // the next double down
    expect(justBelow).toBeLessThan(max);
    const r = await call('data:validate', {
      ref: 'seventeen',
      suite: ExpectationSuite.parse({
        expectations: [{ type: 'range', column: 'x', max: justBelow }],
      }),
    });
    expect(r.results[0]).toMatchObject({ passed: false, failingRows: 1 });
  });

  it('compares a FLOAT column with bounds and allowed values in float precision', async () => {
    await importSql('floats', `SELECT * FROM (VALUES (0.1::FLOAT), (0.5::FLOAT)) AS t(f)`);
    const r = await call('data:validate', {
      ref: 'floats',
      suite: ExpectationSuite.parse({
        expectations: [
          { type: 'range', column: 'f', min: 0.1, max: 0.5 },
          { type: 'allowed_values', column: 'f', values: [0.1, 0.5] },
          { type: 'range', column: 'f', max: 0.4 },
        ],
      }),
    });
    expect(r.results.map((x) => x.failingRows)).toEqual([0, 0, 1]);
    const { report } = await suggestAndValidate('floats');
    expect(failures(report)).toEqual([]);
  });

  it('keeps integer bounds past 2^53 exact, as strings of digits, and they hold', async () => {
    await importSql(
      'wide',
      // UBIGINT past 2^63 (Parquet stores a HUGEINT as a DOUBLE, so an imported one is no longer exact).
      `SELECT * FROM (VALUES ('9007199254740993'::BIGINT, '18446744073709551615'::UBIGINT, 1),
         ('9223372036854775807'::BIGINT, '18446744073709551613'::UBIGINT, 2),
         ('9007199254740995'::BIGINT, '18446744073709551614'::UBIGINT, 3)) AS t(b, h, small)`,
    );
    const { suite, report, saved } = await suggestAndValidate('wide');
    expect(ranges(suite)).toEqual([
      expect.objectContaining({ column: 'b', min: '9007199254740993', max: '9223372036854775807' }),
      expect.objectContaining({
        column: 'h',
        min: '18446744073709551613',
        max: '18446744073709551615',
      }),
      expect.objectContaining({ column: 'small', min: 1, max: 3 }),
    ]);
    expect(failures(report)).toEqual([]);
    expect(failures(saved)).toEqual([]);
    // Exact: a bound one above the smallest value (which a double cannot tell apart) catches that row.
    const r = await call('data:validate', {
      ref: 'wide',
      suite: ExpectationSuite.parse({
        expectations: [{ type: 'range', column: 'b', min: '9007199254740994' }],
      }),
    });
    expect(r.results[0]).toMatchObject({ passed: false, failingRows: 1 });
    expect(r.results[0]!.expected).toBe('value ≥ 9007199254740994');
  });

  it('profiles and validates a column spanning the whole double range, -0 and subnormals', async () => {
    await importSql(
      'extremes',
      `SELECT * FROM (VALUES ('-1.7976931348623157e308'::DOUBLE), ('1.7976931348623157e308'::DOUBLE),
         ('-0.0'::DOUBLE), ('5e-324'::DOUBLE), ('-5e-324'::DOUBLE)) AS t(x)`,
    );
    const profile = await call('data:profile', { ref: 'extremes' });
    expect(profile.columns[0]).toMatchObject({
      min: -1.7976931348623157e308,
      max: 1.7976931348623157e308,
    });
    const { report } = await suggestAndValidate('extremes');
    expect(failures(report)).toEqual([]);
  });

  it('profiles a column holding NaN and ±Infinity (stddev_samp raised "out of range" on them)', async () => {
    await importSql(
      'nonfinite',
      `SELECT * FROM (VALUES ('NaN'::DOUBLE, 1.5::DOUBLE), ('Infinity'::DOUBLE, 2.5::DOUBLE),
         ('-Infinity'::DOUBLE, 2.5::DOUBLE), (1::DOUBLE, 'NaN'::DOUBLE)) AS t(x, y)`,
    );
    const profile = await call('data:profile', { ref: 'nonfinite' });
    expect(profile.columns.map((c) => [c.std, c.min, c.max])).toEqual([
      [null, null, null],
      [null, 1.5, null],
    ]);
    const { report } = await suggestAndValidate('nonfinite');
    expect(failures(report)).toEqual([]);
    const std = await call('data:validate', {
      ref: 'nonfinite',
      suite: ExpectationSuite.parse({ expectations: [{ type: 'std', column: 'x', min: 0 }] }),
    });
    expect(std.results[0]).toMatchObject({ passed: false, observed: null });
  });
});
