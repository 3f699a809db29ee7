import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernel, moduleText, OUTPUT } from '../../../../main/train/kernel/build.mjs';

describe('the committed dense kernel', () => {
  it('is what main/train/kernel/assembly/dense.ts compiles to (run npm run build:kernel)', async () => {
    const bytes = await compileKernel();
    expect(readFileSync(OUTPUT, 'utf8')).toBe(moduleText(bytes));
  }, 60_000);
});
