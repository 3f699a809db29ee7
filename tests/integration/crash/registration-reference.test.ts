// A registered version and its monitoring reference are one commit. They were two: a process killed
// between them left a version that `monitor drift` refused ("has no monitoring reference; set one with
// lathe monitor reference …") until the user repaired it by hand, with the whole dataset instead of the
// rows the model trained on (found by tests/integration/crash/kill9.test.ts's kind of kill).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { createPromotionCheck } from '../../../main/registry/promotion';
import { createRegistryStore } from '../../../main/registry/registry-store';
import { contractClient, importPenguins, penguinsConfig } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-register-ref-');
let services: Services | undefined;
const { call } = contractClient(() => services!);
let runId = '';

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws') });
  await importPenguins(services);
  const run = await call('train:run', {
    config: penguinsConfig({
      model: { type: 'mlp', hidden: [8] },
      training: { epochs: 3, batchSize: 32, validationFraction: 0.25 },
    }),
  });
  runId = run.id;
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('registering a run', () => {
  it('stores the version and its reference in one transaction: a failure keeps neither', async () => {
    const { db } = services!.workspace;
    const written: string[] = [];
    // The registry as services.ts builds it, with a reference write that stops after writing.
    const registry = createRegistryStore({
      db,
      tracking: services!.tracking,
      data: services!.data,
      artifacts: services!.workspace.artifacts,
      checkPromotion: createPromotionCheck(db),
      prepareRegister: async () => async (sql, version) => {
        await sql.run(`INSERT INTO monitor_references VALUES (?, ?, ?, now(), '{}')`, [
          version.id,
          version.model,
          version.version,
        ]);
        written.push(`${version.model}@${version.version}`);
        throw new Error('the process stopped here');
      },
    });
    await expect(registry.register({ runId, name: 'atomic' })).rejects.toThrow(/stopped here/);
    expect(written).toEqual(['atomic@1']);
    expect(await db.all('SELECT * FROM model_versions')).toEqual([]);
    expect(await db.all('SELECT * FROM monitor_references')).toEqual([]);
    expect(await db.all('SELECT * FROM audit_log')).toEqual([]);
  });

  it('has the reference of the rows it trained on from the moment it exists', async () => {
    const v = await call('models:register', { runId, name: 'species' });
    const reference = await call('monitor:reference', { ref: `species@${v.version}` });
    expect(reference.source).toEqual({ dataset: 'penguins@1', split: 'train' });
    expect(reference.rows).toBeGreaterThan(0);
    expect(await call('workspace:verify', {})).toMatchObject({ ok: true, problems: [] });
  });
});
