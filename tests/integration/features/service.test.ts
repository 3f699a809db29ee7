import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-featsvc-');
let services: Services;
const { call, failure } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('seattle-weather.csv'), name: 'weather' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('features:default and features:preview', () => {
  it('drafts the default spec training would use, leaving the target out', async () => {
    const { spec, dropped } = await call('features:default', { ref: 'weather', target: 'weather' });
    expect(spec.groups.map((g) => g.columns[0])).toEqual([
      'date',
      'precipitation',
      'temp_max',
      'temp_min',
      'wind',
    ]);
    expect(spec.groups[1]!.steps.map((s) => s.op)).toEqual(['impute', 'scale']);
    expect(dropped).toEqual([]);
  });

  it('previews transformed rows with docs, and they match the serving executor', async () => {
    const spec = {
      groups: [
        {
          columns: ['precipitation'],
          steps: [
            { op: 'clip' as const, method: 'iqr' as const },
            { op: 'scale' as const, method: 'robust' as const },
          ],
        },
        { columns: ['weather'], steps: [{ op: 'onehot' as const, maxCategories: 3 }] },
      ],
      derived: [{ op: 'ratio' as const, columns: ['temp_min', 'temp_max'] as [string, string] }],
    };
    const p = await call('features:preview', { ref: 'weather', spec, limit: 20 });
    expect(p.outputs[0]).toBe('precipitation');
    expect(p.outputs.slice(1, 4).sort()).toEqual(
      ['weather=fog', 'weather=rain', 'weather=sun'].sort().slice(0, 3).sort(),
    );
    expect(p.outputs.slice(4)).toEqual(['weather=__other__', 'temp_min__div__temp_max']);
    expect(p.rows).toHaveLength(20);
    expect(p.inputs.columns).toEqual(['precipitation', 'weather', 'temp_min', 'temp_max']);
    expect(p.docs.find((d) => d.name === 'precipitation')!.transform).toBe('clip → scale');
    expect(p.trainRows).toBeGreaterThan(1000);
    // Derived features are computed from the same rows the inputs show.
    const ratio = p.rows.map((r) => r[5]);
    p.inputs.rows.forEach((row, i) =>
      expect(ratio[i]).toBeCloseTo(Number(row[3]) === 0 ? 0 : Number(row[2]) / Number(row[3]), 12),
    );
  });

  it('names the spec field at fault', async () => {
    const err = await failure('features:preview', {
      ref: 'weather',
      spec: { groups: [{ columns: ['humidity'] }] },
    });
    expect(err.message).toMatch(/^groups\.0\.columns\.0: column 'humidity' is not in the dataset/);
    const bad = await failure('features:preview', { ref: 'weather', spec: { groups: [] } });
    expect(bad.message).toMatch(
      /spec\.groups: a feature spec needs at least one group or derived feature/,
    );
  });
});
