import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneTrainConfig } from '../../../shared/config/clone-config';
import { createServices, type Services } from '../../../main/services';
import { contractClient, runRecorder } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

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
    expect(run.lineage.dataset).toBe('birds');
    expect(cloneTrainConfig(run.config, run.lineage.dataset)).toMatchObject({ dataset: 'birds' });
    expect(cloneTrainConfig({ dataset: 'penguins@1' }, 'birds')).toEqual({ dataset: 'birds@1' });
    // The recorded config (and a Clone made from it) names the old name: it finds the renamed dataset.
    expect((await services.data.resolve('penguins')).dataset).toBe('birds');
    expect((await services.data.resolve('penguins@1')).dataset).toBe('birds');
    expect((await call('data:profile', { ref: 'penguins' })).rows).toBeGreaterThan(0);
    // A name no run was trained under is still not found.
    expect((await failure('data:profile', { ref: 'nothing' })).code).toBe('NOT_FOUND');
  });

  it('a new dataset taking the old name wins over the renamed one', async () => {
    await call('data:import', {
      path: t.file('p.csv', 'a,b\n1,2\n3,4\n'),
      name: 'penguins',
    });
    expect((await services.data.resolve('penguins')).dataset).toBe('penguins');
  });
});
