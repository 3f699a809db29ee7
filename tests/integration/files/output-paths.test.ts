// Where the CLI writes files the user names (runs artifact --out, models card --out, monitor drift --html):
// a bad name is a clear error naming it, an existing artifact file is kept unless --overwrite, nothing is
// written anywhere else, and the content-addressed store never resolves a path outside itself.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig } from '../../../shared/contract';
import { createServices } from '../../../main/services';
import { createArtifactStore } from '../../../main/workspace/artifacts';
import { artifactFileName } from '../../../main/cli/output-file';
import { lathe } from '../../helpers/cli';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-files-out-');
const W = join(t.dir, 'ws');
const CWD = join(t.dir, 'cwd');
const CONTENT = 'artifact bytes {"a":1}\n';
let runId = '';

beforeAll(async () => {
  mkdirSync(CWD);
  const services = await createServices({ workspaceDir: W });
  try {
    const { version } = await services.data.importFile({
      path: vega('penguins.json'),
      name: 'penguins',
      project: 'Default',
    });
    runId = await services.tracking.createRun({
      name: 'with-artifact',
      experiment: 'files',
      project: 'Default',
      config: TrainConfig.parse({
        dataset: 'penguins',
        target: 'Species',
        task: 'multiclass',
        model: { type: 'linear' },
      }),
      configHash: 'h',
      datasetVersionId: version.id,
      latheVersion: 'test',
      system: {},
    });
    const blob = services.workspace.artifacts.put(Buffer.from(CONTENT));
    await services.tracking.endRun(runId, {
      status: 'finished',
      artifacts: [{ path: 'model/report.json', ...blob }],
    });
  } finally {
    await services.close();
  }
});
afterAll(() => t.remove());

const cli = (args: string[], cwd = CWD) => lathe([...args, '--workspace', W, '--json'], {}, cwd);

/** The one-line error the CLI prints, with no stack trace. */
function refused(r: ReturnType<typeof cli>, pattern: RegExp): void {
  expect(r.code, r.stdout + r.stderr).not.toBe(0);
  const text = r.stdout + r.stderr;
  expect(text).toMatch(pattern);
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('lathe runs artifact', () => {
  it('saves under the artifact name in the current folder by default, and refuses to overwrite it', () => {
    const dir = join(t.dir, 'default');
    mkdirSync(dir);
    const first = cli(['runs', 'artifact', runId, 'model/report.json'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe(CONTENT);

    writeFileSync(join(dir, 'report.json'), 'my own edits');
    const again = cli(['runs', 'artifact', runId, 'model/report.json'], dir);
    refused(again, /report\.json.*already exists.*--overwrite/);
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('my own edits');

    const forced = cli(['runs', 'artifact', runId, 'model/report.json', '--overwrite'], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe(CONTENT);
    // Written through a temporary file and a rename: nothing else is left in the folder.
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('refuses an existing file given with --out, and writes over an empty one', () => {
    const out = join(t.dir, 'taken.json');
    writeFileSync(out, 'keep');
    refused(cli(['runs', 'artifact', runId, 'model/report.json', '--out', out]), /taken\.json/);
    expect(readFileSync(out, 'utf8')).toBe('keep');
    const empty = join(t.dir, 'empty.json');
    writeFileSync(empty, '');
    expect(cli(['runs', 'artifact', runId, 'model/report.json', '--out', empty]).code).toBe(0);
    expect(readFileSync(empty, 'utf8')).toBe(CONTENT);
  });

  it('refuses a folder, a missing folder and a NUL byte, naming the path', () => {
    refused(
      cli(['runs', 'artifact', runId, 'model/report.json', '--out', t.dir]),
      /is a folder; give a file name/,
    );
    refused(
      cli(['runs', 'artifact', runId, 'model/report.json', '--out', join(t.dir, 'nope', 'x.json')]),
      /folder .*nope does not exist/,
    );
    // A NUL cannot cross argv, so the check is exercised on the helper's own input below.
  });

  it('names the paths a run has when the artifact path is unknown or tries to climb out', () => {
    for (const path of [
      '../../etc/passwd',
      '/etc/passwd',
      'model\\..\\..\\x',
      'model/../report.json',
    ])
      refused(cli(['runs', 'artifact', runId, path]), /no artifact .*model\/report\.json/);
    expect(readdirSync(CWD)).toEqual([]);
  });
});

describe('artifactFileName', () => {
  it('keeps only the last segment, whichever separator, never . or ..', () => {
    expect(artifactFileName('model/model.json')).toBe('model.json');
    expect(artifactFileName('..\\..\\windows\\evil.dll')).toBe('evil.dll');
    expect(artifactFileName('../..')).toBe('artifact');
    expect(artifactFileName('a/.')).toBe('artifact');
    expect(artifactFileName('x/\0\n')).toBe('artifact');
    expect(artifactFileName('a/b\0c')).toBe('bc');
  });
});

describe('models card --out and monitor drift --html', () => {
  it('check the output path before any work: a folder or a missing folder is refused', () => {
    refused(cli(['models', 'card', 'nomodel@1', '--out', t.dir]), /is a folder/);
    refused(
      cli(['monitor', 'drift', 'nomodel@1', '--html', join(t.dir, 'missing', 'd.html')]),
      /--html .*missing.* does not exist/,
    );
  });
});

describe('checkOutputPath on input argv cannot carry', async () => {
  const { checkOutputPath } = await import('../../../main/cli/output-file');
  it('refuses a NUL byte and an empty name with INVALID_INPUT', () => {
    expect(() => checkOutputPath(`${t.dir}/a\0b`, { flag: '--out' })).toThrow(/NUL byte/);
    expect(() => checkOutputPath('  ', { flag: '--out' })).toThrow(/give a file name/);
  });

  it('follows a symlink the user named, but refuses to replace its non-empty target', () => {
    const target = join(t.dir, 'target.txt');
    writeFileSync(target, 'precious');
    const link = join(t.dir, 'link.txt');
    symlinkSync(target, link);
    expect(() => checkOutputPath(link, { flag: '--out', refuseExisting: true })).toThrow(
      /already exists/,
    );
  });
});

describe('the artifact store resolves only sha256 names', () => {
  it('refuses a path-like name instead of reading or deleting outside the store', () => {
    const root = join(t.dir, 'store');
    const store = createArtifactStore(join(root, 'artifacts'), join(root, 'tmp'));
    mkdirSync(root);
    const outside = join(root, 'secret.txt');
    writeFileSync(outside, 'outside');
    for (const bad of [
      '../../secret.txt',
      '..',
      '/etc/passwd',
      'AB'.repeat(32),
      `${'a'.repeat(63)}\0`,
    ]) {
      expect(() => store.pathOf(bad), bad).toThrow(/not a sha256/);
      expect(store.has(bad)).toBe(false);
      expect(store.remove(bad)).toBe(0);
    }
    expect(existsSync(outside)).toBe(true);
    const blob = store.put(Buffer.from('x'));
    expect(store.has(blob.sha256)).toBe(true);
  });
});
