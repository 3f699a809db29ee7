import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../../../..');
const { sourceOf } = createRequire(__filename)(resolve(root, 'main/cli/code-cache.cjs')) as {
  sourceOf: (bytes: Buffer) => string;
};

describe('sourceOf', () => {
  it('reads ASCII as Latin-1 and anything else as UTF-8: the same text either way', () => {
    expect(sourceOf(Buffer.from('const a = "x";\n'))).toBe('const a = "x";\n');
    expect(sourceOf(Buffer.from('// p25 − 1.5·IQR, ±Infinity, 🙂\n'))).toBe(
      '// p25 − 1.5·IQR, ±Infinity, 🙂\n',
    );
  });

  it('gets an ASCII runtime bundle from the build (the tests global setup builds it)', () => {
    expect(isAscii(readFileSync(resolve(root, 'out/main/cli-run.cjs')))).toBe(true);
  });

  it("gets the build's code cache of the runtime accepted by V8, holding more than its first compile", () => {
    const file = resolve(root, 'out/main/cli-run.cjs');
    const source = (Module as unknown as { wrap(s: string): string }).wrap(
      sourceOf(readFileSync(file)),
    );
    const cachedData = readFileSync(`${file}.v8cache`);
    expect(new Script(source, { filename: file, cachedData }).cachedDataRejected).toBe(false);
    // The build loads every command file and runs read-only commands before it writes the cache.
    expect(cachedData.length).toBeGreaterThan(
      new Script(source, { filename: file }).createCachedData().length * 2,
    );
  });
});
