// The mlflow-artifacts proxy of the Lathe host as MLflow's HttpArtifactRepository uses it: PUT
// <root>/<path> (streamed), GET <root>/<path>, GET ?path=<root-path>[/sub] (names only), DELETE; the files
// land in the content-addressed store and the run's artifacts table, so the run page lists them.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type Host } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services';
import { rawRequest, type RawOptions } from '../../helpers/raw-http';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-mlflow-artifacts-');
let services: Services;
let host: Host;
const EXP = '7';
const RUN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const OTHER = 'ffffeeeeddddccccbbbbaaaa99998888';
const ROOT = `/api/2.0/mlflow-artifacts/artifacts/${EXP}/${RUN}/artifacts`;

const raw = (path: string, options: RawOptions = {}) => rawRequest(host.port, path, options);

const put = (path: string, body: Buffer | string) =>
  raw(`${ROOT}/${path}`, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body });
const list = (path: string) =>
  raw(`/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`);

async function insertRun(id: string, experimentId: string, uri: string | null) {
  await services.workspace.db.run(
    `INSERT INTO runs (id, experiment_id, name, status, config, config_hash, seed, lathe_version, started_at, system, kind, artifact_uri)
     VALUES (?, ?, ?, 'running', '{}', '', 0, 'test', now(), '{}', 'mlflow', ?)`,
    [id, experimentId, `run-${id.slice(0, 4)}`, uri],
  );
}

beforeAll(async () => {
  const rendererDir = join(t.dir, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  host = await startHost({ services, port: 0, rendererDir });
  const project = await services.workspace.db.one<{ id: string }>(
    "SELECT id FROM projects WHERE name = 'Default'",
  );
  await services.workspace.db.run(
    "INSERT INTO experiments (id, project_id, name, created_at) VALUES ('lathe-exp-1', ?, 'proxied', now())",
    [project!.id],
  );
  await insertRun(RUN, 'lathe-exp-1', `mlflow-artifacts:/${EXP}/${RUN}/artifacts`);
  await insertRun(OTHER, 'lathe-exp-1', `mlflow-artifacts:/${EXP}/${OTHER}/artifacts`);
});

afterAll(async () => {
  await host.close();
  await services.close();
  t.remove();
});

describe('the mlflow-artifacts proxy', () => {
  it('stores a PUT file and answers it back byte for byte with GET', async () => {
    const bytes = randomBytes(300_000);
    const up = await put('model/weights.bin', bytes);
    expect(up.status).toBe(200);
    expect(up.json).toEqual({});
    const down = await raw(`${ROOT}/model/weights.bin`);
    expect(down.status).toBe(200);
    expect(down.headers['content-disposition']).toBe('attachment; filename=weights.bin');
    expect(createHash('sha256').update(down.bytes).digest('hex')).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
    // The upload's temp file was moved into the store, not left behind.
    expect(readdirSync(services.workspace.paths.uploads)).toEqual([]);
  });

  it('lists names, folders without sizes, as MLflow does; an empty folder is {}', async () => {
    await put('metrics.txt', 'acc 0.9\n');
    await put('model/MLmodel', 'flavors: {}\n');
    const root = await list(`${EXP}/${RUN}/artifacts`);
    expect(root.status).toBe(200);
    expect(root.json).toEqual({
      files: [
        { path: 'metrics.txt', is_dir: false, file_size: 8 },
        { path: 'model', is_dir: true },
      ],
    });
    const model = await list(`${EXP}/${RUN}/artifacts/model`);
    expect(model.json).toEqual({
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 12 },
        { path: 'weights.bin', is_dir: false, file_size: 300_000 },
      ],
    });
    expect((await list(`${EXP}/${OTHER}/artifacts`)).json).toEqual({});
    expect((await list(`${EXP}/${RUN}/artifacts/nothing-here`)).json).toEqual({});
    expect((await list(`${EXP}/${RUN}`)).json).toEqual({
      files: [{ path: 'artifacts', is_dir: true }],
    });
    const exp = (await list(EXP)).json as { files: { path: string }[] };
    expect(exp.files.map((f) => f.path).sort()).toEqual([OTHER, RUN].sort());
    const top = (await raw('/api/2.0/mlflow-artifacts/artifacts')).json as {
      files: { path: string; is_dir: boolean }[];
    };
    expect(top.files).toEqual([{ path: EXP, is_dir: true }]);
  });

  it("shows the files among the Lathe run's artifacts", async () => {
    const run = await services.dispatch('runs:artifact', { id: RUN, path: 'metrics.txt' });
    expect(run.ok ? null : run.error).toBeNull();
    if (run.ok) expect((run.result as { sizeBytes: number }).sizeBytes).toBe(8);
  });

  it('replaces a file put again, and deletes a file or a folder', async () => {
    await put('notes.txt', 'first');
    await put('notes.txt', 'second');
    expect((await raw(`${ROOT}/notes.txt`)).body.toString()).toBe('second');
    const del = await raw(`${ROOT}/notes.txt`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await raw(`${ROOT}/notes.txt`)).status).toBe(404);
    await put('plots/a.png', 'a');
    await put('plots/b.png', 'b');
    expect((await raw(`${ROOT}/plots`, { method: 'DELETE' })).status).toBe(200);
    expect((await list(`${EXP}/${RUN}/artifacts/plots`)).json).toEqual({});
  });

  it('refuses path traversal, plain or percent-encoded, with 400 and stores nothing', async () => {
    const before = (await list(`${EXP}/${RUN}/artifacts`)).json;
    for (const path of [
      `${ROOT}/../../../etc/passwd`,
      `${ROOT}/%2e%2e/%2e%2e/x.txt`,
      `${ROOT}/a/%2E%2E/b.txt`,
      `${ROOT}/a//b.txt`,
      `${ROOT}/a\\..\\b.txt`,
    ]) {
      const r = await raw(path, { method: 'PUT', body: 'x' });
      expect([400, 404], path).toContain(r.status);
      expect(typeof (r.json as { error_code?: unknown }).error_code, path).toBe('string');
      const g = await raw(path);
      expect(g.status, path).toBeLessThan(500);
      expect(g.status, path).not.toBe(200);
    }
    const l = await list(`${EXP}/${RUN}/artifacts/../../..`);
    expect(l.status).toBe(400);
    expect(l.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect((await list(`${EXP}/${RUN}/artifacts`)).json).toEqual(before);
    expect(readdirSync(services.workspace.paths.uploads)).toEqual([]);
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for a run that is not there or a wrong experiment', async () => {
    const nobody = await raw(
      `/api/2.0/mlflow-artifacts/artifacts/${EXP}/00000000000000000000000000000000/artifacts/x.txt`,
      { method: 'PUT', body: 'x' },
    );
    expect(nobody.status).toBe(404);
    expect(nobody.json).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    const wrongExperiment = await raw(
      `/api/2.0/mlflow-artifacts/artifacts/999/${RUN}/artifacts/x.txt`,
      { method: 'PUT', body: 'x' },
    );
    expect(wrongExperiment.status).toBe(404);
    expect((await raw(`${ROOT}/model`)).status).toBe(404);
  });

  it('refuses a file where a folder is, and a folder path through a file', async () => {
    const overFolder = await put('model', 'x');
    expect(overFolder.status).toBe(400);
    expect(overFolder.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    const throughFile = await put('metrics.txt/inner.txt', 'x');
    expect(throughFile.status).toBe(400);
  });

  it('refuses the other channels of the host to the proxy path: a wrong method is 405', async () => {
    const patch = await raw(`${ROOT}/metrics.txt`, { method: 'PATCH', body: 'x' });
    expect(patch.status).toBe(405);
    const listPut = await raw('/api/2.0/mlflow-artifacts/artifacts?path=x', {
      method: 'PUT',
      body: 'x',
    });
    expect(listPut.status).toBe(405);
  });
});
