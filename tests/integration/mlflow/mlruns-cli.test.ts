// The real `lathe` executable: import mlruns (text and --json; a second run adds nothing; a corrupt file is
// named on stderr with a non-zero exit and no stack), then the imported runs through `lathe runs list`,
// and `lathe export mlflow-model` refusing a non-empty folder.
import { appendFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lathe } from '../../helpers/cli';
import { tempDir } from '../../helpers/workspace';
// @ts-expect-error -- a plain .mjs generator, also run from the command line
import { makeMlruns } from '../../fixtures/mlflow/mlruns-make.mjs';

const make = makeMlruns as (root: string) => {
  root: string;
  experiments: { name: string; runs: { runId: string; name: string; dir: string }[] }[];
  models: { name: string }[];
};

const t = tempDir('lathe-mlruns-cli-');
const W = join(t.dir, 'ws');
afterAll(() => t.remove());

interface ImportJson {
  runs: { added: number; updated: number; unchanged: number };
  added: Record<string, number>;
  experiments: { name: string; created: boolean }[];
}

describe('lathe import mlruns', () => {
  const tree = make(join(t.dir, 'mlruns'));
  const runs = tree.experiments.flatMap((e) => e.runs);

  it('imports, says what it did, and a second run adds nothing', () => {
    const first = lathe(['import', 'mlruns', tree.root, '--workspace', W, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const out = first.json as ImportJson;
    expect(out.runs).toEqual({ added: runs.length, updated: 0, unchanged: 0 });
    expect(out.experiments.map((e) => e.name).sort()).toEqual(['Default', 'churn', 'old']);
    // churn-model's three live versions (one was deleted in MLflow) and fox-external's one.
    expect(out.added).toMatchObject({ models: 2, versions: 4, aliases: 2 });

    const second = lathe(['import', 'mlruns', tree.root, '--workspace', W]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`0 new run(s), 0 updated, ${runs.length} unchanged`);
    expect(second.stdout).toContain('0 metric points, 0 params, 0 tags, 0 artifacts');
    expect(second.stdout).not.toContain('registered model(s)');
    expect(second.stdout).toContain('warning: churn-model version 3 was deleted in MLflow');

    const list = lathe(['runs', 'list', '--workspace', W, '--json']);
    expect(list.code, list.stderr).toBe(0);
    const ids = (list.json as { id: string }[]).map((r) => r.id);
    // Deleted runs (and the deleted experiment's) are hidden from the list; the rest are there by MLflow id.
    for (const r of runs.filter((x) => !['deleted-fox', 'ancient'].includes(x.name)))
      expect(ids, r.name).toContain(r.runId);
    const models = lathe(['models', 'list', '--workspace', W, '--json']);
    expect(models.code, models.stderr).toBe(0);
    expect(
      (models.json as { name: string; versionCount: number }[])
        .map((m) => [m.name, m.versionCount])
        .sort(),
    ).toEqual([
      ['churn-model', 3],
      ['fox-external', 1],
    ]);
  });

  it('a corrupt model version meta.yaml: named with its line, nothing imported', () => {
    const bad = make(join(t.dir, 'bad-model'));
    const file = join(bad.root, 'models', 'churn-model', 'version-2', 'meta.yaml');
    const text = readFileSync(file, 'utf8').replace(
      /^creation_timestamp: .*$/m,
      'creation_timestamp: soon',
    );
    writeFileSync(file, text);
    // A workspace of its own: the other tests' runs and models have the same MLflow ids and names.
    const fresh = join(t.dir, 'ws-bad-model');
    const r = lathe(['import', 'mlruns', bad.root, '--workspace', fresh]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `${file}:${text.split('\n').indexOf('creation_timestamp: soon') + 1}: the field creation_timestamp`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(lathe(['models', 'list', '--workspace', fresh, '--json']).json).toEqual([]);
    expect(lathe(['runs', 'list', '--workspace', fresh, '--json']).json).toEqual([]);
  });

  it('a corrupt metric file: non-zero exit naming the file and line, no stack, nothing imported', () => {
    const bad = make(join(t.dir, 'bad'));
    const run = bad.experiments[1]!.runs[0]!;
    const file = join(run.dir, 'metrics', 'loss');
    appendFileSync(file, 'not a metric line\n');
    const before = lathe(['runs', 'list', '--workspace', W, '--json']);
    const r = lathe(['import', 'mlruns', bad.root, '--workspace', W]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${file}:6`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const after = lathe(['runs', 'list', '--workspace', W, '--json']);
    expect(after.stdout).toBe(before.stdout);
  });

  it('lathe export mlflow-model refuses a non-empty folder and an unknown version', () => {
    const busy = join(t.dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'keep.txt'), 'mine');
    const r = lathe(['export', 'mlflow-model', 'nope@1', '--out', busy, '--workspace', W]);
    expect(r.code).not.toBe(0);
    expect(readdirSync(busy)).toEqual(['keep.txt']);
    const missing = lathe([
      'export',
      'mlflow-model',
      'nope@1',
      '--out',
      join(t.dir, 'fresh'),
      '--workspace',
      W,
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('nope');
    expect(readdirSync(t.dir)).not.toContain('fresh');
  });
});
