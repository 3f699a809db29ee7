import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LineageGraph, Run } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { sha256File } from '../../main/workspace/artifacts';
import { lathe } from '../helpers/cli';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

let services: Services;
const t = tempDir('lathe-lineage-');
const W = join(t.dir, 'ws');
const { call, failure } = contractClient(() => services);
let run: Run;

const edge = (g: LineageGraph, from: string, to: string) =>
  g.edges.find((e) => e.from === from && e.to === to);

beforeAll(async () => {
  services = await createServices({ workspaceDir: W, validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  await call('data:import', {
    path: t.file(
      'islands.csv',
      'Island,ocean\nBiscoe,Southern\nDream,Southern\nTorgersen,Southern\n',
    ),
    name: 'islands',
  });
  await call('data:transform', {
    name: 'penguins_clean',
    from: ['penguins'],
    steps: [{ type: 'filter', where: '"Beak Length (mm)" IS NOT NULL AND Sex IS NOT NULL' }],
  });
  await call('data:transform', {
    name: 'penguins_ocean',
    from: ['penguins_clean', 'islands'],
    steps: [
      {
        type: 'sql',
        query:
          'SELECT penguins_clean.*, islands.ocean FROM penguins_clean JOIN islands USING (Island)',
      },
    ],
  });
  run = await call('train:run', {
    config: {
      dataset: 'penguins_ocean',
      target: 'Species',
      task: 'multiclass',
      model: { type: 'linear' },
      training: { epochs: 2, batchSize: 32 },
      seed: 1,
    },
  });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('lineage', () => {
  it('goes from a run back through version parents to the source files with their hashes', async () => {
    expect(run.status).toBe('finished');
    const g = await call('lineage:get', { id: run.id.slice(0, 8) });
    expect(g.focus).toBe(run.id);
    const versions = async (name: string) => (await call('data:versions', { name }))[0]!;
    const [penguins, islands, clean, ocean] = await Promise.all(
      ['penguins', 'islands', 'penguins_clean', 'penguins_ocean'].map(versions),
    );
    const fileHash = await sha256File(vega('penguins.json'));
    expect(penguins!.hash).toBe(fileHash);
    expect(g.nodes.map((n) => [n.kind, n.label]).sort()).toEqual(
      [
        ['file', vega('penguins.json')],
        ['file', islands!.source],
        ['version', 'penguins@1'],
        ['version', 'islands@1'],
        ['version', 'penguins_clean@1'],
        ['version', 'penguins_ocean@1'],
        ['run', run.name],
      ].sort(),
    );
    expect(g.nodes.find((n) => n.kind === 'file' && n.label === vega('penguins.json'))!.hash).toBe(
      fileHash,
    );
    expect(edge(g, `file:${fileHash}`, penguins!.id)?.label).toBe('import');
    expect(edge(g, penguins!.id, clean!.id)?.label).toMatch(/^filter\(/);
    expect(edge(g, clean!.id, ocean!.id)?.label).toMatch(/^sql\(/);
    expect(edge(g, islands!.id, ocean!.id)).toBeDefined();
    expect(edge(g, ocean!.id, run.id)?.label).toBe('train');
    expect(g.edges).toHaveLength(6);
  });

  it('around a dataset version: its sources, the versions made from it and their runs', async () => {
    const g = await call('lineage:get', { id: 'penguins_clean@1' });
    const clean = (await call('data:versions', { name: 'penguins_clean' }))[0]!;
    expect(g.focus).toBe(clean.id);
    expect(g.nodes.filter((n) => n.kind === 'run').map((n) => n.id)).toEqual([run.id]);
    expect(
      g.nodes
        .filter((n) => n.kind === 'version')
        .map((n) => n.label)
        .sort(),
    ).toEqual(['islands@1', 'penguins@1', 'penguins_clean@1', 'penguins_ocean@1']);
    const islandsOnly = await call('lineage:get', { id: 'islands' });
    expect(islandsOnly.nodes.map((n) => n.kind).sort()).toEqual(
      ['file', 'file', 'run', 'version', 'version', 'version', 'version'].sort(),
    );
  });

  it('names what it cannot find', async () => {
    expect(await failure('lineage:get', { id: 'zzzz' })).toMatchObject({
      code: 'NOT_FOUND',
      message: "no run or dataset named 'zzzz'",
    });
    expect((await failure('lineage:get', { id: 'penguins@7' })).message).toMatch(
      /dataset 'penguins' has no version '7'/,
    );
  });

  it('lathe lineage prints the tree, or the graph with --json', async () => {
    await services.close();
    try {
      const text = lathe(['lineage', run.id.slice(0, 10), '--workspace', W]);
      expect(text.code).toBe(0);
      const lines = text.stdout.trimEnd().split('\n');
      // Both source files are roots; their order follows their paths, which differ between machines.
      const roots = lines.filter((l) => l.startsWith('file '));
      expect(roots).toHaveLength(2);
      expect(roots.some((l) => /^file .*islands\.csv {2}sha256:[0-9a-f]{12}$/.test(l))).toBe(true);
      expect(roots.some((l) => /^file .*penguins\.json {2}sha256:[0-9a-f]{12}$/.test(l))).toBe(
        true,
      );
      expect(lines[0]).toBe([...roots].sort((a, b) => a.localeCompare(b))[0]);
      expect(text.stdout).toMatch(/└─ \[import\] penguins@1 {2}[0-9a-f]{12}/);
      expect(text.stdout).toMatch(/\[filter\(.*\)\] penguins_clean@1/);
      expect(text.stdout).toMatch(
        /\[train\] run [0-9a-f]{8} .* \[finished\] {2}config [0-9a-f]{12} {2}◀/,
      );
      const json = lathe(['lineage', 'penguins_ocean', '--workspace', W, '--json']);
      expect(json.code).toBe(0);
      expect((json.json as LineageGraph).nodes).toHaveLength(7);
      const missing = lathe(['lineage', 'nothing-here', '--workspace', W]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/no run or dataset named 'nothing-here'/);
    } finally {
      services = await createServices({ workspaceDir: W, validateOutput: true });
    }
  });
});
