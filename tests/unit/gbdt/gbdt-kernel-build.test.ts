import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, generatedText, KERNELS } from '../../../main/train/kernel/build.mjs';

describe('the committed GBDT kernel', () => {
  it('is what main/train/kernel/assembly/gbdt.ts compiles to (run npm run build:kernel)', async () => {
    const bytes = await compile('gbdt');
    expect(readFileSync(KERNELS.gbdt.output, 'utf8')).toBe(generatedText('gbdt', bytes));
  }, 60_000);
});
