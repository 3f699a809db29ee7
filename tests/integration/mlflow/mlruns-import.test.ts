// `lathe import mlruns`: a generated MLflow file-store folder (tests/fixtures/mlflow/mlruns-make.mjs, in
// file_store.py's layout) becomes experiments and runs of kind 'mlflow' equal to its files; a second import
// writes nothing; new points in the folder are added on the next import; a bad file is named (with its
// line) and leaves the workspace as it was. Registered models go through MLflow's registry channels and are
// what models:list / models:get show.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventFrame, ModelDetail, Model } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { resultOf } from '../../../main/api/dispatch';
import { importMlruns, type MlrunsImportDeps } from '../../../main/mlflow/mlruns-import';
import { readMetricFile } from '../../../main/mlflow/mlruns-reader';
import { createProjectStore } from '../../../main/workspace/projects';
import { tempDir } from '../../helpers/workspace';
// @ts-expect-error -- a plain .mjs generator, also run from the command line
import { makeMlruns } from '../../fixtures/mlflow/mlruns-make.mjs';

interface Point {
  timestamp: number;
  value: number;
  step: number;
}
interface GenRun {
  runId: string;
  name: string;
  status: string;
  deleted: boolean;
  startTime: number;
  endTime: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, Point[]>;
  artifacts: Record<string, string | Buffer>;
  dir: string;
}
interface GenModel {
  name: string;
  description: string;
  tags: Record<string, string>;
  aliases: Record<string, number>;
  versions: {
    version: number;
    runId: string | null;
    source: string;
    stage: string;
    description: string;
    tags: Record<string, string>;
    deleted: boolean;
  }[];
}
interface GenTree {
  root: string;
  models: GenModel[];
  experiments: {
    id: string;
    name: string;
    deleted: boolean;
    tags: Record<string, string>;
    dir: string;
    runs: GenRun[];
  }[];
}
const make = makeMlruns as (root: string, opts?: { extraPoints?: number }) => GenTree;

const t = tempDir('lathe-mlruns-');
let n = 0;
let services: Services;
let deps: MlrunsImportDeps;
let tree: GenTree;
const frames: EventFrame[] = [];

beforeEach(async () => {
  n++;
  services = await createServices({ workspaceDir: join(t.dir, `ws${n}`) });
  const db = services.workspace.db;
  deps = {
    db,
    artifacts: services.workspace.artifacts,
    projects: createProjectStore(db),
    tmpDir: services.workspace.paths.tmp,
    latheVersion: 'test',
    bus: services.bus,
    registryCall: async (channel, input) => resultOf(await services.dispatch(channel, input)),
  };
  frames.length = 0;
  services.bus.subscribe((f) => frames.push(f));
  tree = make(join(t.dir, `mlruns${n}`));
});
afterEach(async () => {
  await services.close();
});
afterAll(() => t.remove());

const num = (v: unknown) => Number(v);
const key = (p: { step: number; timestamp: number; value: number }) =>
  `${p.step} ${p.timestamp} ${String(p.value)}`;

/** Every row an import writes, for before/after comparisons. */
async function snapshot(s: Services) {
  const db = s.workspace.db;
  const q = async (sql: string) =>
    JSON.stringify(await db.all(sql), (_k, v: unknown) =>
      typeof v === 'bigint'
        ? Number(v)
        : typeof v === 'number' && !Number.isFinite(v)
          ? String(v)
          : v,
    );
  return {
    experiments: await q('SELECT id, name, deleted_at FROM experiments ORDER BY id'),
    experimentTags: await q('SELECT * FROM experiment_tags ORDER BY ALL'),
    runs: await q(
      'SELECT id, experiment_id, name, status, kind, started_at, ended_at, deleted_at FROM runs ORDER BY id',
    ),
    params: await q('SELECT * FROM params ORDER BY ALL'),
    tags: await q('SELECT * FROM tags ORDER BY ALL'),
    metrics: await q('SELECT run_id, key, step, ts, value::VARCHAR AS v FROM metrics ORDER BY ALL'),
    latest: await q(
      'SELECT run_id, key, step, ts, value::VARCHAR AS v FROM latest_metrics ORDER BY ALL',
    ),
    artifacts: await q('SELECT run_id, path, sha256, size_bytes FROM artifacts ORDER BY ALL'),
    models: await q('SELECT name, description FROM models ORDER BY name'),
    modelTags: await q(
      'SELECT m.name, t.key, t.value FROM model_tags t JOIN models m ON m.id = t.model_id ORDER BY ALL',
    ),
    versions: await q(
      `SELECT m.name, v.version, v.stage, v.source_uri, v.source_run_id, v.description FROM model_versions v
       JOIN models m ON m.id = v.model_id ORDER BY ALL`,
    ),
    versionTags: await q(
      `SELECT m.name, v.version, t.key, t.value FROM model_version_tags t JOIN model_versions v ON v.id = t.version_id
       JOIN models m ON m.id = v.model_id ORDER BY ALL`,
    ),
    aliases: await q(
      'SELECT m.name, a.alias, a.version FROM model_aliases a JOIN models m ON m.id = a.model_id ORDER BY ALL',
    ),
    blobs: s.workspace.artifacts
      .list()
      .map((b) => b.sha256)
      .sort(),
  };
}

describe('import mlruns', () => {
  it('imports experiments, runs, params, metric histories, tags and artifacts equal to the files', async () => {
    const out = await importMlruns(deps, { dir: tree.root });
    const db = services.workspace.db;
    const allRuns = tree.experiments.flatMap((e) => e.runs);
    expect(out.runs).toEqual({ added: allRuns.length, updated: 0, unchanged: 0 });
    expect(out.renamed).toEqual({});

    // Experiments: by name in the Default project; the one in .trash is deleted.
    for (const e of tree.experiments) {
      const row = await db.one<{ id: string; deleted: boolean }>(
        `SELECT e.id, e.deleted_at IS NOT NULL AS deleted FROM experiments e JOIN projects p ON p.id = e.project_id
         WHERE p.name = 'Default' AND e.name = ?`,
        [e.name],
      );
      expect(row, e.name).toBeDefined();
      expect(row!.deleted).toBe(e.deleted);
      const tags = await db.all<{ key: string; value: string }>(
        'SELECT key, value FROM experiment_tags WHERE experiment_id = ?',
        [row!.id],
      );
      expect(Object.fromEntries(tags.map((r) => [r.key, r.value]))).toEqual(e.tags);
      const runs = await db.all<{ id: string }>(
        'SELECT id FROM runs WHERE experiment_id = ? ORDER BY id',
        [row!.id],
      );
      expect(runs.map((r) => r.id)).toEqual(e.runs.map((r) => r.runId).sort());
    }

    const statusOf = {
      FINISHED: 'finished',
      FAILED: 'failed',
      RUNNING: 'running',
      KILLED: 'cancelled',
    };
    for (const r of allRuns) {
      const row = await db.one<Record<string, unknown>>(
        `SELECT name, status, kind, epoch_ms(started_at) AS s, epoch_ms(ended_at) AS e, deleted_at IS NOT NULL AS deleted,
           user_id, task, dataset_version_id FROM runs WHERE id = ?`,
        [r.runId],
      );
      expect(row, r.name).toBeDefined();
      expect(row!.name).toBe(r.name);
      expect(row!.kind).toBe('mlflow');
      expect(row!.task).toBeNull();
      expect(row!.dataset_version_id).toBeNull();
      expect(row!.user_id).toBe('alice');
      expect(num(row!.s)).toBe(r.startTime);
      expect(row!.e === null ? null : num(row!.e)).toBe(r.endTime);
      expect(row!.deleted).toBe(r.deleted);
      // A run left running may have been marked interrupted when the services opened; here it was not reopened.
      expect(row!.status).toBe(statusOf[r.status as keyof typeof statusOf]);

      const params = await db.all<{ key: string; value: string }>(
        'SELECT key, value FROM params WHERE run_id = ?',
        [r.runId],
      );
      expect(Object.fromEntries(params.map((p) => [p.key, p.value]))).toEqual(r.params);
      const tags = await db.all<{ key: string; value: string }>(
        'SELECT key, value FROM tags WHERE run_id = ?',
        [r.runId],
      );
      expect(Object.fromEntries(tags.map((p) => [p.key, p.value]))).toEqual(r.tags);

      for (const [k, points] of Object.entries(r.metrics)) {
        const rows = await db.all<{ step: number; ts: number; value: number }>(
          'SELECT step, ts, value FROM metrics WHERE run_id = ? AND key = ?',
          [r.runId, k],
        );
        expect(
          rows
            .map((p) => key({ step: num(p.step), timestamp: num(p.ts), value: num(p.value) }))
            .sort(),
          `${r.name} ${k}`,
        ).toEqual(points.map(key).sort());
        // The reader agrees with the generator on the file itself.
        expect(readMetricFile(join(r.dir, 'metrics', ...k.split('/'))).map(key)).toEqual(
          points.map(key),
        );
        const latest = await db.one<{ step: number; value: number }>(
          'SELECT step, value FROM latest_metrics WHERE run_id = ? AND key = ?',
          [r.runId, k],
        );
        const top = [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp).pop()!;
        expect(num(latest!.step)).toBe(top.step);
        expect(Object.is(num(latest!.value), top.value) || num(latest!.value) === top.value).toBe(
          true,
        );
      }
      const metricKeys = await db.all<{ key: string }>(
        'SELECT DISTINCT key FROM metrics WHERE run_id = ?',
        [r.runId],
      );
      expect(metricKeys.map((m) => m.key).sort()).toEqual(Object.keys(r.metrics).sort());

      const arts = await db.all<{ path: string; sha256: string; size_bytes: number }>(
        'SELECT path, sha256, size_bytes FROM artifacts WHERE run_id = ? ORDER BY path',
        [r.runId],
      );
      expect(arts.map((a) => a.path)).toEqual(Object.keys(r.artifacts).sort());
      for (const a of arts) {
        const bytes = Buffer.from(r.artifacts[a.path]!);
        expect(a.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
        expect(num(a.size_bytes)).toBe(bytes.length);
        expect((await services.workspace.artifacts.read(a.sha256)).equals(bytes)).toBe(true);
        // The user's folder keeps its files.
        expect(readFileSync(join(r.dir, 'artifacts', ...a.path.split('/'))).equals(bytes)).toBe(
          true,
        );
      }
    }
    // NaN and the infinities arrive as themselves.
    const special = await db.all<{ v: string }>(
      `SELECT value::VARCHAR AS v FROM metrics WHERE run_id = ? AND key = 'val/loss' ORDER BY step`,
      [allRuns.find((r) => r.name === 'brave-fox')!.runId],
    );
    expect(special.map((s) => s.v)).toEqual(['nan', 'inf', '-inf', '0.25']);

    expect(out.added.metricPoints).toBe(
      allRuns.reduce((s, r) => s + Object.values(r.metrics).reduce((m, p) => m + p.length, 0), 0),
    );
    // Progress went from 0 to 1 under op mlruns.
    const progress = frames
      .filter((f) => f.event === 'data:progress')
      .map((f) => f.payload as { op: string; fraction: number });
    expect(progress.every((p) => p.op === 'mlruns')).toBe(true);
    expect(progress[0]!.fraction).toBe(0);
    expect(progress.at(-1)!.fraction).toBe(1);
  });

  it('a second import of the same folder adds nothing; new points, tags and an ended run are added next time', async () => {
    await importMlruns(deps, { dir: tree.root });
    const before = await snapshot(services);
    const again = await importMlruns(deps, { dir: tree.root });
    expect(again.runs.added).toBe(0);
    expect(again.runs.updated).toBe(0);
    expect(Object.values(again.added).every((v) => v === 0)).toBe(true);
    expect(await snapshot(services)).toEqual(before);

    // The folder changes: two more loss points, a changed tag, a new artifact, the running run ends.
    const fox = tree.experiments[1]!.runs.find((r) => r.name === 'brave-fox')!;
    appendFileSync(
      join(fox.dir, 'metrics', 'loss'),
      '1700000009000 0.05 5\n1700000009001 0.04 6\n',
    );
    writeFileSync(join(fox.dir, 'tags', 'stage'), 'prod');
    writeFileSync(join(fox.dir, 'artifacts', 'plots', 'pr.json'), '{"ap": 0.8}\n');
    const running = tree.experiments[1]!.runs.find((r) => r.name === 'running-fox')!;
    const meta = readFileSync(join(running.dir, 'meta.yaml'), 'utf8');
    writeFileSync(
      join(running.dir, 'meta.yaml'),
      meta.replace('end_time: null', 'end_time: 1700000099000').replace('status: 1', 'status: 3'),
    );
    const third = await importMlruns(deps, { dir: tree.root });
    expect(third.runs).toEqual({
      added: 0,
      updated: 2,
      unchanged: tree.experiments.flatMap((e) => e.runs).length - 2,
    });
    expect(third.added).toMatchObject({ metricPoints: 2, tags: 1, params: 0, artifacts: 1 });
    const db = services.workspace.db;
    const latest = await db.one<{ step: number; value: number }>(
      `SELECT step, value FROM latest_metrics WHERE run_id = ? AND key = 'loss'`,
      [fox.runId],
    );
    expect([num(latest!.step), num(latest!.value)]).toEqual([6, 0.04]);
    expect(
      (await db.one<{ value: string }>(
        `SELECT value FROM tags WHERE run_id = ? AND key = 'stage'`,
        [fox.runId],
      ))!.value,
    ).toBe('prod');
    const ended = await db.one<{ status: string; e: number }>(
      'SELECT status, epoch_ms(ended_at) AS e FROM runs WHERE id = ?',
      [running.runId],
    );
    expect([ended!.status, num(ended!.e)]).toEqual(['finished', 1700000099000]);
    // And once more: nothing.
    const fourth = await importMlruns(deps, { dir: tree.root });
    expect(Object.values(fourth.added).every((v) => v === 0)).toBe(true);
  });

  it('a run id taken by another (non-MLflow) run is imported under a new id, found again on the next import', async () => {
    const fox = tree.experiments[1]!.runs.find((r) => r.name === 'brave-fox')!;
    const db = services.workspace.db;
    await db.run(
      `INSERT INTO runs (id, experiment_id, name, status, task, model_type, dataset_version_id, config, config_hash, seed,
         lathe_version, started_at, system, kind) VALUES (?, 'x', 'native', 'finished', 'regression', 'linear', 'd', '{}', '', 0, 't', now(), '{}', 'train')`,
      [fox.runId],
    );
    const out = await importMlruns(deps, { dir: tree.root });
    const newId = out.renamed[fox.runId]!;
    expect(newId).toMatch(/^[0-9a-f]{32}$/);
    expect(newId).not.toBe(fox.runId);
    const tag = await db.one<{ value: string }>(
      `SELECT value FROM tags WHERE run_id = ? AND key = 'lathe.import.mlflow_run_id'`,
      [newId],
    );
    expect(tag!.value).toBe(fox.runId);
    expect(
      (await db.one<{ n: number }>('SELECT count(*) AS n FROM params WHERE run_id = ?', [
        fox.runId,
      ]))!.n,
    ).toBe(0n);
    const again = await importMlruns(deps, { dir: tree.root });
    expect(again.renamed[fox.runId]).toBe(newId);
    expect(Object.values(again.added).every((v) => v === 0)).toBe(true);
  });
});

describe('registered models', () => {
  const call = async <T>(channel: string, input: unknown) =>
    resultOf(await services.dispatch(channel, input)) as T;

  it('become Lathe models with their versions, stages, tags and aliases; a second import adds nothing', async () => {
    const out = await importMlruns(deps, { dir: tree.root });
    const live = tree.models.map((m) => ({ ...m, versions: m.versions.filter((v) => !v.deleted) }));
    expect(out.added).toMatchObject({
      models: live.length,
      versions: live.reduce((n, m) => n + m.versions.length, 0),
      aliases: live.reduce((n, m) => n + Object.keys(m.aliases).length, 0),
    });
    // MLflow deleted churn-model's version 3; its version 4 is Lathe's next number.
    expect(out.warnings).toContain('churn-model version 3 was deleted in MLflow: not imported');
    expect(out.warnings).toContain('churn-model version 4 was registered as version 3');

    const listed = await call<Model[]>('models:list', {});
    expect(listed.map((m) => m.name).sort()).toEqual(live.map((m) => m.name).sort());
    for (const m of live) {
      // The folder's live versions in order are Lathe's 1, 2, …
      const latheOf = new Map(m.versions.map((v, i) => [v.version, i + 1]));
      const summary = listed.find((x) => x.name === m.name)!;
      expect(summary.versionCount).toBe(m.versions.length);
      expect(summary.description).toBe(m.description);
      expect(summary.aliases).toEqual(
        Object.fromEntries(Object.entries(m.aliases).map(([a, v]) => [a, latheOf.get(v)])),
      );
      const detail = await call<ModelDetail>('models:get', { ref: m.name });
      expect(detail.versions.map((v) => v.version)).toEqual(
        m.versions.map((_, i) => i + 1).reverse(),
      );
      for (const v of m.versions) {
        const n = latheOf.get(v.version)!;
        const got = detail.versions.find((x) => x.version === n)!;
        expect(got.stage, `${m.name}@${n}`).toBe(v.stage.toLowerCase());
        expect(got.aliases).toEqual(
          Object.entries(m.aliases)
            .filter(([, to]) => to === v.version)
            .map(([a]) => a)
            .sort(),
        );
        // A run's model is named by the Lathe run it went to; an s3: source is kept as it was.
        const source = v.runId ? `runs:/${v.runId}/model` : v.source;
        expect(got.source).toMatchObject({ kind: 'mlflow', uri: source, runId: v.runId });
        const mv = await call<{ model_version: { tags: { key: string; value: string }[] } }>(
          'mlflow:model-versions:get',
          { name: m.name, version: String(n) },
        );
        expect(Object.fromEntries(mv.model_version.tags.map((t) => [t.key, t.value]))).toEqual(
          v.tags,
        );
      }
      const rm = await call<{ registered_model: { tags: { key: string; value: string }[] } }>(
        'mlflow:registered-models:get',
        { name: m.name },
      );
      expect(Object.fromEntries(rm.registered_model.tags.map((t) => [t.key, t.value]))).toEqual(
        m.tags,
      );
    }

    const before = await snapshot(services);
    const history = await call<unknown[]>('models:history', { name: 'churn-model' });
    const again = await importMlruns(deps, { dir: tree.root });
    expect(again.added).toMatchObject({ models: 0, versions: 0, aliases: 0 });
    expect(await snapshot(services)).toEqual(before);
    expect(await call<unknown[]>('models:history', { name: 'churn-model' })).toEqual(history);
  });

  it('what Lathe cannot hold is warned about and the rest imported; an alias moved in the workspace stays', async () => {
    const spaced = join(tree.root, 'models', 'My Model');
    mkdirSync(spaced);
    writeFileSync(join(spaced, 'meta.yaml'), 'creation_timestamp: 1700000000000\nname: My Model\n');
    writeFileSync(join(tree.root, 'models', 'churn-model', 'aliases', 'Prod'), '2');
    const out = await importMlruns(deps, { dir: tree.root });
    expect(out.added).toMatchObject({ models: 2, versions: 4, aliases: 2 });
    expect(out.warnings.some((w) => w.startsWith('registered model "My Model" not imported'))).toBe(
      true,
    );
    expect(out.warnings.some((w) => w.startsWith('churn-model@Prod not set'))).toBe(true);

    await call('models:alias', { ref: 'churn-model@2', alias: 'champion' });
    const again = await importMlruns(deps, { dir: tree.root });
    expect(again.added).toMatchObject({ models: 0, versions: 0, aliases: 0 });
    expect(again.warnings).toContain(
      "churn-model@champion points at version 2 in the workspace, version 1 in the folder: kept the workspace's",
    );
    expect((await call<ModelDetail>('models:get', { ref: 'churn-model' })).aliases.champion).toBe(
      2,
    );
  });

  it('without a registry in the process they are left out with a warning', async () => {
    const { registryCall: _, ...bare } = deps;
    const out = await importMlruns(bare, { dir: tree.root });
    expect(out.added).toMatchObject({ models: 0, versions: 0, aliases: 0 });
    expect(out.warnings).toContain(
      'registered models (churn-model, fox-external) not imported: this process has no MLflow registry',
    );
    expect(await call<Model[]>('models:list', {})).toEqual([]);
  });
});

describe('bad input', () => {
  const cases: [string, (g: GenTree) => { file: string; line?: number }][] = [
    [
      'a metric line that is not `ts value step`',
      (g) => {
        const file = join(g.experiments[1]!.runs[0]!.dir, 'metrics', 'loss');
        appendFileSync(file, '1700000000999 0.1 7 extra\n');
        return { file, line: readFileSync(file, 'utf8').split('\n').length - 1 };
      },
    ],
    [
      'a metric value that is not a number',
      (g) => {
        const file = join(g.experiments[1]!.runs[0]!.dir, 'metrics', 'accuracy');
        writeFileSync(file, '1700000000000 0.5\n1700000000001 high\n');
        return { file, line: 2 };
      },
    ],
    [
      'a step past what Lathe stores',
      (g) => {
        const file = join(g.experiments[0]!.runs[0]!.dir, 'metrics', 'rmse');
        writeFileSync(file, '1700000000000 0.5 9999999999\n');
        return { file, line: 1 };
      },
    ],
    [
      'a meta.yaml that is not YAML',
      (g) => {
        const file = join(g.experiments[1]!.runs[2]!.dir, 'meta.yaml');
        writeFileSync(file, 'run_id: [unclosed\nstatus: 3\n');
        return { file };
      },
    ],
    [
      'a run status outside the enum',
      (g) => {
        const file = join(g.experiments[1]!.runs[1]!.dir, 'meta.yaml');
        writeFileSync(file, readFileSync(file, 'utf8').replace('status: 4', 'status: 9'));
        return {
          file,
          line:
            readFileSync(file, 'utf8')
              .split('\n')
              .findIndex((l) => l.startsWith('status:')) + 1,
        };
      },
    ],
    [
      'an experiment meta.yaml without a name',
      (g) => {
        const file = join(g.experiments[2]!.dir, 'meta.yaml');
        writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: .*\n/m, ''));
        return { file };
      },
    ],
    [
      'a model version meta.yaml whose time is not a number',
      (g) => {
        const file = join(g.root, 'models', 'churn-model', 'version-2', 'meta.yaml');
        const text = readFileSync(file, 'utf8').replace(
          /^creation_timestamp: .*$/m,
          'creation_timestamp: soon',
        );
        writeFileSync(file, text);
        return { file, line: text.split('\n').indexOf('creation_timestamp: soon') + 1 };
      },
    ],
    [
      'a model version meta.yaml whose version differs from its folder',
      (g) => {
        const file = join(g.root, 'models', 'fox-external', 'version-1', 'meta.yaml');
        const text = readFileSync(file, 'utf8').replace(/^version: 1$/m, 'version: 7');
        writeFileSync(file, text);
        return { file, line: text.split('\n').indexOf('version: 7') + 1 };
      },
    ],
    [
      'a registered model meta.yaml that is not YAML',
      (g) => {
        const file = join(g.root, 'models', 'churn-model', 'meta.yaml');
        writeFileSync(file, 'name: churn-model\ndescription: [unclosed\n');
        return { file };
      },
    ],
    [
      'an alias pointing at a missing version',
      (g) => {
        const file = join(g.root, 'models', 'churn-model', 'aliases', 'champion');
        writeFileSync(file, '9');
        return { file, line: 1 };
      },
    ],
  ];

  it.each(cases)(
    '%s: CORRUPT_FILE naming the file (and line); the workspace is unchanged',
    async (_name, spoil) => {
      // A first, good import of another folder, so "unchanged" covers rows already there.
      await importMlruns(deps, { dir: make(join(t.dir, `good${n}`)).root });
      const before = await snapshot(services);
      const { file, line } = spoil(tree);
      const err = (await importMlruns(deps, { dir: tree.root }).then(
        () => null,
        (e: unknown) => e,
      )) as { code: string; message: string } | null;
      expect(err).not.toBeNull();
      expect(err!.code).toBe('CORRUPT_FILE');
      expect(err!.message).toContain(line === undefined ? file : `${file}:${line}`);
      expect(await snapshot(services)).toEqual(before);
    },
  );

  it('a folder that is not an mlruns folder is refused by name', async () => {
    const empty = tempDir('lathe-not-mlruns-');
    try {
      const err = (await importMlruns(deps, { dir: empty.dir }).catch((e: unknown) => e)) as {
        code: string;
        message: string;
      };
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toContain(empty.dir);
      const missing = (await importMlruns(deps, { dir: join(empty.dir, 'nope') }).catch(
        (e: unknown) => e,
      )) as { code: string };
      expect(missing.code).toBe('FILE_NOT_FOUND');
    } finally {
      empty.remove();
    }
  });
});
