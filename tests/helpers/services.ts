import { readdirSync } from 'node:fs';
import {
  channels,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
} from '../../shared/contract';
import type { Services } from '../../main/services';

/**
 * Calls channels through the validating dispatcher, exactly as IPC and HTTP do, and parses every
 * output against the contract. `services` is read on each call, so tests may assign it in beforeAll.
 */
export function contractClient(get: () => Services) {
  const call = async <C extends ChannelName>(
    channel: C,
    input: ChannelInput<C>,
  ): Promise<ChannelOutput<C>> => {
    const r = await get().dispatch(channel, input);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return channels[channel].output.parse(r.result) as ChannelOutput<C>;
  };
  /** The error of a call expected to fail. */
  const failure = async (
    channel: ChannelName,
    input: unknown,
  ): Promise<{ code: string; message: string }> => {
    const r = await get().dispatch(channel, input);
    if (r.ok) throw new Error(`${channel} unexpectedly succeeded`);
    return r.error;
  };
  /** Everything a user could see change in the workspace: datasets, versions and stored files. */
  const snapshot = async () => ({
    list: JSON.stringify(await call('data:list', {})),
    files: readdirSync(get().workspace.paths.datasets).sort(),
    tmp: readdirSync(get().workspace.paths.tmp),
  });
  return { call, failure, snapshot };
}
