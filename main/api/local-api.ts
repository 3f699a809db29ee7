import type { InvokeResponse, LatheApi } from '../../shared/contract';
import type { EventBus } from './event-bus';
import { resultOf, type Dispatch } from './dispatch';

/** A LatheApi over an in-process dispatcher: what the CLI uses when it owns the workspace. */
export function createLocalApi(dispatch: Dispatch, bus: EventBus): LatheApi {
  return {
    async invoke(channel, input) {
      return resultOf((await dispatch(channel, input)) as InvokeResponse<never>);
    },
    on(event, listener) {
      return bus.subscribe((frame) => {
        if (frame.event === event) listener(frame.payload as Parameters<typeof listener>[0]);
      });
    },
  };
}
