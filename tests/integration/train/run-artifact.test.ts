import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP, type Run } from '../../../shared/contract';
import { startHost, type Host } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services';
import { lathe } from '../../helpers/cli';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-run-artifact-');
const W = join(t.dir, 'ws');
let services: Services | null = null;
let host: Host | null = null;
let run: Run;
const client = contractClient(() => services!);

const stored = (path: string) =>
  readFileSync(
    services!.workspace.artifacts.pathOf(run.artifacts.find((a) => a.path === path)!.sha256),
  );
const download = (runId: string, path: string) =>
  fetch(
    `${host!.url.replace(/\/$/, '')}${HTTP.artifact}?${new URLSearchParams({ run: runId, path })}`,
  );

beforeAll(async () => {
  services = await createServices({ workspaceDir: W, validateOutput: true });
  await importPenguins(services);
  run = await trainRun(services, penguinsConfig({ training: { epochs: 1, learningRate: 0.05 } }));
  host = await startHost({ services, port: 0, rendererDir: join(t.dir, 'renderer') });
});
afterAll(async () => {
  await host?.close();
  await services?.close();
  t.remove();
});

describe("a run's artifacts can be downloaded", () => {
  it('through the host: GET /api/artifacts streams the bytes as an attachment', async () => {
    const res = await download(run.id.slice(0, 8), 'model/model.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="model.json"');
    expect(Buffer.from(await res.arrayBuffer()).equals(stored('model/model.json'))).toBe(true);
  });

  it('an unknown path is a 404 naming the paths the run has', async () => {
    const res = await download(run.id, 'model/nope.bin');
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).toMatch(/no artifact 'model\/nope\.bin'.*model\/model\.json/);
  });

  it('through runs:artifact with content: the bytes in base64 (the desktop window saves them)', async () => {
    const out = await client.call('runs:artifact', {
      id: run.id,
      path: 'target.json',
      content: true,
    });
    expect(Buffer.from(out.contentBase64!, 'base64').equals(stored('target.json'))).toBe(true);
    expect(out.sizeBytes).toBe(stored('target.json').length);
  });

  it('from the CLI: lathe runs artifact ID PATH --out FILE', async () => {
    const expected = stored('model/model.json');
    await host!.close();
    host = null;
    await services!.close();
    services = null;
    const out = join(t.dir, 'saved-model.json');
    const r = lathe([
      'runs',
      'artifact',
      run.id.slice(0, 8),
      'model/model.json',
      '--out',
      out,
      '--workspace',
      W,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Saved model\/model\.json .* to /);
    expect(readFileSync(out).equals(expected)).toBe(true);
    const missing = lathe(['runs', 'artifact', run.id, 'nope', '--workspace', W]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no artifact 'nope'/);
  });
});
