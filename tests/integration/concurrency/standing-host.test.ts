// A long command's host (withStandingSession): at once by default (a training, `lathe serve`); with
// hostAfterMs (an import, a batch prediction), only once the command has run that long, so one over sooner
// starts none and pays neither its start nor the tenth of a second its close keeps listening. Meanwhile the
// lock names the command, and a command started beside it waits, saying for which; then goes through the
// host once it is up.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParsedArgs } from '../../../main/cli/args';
import { NEARLY_DONE_MS, withStandingSession, type Ctx } from '../../../main/cli/command';
import { readLock } from '../../../main/workspace/lock';
import { latheAsync } from '../../helpers/cli';
import { waitFor } from '../../helpers/wait';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-standing-host-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  t.remove();
});

const W = join(t.dir, 'ws');
const lockFile = join(W, 'lathe.lock');

function context(notes: string[]): Ctx {
  return {
    args: { positionals: [], flags: {} } satisfies ParsedArgs,
    json: false,
    workspaceDir: W,
    io: { stdout: process.stdout, stderr: process.stderr, interrupted: new Promise(() => {}) },
    result: () => undefined,
    say: (m) => notes.push(m),
  };
}

/**
 * Runs a standing command (hostAfterMs) whose own progress gives `etaMs` at once: how long after that its
 * host was up (in the lock), and the notes it said.
 */
async function hostUpAfter(hostAfterMs: number, nearlyDoneMs: number, etaMs: number) {
  const notes: string[] = [];
  const ms = await withStandingSession(
    context(notes),
    { command: 'lathe predict', hostAfterMs, nearlyDoneMs },
    async ({ services }) => {
      const started = performance.now();
      services!.bus.emit('data:progress', {
        op: 'predict',
        name: 'out.csv',
        fraction: 0.5,
        message: 'rows',
        etaMs,
      });
      await waitFor(() => readLock(lockFile)?.hostUrl !== undefined, { what: 'the host' });
      return performance.now() - started;
    },
  );
  expect(readLock(lockFile)).toBeNull();
  return { ms, notes };
}

describe('a standing command with hostAfterMs', () => {
  it('over before hostAfterMs: it starts no host; the lock names the command, not an address', async () => {
    const notes: string[] = [];
    const seen = await withStandingSession(
      context(notes),
      { command: 'lathe data import', hostAfterMs: 60_000 },
      async ({ services }) => {
        expect(await services!.dispatch('app:info', {})).toMatchObject({ ok: true });
        return readLock(lockFile);
      },
    );
    expect(seen).toMatchObject({ pid: process.pid, command: 'lathe data import' });
    expect(seen?.hostUrl).toBeUndefined();
    expect(notes).toEqual([]);
    // Released at the end.
    expect(readLock(lockFile)).toBeNull();
  });

  it('a command beside it waits naming it; once it has run hostAfterMs its host is up and the command goes through it', async () => {
    const notes: string[] = [];
    await withStandingSession(
      context(notes),
      // Long enough for the command beside it to start and read the lock well before, even on a loaded
      // machine (a CLI process starts in a fraction of a second).
      { command: 'lathe predict', hostAfterMs: 5_000 },
      async () => {
        // Started at once: the lock names no host yet, so it waits for it.
        const beside = latheAsync(['data', 'list', '--workspace', W], { children });
        await waitFor(() => readLock(lockFile)?.hostUrl !== undefined, { what: 'the host' });
        const url = readLock(lockFile)!.hostUrl!;
        const r = await beside;
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(
          new RegExp(`workspace is in use by process ${process.pid} \\(lathe predict\\); waiting`),
        );
        expect(r.stderr).toContain(`sending the command to it at ${url}`);
        expect(notes).toEqual([
          `this process owns the workspace; other commands reach it at ${url}`,
        ]);
      },
    );
    expect(readLock(lockFile)).toBeNull();
  });

  it('one whose own progress says it is nearly done (NEARLY_DONE_MS by default) starts its host that much later, once', async () => {
    expect(NEARLY_DONE_MS).toBe(1_000);
    // Ends in 0.1 s by its ETA, and still runs 0.3 s later: the host starts then.
    const { ms, notes } = await hostUpAfter(50, 300, 100);
    // Timers never fire early: a host started at hostAfterMs would have been up before this.
    expect(ms).toBeGreaterThanOrEqual(50 + 300);
    expect(notes).toHaveLength(1);
  });

  it('one whose ETA is further off starts its host at hostAfterMs', async () => {
    // Postponed, it would start only after ten minutes: waitFor would time out.
    const { ms } = await hostUpAfter(50, 600_000, 6_000_000);
    expect(ms).toBeGreaterThanOrEqual(50);
  });
});
