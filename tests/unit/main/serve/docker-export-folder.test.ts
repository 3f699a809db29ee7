import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../../shared/contract';
import { exportDocker } from '../../../../main/serve/docker-export';
import { latheRejection } from '../../../helpers/errors';
import { tempDir } from '../../../helpers/workspace';

const t = tempDir('lathe-docker-folder-');
afterAll(() => t.remove());

describe('Docker export into a folder that is not empty', () => {
  it('refuses in words every face can show, naming the folder field, and writes nothing', async () => {
    const out = join(t.dir, 'context');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'x');
    let wrote = false;
    const err = await latheRejection(
      exportDocker({
        version: { model: 'penguin', version: 1 } as ModelVersion,
        out,
        writePackage: async () => {
          wrote = true;
        },
      }),
    );
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe(
      `the folder ${out} is not empty: choose a new or empty folder for the Docker context`,
    );
    expect(err.message).not.toMatch(/--/);
    expect(err.details).toEqual({ field: 'out', path: out });
    expect(wrote).toBe(false);
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });
});
