import { LatheError, type InvokeResponse, type LatheApi } from '../../shared/contract';
import type { EventBus } from './event-bus';
import type { Dispatch } from './dispatch';

/** A LatheApi over an in-process dispatcher: what the CLI uses when it owns the workspace. */
export function createLocalApi(dispatch: Dispatch, bus: EventBus): LatheApi {
  return {
    async invoke(channel, input) {
      const response = (await dispatch(channel, input)) as InvokeResponse<never>;
      if (!response.ok) {
        throw new LatheError(
          response.error.code as LatheError['code'],
          response.error.message,
          response.error.details,
        );
      }
      return response.result;
    },
    on(event, listener) {
      return bus.subscribe((frame) => {
        if (frame.event === event) listener(frame.payload as Parameters<typeof listener>[0]);
      });
    },
  };
}
