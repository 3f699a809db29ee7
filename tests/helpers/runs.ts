import { expect } from 'vitest';
import type { ChannelName, ChannelOutput } from '../../shared/contract';
import type { contractClient, TrainConfigInput } from './services';

// Not in services.ts: these assert with Vitest's expect, and the benches bundle services.ts into plain
// node, where Vitest's expect cannot load.

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

/**
 * The error of a `channel` call that must be refused before it records anything: the runs list has
 * as many runs after it as before.
 */
export async function refusedBeforeRun(
  client: ReturnType<typeof contractClient>,
  channel: ChannelName,
  input: unknown,
): Promise<{ code: string; message: string }> {
  const before = (await client.call('runs:list', {})).length;
  const error = await client.failure(channel, input);
  expect((await client.call('runs:list', {})).length).toBe(before);
  return error;
}
