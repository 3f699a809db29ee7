// Every epoch writes a checkpoint; over hundreds of epochs that must not hold on to tfjs tensors (each one
// is memory in the backend, which the garbage collector never frees).
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { train } from '../../../main/train/trainer';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-checkpoint-memory-');
let services: Services;
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws') });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('checkpoints every epoch', () => {
  it.each(['fused', 'tfjs'] as const)('leave the tensor count flat (%s engine)', async (engine) => {
    const version = await services.data.resolve('penguins');
    const config = TrainConfig.parse({
      dataset: 'penguins',
      target: 'Species',
      task: 'multiclass',
      model: { type: 'mlp', hidden: [16, 8], batchNorm: true },
      training: { epochs: 12, batchSize: 32, engine },
      seed: 4,
    });
    const counts: number[] = [];
    let checkpoints = 0;
    await train(
      {
        runId: `memory-${engine}`,
        config,
        parquetPath: version.storagePath,
        columns: version.columns,
        latheVersion: 'test',
      },
      {
        onCheckpoint: () => {
          checkpoints++;
          counts.push(tf.memory().numTensors);
        },
      },
    );
    expect(checkpoints).toBe(12);
    // After the first epochs have created what lives for the whole training, nothing accumulates.
    expect(new Set(counts.slice(2)).size).toBe(1);
  });
});
