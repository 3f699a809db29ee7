// A run's artifact downloaded through the browser host (GET /api/artifacts?run=ID&path=PATH): only the
// paths the run lists are served, a path that tries to climb out is NOT_FOUND naming the run's paths,
// and the download's file name is a bare name.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP, TrainConfig } from '../../../shared/contract';
import { startHost } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-files-download-');
const CONTENT = 'weights \u0000 bytes\n';
let services: Services;
let host: Awaited<ReturnType<typeof startHost>>;
let runId = '';

beforeAll(async () => {
  const rendererDir = join(t.dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><div id="root"></div>');
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  // A file beside the workspace database that a climbing path would reach.
  writeFileSync(join(t.dir, 'ws', 'outside-secret.txt'), 'do not serve');
  const { version } = await services.data.importFile({
    path: vega('penguins.json'),
    name: 'penguins',
    project: 'Default',
  });
  runId = await services.tracking.createRun({
    name: 'r',
    experiment: 'files',
    project: 'Default',
    config: TrainConfig.parse({
      dataset: 'penguins',
      target: 'Species',
      task: 'multiclass',
      model: { type: 'linear' },
    }),
    configHash: 'h',
    datasetVersionId: version.id,
    latheVersion: 'test',
    system: {},
  });
  const blob = services.workspace.artifacts.put(Buffer.from(CONTENT));
  await services.tracking.endRun(runId, {
    status: 'finished',
    artifacts: [{ path: 'model/we"ird name.bin', ...blob }],
  });
  host = await startHost({ services, port: 0, rendererDir });
});
afterAll(async () => {
  await host?.close();
  await services?.close();
  t.remove();
});

const get = (run: string, path: string) =>
  fetch(
    `${host.url.replace(/\/$/, '')}${HTTP.artifact}?${new URLSearchParams({ run, path }).toString()}`,
  );

describe('GET /api/artifacts', () => {
  it('serves a listed artifact with a bare, quoted-safe file name', async () => {
    const r = await get(runId, 'model/we"ird name.bin');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(CONTENT);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="we_ird_name.bin"');
  });

  it('answers NOT_FOUND, with no stack and none of the file, for every path that is not listed', async () => {
    for (const path of [
      '../outside-secret.txt',
      '../../ws/outside-secret.txt',
      '/etc/passwd',
      'model/../outside-secret.txt',
      'model\\..\\..\\outside-secret.txt',
      'model/we"ird name.bin\u0000.txt',
      `../artifacts/sha256/${'0'.repeat(64)}`,
      'lathe.duckdb',
    ]) {
      const r = await get(runId, path);
      const body = await r.text();
      expect(r.status, path).toBe(404);
      expect(JSON.parse(body)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(body, path).toContain('model/we\\"ird name.bin');
      expect(body).not.toContain('do not serve');
      expect(body).not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
  });
});
