// engine.interrupt stops the statements running at that moment (a cancelled evaluation's reading): each
// rejects with DuckDB's INTERRUPT error, whichever method runs it, and the engine runs the next statement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, lazyEngine, type Engine } from '../../../main/data/engine';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ threads: 2 });
});
afterAll(() => engine?.close());

/** A statement of minutes: ten billion rows summed. */
const LONG = 'SELECT sum(i % 7) AS s FROM range(10000000000) t(i)';

/** Interrupts `e` until `running` settles (a statement's connection exists only once it has started). */
async function interruptUntilSettled(e: Engine, running: Promise<unknown>): Promise<unknown> {
  let settled = false;
  const outcome = running.then(
    () => {
      settled = true;
      return new Error('the statement finished: it was not interrupted');
    },
    (err: unknown) => {
      settled = true;
      return err;
    },
  );
  for (let i = 0; i < 1_000_000 && !settled; i++) {
    e.interrupt();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return outcome;
}

describe('engine.interrupt', () => {
  it.each([
    ['all', (e: Engine) => e.all(LONG)],
    ['run', (e: Engine) => e.run(`CREATE TEMP TABLE t AS ${LONG}`)],
    ['matrix', (e: Engine) => e.matrix(LONG, 1)],
    ['columns', (e: Engine) => e.columns(LONG)],
  ])('stops a statement of %s, and the engine runs the next one', async (_, start) => {
    const err = await interruptUntilSettled(engine, start(engine));
    expect(String(err)).toMatch(/INTERRUPT/i);
    expect(await engine.all('SELECT 42 AS x')).toEqual([{ x: 42 }]);
  });

  it('reaches a lazily opened engine once it is open, and does nothing before', async () => {
    const lazy = lazyEngine(() => createEngine({ threads: 1 }));
    try {
      lazy.interrupt();
      expect(await lazy.all('SELECT 1 AS x')).toEqual([{ x: 1 }]);
      const err = await interruptUntilSettled(lazy, lazy.all(LONG));
      expect(String(err)).toMatch(/INTERRUPT/i);
    } finally {
      lazy.close();
    }
  });
});
