// The handlers of MLflow's model registry channels (shared/contract/mlflow-registry.ts) over Lathe's own
// registry: a registered model is a row of `models`, a model version a row of `model_versions`, with their
// aliases, stages, tags and audit entries, so the Models view, gates and history see what MLflow's clients
// do. Validation and messages follow mlflow/store/model_registry/sqlalchemy_store.py and
// mlflow/utils/validation.py; errors are LatheErrors (NOT_FOUND → RESOURCE_DOES_NOT_EXIST, ALREADY_EXISTS
// → RESOURCE_ALREADY_EXISTS, INVALID_INPUT → INVALID_PARAMETER_VALUE, GATE_FAILED → INVALID_STATE 400).
import {
  AliasName,
  ImportSignature,
  LatheError,
  ModelName,
  describeIssues,
  type ChannelHandlers,
  type ModelStage,
  type VersionSource,
} from '../../shared/contract';
import type {
  MlflowModelVersion,
  MlflowRegisteredModel,
  MlflowStage,
  mlflowRegistryChannels,
} from '../../shared/contract/mlflow-registry';
import { createAuditLog, type AuditLog } from '../registry/audit';
import { nextVersion } from '../registry/registration';
import type { RegistryStore } from '../registry/registry-store';
import { text, textOrNull, type Database, type Row, type Sql } from '../workspace/db';
import { newId } from '../workspace/projects';
import type { ArtifactStore } from '../workspace/artifacts';
import { checkOnnxModel, type CheckedImport } from '../serve/onnx-import';
import { resolveMlflowSource, type SourceResolution } from './registry-source';
import { searchModelVersions, searchRegisteredModels } from './search-filter';
import { runArtifactUri } from './tracking-store';
import { required, validateLength, validateName } from './validation';

export type MlflowRegistryHandlers = ChannelHandlers<typeof mlflowRegistryChannels>;

/** MLflow's limits on registry tags (mlflow/utils/validation.py). */
export const MAX_REGISTRY_TAG_KEY_LENGTH = 250;
export const MAX_REGISTRY_TAG_VALUE_LENGTH = 100_000;

/** The MLmodel metadata key holding an MLflow ONNX model's Lathe import signature (ImportSignature). */
export const LATHE_IMPORT_SIGNATURE = 'lathe_import_signature';

const STAGE_TO_MLFLOW: Record<ModelStage, MlflowStage> = {
  none: 'None',
  staging: 'Staging',
  production: 'Production',
  archived: 'Archived',
};
const ALL_STAGES: readonly ModelStage[] = ['none', 'staging', 'production', 'archived'];

const invalid = (message: string, details?: Record<string, unknown>): never => {
  throw new LatheError('INVALID_INPUT', message, details);
};

/** get_canonical_stage: any case of None, Staging, Production, Archived. */
export function canonicalStage(stage: string): ModelStage {
  const found = ALL_STAGES.find((s) => s === stage.trim().toLowerCase());
  if (!found)
    invalid(
      `Invalid Model Version stage: ${stage}. Value must be one of None, Staging, Production, Archived.`,
      { field: 'stage', stage },
    );
  return found!;
}

/** A registered model name: required, and one Lathe can hold (it is typed on its command line). */
function modelName(name: string | undefined, field = 'name'): string {
  const value = required(name, field);
  const parsed = ModelName.safeParse(value);
  if (!parsed.success)
    invalid(
      `Invalid registered model name '${value}': ${parsed.error.issues[0]!.message} (Lathe's model names)`,
      { field, name: value },
    );
  return value;
}

/** _validate_model_version: an integer. */
function versionNumber(version: string | undefined): number {
  const value = required(version, 'version');
  if (!/^[-+]?\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    invalid(`Parameter 'version' must be an integer, got '${value}'.`, {
      field: 'version',
      version: value,
    });
  return Number(value);
}

/** _validate_model_alias_name, then Lathe's alias rules (lower-case, starting with a letter). */
function aliasName(alias: string | undefined): string {
  if (alias === undefined || alias === '')
    invalid('Registered model alias name cannot be empty.', { field: 'alias' });
  const value = alias!;
  if (!/^[\w-]*$/.test(value))
    invalid(
      `Invalid alias name: '${value}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
      { field: 'alias', alias: value },
    );
  validateLength('Registered model alias name', 255, value);
  if (value.toLowerCase() === 'latest')
    invalid("'latest' alias name (case insensitive) is reserved.", { field: 'alias' });
  if (/^[vV]\d+$/.test(value))
    invalid(`Version alias name '${value}' is reserved.`, { field: 'alias', alias: value });
  const lathe = AliasName.safeParse(value);
  if (!lathe.success)
    invalid(`Invalid alias name: '${value}'. ${lathe.error.issues[0]!.message}`, {
      field: 'alias',
      alias: value,
    });
  return value;
}

/** _validate_registered_model_tag / _validate_model_version_tag. */
function registryTag(kind: 'Registered model' | 'Model version', key: string, value?: string) {
  validateName('tag', key);
  validateLength(`${kind} key`, MAX_REGISTRY_TAG_KEY_LENGTH, key);
  if (value !== undefined) validateLength(`${kind} value`, MAX_REGISTRY_TAG_VALUE_LENGTH, value);
}

const modelNotFound = (name: string) =>
  new LatheError('NOT_FOUND', `Registered Model with name=${name} not found`, { model: name });
const versionNotFound = (name: string, version: number | string) =>
  new LatheError('NOT_FOUND', `Model Version (name=${name}, version=${version}) not found`, {
    model: name,
    version,
  });

interface ModelRecord extends Row {
  id: string;
  name: string;
  description: string;
  created: number;
  updated: number;
}

interface VersionRecord extends Row {
  id: string;
  model_id: string;
  name: string;
  version: number;
  created: number;
  updated: number;
  created_by: string;
  stage: string;
  description: string | null;
  run_id: string | null;
  source_uri: string | null;
  source_run_id: string | null;
  run_link: string | null;
  source: string | null;
}

const MODEL_SQL = `SELECT m.id, m.name, m.description, epoch_ms(m.created_at) AS created,
  epoch_ms(coalesce(m.updated_at, m.created_at)) AS updated FROM models m`;

const VERSION_SQL = `SELECT mv.id, mv.model_id, m.name, mv.version, epoch_ms(mv.created_at) AS created,
  epoch_ms(coalesce(mv.updated_at, mv.created_at)) AS updated, mv.created_by, mv.stage, mv.description,
  mv.run_id, mv.source_uri, mv.source_run_id, mv.run_link, mv.source::VARCHAR AS source
  FROM model_versions mv JOIN models m ON m.id = mv.model_id`;

export interface MlflowRegistryDeps {
  db: Database;
  /** Lathe's registry, with changes stamped by `actor` (RegistryStore.withActor). */
  registry: RegistryStore;
  /** The user of the request (the MLflow user): who the audit log says made each change. */
  actor: () => string;
  /** The content-addressed store (an MLflow run's MLmodel and ONNX files). */
  artifacts: ArtifactStore;
  now?: () => Date;
}

export function createMlflowRegistryHandlers(deps: MlflowRegistryDeps): MlflowRegistryHandlers {
  const { db, registry } = deps;
  const now = deps.now ?? (() => new Date());
  const audit: AuditLog = createAuditLog(deps.actor);

  const modelOf = async (sql: Sql, name: string): Promise<ModelRecord> => {
    const row = await sql.one<ModelRecord>(`${MODEL_SQL} WHERE m.name = ?`, [name]);
    if (!row) throw modelNotFound(name);
    return row;
  };

  const versionOf = async (sql: Sql, name: string, version: number): Promise<VersionRecord> => {
    const model = await modelOf(sql, name);
    const row = await sql.one<VersionRecord>(
      `${VERSION_SQL} WHERE mv.model_id = ? AND mv.version = ?`,
      [model.id, version],
    );
    if (!row) throw versionNotFound(name, version);
    return row;
  };

  /** What MLflow answers as a version's source and run_id (see MODEL_VERSION_SOURCE_SQL). */
  const sourceOf = (r: VersionRecord): string => {
    if (r.source_uri !== null) return text(r.source_uri);
    if (r.run_id !== null) return `runs:/${text(r.run_id)}/model`;
    const source = r.source === null ? null : (JSON.parse(text(r.source)) as VersionSource);
    return source?.kind === 'import' ? source.file : source?.kind === 'mlflow' ? source.uri : '';
  };

  const toVersions = async (sql: Sql, rows: VersionRecord[]): Promise<MlflowModelVersion[]> => {
    if (!rows.length) return [];
    const ids = rows.map((r) => text(r.id));
    const marks = ids.map(() => '?').join(', ');
    const tags = await sql.all<{ version_id: string; key: string; value: string }>(
      `SELECT version_id, key, value FROM model_version_tags WHERE version_id IN (${marks}) ORDER BY key`,
      ids,
    );
    const modelIds = [...new Set(rows.map((r) => text(r.model_id)))];
    const aliases = await sql.all<{ model_id: string; alias: string; version: number }>(
      `SELECT model_id, alias, version FROM model_aliases WHERE model_id IN (${modelIds
        .map(() => '?')
        .join(', ')}) ORDER BY alias`,
      modelIds,
    );
    return rows.map((r): MlflowModelVersion => {
      const runId = textOrNull(r.source_run_id) ?? textOrNull(r.run_id);
      const description = textOrNull(r.description) ?? '';
      return {
        name: text(r.name),
        version: String(Number(r.version)),
        creation_timestamp: Number(r.created),
        last_updated_timestamp: Number(r.updated),
        user_id: text(r.created_by),
        current_stage: STAGE_TO_MLFLOW[text(r.stage) as ModelStage] ?? text(r.stage),
        ...(description ? { description } : {}),
        source: sourceOf(r),
        ...(runId !== null ? { run_id: runId } : {}),
        status: 'READY',
        tags: tags
          .filter((t) => t.version_id === r.id)
          .map((t) => ({ key: text(t.key), value: text(t.value) })),
        ...(r.run_link !== null ? { run_link: text(r.run_link) } : {}),
        aliases: aliases
          .filter((a) => a.model_id === r.model_id && Number(a.version) === Number(r.version))
          .map((a) => text(a.alias)),
      };
    });
  };

  const versionOut = async (sql: Sql, name: string, version: number) =>
    (await toVersions(sql, [await versionOf(sql, name, version)]))[0]!;

  /** The latest version in each stage (MLflow's latest_versions), by stage order. */
  const latestVersions = async (sql: Sql, modelId: string, stages: readonly ModelStage[]) => {
    const rows = await sql.all<VersionRecord>(
      `${VERSION_SQL} WHERE mv.model_id = ? AND mv.version = (SELECT max(o.version) FROM model_versions o
         WHERE o.model_id = mv.model_id AND o.stage = mv.stage)`,
      [modelId],
    );
    const wanted = rows.filter((r) => stages.includes(text(r.stage) as ModelStage));
    wanted.sort(
      (a, b) =>
        ALL_STAGES.indexOf(text(a.stage) as ModelStage) -
        ALL_STAGES.indexOf(text(b.stage) as ModelStage),
    );
    return toVersions(sql, wanted);
  };

  const toModels = async (sql: Sql, rows: ModelRecord[]): Promise<MlflowRegisteredModel[]> => {
    const out: MlflowRegisteredModel[] = [];
    for (const m of rows) {
      const tags = await sql.all<{ key: string; value: string }>(
        'SELECT key, value FROM model_tags WHERE model_id = ? ORDER BY key',
        [m.id],
      );
      const aliases = await sql.all<{ alias: string; version: number }>(
        'SELECT alias, version FROM model_aliases WHERE model_id = ? ORDER BY alias',
        [m.id],
      );
      const description = text(m.description);
      out.push({
        name: text(m.name),
        creation_timestamp: Number(m.created),
        last_updated_timestamp: Number(m.updated),
        ...(description ? { description } : {}),
        latest_versions: await latestVersions(sql, text(m.id), ALL_STAGES),
        tags: tags.map((t) => ({ key: text(t.key), value: text(t.value) })),
        aliases: aliases.map((a) => ({ alias: text(a.alias), version: String(Number(a.version)) })),
      });
    }
    return out;
  };

  const modelOut = async (sql: Sql, name: string) =>
    (await toModels(sql, [await modelOf(sql, name)]))[0]!;

  const touchModel = (sql: Sql, modelId: string, at: Date) =>
    sql.run('UPDATE models SET updated_at = epoch_ms(?::BIGINT) WHERE id = ?', [
      at.getTime(),
      modelId,
    ]);
  const touchVersion = (sql: Sql, versionId: string, at: Date) =>
    sql.run('UPDATE model_versions SET updated_at = epoch_ms(?::BIGINT) WHERE id = ?', [
      at.getTime(),
      versionId,
    ]);

  /** Sets or deletes (value undefined) a tag of a model or version, audited with its old value. */
  const writeTag = async (
    sql: Sql,
    target: { table: 'model_tags' | 'model_version_tags'; column: string; id: string },
    entry: { modelId: string; version: number | null },
    key: string,
    value: string | undefined,
    at: Date,
  ) => {
    const old = await sql.one<{ value: string }>(
      `SELECT value FROM ${target.table} WHERE ${target.column} = ? AND key = ?`,
      [target.id, key],
    );
    if (value === undefined && !old) return;
    if (value !== undefined && old && text(old.value) === value) return;
    await sql.run(`DELETE FROM ${target.table} WHERE ${target.column} = ? AND key = ?`, [
      target.id,
      key,
    ]);
    if (value !== undefined)
      await sql.run(`INSERT INTO ${target.table} (${target.column}, key, value) VALUES (?, ?, ?)`, [
        target.id,
        key,
        value,
      ]);
    await audit(sql, at, {
      action: 'tag',
      modelId: entry.modelId,
      version: entry.version,
      details: { key, from: old ? text(old.value) : null, to: value ?? null },
    });
  };

  /** Deletes versions (rows, aliases, tags, files), auditing each with what it was. */
  const deleteVersions = async (sql: Sql, rows: VersionRecord[]) => {
    const ids = rows.map((r) => text(r.id));
    if (!ids.length) return [];
    const described = await toVersions(sql, rows);
    const marks = ids.map(() => '?').join(', ');
    for (const table of ['model_version_tags', 'model_version_files'])
      await sql.run(`DELETE FROM ${table} WHERE version_id IN (${marks})`, ids);
    for (const r of rows)
      await sql.run('DELETE FROM model_aliases WHERE model_id = ? AND version = ?', [
        r.model_id,
        Number(r.version),
      ]);
    await sql.run(`DELETE FROM model_versions WHERE id IN (${marks})`, ids);
    return described.map((v) => ({
      version: Number(v.version),
      stage: v.current_stage,
      runId: v.run_id ?? null,
      source: v.source,
      aliases: v.aliases,
      tags: v.tags,
    }));
  };

  /**
   * An MLflow model with the onnx flavor: an imported ONNX version when its MLmodel metadata declares
   * `lathe_import_signature` (the signature file of `lathe models import`) and the graph passes the same
   * check as an import; otherwise why it cannot be served.
   */
  const onnxImport = async (
    found: Extract<SourceResolution, { kind: 'mlflow-onnx' }>,
  ): Promise<
    | { kind: 'none'; reason: string }
    | {
        kind: 'import';
        checked: CheckedImport;
        signatureFile: string;
        onnx: { sha256: string; sizeBytes: number };
        files: { path: string; sha256: string; sizeBytes: number }[];
      }
  > => {
    const where = `the MLflow model at '${found.path || '.'}' of run ${found.runId}`;
    const metadata = found.mlmodel.metadata;
    const declared =
      metadata && typeof metadata === 'object'
        ? (metadata as Record<string, unknown>)[LATHE_IMPORT_SIGNATURE]
        : undefined;
    if (declared === undefined)
      return {
        kind: 'none',
        reason: `${where} holds an ONNX model (onnx flavor) but its MLmodel metadata declares no ${LATHE_IMPORT_SIGNATURE}, so Lathe cannot tell its task, features and output`,
      };
    let raw: unknown = declared;
    if (typeof declared === 'string') {
      try {
        raw = JSON.parse(declared);
      } catch {
        return { kind: 'none', reason: `${where}: ${LATHE_IMPORT_SIGNATURE} is not JSON` };
      }
    }
    const parsed = ImportSignature.safeParse(raw);
    if (!parsed.success)
      return {
        kind: 'none',
        reason: `${where}: ${LATHE_IMPORT_SIGNATURE} is not a valid import signature (${describeIssues(parsed.error)})`,
      };
    let checked: CheckedImport;
    try {
      const bytes = await deps.artifacts.read(found.onnx.sha256);
      checked = await checkOnnxModel(
        bytes,
        parsed.data,
        `${found.onnx.path} of run ${found.runId}`,
        `its ${LATHE_IMPORT_SIGNATURE}`,
      );
    } catch (err) {
      return { kind: 'none', reason: (err as Error).message };
    }
    const sig = deps.artifacts.put(
      Buffer.from(`${JSON.stringify(checked.signature, null, 2)}\n`, 'utf8'),
    );
    return {
      kind: 'import',
      checked,
      signatureFile: `${found.path ? `${found.path}/` : ''}MLmodel (metadata.${LATHE_IMPORT_SIGNATURE})`,
      onnx: found.onnx,
      files: [
        { path: 'model.onnx', sha256: found.onnx.sha256, sizeBytes: found.onnx.sizeBytes },
        { path: 'signature.json', ...sig },
      ],
    };
  };

  /** Runs a change of Lathe's registry (alias, stage), answering its refusals with MLflow's words. */
  const lathe = async <T>(name: string, version: number, change: () => Promise<T>): Promise<T> => {
    await versionOf(db, name, version);
    return change();
  };

  /** Sets (value given) or deletes (undefined) a registered model's tag. */
  const modelTag = async (name: string | undefined, key: string, value?: string) => {
    const model = required(name, 'name');
    registryTag('Registered model', key, value);
    const at = now();
    await db.tx(async (sql) => {
      const m = await modelOf(sql, model);
      await writeTag(
        sql,
        { table: 'model_tags', column: 'model_id', id: text(m.id) },
        { modelId: text(m.id), version: null },
        key,
        value,
        at,
      );
    });
    return {};
  };

  /** Sets (value given) or deletes (undefined) a model version's tag. */
  const versionTag = async (
    name: string | undefined,
    version: string | undefined,
    key: string,
    value?: string,
  ) => {
    const model = required(name, 'name');
    const v = versionNumber(version);
    registryTag('Model version', key, value);
    const at = now();
    await db.tx(async (sql) => {
      const row = await versionOf(sql, model, v);
      await writeTag(
        sql,
        { table: 'model_version_tags', column: 'version_id', id: text(row.id) },
        { modelId: text(row.model_id), version: v },
        key,
        value,
        at,
      );
    });
    return {};
  };

  return {
    'mlflow:registered-models:set-tag': ({ name, key, value }) => modelTag(name, key, value),
    'mlflow:registered-models:delete-tag': ({ name, key }) => modelTag(name, key),
    'mlflow:model-versions:set-tag': ({ name, version, key, value }) =>
      versionTag(name, version, key, value),
    'mlflow:model-versions:delete-tag': ({ name, version, key }) => versionTag(name, version, key),

    async 'mlflow:registered-models:create'({ name, tags, description }) {
      const model = modelName(name);
      for (const t of tags ?? []) registryTag('Registered model', t.key, t.value);
      const at = now();
      await db.tx(async (sql) => {
        if (await sql.one('SELECT id FROM models WHERE name = ?', [model]))
          throw new LatheError(
            'ALREADY_EXISTS',
            `Registered Model (name=${model}) already exists.`,
            {
              model,
            },
          );
        const project = await sql.one<{ id: string }>(
          "SELECT id FROM projects WHERE name = 'Default'",
        );
        if (!project) throw new LatheError('NOT_FOUND', "no project 'Default'");
        const id = newId();
        await sql.run(
          `INSERT INTO models (id, project_id, name, description, created_at, updated_at)
           VALUES (?, ?, ?, ?, epoch_ms(?::BIGINT), epoch_ms(?::BIGINT))`,
          [id, project.id, model, description ?? '', at.getTime(), at.getTime()],
        );
        const byKey = new Map((tags ?? []).map((t) => [t.key, t.value]));
        for (const [key, value] of byKey)
          await sql.run('INSERT INTO model_tags (model_id, key, value) VALUES (?, ?, ?)', [
            id,
            key,
            value,
          ]);
        await audit(sql, at, {
          action: 'create',
          modelId: id,
          version: null,
          details: { description: description ?? '', tags: Object.fromEntries(byKey) },
        });
      });
      return { registered_model: await modelOut(db, model) };
    },

    async 'mlflow:registered-models:get'({ name }) {
      return { registered_model: await modelOut(db, required(name, 'name')) };
    },

    async 'mlflow:registered-models:rename'({ name, new_name }) {
      const from = required(name, 'name');
      const to = modelName(new_name, 'new_name');
      const at = now();
      await db.tx(async (sql) => {
        const model = await modelOf(sql, from);
        if (from === to) return;
        if (await sql.one('SELECT id FROM models WHERE name = ?', [to]))
          throw new LatheError('ALREADY_EXISTS', `Registered Model (name=${to}) already exists.`, {
            model: to,
          });
        await sql.run('UPDATE models SET name = ?, updated_at = epoch_ms(?::BIGINT) WHERE id = ?', [
          to,
          at.getTime(),
          model.id,
        ]);
        await sql.run(
          'UPDATE model_versions SET updated_at = epoch_ms(?::BIGINT) WHERE model_id = ?',
          [at.getTime(), model.id],
        );
        // What monitoring and serving recorded under the model's name follows it.
        for (const table of [
          'prediction_log',
          'prediction_batches',
          'capture_tables',
          'capture_sources',
          'serve_health',
          'monitor_references',
          'actuals',
          'alerts',
          'retrainings',
        ])
          await sql.run(`UPDATE ${table} SET model = ? WHERE model = ?`, [to, from]);
        await audit(sql, at, {
          action: 'rename',
          modelId: model.id,
          version: null,
          details: { from, to },
        });
      });
      return { registered_model: await modelOut(db, to) };
    },

    async 'mlflow:registered-models:update'({ name, description }) {
      const model = required(name, 'name');
      const at = now();
      await db.tx(async (sql) => {
        const m = await modelOf(sql, model);
        const to = description ?? '';
        await sql.run(
          'UPDATE models SET description = ?, updated_at = epoch_ms(?::BIGINT) WHERE id = ?',
          [to, at.getTime(), m.id],
        );
        if (to !== text(m.description))
          await audit(sql, at, {
            action: 'describe',
            modelId: m.id,
            version: null,
            details: { from: text(m.description), to },
          });
      });
      return { registered_model: await modelOut(db, model) };
    },

    async 'mlflow:registered-models:delete'({ name }) {
      const model = required(name, 'name');
      const at = now();
      await db.tx(async (sql) => {
        const m = await modelOf(sql, model);
        const rows = await sql.all<VersionRecord>(
          `${VERSION_SQL} WHERE mv.model_id = ? ORDER BY mv.version`,
          [m.id],
        );
        const versions = await deleteVersions(sql, rows);
        const tags = await sql.all<{ key: string; value: string }>(
          'SELECT key, value FROM model_tags WHERE model_id = ? ORDER BY key',
          [m.id],
        );
        await sql.run('DELETE FROM model_aliases WHERE model_id = ?', [m.id]);
        await sql.run('DELETE FROM model_tags WHERE model_id = ?', [m.id]);
        await sql.run('DELETE FROM models WHERE id = ?', [m.id]);
        await audit(sql, at, {
          action: 'delete',
          modelId: m.id,
          version: null,
          details: {
            name: model,
            description: text(m.description),
            tags: Object.fromEntries(tags.map((t) => [text(t.key), text(t.value)])),
            versions,
          },
        });
      });
      return {};
    },

    async 'mlflow:registered-models:search'({ filter, max_results, order_by, page_token }) {
      const page = await searchRegisteredModels(db, {
        filter: filter ?? null,
        maxResults: max_results ?? null,
        orderBy: order_by ?? null,
        pageToken: page_token ?? null,
      });
      const rows: ModelRecord[] = [];
      for (const n of page.names) rows.push(await modelOf(db, n));
      return {
        registered_models: await toModels(db, rows),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },

    async 'mlflow:registered-models:get-latest-versions'({ name, stages }) {
      const model = await modelOf(db, required(name, 'name'));
      const wanted = stages?.length ? stages.map(canonicalStage) : ALL_STAGES;
      return { model_versions: await latestVersions(db, text(model.id), wanted) };
    },

    async 'mlflow:registered-models:set-alias'({ name, alias, version }) {
      const model = required(name, 'name');
      const a = aliasName(alias);
      const v = versionNumber(version);
      await lathe(model, v, () => registry.alias({ ref: `${model}@${v}`, alias: a }));
      await touchModel(db, text((await modelOf(db, model)).id), now());
      return {};
    },

    async 'mlflow:registered-models:delete-alias'({ name, alias }) {
      const model = required(name, 'name');
      const a = aliasName(alias);
      const m = await modelOf(db, model);
      // MLflow deletes an alias that is not there without a word.
      if (
        !(await db.one('SELECT 1 FROM model_aliases WHERE model_id = ? AND alias = ?', [m.id, a]))
      )
        return {};
      await registry.unalias({ name: model, alias: a });
      await touchModel(db, text(m.id), now());
      return {};
    },

    async 'mlflow:registered-models:get-by-alias'({ name, alias }) {
      const model = required(name, 'name');
      const a = required(alias, 'alias');
      const m = await modelOf(db, model);
      const row = await db.one<{ version: number }>(
        'SELECT version FROM model_aliases WHERE model_id = ? AND alias = ?',
        [m.id, a],
      );
      // MLflow's SQL store answers a missing alias with INVALID_PARAMETER_VALUE and these words, which
      // clients match on.
      if (!row)
        throw new LatheError('NOT_FOUND', `Registered model alias ${a} not found.`, {
          model,
          alias: a,
          mlflowCode: 'INVALID_PARAMETER_VALUE',
        });
      return { model_version: await versionOut(db, model, Number(row.version)) };
    },

    async 'mlflow:model-versions:create'({ name, source, run_id, tags, run_link, description }) {
      const model = modelName(name);
      const uri = required(source, 'source');
      for (const t of tags ?? []) registryTag('Model version', t.key, t.value);
      await modelOf(db, model);
      const resolution = await resolveMlflowSource(db, uri, run_id || undefined, deps.artifacts);
      const at = now();
      const extra = async (sql: Sql, v: { id: string; model: string; version: number }) => {
        await sql.run(
          `UPDATE model_versions SET source_uri = ?, source_run_id = ?, run_link = ?, description = ?,
             updated_at = epoch_ms(?::BIGINT) WHERE id = ?`,
          [uri, run_id || null, run_link ?? null, description ?? '', at.getTime(), v.id],
        );
        for (const [key, value] of new Map((tags ?? []).map((t) => [t.key, t.value])))
          await sql.run(
            'INSERT INTO model_version_tags (version_id, key, value) VALUES (?, ?, ?)',
            [v.id, key, value],
          );
        const m = await sql.one<{ id: string }>('SELECT id FROM models WHERE name = ?', [model]);
        await touchModel(sql, m!.id, at);
      };
      const servable =
        resolution.kind === 'mlflow-onnx' ? await onnxImport(resolution) : resolution;
      let version: number;
      if (servable.kind === 'lathe-run') {
        version = (await registry.register({ runId: servable.runId, name: model }, extra)).version;
      } else if (servable.kind === 'import') {
        version = (
          await registry.registerImport(
            {
              name: model,
              signature: servable.checked.modelSignature,
              source: {
                kind: 'import',
                file: uri,
                signatureFile: servable.signatureFile,
                sha256: servable.onnx.sha256,
                sizeBytes: servable.onnx.sizeBytes,
                signature: servable.checked.signature,
              },
              files: servable.files,
            },
            extra,
          )
        ).version;
      } else {
        version = await db.tx(async (sql) => {
          const m = await modelOf(sql, model);
          const v = await nextVersion(sql, text(m.id));
          const id = newId();
          const versionSource: VersionSource = {
            kind: 'mlflow',
            uri,
            runId: run_id || null,
            reason: servable.reason,
          };
          await sql.run(
            `INSERT INTO model_versions (id, model_id, version, run_id, stage, signature, source, card,
               created_at, created_by)
             VALUES (?, ?, ?, NULL, 'none', 'null'::JSON, ?::JSON, NULL, epoch_ms(?::BIGINT), ?)`,
            [id, m.id, v, JSON.stringify(versionSource), at.getTime(), deps.actor()],
          );
          await extra(sql, { id, model, version: v });
          await audit(sql, at, {
            action: 'register',
            modelId: text(m.id),
            version: v,
            details: { runId: null, source: uri, mlflowRunId: run_id || null, servable: false },
          });
          return v;
        });
      }
      return { model_version: await versionOut(db, model, version) };
    },

    async 'mlflow:model-versions:get'({ name, version }) {
      return {
        model_version: await versionOut(db, required(name, 'name'), versionNumber(version)),
      };
    },

    async 'mlflow:model-versions:update'({ name, version, description }) {
      const model = required(name, 'name');
      const v = versionNumber(version);
      const at = now();
      await db.tx(async (sql) => {
        const row = await versionOf(sql, model, v);
        const from = textOrNull(row.description) ?? '';
        const to = description ?? '';
        await sql.run(
          'UPDATE model_versions SET description = ?, updated_at = epoch_ms(?::BIGINT) WHERE id = ?',
          [to, at.getTime(), row.id],
        );
        if (from !== to)
          await audit(sql, at, {
            action: 'describe',
            modelId: text(row.model_id),
            version: v,
            details: { from, to },
          });
      });
      return { model_version: await versionOut(db, model, v) };
    },

    async 'mlflow:model-versions:delete'({ name, version }) {
      const model = required(name, 'name');
      const v = versionNumber(version);
      const at = now();
      await db.tx(async (sql) => {
        const row = await versionOf(sql, model, v);
        const [described] = await deleteVersions(sql, [row]);
        await touchModel(sql, text(row.model_id), at);
        await audit(sql, at, {
          action: 'delete',
          modelId: text(row.model_id),
          version: v,
          details: { versions: [described] },
        });
      });
      return {};
    },

    async 'mlflow:model-versions:search'({ filter, max_results, order_by, page_token }) {
      const page = await searchModelVersions(db, {
        filter: filter ?? null,
        maxResults: max_results ?? null,
        orderBy: order_by ?? null,
        pageToken: page_token ?? null,
      });
      const rows: VersionRecord[] = [];
      for (const v of page.versions) rows.push(await versionOf(db, v.name, v.version));
      return {
        model_versions: await toVersions(db, rows),
        ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
      };
    },

    async 'mlflow:model-versions:transition-stage'({
      name,
      version,
      stage,
      archive_existing_versions,
    }) {
      const model = required(name, 'name');
      const v = versionNumber(version);
      const to = canonicalStage(required(stage, 'stage'));
      const archive = archive_existing_versions ?? false;
      if (archive && to !== 'staging' && to !== 'production')
        invalid(
          `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ['Staging', 'Production']`,
          { field: 'archive_existing_versions' },
        );
      await lathe(model, v, () =>
        registry.stage({ ref: `${model}@${v}`, stage: to, archiveExisting: archive }),
      );
      const at = now();
      await db.tx(async (sql) => {
        const row = await versionOf(sql, model, v);
        await touchVersion(sql, text(row.id), at);
        await touchModel(sql, text(row.model_id), at);
      });
      return { model_version: await versionOut(db, model, v) };
    },

    async 'mlflow:model-versions:get-download-uri'({ name, version }) {
      const row = await versionOf(db, required(name, 'name'), versionNumber(version));
      const uri = sourceOf(row);
      // A run's model: where the artifacts proxy serves it (MLflow resolves runs:/ the same way).
      const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(uri);
      if (runs) {
        const run = await db.one<{ experiment_id: string; artifact_uri: string | null }>(
          'SELECT experiment_id, artifact_uri FROM runs WHERE id = ?',
          [runs[1]!],
        );
        if (run) {
          const base =
            textOrNull(run.artifact_uri) ?? runArtifactUri(text(run.experiment_id), runs[1]!);
          return { artifact_uri: runs[2] ? `${base}/${runs[2]}` : base };
        }
      }
      return { artifact_uri: uri };
    },
  };
}
