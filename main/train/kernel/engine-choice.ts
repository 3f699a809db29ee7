// Which engine runs a training's optimizer steps (training.engine): decided in the main process before a
// run exists, so `engine: fused` on a model it cannot train fails with nothing recorded, and again in the
// worker. No tfjs here: the main process does not load it.
import { LatheError, type TrainConfig } from '../../../shared/contract';
import { denseKernelsAvailable } from './dense-engine';

/**
 * Why the fused engine (dense-engine.ts) cannot train a model, or null when it can: it runs every model a
 * config describes (dense layers with any activation, dropout, batch normalization, L1/L2 and class
 * weights) wherever WebAssembly SIMD runs.
 */
export function fusedEngineRefusal(): string | null {
  if (!denseKernelsAvailable()) return 'this JavaScript engine lacks WebAssembly SIMD';
  return null;
}

/** The engine a training uses: training.engine, where auto (the default) means fused when it can. */
export function chooseEngine(config: TrainConfig): 'fused' | 'tfjs' {
  const wanted = config.training.engine ?? 'auto';
  if (wanted === 'tfjs') return 'tfjs';
  const refusal = fusedEngineRefusal();
  if (!refusal) return 'fused';
  if (wanted === 'fused')
    throw new LatheError(
      'INVALID_CONFIG',
      `training.engine: fused cannot train this model: ${refusal}`,
      { field: 'training.engine' },
    );
  return 'tfjs';
}
