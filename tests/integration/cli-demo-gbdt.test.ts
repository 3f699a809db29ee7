import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Run } from '../../shared/contract';
import { lathe } from '../helpers/cli';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-cli-demo-gbdt-');
afterAll(() => t.remove());

describe('lathe demo --model gbdt', () => {
  it('trains boosted trees on the flights sample, a round per --epochs', () => {
    const r = lathe([
      'demo',
      '--model',
      'gbdt',
      '--rows',
      '5000',
      '--epochs',
      '12',
      '--workspace',
      join(t.dir, 'demo'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const run = Run.parse((r.json as { run: unknown }).run);
    expect(run).toMatchObject({ status: 'finished', task: 'binary', modelType: 'gbdt' });
    expect(run.config.model).toEqual({ type: 'gbdt', trees: 12, maxDepth: 6, learningRate: 0.3 });
    expect(run.artifacts.map((a) => a.path)).toContain('model/gbdt.json');
    expect(run.metrics.val_auc).toBeGreaterThan(0.5);
  });

  it('refuses another model type before importing anything', () => {
    const dir = join(t.dir, 'refused');
    const r = lathe(['demo', '--model', 'forest', '--workspace', dir, '--json']);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({
      error: { code: 'INVALID_INPUT', message: "--model: 'forest' is not mlp or gbdt" },
    });
    expect(existsSync(join(dir, 'lathe.duckdb'))).toBe(false);
  });
});
