// Issue 13: a run query's numbers keep their exact value through SQL. A 17-digit metric is found by
// exactly its printed value; whole numbers past 2^63 (bound as BIGINT they overflowed) and ±1e999 compare.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { parseFilter, printFilter } from '../../../main/tracking/run-query';
import { contractClient, runRecorder } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-run-query-numbers-');
let services: Services | undefined;
const { call } = contractClient(() => services!);

const EXACT = 0.17055522598064407;
const NEXT = 0.1705552259806441; // the next double up
let ids: { exact: string; next: string; huge: string; key: string };

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws') });
  const record = await runRecorder(services);
  ids = {
    exact: await record({ experiment: 'numbers', name: 'exact' }),
    next: await record({ experiment: 'numbers', name: 'next' }),
    huge: await record({ experiment: 'numbers', name: 'huge' }),
    key: await record({ experiment: 'numbers', name: 'quoted key' }),
  };
  const { tracking, workspace } = services;
  await tracking.logMetrics(ids.exact, 1, { m: EXACT });
  await tracking.logMetrics(ids.next, 1, { m: NEXT });
  await tracking.logMetrics(ids.huge, 1, { m: 1.5e20 });
  await tracking.logMetrics(ids.key, 1, { 'val "auc" é': EXACT });
  await tracking.flushMetrics();
  for (const [id, v] of [
    [ids.exact, String(EXACT)],
    [ids.next, String(NEXT)],
  ] as const)
    await workspace.db.run(`INSERT INTO params VALUES (?, 'p', ?)`, [id, v]);
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

const names = async (filter: string) => {
  const runs = await call('runs:list', { filter });
  return runs.map((r) => r.name).sort();
};

describe('numbers in run queries', () => {
  it('finds the run whose metric is exactly the 17-digit value written in the query, and only it', async () => {
    expect(String(EXACT)).toBe('0.17055522598064407');
    expect(NEXT).toBeGreaterThan(EXACT);
    expect(await names(`metrics.m = 0.17055522598064407`)).toEqual(['exact']);
    expect(await names(`metrics.m = 0.1705552259806441`)).toEqual(['next']);
    expect(await names(`metrics.m > 0.17055522598064407 and metrics.m < 1`)).toEqual(['next']);
    expect(await names(`metrics.m <= 0.17055522598064407`)).toEqual(['exact']);
    expect(await names(`metrics.m in (0.17055522598064407, 7)`)).toEqual(['exact']);
    // params are text: compared as numbers against numbers, exactly too
    expect(await names(`params.p = 0.17055522598064407`)).toEqual(['exact']);
    expect(await names(`params.p != 0.17055522598064407`)).toEqual(['next']);
  });

  it('the printed query of a parsed one selects the same runs', async () => {
    for (const q of [
      `metrics.m = 0.17055522598064407`,
      `metrics.m >= 1.7055522598064407e-1 and not params.p = 0.1705552259806441`,
    ]) {
      const printed = printFilter(parseFilter(q));
      expect(await names(printed)).toEqual(await names(q));
    }
    expect(
      await names(`metrics.m >= 1.7055522598064407e-1 and not params.p = 0.1705552259806441`),
    ).toEqual(['exact', 'huge']); // huge has no param p: the condition is false, not selects it
  });

  it('compares whole numbers past 2^63 and ±1e999 (a bound whole number was typed BIGINT)', async () => {
    expect(await names(`metrics.m > 2e20`)).toEqual([]);
    expect(await names(`metrics.m < 1e21 and metrics.m > 1e20`)).toEqual(['huge']);
    expect(await names(`metrics.m < 1e999 and metrics.m > -1e999`)).toEqual([
      'exact',
      'huge',
      'next',
    ]);
    expect(await names(`metrics.m = 150000000000000000000`)).toEqual(['huge']);
    expect(await names(`metrics.m > -0 and metrics.m < 1`)).toEqual(['exact', 'next']);
  });

  it('a metric key with spaces, quotes and unicode is written quoted', async () => {
    const filter = printFilter({
      kind: 'compare',
      field: { kind: 'metrics', key: 'val "auc" é' },
      op: '=',
      value: EXACT,
    });
    expect(filter).toBe(`metrics."val ""auc"" é" = 0.17055522598064407`);
    expect(await names(filter)).toEqual(['quoted key']);
  });
});
