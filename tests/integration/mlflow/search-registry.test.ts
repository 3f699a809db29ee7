// registered-models/search and model-versions/search over a real DuckDB workspace (issue 15): rows
// inserted directly; filters on names, tags, run ids, versions and sources; MLflow's default orders and
// tie-breaks; prompts (mlflow.prompt.is_prompt) left out unless asked for; every page visited once.
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatheError } from '../../../shared/contract';
import { searchModelVersions, searchRegisteredModels } from '../../../main/mlflow/search-filter';
import type { Database } from '../../../main/workspace/db';
import { openWorkspace, type Workspace } from '../../../main/workspace/workspace';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-mlflow-search-registry-');
let ws: Workspace;
let db: Database;

const RUN_A = 'a'.repeat(32);
const RUN_B = 'b'.repeat(32);

/** A time in ms as SQL over a bound number. */
const at = 'make_timestamp(CAST(? AS BIGINT) * 1000)';

beforeAll(async () => {
  ws = await openWorkspace(join(t.dir, 'ws'));
  db = ws.db;
  const models: [string, string, number, number | null][] = [
    ['m1', 'alpha', 1000, 5000],
    ['m2', 'beta', 2000, null],
    ['m3', 'Gamma', 3000, 4000],
    ['m4', 'prompt-1', 4000, null],
    ['m5', "it's a model", 500, 6000],
  ];
  for (const [id, name, created, updated] of models)
    await db.run(
      `INSERT INTO models (id, project_id, name, description, created_at, updated_at)
       VALUES (?, 'p', ?, '', ${at}, ${at})`,
      [id, name, created, updated],
    );
  const versions: [string, string, number, string | null, string | null, number, number | null][] =
    [
      ['v11', 'm1', 1, RUN_A, null, 1000, 1000],
      ['v12', 'm1', 2, RUN_B, null, 2000, 7000],
      ['v13', 'm1', 3, null, '{"kind":"import","file":"model.onnx"}', 3000, null],
      ['v21', 'm2', 1, RUN_A, null, 2500, 7000],
      ['v31', 'm3', 1, RUN_B, null, 3000, 3000],
      ['v41', 'm4', 1, null, null, 4000, 4000],
      ['v42', 'm4', 2, null, null, 4100, null],
    ];
  for (const [id, model, version, run, source, created, updated] of versions)
    await db.run(
      `INSERT INTO model_versions (id, model_id, version, run_id, stage, signature, created_at, created_by,
         source, updated_at)
       VALUES (?, ?, ?, ?, 'none', '{}', ${at}, 'test', ?, ${at})`,
      [id, model, version, run, created, source, updated],
    );
  // model-versions/create keeps the source it was given in source_uri (migration 14).
  await db.run(
    `UPDATE model_versions SET source = NULL, source_uri = 'mlflow-artifacts:/1/x/artifacts/model'
     WHERE id = 'v21'`,
  );
  await db.run(
    `INSERT INTO model_tags (model_id, key, value) VALUES
       ('m1', 'team', 'vision'), ('m2', 'team', 'nlp'), ('m3', 'team', 'Vision'),
       ('m4', 'mlflow.prompt.is_prompt', 'true'), ('m5', 'a "quoted" key', 'x')`,
  );
  await db.run(
    `INSERT INTO model_version_tags (version_id, key, value) VALUES
       ('v11', 'validated', 'yes'), ('v12', 'validated', 'no'), ('v31', 'validated', 'yes'),
       ('v41', 'mlflow.prompt.is_prompt', 'true'), ('v13', 'it''s', 'ok')`,
  );
});
afterAll(() => {
  ws?.close();
  t.remove();
});

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LatheError);
  expect((err as LatheError).code).toBe('INVALID_INPUT');
  return (err as LatheError).message;
}

describe('registered-models/search', () => {
  const names = async (input: Parameters<typeof searchRegisteredModels>[1]) =>
    (await searchRegisteredModels(db, input)).names;

  it('lists models by name (byte order), prompts left out', async () => {
    expect(await names({})).toEqual(['Gamma', 'alpha', 'beta', "it's a model"]);
  });

  it('filters on name (=, !=, LIKE, ILIKE) and tags', async () => {
    expect(await names({ filter: "name = 'alpha'" })).toEqual(['alpha']);
    expect(await names({ filter: "name != 'alpha'" })).toEqual(['Gamma', 'beta', "it's a model"]);
    expect(await names({ filter: "name LIKE 'g%'" })).toEqual([]);
    expect(await names({ filter: "name ILIKE 'g%'" })).toEqual(['Gamma']);
    expect(await names({ filter: `name = "it's a model"` })).toEqual(["it's a model"]);
    expect(await names({ filter: "tags.team ILIKE 'vision'" })).toEqual(['Gamma', 'alpha']);
    expect(await names({ filter: "tags.team = 'vision' and name LIKE 'a%'" })).toEqual(['alpha']);
    expect(await names({ filter: 'tags.`a "quoted" key` = \'x\'' })).toEqual(["it's a model"]);
    expect(await names({ filter: "tags.team != 'nlp'" })).toEqual(['Gamma', 'alpha']);
  });

  it('finds prompts only when the filter asks for them', async () => {
    expect(await names({ filter: "tags.`mlflow.prompt.is_prompt` = 'true'" })).toEqual([
      'prompt-1',
    ]);
    expect(await names({ filter: "tags.`mlflow.prompt.is_prompt` != 'true'" })).toEqual([
      'Gamma',
      'alpha',
      'beta',
      "it's a model",
    ]);
  });

  it('orders by last update (timestamp), creation or name; pages through every model once', async () => {
    expect(await names({ orderBy: ['timestamp DESC'] })).toEqual([
      "it's a model",
      'alpha',
      'Gamma',
      'beta',
    ]);
    expect(await names({ orderBy: ['creation_timestamp'] })).toEqual([
      "it's a model",
      'alpha',
      'beta',
      'Gamma',
    ]);
    expect(await names({ orderBy: ['name DESC'] })).toEqual([
      "it's a model",
      'beta',
      'alpha',
      'Gamma',
    ]);
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await searchRegisteredModels(db, { maxResults: 3, pageToken });
      seen.push(...page.names);
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(seen).toEqual(await names({}));
    expect(pages).toBe(2);
  });

  it("refuses what MLflow's registry refuses", async () => {
    expect(await refusal(searchRegisteredModels(db, { maxResults: 1001 }))).toMatch(
      /It must be at most 1000$/,
    );
    expect(await refusal(searchRegisteredModels(db, { filter: "name > 'a'" }))).toBe(
      'Invalid comparator for attribute: >',
    );
    expect(await refusal(searchRegisteredModels(db, { orderBy: ['version_number'] }))).toBe(
      "Invalid order by key 'version_number' specified. Valid keys are '{'name', 'timestamp'}'",
    );
  });
});

describe('model-versions/search', () => {
  const versions = async (input: Parameters<typeof searchModelVersions>[1]) =>
    (await searchModelVersions(db, input)).versions.map((v) => `${v.name}@${v.version}`);

  it('lists versions most recently updated first, then name ASC and version DESC; prompts left out', async () => {
    // alpha@2 and beta@1 were both updated at 7000, alpha@3 and Gamma@1 at 3000: name ASC breaks the ties
    expect(await versions({})).toEqual(['alpha@2', 'beta@1', 'Gamma@1', 'alpha@3', 'alpha@1']);
  });

  it('filters on name, run_id (IN), version_number, source_path and tags', async () => {
    expect(await versions({ filter: "name = 'alpha'", orderBy: ['version_number'] })).toEqual([
      'alpha@1',
      'alpha@2',
      'alpha@3',
    ]);
    expect(await versions({ filter: `run_id = '${RUN_A}'` })).toEqual(['beta@1', 'alpha@1']);
    expect(await versions({ filter: `run_id IN ('${RUN_B}', '${RUN_A.toUpperCase()}')` })).toEqual([
      'alpha@2',
      'Gamma@1',
    ]);
    expect(await versions({ filter: "name = 'alpha' and version_number >= 2" })).toEqual([
      'alpha@2',
      'alpha@3',
    ]);
    expect(await versions({ filter: "version_number = '1' and name ILIKE 'g%'" })).toEqual([
      'Gamma@1',
    ]);
    expect(await versions({ filter: "source_path LIKE 'runs:/%'" })).toEqual([
      'alpha@2',
      'Gamma@1',
      'alpha@1',
    ]);
    expect(
      await versions({ filter: "source_path = 'mlflow-artifacts:/1/x/artifacts/model'" }),
    ).toEqual(['beta@1']);
    expect(await versions({ filter: `source_path = 'runs:/${RUN_B}/model'` })).toEqual([
      'alpha@2',
      'Gamma@1',
    ]);
    expect(await versions({ filter: "tags.validated = 'yes'" })).toEqual(['Gamma@1', 'alpha@1']);
    expect(await versions({ filter: "tags.`it's` = 'ok'" })).toEqual(['alpha@3']);
    // asked for, prompts are searched like models: the clause stays (only version 1 has the tag)
    expect(await versions({ filter: "tags.`mlflow.prompt.is_prompt` = 'true'" })).toEqual([
      'prompt-1@1',
    ]);
  });

  it('orders by creation time, name or version; pages through every version once', async () => {
    expect(await versions({ orderBy: ['creation_timestamp DESC'] })).toEqual([
      'Gamma@1',
      'alpha@3',
      'beta@1',
      'alpha@2',
      'alpha@1',
    ]);
    expect(await versions({ orderBy: ['name DESC'] })).toEqual([
      'beta@1',
      'alpha@3',
      'alpha@2',
      'alpha@1',
      'Gamma@1',
    ]);
    const all = await versions({});
    for (const maxResults of [1, 2, 4, 5]) {
      const seen: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await searchModelVersions(db, { maxResults, pageToken });
        seen.push(...page.versions.map((v) => `${v.name}@${v.version}`));
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(seen).toEqual(all);
    }
  });

  it("refuses what MLflow's registry refuses", async () => {
    expect(await refusal(searchModelVersions(db, { filter: "run_id NOT IN ('a')" }))).toBe(
      'Invalid comparator for attribute: NOT IN',
    );
    expect(await refusal(searchModelVersions(db, { filter: "stage = 'None'" }))).toMatch(
      /^Invalid attribute key 'stage' specified/,
    );
    expect(await refusal(searchModelVersions(db, { orderBy: ['name', 'name DESC'] }))).toBe(
      "`order_by` contains duplicate fields: ['name', 'name DESC']",
    );
    expect(await refusal(searchModelVersions(db, { maxResults: 200001 }))).toMatch(
      /It must be at most 200000$/,
    );
    expect(await refusal(searchModelVersions(db, { pageToken: 'eyJvZmZzZXQiOiAwfQ==' }))).toBe(
      'Invalid page token, parsed value={"offset": 0}',
    );
  });
});

describe('any filter text', () => {
  it('is either searched or refused with INVALID_INPUT, never a database error', async () => {
    const words = [
      'name',
      'run_id',
      'version_number',
      'source_path',
      'creation_timestamp',
      'tags.team',
      'tags.`mlflow.prompt.is_prompt`',
      'attribute.name',
      '=',
      '!=',
      '>',
      'LIKE',
      'ILIKE',
      'IN',
      'NOT',
      'AND',
      'OR',
      '(',
      ')',
      ',',
      "'true'",
      "'a%'",
      "'3'",
      '2',
      '-1.5',
      '"q"',
      'x',
    ];
    const soup = fc.array(fc.constantFrom(...words), { maxLength: 9 }).map((ws) => ws.join(' '));
    const text = fc.oneof(soup, fc.string({ maxLength: 30 }));
    const searches = [
      (filter: string) => searchRegisteredModels(db, { filter }),
      (filter: string) => searchModelVersions(db, { filter }),
    ];
    let searched = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom(0, 1), async (filter, which) => {
        try {
          await searches[which]!(filter);
          searched++;
        } catch (err) {
          expect(err, filter).toBeInstanceOf(LatheError);
          expect((err as LatheError).code, filter).toBe('INVALID_INPUT');
        }
      }),
      { seed: 1515, numRuns: 400 },
    );
    expect(searched).toBeGreaterThan(10);
  });
});
