import { expect } from 'vitest';
import type { ChannelOutput } from '../../shared/contract';
import type { contractClient, TrainConfigInput } from './services';

// Not in services.ts: this asserts with Vitest's expect, and the Playwright specs import services.ts.

/**
 * Trains `config` through `call`, expects the run to finish (its error as the message if not) and
 * registers it as the next version of the model `name`.
 */
export async function trainRegistered(
  call: ReturnType<typeof contractClient>['call'],
  config: TrainConfigInput,
  name: string,
): Promise<ChannelOutput<'models:register'>> {
  const run = await call('train:run', { config });
  expect(run.status, run.error ?? '').toBe('finished');
  return call('models:register', { runId: run.id, name });
}
