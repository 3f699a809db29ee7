// A GBDT whose histograms leave a thread idle (fewer features than threads) scores each round's validation
// rows on a worker thread while the next round grows: the run equals one trained on a single thread, round
// for round (metrics, early stop, model, importance), also when it stops early.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { SCORER_THREAD_ROWS, scoresOnThread } from '../../../main/train/gbdt/gbdt-fit';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-gbdt-scorer-thread-');
let services: Services;
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  // One feature, noisy labels: validation loss turns up after a few rounds of depth 6 at rate 1.
  await call('data:importQuery', {
    name: 'one',
    sql: `SELECT a, (a + 0.6 * (hash(i * 7) % 1000) / 1000.0) > 0.8 AS y FROM (
      SELECT i, (hash(i) % 1000) / 1000.0 AS a FROM range(60000) r(i))`,
  });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('GBDT validation scoring on a worker thread', () => {
  it('is chosen only with an idle thread and rows enough', () => {
    expect(scoresOnThread(2, 1, SCORER_THREAD_ROWS)).toBe(true);
    expect(scoresOnThread(2, 2, 1_000_000)).toBe(false);
    expect(scoresOnThread(1, 1, 1_000_000)).toBe(false);
    expect(scoresOnThread(8, 6, SCORER_THREAD_ROWS - 1)).toBe(false);
  });

  it.each([
    ['every round', undefined],
    ['stopped early', { metric: 'val_loss', patience: 2 }],
  ])(
    '%s: the same run as on one thread',
    async (_, earlyStopping) => {
      const runOn = (threads: number) =>
        call('train:run', {
          config: {
            dataset: 'one',
            target: 'y',
            task: 'binary',
            model: { type: 'gbdt', trees: 30, maxDepth: 6, learningRate: 1, threads },
            training: { validationFraction: 0.5, ...(earlyStopping ? { earlyStopping } : {}) },
            split: { testFraction: 0.1 },
            seed: 3,
          },
        });
      const [threaded, single] = [await runOn(2), await runOn(1)];
      expect(Number(threaded.params['rows.validation'])).toBeGreaterThanOrEqual(SCORER_THREAD_ROWS);
      expect(scoresOnThread(2, 1, Number(threaded.params['rows.validation']))).toBe(true);
      const history = async (id: string) =>
        (await call('runs:metrics', { id, maxPoints: 1_000_000 })).points.map((p) => [
          p.key,
          p.step,
          p.value,
        ]);
      const steps = (await history(threaded.id)).filter(([key]) => key === 'val_loss').length;
      if (earlyStopping) expect(steps).toBeLessThan(30);
      else expect(steps).toBe(30);
      expect(await history(threaded.id)).toEqual(await history(single.id));
      expect(threaded.metrics).toEqual(single.metrics);
      const file = (r: typeof threaded, path: string) =>
        r.artifacts.find((a) => a.path === path)!.sha256;
      expect(file(threaded, 'model/gbdt.json')).toBe(file(single, 'model/gbdt.json'));
      // Permutation importance scored on two threads and on one.
      expect(file(threaded, 'features/importance.json')).toBe(
        file(single, 'features/importance.json'),
      );
    },
    120_000,
  );
});
