// The renderer's bundle builds the contract's zod schemas when first used (shared/lazy-schema.ts, wrapped
// by Vite's plugin in main/cli/lazy-schema-plugin.mjs): a page builds few as it opens, and every stand-in
// of the bundle builds a zod schema (a wrapped expression that is none would throw, naming its line).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowserSession, type BrowserSession } from './pages/lathe-host';

let session: BrowserSession;

describe("the renderer's zod schemas", () => {
  beforeAll(async () => {
    session = await openBrowserSession({ prefix: 'lathe-e2e-lazy-' });
  });

  afterAll(async () => {
    await session?.close();
  });

  it('are built when first used, and every stand-in builds a schema', async () => {
    const { page, url } = session;
    await page.goto(`${url}#/data`);
    await page.getByTestId('nav-data').waitFor();
    const counts = () =>
      page.evaluate(() =>
        (
          globalThis as unknown as Record<
            symbol,
            (() => { made: number; built: number }) | undefined
          >
        )[Symbol.for('lathe.lazySchemaCounts')]?.(),
      );
    const opened = await counts();
    expect(opened?.made).toBeGreaterThan(300);
    expect(opened!.built).toBeLessThan(opened!.made / 4);
    const built = await page.evaluate(() =>
      (globalThis as unknown as Record<symbol, () => number>)[Symbol.for('lathe.lazySchemas')]!(),
    );
    expect(built).toBe(opened!.made);
    expect(await counts()).toEqual({ made: opened!.made, built: opened!.made });
  });
});
