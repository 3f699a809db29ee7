// A batch prediction killed with SIGKILL never leaves a partial file at its output path (it writes a
// scratch file and renames it), but its scratch files (partial output, scored rows, DuckDB's spill folder)
// stayed beside the output for good. The next job writing that output removes those of dead processes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { contractClient, importPenguins, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-batch-leftovers-');
const ws = join(t.dir, 'ws');
const out = join(t.dir, 'out');
let services: Services | undefined;
const { call } = contractClient(() => services!);
const input = join(t.dir, 'penguins.json');

beforeAll(async () => {
  mkdirSync(out);
  writeFileSync(input, readFileSync(vega('penguins.json')));
  services = await createServices({ workspaceDir: ws });
  await importPenguins(services);
  const run = await call('train:run', {
    config: penguinsConfig({
      model: { type: 'mlp', hidden: [8] },
      training: { epochs: 2, batchSize: 32, validationFraction: 0.25 },
    }),
  });
  await call('models:register', { runId: run.id, name: 'species' });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('scratch files of a killed batch prediction', () => {
  it('are removed by the next job writing the same output; a live job and other files are kept', async () => {
    // A process that has ended: its pid names no live process.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const live = process.pid;
    const left = [
      `.pred.csv.lathe-${dead}-0123abcd.csv.tmp`,
      `.pred.csv.lathe-${dead}-0123abcd.out.csv.tmp`,
      `.pred.csv.lathe-${dead}-0123abcd.spill`,
    ];
    const kept = [
      `.pred.csv.lathe-${live}-89abcdef.csv.tmp`,
      `.other.csv.lathe-${dead}-0123abcd.csv.tmp`,
      '.pred.csv.notes',
    ];
    for (const name of [...left, ...kept])
      if (!name.endsWith('.spill')) writeFileSync(join(out, name), 'partial');
    mkdirSync(join(out, left[2]!));
    writeFileSync(join(out, left[2]!, 'duckdb_temp_block'), 'x');

    const r = await call('predict:batch', {
      model: 'species@1',
      input,
      output: join(out, 'pred.csv'),
    });
    expect(r.rows).toBeGreaterThan(300);
    expect(readdirSync(out).sort()).toEqual([...kept, 'pred.csv'].sort());
  });
});
