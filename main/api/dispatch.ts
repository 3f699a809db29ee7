import {
  LatheError,
  channels,
  describeIssues,
  isChannel,
  toErrorShape,
  type ChannelHandlers,
  type Channels,
  type InvokeResponse,
} from '../../shared/contract';
import type { z } from 'zod';

/** A service function per channel, taking the parsed input. */
export type Handlers = ChannelHandlers<Channels>;

/** Validates a raw call against the contract, runs it, and returns a wire-safe response. */
export type Dispatch = (channel: string, input: unknown) => Promise<InvokeResponse<unknown>>;

export interface DispatchOptions {
  /** Parse outputs too (tests and development); inputs are always parsed. */
  validateOutput?: boolean;
}

export function createDispatcher(handlers: Handlers, options: DispatchOptions = {}): Dispatch {
  return async (channel, input) => {
    try {
      return { ok: true, result: await invokeHandler(handlers, channel, input, options) };
    } catch (err) {
      return { ok: false, error: toErrorShape(err) };
    }
  };
}

/** The result of a response, or its error thrown again as a LatheError: the way back off the wire. */
export function resultOf<T>(response: InvokeResponse<T>): T {
  if (!response.ok) {
    throw new LatheError(
      response.error.code as LatheError['code'],
      response.error.message,
      response.error.details,
    );
  }
  return response.result;
}

/**
 * A field the channel does not take is refused, not dropped: a misspelt option (`allowSchemaChnage`)
 * would otherwise be ignored without a word. Top-level fields only; config objects inside are strict
 * schemas of their own. A field whose value is undefined (IPC keeps those) is not a field.
 */
function rejectUnknownFields(channel: string, schema: z.ZodType, input: unknown): void {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  if (!shape || input === null || typeof input !== 'object' || Array.isArray(input)) return;
  const unknown = Object.entries(input)
    .filter(([key, value]) => value !== undefined && !Object.hasOwn(shape, key))
    .map(([key]) => key);
  if (unknown.length === 0) return;
  const known = Object.keys(shape);
  throw new LatheError(
    'INVALID_INPUT',
    `${channel}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (${known.length ? `fields: ${known.join(', ')}` : 'it takes no fields'})`,
    { unknown },
  );
}

/** Validates `input` against the channel's contract and runs its handler; throws a LatheError. */
async function invokeHandler(
  handlers: Handlers,
  channel: string,
  input: unknown,
  options: DispatchOptions = {},
): Promise<unknown> {
  if (!isChannel(channel)) {
    throw new LatheError('UNKNOWN_CHANNEL', `unknown channel '${channel}'`);
  }
  const spec = channels[channel];
  // With the input in its issues, a refusal can name the value given (an unknown option, say).
  const parsed = spec.input.safeParse(input ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw new LatheError('INVALID_INPUT', describeIssues(parsed.error, channel));
  }
  rejectUnknownFields(channel, spec.input, input);
  const handler = handlers[channel] as (input: unknown) => Promise<unknown>;
  const output = await handler(parsed.data);
  if (!options.validateOutput) return output;
  const checked = spec.output.safeParse(output);
  if (!checked.success) {
    throw new LatheError(
      'INTERNAL',
      `output of ${channel} broke the contract: ${describeIssues(checked.error)}`,
    );
  }
  return checked.data;
}
