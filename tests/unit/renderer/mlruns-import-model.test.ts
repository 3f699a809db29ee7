import { describe, expect, it } from 'vitest';
import type { MlrunsImportOut } from '../../../shared/contract';
import {
  importSummary,
  isImportProgress,
  notebookLines,
  trackingUri,
} from '../../../renderer/views/Experiments/mlruns-import-model';

const progress = (name: string, op = 'mlruns') => ({ op, name, fraction: 0.5, message: 'x' });

describe('the mlruns import in the Experiments view', () => {
  it('follows the progress of the folder typed, as the owner names it (absolute)', () => {
    expect(isImportProgress(progress('/data/mlruns'), '/data/mlruns/')).toBe(true);
    expect(isImportProgress(progress('/data/mlruns'), '/data/mlruns2')).toBe(false);
    expect(isImportProgress(progress('/home/ada/mlruns'), './mlruns')).toBe(true);
    expect(isImportProgress(progress('/home/ada/old-mlruns'), 'mlruns')).toBe(false);
    expect(isImportProgress(progress('/data/mlruns', 'import'), '/data/mlruns')).toBe(false);
  });

  it('says what was added, in words and counts', () => {
    const out: MlrunsImportOut = {
      dir: '/data/mlruns',
      experiments: [
        { mlflowId: '0', name: 'Default', id: '0', created: false, deleted: false, runs: 1 },
        { mlflowId: '1', name: 'churn', id: '1', created: true, deleted: false, runs: 2 },
      ],
      runs: { added: 1, updated: 2, unchanged: 0 },
      added: {
        params: 1,
        tags: 0,
        metricPoints: 1200,
        artifacts: 2,
        artifactBytes: 2048,
        models: 1,
        versions: 2,
        aliases: 1,
      },
      renamed: {},
      warnings: [],
    };
    expect(importSummary(out)).toEqual([
      '2 experiments (1 new)',
      '1 run added, 2 updated, 0 unchanged',
      '1,200 metric points, 1 param, 0 tags, 2 artifacts (2.0 KB)',
      '1 registered model, 2 versions, 1 alias added',
    ]);
  });

  it("points a notebook at the page's origin, else at the owner's local host (the desktop app's file: window), else none", () => {
    expect(trackingUri({ protocol: 'http:', origin: 'http://127.0.0.1:5173' })).toBe(
      'http://127.0.0.1:5173',
    );
    expect(trackingUri({ protocol: 'https:', origin: 'https://lathe.lan:8443' })).toBe(
      'https://lathe.lan:8443',
    );
    expect(trackingUri({ protocol: 'file:', origin: 'null' })).toBeNull();
    expect(trackingUri({ protocol: 'file:', origin: 'null' }, null)).toBeNull();
    expect(trackingUri({ protocol: 'file:', origin: 'null' }, 'http://127.0.0.1:41234/')).toBe(
      'http://127.0.0.1:41234',
    );
    expect(
      trackingUri({ protocol: 'http:', origin: 'http://127.0.0.1:5173' }, 'http://127.0.0.1:9/'),
    ).toBe('http://127.0.0.1:5173');
    expect(notebookLines('http://127.0.0.1:5000', 'churn "v2"')).toEqual([
      'export MLFLOW_TRACKING_URI=http://127.0.0.1:5000',
      'mlflow.set_experiment("churn \\"v2\\"")',
    ]);
    expect(notebookLines('http://h', null)[1]).toBe('mlflow.set_experiment("my-experiment")');
  });
});
