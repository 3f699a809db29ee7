// Permutation importance of a GBDT on more validation (or test) rows than it shuffles: a seeded sample of
// GBDT_IMPORTANCE_ROWS rows, which still ranks the signal above the noise, in training and evaluation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { GBDT_IMPORTANCE_ROWS } from '../../../main/train/gbdt/ensemble-predict';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-gbdt-importance-');
let services: Services;
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  // y depends on a (strongly) and b (weakly); noise does not matter. Hashes make the values.
  await call('data:importQuery', {
    name: 'wide',
    sql: `SELECT a, b, noise, (a + 0.3 * b + 0.2 * (hash(i * 7) % 100) / 100.0) > 0.8 AS y FROM (
      SELECT i, (hash(i) % 1000) / 1000.0 AS a, (hash(i + 1000000) % 1000) / 1000.0 AS b,
        (hash(i + 2000000) % 1000) / 1000.0 AS noise FROM range(70000) r(i))`,
  });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('GBDT permutation importance on many rows', () => {
  it('shuffles a sample in training and in evaluation, ranking the signal first', async () => {
    const run = await call('train:run', {
      config: {
        dataset: 'wide',
        target: 'y',
        task: 'binary',
        model: { type: 'gbdt', trees: 8, maxDepth: 3, learningRate: 0.5, threads: 2 },
        training: { validationFraction: 0.8 },
        split: { testFraction: 0.1 },
        seed: 2,
      },
    });
    expect(run.status).toBe('finished');
    expect(Number(run.params['rows.validation'])).toBeGreaterThan(GBDT_IMPORTANCE_ROWS);
    const a = run.artifacts.find((x) => x.path === 'features/importance.json')!;
    const importance = JSON.parse(
      readFileSync(services.workspace.artifacts.pathOf(a.sha256), 'utf8'),
    ) as Record<string, number>;
    expect(importance.a).toBeGreaterThan(importance.b!);
    expect(importance.b).toBeGreaterThan(importance.noise!);
    // Every row of the dataset (70,000 > the sample) in evaluation.
    const e = await call('eval:run', { target: run.id, data: 'wide', importanceRepeats: 1 });
    expect(e.rows).toBe(70_000);
    expect(e.importance.map((i) => i.column)).toEqual(['a', 'b', 'noise']);
  }, 90_000);
});
