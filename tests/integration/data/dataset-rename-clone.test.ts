import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneTrainConfig } from '../../../shared/config/clone-config';
import { createServices, type Services } from '../../../main/services';
import { stringify } from 'yaml';
import { lathe } from '../../helpers/cli';
import { contractClient, penguinsConfig, runRecorder, trainRun } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-rename-clone-');
let services: Services;
const { call, failure } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('a run on a dataset renamed since', () => {
  it("is cloned with the dataset's name of now, and its recorded name still resolves", async () => {
    const record = await runRecorder(services);
    const runId = await record({ name: 'before-rename', experiment: 'e' });
    await call('data:rename', { name: 'penguins', to: 'birds' });
    const run = await call('runs:get', { id: runId });
    expect((run.config as { dataset: string }).dataset).toBe('penguins');
    expect(run.lineage?.dataset).toBe('birds');
    expect(
      cloneTrainConfig({ dataset: 'penguins@1', project: 'A' }, { dataset: 'birds', project: 'B' }),
    ).toEqual({ dataset: 'birds@1', project: 'B' });
    // The recorded config (and a Clone made from it) names the old name: it finds the renamed dataset.
    expect((await services.data.resolve('penguins')).dataset).toBe('birds');
    expect((await services.data.resolve('penguins@1')).dataset).toBe('birds');
    expect((await call('data:profile', { ref: 'penguins' })).rows).toBeGreaterThan(0);
    // A name no run was trained under is still not found.
    expect((await failure('data:profile', { ref: 'nothing' })).code).toBe('NOT_FOUND');
  });

  it('is cloned by lathe runs config with the names of now (dataset and project), and trains', () => {
    const W = join(t.dir, 'cli-ws');
    const run = (...args: string[]) => lathe([...args, '--workspace', W, '--json']);
    expect(
      run('data', 'import', vega('penguins.json'), '--name', 'penguins', '--project', 'Old').code,
    ).toBe(0);
    const config = t.file(
      'train.yaml',
      stringify(
        penguinsConfig({
          project: 'Old',
          training: { epochs: 1, batchSize: 64, learningRate: 0.01, validationFraction: 0.25 },
        }),
      ),
    );
    const first = run('train', '--config', config);
    expect(first.code, first.stderr).toBe(0);
    const id = (first.json as { id: string }).id;
    expect(run('data', 'rename', 'penguins', 'birds').code).toBe(0);
    expect(run('projects', 'rename', 'Old', 'New').code).toBe(0);
    const out = join(t.dir, 'clone.yaml');
    const cloned = run('runs', 'config', id, '--out', out);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect((cloned.json as { config: object }).config).toMatchObject({
      dataset: 'birds',
      project: 'New',
    });
    const again = run('train', '--config', out);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ project: 'New', lineage: { dataset: 'birds' } });
    const projects = run('projects', 'list').json as { name: string }[];
    expect(projects.map((p) => p.name)).not.toContain('Old');
  });

  it('trains from a clone naming the old name, recording the name of now', async () => {
    const run = await trainRun(
      services,
      penguinsConfig({
        dataset: 'penguins@1',
        training: { epochs: 1, batchSize: 64, learningRate: 0.01, validationFraction: 0.25 },
      }),
    );
    expect(run.status).toBe('finished');
    expect(run.lineage?.dataset).toBe('birds');
    expect((run.config as { dataset: string }).dataset).toBe('birds@1');
  });

  it('a new dataset taking the old name wins over the renamed one', async () => {
    await call('data:import', {
      path: t.file('p.csv', 'a,b\n1,2\n3,4\n'),
      name: 'penguins',
    });
    expect((await services.data.resolve('penguins')).dataset).toBe('penguins');
  });
});
