// The audit log's order is the order changes were committed, also when the clock steps back (NTP) and
// when gate-policy changes interleave with registry changes.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { createRegistryStore } from '../../../main/registry/registry-store';
import { contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-audit-order-');
let services: Services;
const { call } = contractClient(() => services);
let runs: string[];

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  runs = [];
  for (const seed of [1, 2])
    runs.push((await call('train:run', { config: penguinsConfig({ seed }) })).id);
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('audit order', () => {
  it('lists changes in the order they were made while the clock steps back', async () => {
    const clock = { now: new Date('2026-06-01T12:00:00Z') };
    const registry = createRegistryStore({
      db: services.workspace.db,
      tracking: services.tracking,
      data: services.data,
      artifacts: services.workspace.artifacts,
      checkPromotion: async () => ({ passed: true, failures: [] }),
      now: () => clock.now,
    });
    const back = () => (clock.now = new Date(clock.now.getTime() - 3_600_000));
    await registry.register({ runId: runs[0]!, name: 'pen' });
    back();
    await registry.register({ runId: runs[1]!, name: 'pen' });
    back();
    await registry.alias({ ref: 'pen@1', alias: 'challenger', reason: 'first' });
    back();
    await registry.alias({ ref: 'pen@2', alias: 'challenger', reason: 'second' });
    back();
    await registry.stage({ ref: 'pen@2', stage: 'staging', reason: 'third' });

    const history = await registry.history('pen');
    expect(history.entries.map((e) => [e.action, e.version, e.reason])).toEqual([
      ['register', 1, null],
      ['register', 2, null],
      ['alias', 1, 'first'],
      ['alias', 2, 'second'],
      ['stage', 2, 'third'],
    ]);
    // The last alias entry names where the alias points now.
    expect((await registry.version('pen@challenger')).version).toBe(2);
  });

  it('orders gate-policy changes among registry changes as they were committed', async () => {
    await call('gates:set', { project: 'Default', policy: null, reason: 'g1' });
    await call('models:alias', { ref: 'pen@1', alias: 'challenger', reason: 'r1' });
    await call('gates:set', { project: 'Default', policy: null, reason: 'g2' });
    await call('models:unalias', { name: 'pen', alias: 'challenger', reason: 'r2' });
    await call('gates:set', { project: 'Default', policy: null, reason: 'g3' });
    const rows = await services.workspace.db.all<{ reason: string }>(
      "SELECT reason FROM audit_log WHERE reason IN ('g1', 'r1', 'g2', 'r2', 'g3') ORDER BY id",
    );
    expect(rows.map((r) => r.reason)).toEqual(['g1', 'r1', 'g2', 'r2', 'g3']);
  });
});
