import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpectationSuite } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';
import { awkwardTable, tableSql } from './awkward-tables';

// Property: a suite suggested from a version passes on that same version — through the real data and
// validation services, and again after the suite is saved as JSON and read back. The tables are typed
// DuckDB tables of awkward values: full-precision doubles (tiny, huge, -0, NaN, ±Infinity), integers past
// 2^53, nulls, unicode and quote-laden text, dates and timestamps, under awkward column names.
const t = tempDir('lathe-suite-property-');
let services: Services;
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

const table = awkwardTable();

let n = 0;

describe('a suggested expectation suite', () => {
  it('passes on the data it was drafted from, and again after a JSON round trip', async () => {
    await fc.assert(
      fc.asyncProperty(table, async (tbl) => {
        const name = `p${++n}`;
        await call('data:importQuery', { name, sql: tableSql(tbl) });
        const { suite } = await call('data:suggest', { ref: name });
        const report = await call('data:validate', { ref: name, suite });
        const broken = report.results.filter((r) => !r.passed).map((r) => r.message);
        expect(broken, tableSql(tbl)).toEqual([]);
        // The suite as a file or the saved suite holds it: JSON, read back through the schema.
        const back = ExpectationSuite.parse(JSON.parse(JSON.stringify(suite)));
        await call('data:suite:save', { name, suite: back });
        const again = await call('data:validate', { ref: name });
        expect(again.results.filter((r) => !r.passed).map((r) => r.message)).toEqual([]);
      }),
      {
        seed: 1313,
        numRuns: 60,
        endOnFailure: true,
      },
    );
  }, 80_000);
});
