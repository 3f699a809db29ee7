import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Run, TuneOut } from '../../shared/contract';
import { lathe } from '../helpers/cli';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-cli-tune-');
const W = join(t.dir, 'ws');
const repo = join(t.dir, 'repo');
const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Lathe Test',
      GIT_AUTHOR_EMAIL: 'test@lathe.invalid',
      GIT_COMMITTER_NAME: 'Lathe Test',
      GIT_COMMITTER_EMAIL: 'test@lathe.invalid',
    },
  }).trim();

const base = `dataset: penguins\ntarget: Species\ntask: multiclass\nmodel:\n  type: linear\ntraining:\n  epochs: 3\n  batchSize: 32\n  learningRate: 0.05\nseed: 2\n`;

beforeAll(() => {
  expect(
    lathe(['data', 'import', vega('penguins.json'), '--name', 'penguins', '--workspace', W]).code,
  ).toBe(0);
  mkdirSync(repo);
  git('init', '-q');
});
afterAll(() => t.remove());

describe('lathe tune and cross-validation from the CLI', () => {
  it('tune prints a live table of trials and the best; --json gives the parent and its report', () => {
    const file = t.file(
      'tune.yaml',
      `${base}search:\n  strategy: random\n  trials: 3\n  metric: val_accuracy\n  space:\n    training.learningRate: {type: loguniform, low: 0.0001, high: 0.3}\n    model.l2: {type: choice, values: [0, 0.01]}\n`,
    );
    const text = lathe(['tune', '--config', file, '--parallel', '2', '--workspace', W]);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(
      /trial\s+run\s+status\s+val_accuracy\s+best\s+training\.learningRate\s+model\.l2/,
    );
    expect(text.stderr.match(/^\d\/3\s+[0-9a-f]{8}\s+(finished|pruned)/gm)).toHaveLength(3);
    expect(text.stdout).toMatch(/3 trials: 3 finished, 0 pruned, 0 failed/);
    expect(text.stdout).toMatch(
      /Best: trial \d \(run [0-9a-f]{8}\) val_accuracy [\d.]+\n {2}training\.learningRate = /,
    );

    const json = lathe([
      'tune',
      '--config',
      file,
      '--trials',
      '2',
      '--strategy',
      'grid',
      '--workspace',
      W,
      '--json',
    ]);
    expect(json.code).toBe(0);
    expect(json.stderr).not.toMatch(/trial\s+run/);
    const out = TuneOut.parse(json.json);
    expect(out.run.kind).toBe('tune');
    expect(out.run.params['search.strategy']).toBe('grid');
    expect(out.report!.children).toHaveLength(2);
    expect(out.run.metrics.val_accuracy).toBe(out.report!.best!.value);
  });

  it('tune names what is wrong with the config, and train points a search config to tune', () => {
    const plain = t.file('plain.yaml', base);
    const none = lathe(['tune', '--config', plain, '--workspace', W]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/plain\.yaml: search: the config has no search space/);
    const bad = t.file(
      'bad.yaml',
      `${base}search:\n  space:\n    training.learningRate: {type: loguniform, low: -1, high: 1}\n`,
    );
    const badOut = lathe(['tune', '--config', bad, '--workspace', W]);
    expect(badOut.code).toBe(1);
    expect(badOut.stderr).toMatch(/bad\.yaml.*search\.space\.training\.learningRate\.low/);
    const strategy = lathe(['tune', '--config', bad, '--strategy', 'bayes', '--workspace', W]);
    expect(strategy.code).toBe(1);
    expect(strategy.stderr).toMatch(/search\.strategy/);
    const search = t.file(
      'search.yaml',
      `${base}search:\n  space:\n    training.learningRate: {type: loguniform, low: 0.001, high: 0.1}\n`,
    );
    // A bad value given by a flag is blamed on the flag, not on the file that holds another.
    const zero = lathe(['tune', '--config', search, '--trials', '0', '--workspace', W]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/search\.trials.*\(given on the command line: --trials 0\)/);
    const train = lathe(['train', '--config', search, '--workspace', W]);
    expect(train.code).toBe(1);
    expect(train.stderr).toMatch(/run it with lathe tune --config/);
  });

  it('train with crossValidation prints each fold and mean ± std, and records the git commit of the config', () => {
    const file = join(repo, 'cv.yaml');
    writeFileSync(file, `${base}crossValidation:\n  folds: 3\n`);
    git('add', 'cv.yaml');
    git('commit', '-q', '-m', 'cv config');
    const head = git('rev-parse', 'HEAD');
    const text = lathe(['train', '--config', file, '--workspace', W]);
    expect(text.code).toBe(0);
    expect(text.stderr.match(/^\d\/3\s+[0-9a-f]{8}\s+finished/gm)).toHaveLength(3);
    expect(text.stdout).toMatch(
      /3 folds \(mean ± std\):\n(.*\n)* {2}val_accuracy\s+[\d.]+ ± [\d.]+/,
    );
    const id = /Cross-validation ([0-9a-f]+)/.exec(text.stdout)![1]!;
    const show = Run.parse(lathe(['runs', 'show', id, '--workspace', W, '--json']).json);
    expect(show.lineage.gitCommit).toBe(head);

    // A changed tracked file marks the commit dirty; a config outside any repository records none.
    writeFileSync(file, `${base}crossValidation:\n  folds: 2\n`);
    const dirty = Run.parse(lathe(['train', '--config', file, '--workspace', W, '--json']).json);
    expect(dirty.lineage.gitCommit).toBe(`${head}+dirty`);
    expect(dirty.kind).toBe('cv');
    const outside = Run.parse(
      lathe(['train', '--config', t.file('out.yaml', base), '--workspace', W, '--json']).json,
    );
    expect(outside.lineage.gitCommit ?? null).toBeNull();
  });
});
