import { describe, expect, it } from 'vitest';
import { rewriteSource, type ImportedRun } from '../../../../main/mlflow/mlruns-models';
import type { MlrunsRun } from '../../../../main/mlflow/mlruns-reader';

/** Two imported runs: one kept its MLflow id, one was renamed (its id was taken). */
const run = (runId: string, latheId: string, dir: string, artifactUri: string): ImportedRun => ({
  run: { runId, dir, artifactUri } as MlrunsRun,
  latheId,
});
const runs = [
  run('aaa', 'aaa', '/old/mlruns/1/aaa', 'file:///old/mlruns/1/aaa/artifacts'),
  run('bbb', 'new-b', '/data/mlruns/1/bbb', 'file:///elsewhere/1/bbb/artifacts'),
];

describe('rewriteSource: a model version source as this workspace names it', () => {
  it.each([
    // A file inside a run's own artifacts folder, and inside the place its artifact_uri names.
    ['file:///old/mlruns/1/aaa/artifacts/model', 'runs:/aaa/model'],
    ['/data/mlruns/1/bbb/artifacts/model/sub', 'runs:/new-b/model/sub'],
    ['file:///elsewhere/1/bbb/artifacts/model', 'runs:/new-b/model'],
    ['file:///data/mlruns/1/bbb/artifacts', 'runs:/new-b'],
    // runs:/ and the artifact proxy's URIs follow a renamed run.
    ['runs:/bbb/model', 'runs:/new-b/model'],
    ['mlflow-artifacts:/1/bbb/artifacts/model/', 'runs:/new-b/model'],
    ['mlflow-artifacts://host:5000/1/aaa/artifacts', 'runs:/aaa'],
    // Anything else is kept: another run, another place, another scheme, a sibling folder.
    ['runs:/zzz/model', 'runs:/zzz/model'],
    ['s3://bucket/model', 's3://bucket/model'],
    ['models:/churn/1', 'models:/churn/1'],
    ['/data/mlruns/1/bbb/artifacts-old/model', '/data/mlruns/1/bbb/artifacts-old/model'],
  ])('%s → %s', (source, want) => {
    expect(rewriteSource(source, runs)).toBe(want);
  });
});
