// What every command file shares: the command's shape, its context, the one way to open a session, and
// the flag getters. A leaf: it imports no command file, so the domain files and the registry import it
// without cycles.
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ZodError } from 'zod';
import {
  LatheError,
  describeIssues,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
} from '../../shared/contract';
import { startHost, type Host } from '../host/server';
import { packageRoot } from '../version';
import type { CommandSpec, ParsedArgs } from './args';
import { openSession, type Session } from './context';

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Resolves on Ctrl-C / SIGTERM. */
  interrupted: Promise<void>;
}

export interface Ctx {
  args: ParsedArgs;
  json: boolean;
  workspaceDir: string;
  io: Io;
  /** Prints the command's result: JSON on stdout with --json, else the human text. */
  result(value: unknown, human: () => string): void;
  /** Progress and notes for people: stderr, silent with --json. */
  say(message: string): void;
}

export interface Command extends CommandSpec {
  run(ctx: Ctx): Promise<number>;
}

/** A string flag's value, if given. */
export const str = (ctx: Ctx, name: string) => ctx.args.flags[name] as string | undefined;
/** A number flag's value, if given. */
export const num = (ctx: Ctx, name: string) => ctx.args.flags[name] as number | undefined;
/** Whether a boolean flag was given. */
export const bool = (ctx: Ctx, name: string) => ctx.args.flags[name] === true;
/** A repeatable string flag's values (none when absent). */
export const strs = (ctx: Ctx, name: string) =>
  (ctx.args.flags[name] as string[] | undefined) ?? [];

/**
 * The string flags that were given, each under its own name: absent ones are left out, not set to
 * undefined, as the contract's optional inputs want.
 */
export function givenStrs<K extends string>(ctx: Ctx, ...names: K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = str(ctx, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Runs `work` in a session on the command's workspace (see openSession) and closes it after. With
 * `requireOwner`, fails instead of going through another process's host.
 */
export async function withSession<T>(
  ctx: Ctx,
  work: (s: Session) => Promise<T>,
  requireOwner = false,
): Promise<T> {
  const open = (refusedHost?: string) =>
    openSession(ctx.workspaceDir, { requireOwner, say: (m) => ctx.say(m), refusedHost });
  let session = await open();
  try {
    // The owner's host refused the first call (it is closing: the app quitting, a long command that
    // finished): nothing was done, so the command starts again, waiting for the lock to be freed or
    // for a new owner's host. Short owning commands can follow each other: a few times, not once.
    for (let attempt = 1; ; attempt++) {
      try {
        return await work(session);
      } catch (err) {
        if (!refusedBeforeAnyAnswer(err) || attempt >= MAX_REFUSED) throw err;
        await session.close();
        ctx.say('the process that owns the workspace is closing; waiting for it');
        session = await open(err.details.hostUrl as string);
      }
    }
  } finally {
    await session.close();
  }
}

/** How many closing owners in a row a command starts again after (each refused it before any answer). */
const MAX_REFUSED = 20;

/** After a Ctrl-C, how long a standing command's host lets calls other processes sent finish. */
const INTERRUPTED_GRACE_MS = 10_000;

export interface StandingOptions {
  /** The command as people type it (`lathe train`), written into the lock. */
  command?: string;
  /** No note giving the host's URL. */
  quiet?: boolean;
  /**
   * Starts the host only once the command has run this long (ms; default 0, at once): for commands that
   * are often over in a second or two (an import, a batch prediction), which then start none. Others
   * wait for the lock that long at most (saying so), and go through the host once it is up. When the
   * command's own progress (`data:progress` with an ETA) then says it ends within NEARLY_DONE_MS, the
   * host waits that much longer, once: the few commands waiting meanwhile would wait about as long for
   * its start as for the lock.
   */
  hostAfterMs?: number;
  /** What counts as nearly done (see hostAfterMs); default NEARLY_DONE_MS. */
  nearlyDoneMs?: number;
}

/** See StandingOptions.hostAfterMs. */
export const NEARLY_DONE_MS = 1_000;

/**
 * How long an import or a batch prediction runs before it starts its host (StandingOptions.hostAfterMs).
 * A host costs a command about 0.12 s: its start, and the tenth of a second its close keeps listening
 * for commands that read its address just before (main/host/server.ts WITHDRAWN_QUIET_MS). That is why
 * one nearly done by then (NEARLY_DONE_MS) waits a little longer.
 */
export const SHORT_COMMAND_MS = 2_000;

/**
 * withSession for a command that owns the workspace for long (`lathe serve` until Ctrl-C, a training, a
 * batch prediction, a big import): when it owns the workspace it also runs a local host, as `lathe ui`
 * does, so other commands go through it rather than wait for a lock it holds for minutes or hours. The
 * lock names `command` (e.g. `lathe train`): it will finish, so the app and `lathe ui` wait for it.
 * `quiet` leaves out the note giving the host's URL (a command whose output people read for its result);
 * `hostAfterMs` starts the host only once the command has run that long.
 */
export function withStandingSession<T>(ctx: Ctx, work: (s: Session) => Promise<T>): Promise<T>;
export function withStandingSession<T>(
  ctx: Ctx,
  options: StandingOptions,
  work: (s: Session) => Promise<T>,
): Promise<T>;
export function withStandingSession<T>(
  ctx: Ctx,
  ...args: [(s: Session) => Promise<T>] | [StandingOptions, (s: Session) => Promise<T>]
): Promise<T> {
  const [
    { command = 'a lathe command', quiet = false, hostAfterMs = 0, nearlyDoneMs = NEARLY_DONE_MS },
    work,
  ] = args.length === 1 ? [{}, args[0]] : args;
  return withSession(ctx, async (session) => {
    const services = session.services;
    if (!services) return work(session);
    let host: Host | undefined;
    const serve = async () => {
      host = await startHost({
        services,
        port: 0,
        rendererDir: join(packageRoot(), 'out', 'renderer'),
      });
      services.advertiseHost(host.url, command);
      if (!quiet)
        ctx.say(`this process owns the workspace; other commands reach it at ${host.url}`);
    };
    let later: NodeJS.Timeout | undefined;
    let starting: Promise<void> | undefined;
    let offProgress: (() => void) | undefined;
    if (hostAfterMs <= 0) await serve();
    else {
      services.nameCommand(command);
      // When the command's latest ETA ends, as this process's clock reads it (its own progress: no
      // other process reaches this one before its host starts).
      let endsAt: number | undefined;
      offProgress = session.api.on('data:progress', (p) => {
        if (p.etaMs !== undefined) endsAt = performance.now() + p.etaMs;
      });
      const arm = (ms: number, postponed: boolean) => {
        later = setTimeout(() => {
          if (!postponed && endsAt !== undefined && endsAt - performance.now() < nearlyDoneMs) {
            arm(nearlyDoneMs, true);
            return;
          }
          // Started mid-way: one that cannot start leaves the others waiting for the lock, as before it.
          starting = serve().catch((err: unknown) =>
            ctx.say(`cannot start this process's host: ${(err as Error).message}`),
          );
        }, ms);
      };
      arm(hostAfterMs, false);
    }
    try {
      return await work(session);
    } finally {
      clearTimeout(later);
      offProgress?.();
      await starting;
      // Commands sent here meanwhile (a training may outlast this one) finish and are answered before
      // the workspace closes; after a Ctrl-C, within the host's usual grace.
      await host?.close({
        graceMs: Infinity,
        stopWaiting: ctx.io.interrupted.then(() =>
          delay(INTERRUPTED_GRACE_MS, undefined, { ref: false }),
        ),
      });
    }
  });
}

/** A call refused by an owner's host before it answered any call of the command. */
function refusedBeforeAnyAnswer(
  err: unknown,
): err is LatheError & { details: Record<string, unknown> } {
  return (
    err instanceof LatheError &&
    err.code === 'WORKSPACE_LOCKED' &&
    err.details?.notDelivered === true &&
    err.details.answered === 0
  );
}

/** Calls one channel in a session on the command's workspace: what most commands do. */
export function invoke<C extends ChannelName>(
  ctx: Ctx,
  channel: C,
  input: ChannelInput<C>,
): Promise<ChannelOutput<C>> {
  return withSession(ctx, (s) => s.api.invoke(channel, input));
}

/** Parses CLI input with a contract schema; its issues become an INVALID_INPUT naming `what`. */
export function parseOrThrow<T>(
  schema: {
    safeParse(
      v: unknown,
      params?: { reportInput?: boolean },
    ): { success: true; data: T } | { success: false; error: ZodError };
  },
  value: unknown,
  what: string,
): T {
  const r = schema.safeParse(value, { reportInput: true });
  if (!r.success) throw new LatheError('INVALID_INPUT', describeIssues(r.error, what));
  return r.data;
}
