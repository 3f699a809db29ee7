import { join } from 'node:path';
import { expect } from 'vitest';
import type { ChannelInput, ModelVersion, Run } from '../../shared/contract';
import type { Services } from '../../main/services';
import type { StoredTarget } from '../../main/evaluate/predict';
import { writeModelPackage } from '../../main/serve/package';
import { predictRaw, type GbdtModel } from '../../main/train/gbdt/tree-model';
import { contractClient } from './services';

/**
 * The trainer's answer for feature rows, as evaluation and the ONNX graph give it: predictRaw through the
 * head (sigmoid / softmax probabilities per class, or the value in target units).
 */
export function headOutputs(
  model: GbdtModel,
  target: StoredTarget,
  x: Float32Array,
  rows: number,
): Float64Array {
  const raw = predictRaw(model, x, rows);
  if (target.kind === 'regression') return raw.map((z) => z * target.std + target.mean);
  const k = target.classes.length;
  const out = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    if (k === 2) {
      const p = 1 / (1 + Math.exp(-raw[r]!));
      out[r * 2] = 1 - p;
      out[r * 2 + 1] = p;
    } else {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, raw[r * k + c]!);
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(raw[r * k + c]! - max);
      for (let c = 0; c < k; c++) out[r * k + c] = Math.exp(raw[r * k + c]! - max) / z;
    }
  }
  return out;
}

/**
 * Trains each case through the services, registers its run as a model named after the case and writes
 * the version's package to `<packagesDir>/<name>`; returns the run and version of each.
 */
export async function trainRegisterAndPackage(
  services: Services,
  cases: readonly { name: string; config: ChannelInput<'train:run'>['config'] }[],
  packagesDir: string,
): Promise<Map<string, { run: Run; version: ModelVersion }>> {
  const { call } = contractClient(() => services);
  const trained = new Map<string, { run: Run; version: ModelVersion }>();
  for (const c of cases) {
    const run = await call('train:run', { config: c.config });
    expect(run.status, run.error ?? '').toBe('finished');
    const version = await call('models:register', { runId: run.id, name: c.name });
    trained.set(c.name, { run, version });
    await writeModelPackage({
      version,
      run,
      artifacts: services.workspace.artifacts,
      dir: join(packagesDir, c.name),
      latheVersion: 'test',
    });
  }
  return trained;
}
