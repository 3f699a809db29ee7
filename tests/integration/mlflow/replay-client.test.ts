import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay, replayFixtures, startMlflowHost } from './replay-http';

/**
 * The Python client's request sequences (tests/fixtures/mlflow/client-*.json, each step naming the
 * mlflow source it follows), replayed over HTTP against a real Lathe host: every answer must carry what the
 * client reads next. Each fixture gets its own host and workspace, so they do not depend on each other.
 */
const fixtures = replayFixtures();

describe('the MLflow Python client, replayed against the Lathe host', () => {
  it('has the committed fixtures', () => {
    expect(fixtures.map((f) => f.file)).toEqual([
      'client-metric-history.json',
      'client-register-model.json',
      'client-search-runs.json',
      'client-tracking-run.json',
    ]);
  });

  for (const { file, fixture } of fixtures) {
    describe(file, () => {
      let server: Awaited<ReturnType<typeof startMlflowHost>>;
      beforeAll(async () => {
        server = await startMlflowHost();
      });
      afterAll(async () => {
        await server.close();
      });

      it(fixture.title, async () => {
        expect(await replay(server.base, fixture)).toEqual([]);
      });

      it('answers the same sequence under /ajax-api/2.0/mlflow/ (the MLflow UI prefix)', async () => {
        const ajax = {
          ...fixture,
          steps: fixture.steps.map((s) =>
            s.path
              ? { ...s, path: s.path.replace('/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/') }
              : s,
          ),
        };
        const fresh = await startMlflowHost();
        try {
          expect(await replay(fresh.base, ajax)).toEqual([]);
        } finally {
          await fresh.close();
        }
      });
    });
  }
});
