// An evaluation's report (metrics, curves, thresholds, slices) is built in the evaluation worker beside the
// scores, not on the thread that asked for it, which in the app is the main process: here buildReport
// throws when called in this process, and the evaluation still answers with its whole report.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServices, type Services } from '../../main/services';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { tempDir } from '../helpers/workspace';

vi.mock('../../main/evaluate/report', async (original) => ({
  ...(await original<typeof import('../../main/evaluate/report')>()),
  buildReport: () => {
    throw new Error('buildReport ran on the calling thread');
  },
  reportOf: () => {
    throw new Error('reportOf ran on the calling thread');
  },
}));

const t = tempDir('lathe-eval-report-worker-');
let services: Services;
const { call } = contractClient(() => services);
let runId = '';

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
  runId = (await trainRun(services, penguinsConfig({ seed: 3 }))).id;
}, 120_000);
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe("an evaluation's report", () => {
  it('is built in the evaluation worker, whole, and stored as it was built', async () => {
    const before = Date.now();
    const report = await call('eval:run', { target: runId, importanceRepeats: 1 });
    expect(report.runId).toBe(runId);
    expect(report.rows).toBeGreaterThan(0);
    expect(report.metrics.accuracy).toBeGreaterThan(0);
    expect(report.slices.length).toBeGreaterThan(0);
    expect(report.importance.length).toBeGreaterThan(0);
    // Made when the rows were scored, not when the evaluation was asked for.
    expect(Date.parse(report.createdAt)).toBeGreaterThanOrEqual(before);
    expect(await call('eval:get', { id: report.id })).toEqual(report);
  }, 60_000);
});
