import {
  CHAMPION,
  LatheError,
  ModelCard,
  betterOf,
  type ComparedMetric,
  type Model,
  type ModelCardOut,
  type ModelDetail,
  type ModelStage,
  type EvaluationReport,
  type ModelVersion,
  type ModelsAliasIn,
  type ModelsCompareOut,
  type ModelsHistoryOut,
  type ModelsRegisterIn,
  type ModelSignature,
  type ModelsStageIn,
  type VersionSource,
} from '../../shared/contract';
import type { DataService } from '../data/data-service';
import type { TrackingStore } from '../tracking/tracking-store';
import type { ArtifactStore } from '../workspace/artifacts';
import { text, type Database, type Sql } from '../workspace/db';
import { createAuditLog, osActor, readAudit } from './audit';
import { createCards } from './cards';
import { replayHistory } from './history';
import { createRegistration } from './registration';
import { createVersionReader } from './versions';
import { VERSION_SELECT, modelRow, resolveRow, type VersionRow } from './refs';

export { osActor } from './audit';

/** Whether a version may be promoted (alias `champion`, stage `production`), and the gates it failed. */
export type PromotionCheck = (
  version: ModelVersion,
) => Promise<{ passed: boolean; failures: string[] }>;

/**
 * Scores two versions on one held-out dataset for models:compare (the evaluation service provides it);
 * null when there is nothing to score them on.
 */
export type PairEvaluation = (
  a: ModelVersion,
  b: ModelVersion,
) => Promise<ModelsCompareOut['evaluation']>;

export interface RegistryDeps {
  db: Database;
  tracking: TrackingStore;
  data: DataService;
  artifacts: ArtifactStore;
  /** Asked before every promotion. */
  checkPromotion: PromotionCheck;
  /** Extension point for models:compare: evaluation of both versions on the same data. */
  evaluatePair?: PairEvaluation;
  /** A version's latest evaluation, for the generated model card. */
  latestEvaluation?: (versionId: string) => Promise<EvaluationReport | null>;
  /** Who changes the registry; default the OS user. */
  actor?: () => string;
  /** The clock audit entries are stamped with (tests). */
  now?: () => Date;
}

/** A checked ONNX import (main/serve/onnx-import.ts) whose files are already in the artifact store. */
export interface ImportedVersionIn {
  name: string;
  description?: string;
  /** The project of a new model; default `Default`. */
  project?: string;
  signature: ModelSignature;
  source: Extract<VersionSource, { kind: 'import' }>;
  /** The version's files in the artifact store (model.onnx, signature.json). */
  files: { path: string; sha256: string; sizeBytes: number }[];
}

/**
 * The model registry: models, their numbered versions (a run's model), aliases, stages, model cards and
 * the audit log. Every change is one transaction that writes its audit entries with it, so a failed
 * change leaves the registry (and its log) as it was.
 */
export interface RegistryStore {
  /** Registers a finished run's model as the next version of `name` (created when new). */
  register(input: ModelsRegisterIn): Promise<ModelVersion>;
  /**
   * Registers an ONNX model trained elsewhere, already checked against its signature and stored, as the
   * next version of `name` (created when new). Refuses a file that already is a version of the model.
   */
  registerImport(input: ImportedVersionIn): Promise<ModelVersion>;
  /** Models (of a project) with their latest version, aliases and stage counts. */
  list(project?: string): Promise<Model[]>;
  /** The model a reference names (the reference must resolve), with every version newest first. */
  get(ref: string): Promise<ModelDetail>;
  /** The version a reference resolves to; NOT_FOUND names the model, version or alias. */
  version(ref: string): Promise<ModelVersion>;
  /** Points `alias` at the version `ref` resolves to; moving `champion` is a gated promotion. */
  alias(input: ModelsAliasIn): Promise<ModelVersion>;
  /** Removes an alias; NOT_FOUND when the model has no such alias. */
  unalias(input: { name: string; alias: string; reason?: string }): Promise<ModelDetail>;
  /** Sets a version's stage; `production` is a gated promotion. */
  stage(input: ModelsStageIn): Promise<ModelVersion>;
  /** The model's audit log oldest first; with `at`, the aliases and stages replayed up to then. */
  history(name: string, at?: string): Promise<ModelsHistoryOut>;
  cardGet(ref: string): Promise<ModelCardOut>;
  cardSet(ref: string, card: ModelCard): Promise<ModelCardOut>;
  cardMarkdown(ref: string): Promise<string>;
  compare(a: string, b: string): Promise<ModelsCompareOut>;
  /** `model@version` of every registered version backed by one of these runs (full ids). */
  versionsOfRuns(runIds: string[]): Promise<string[]>;
  /** Throws INVALID_INPUT naming the model versions when a soft-deleted run backs one (before gc purges). */
  assertNoDeletedRegisteredRuns(): Promise<void>;
}

const isPromotion = (change: { alias?: string; stage?: ModelStage }) =>
  change.alias === CHAMPION || change.stage === 'production';

export function createRegistryStore(deps: RegistryDeps): RegistryStore {
  const { db, tracking, data, artifacts } = deps;
  const actor = deps.actor ?? osActor;
  const now = deps.now ?? (() => new Date());

  const audit = createAuditLog(actor);
  const { hydrate, version: versionOf, models } = createVersionReader({ db, tracking });
  const cards = createCards({
    db,
    tracking,
    data,
    artifacts,
    hydrate,
    latestEvaluation: deps.latestEvaluation,
    audit,
    actor,
    now,
  });

  /** Asks the gates when a change is a promotion; throws GATE_FAILED unless an override reason is given. */
  const gate = async (
    version: ModelVersion,
    change: { alias?: string; stage?: ModelStage },
    override: string | undefined,
  ): Promise<string[]> => {
    if (!isPromotion(change)) return [];
    const result = await deps.checkPromotion(version);
    if (result.passed) return [];
    const failures = result.failures.length ? result.failures : ['a promotion gate failed'];
    if (!override) {
      const what = change.alias ? `alias '${change.alias}'` : `stage '${change.stage}'`;
      throw new LatheError(
        'GATE_FAILED',
        `${version.model}@${version.version} cannot take ${what}: ${failures.join('; ')} (give an override reason to promote it anyway)`,
        { model: version.model, version: version.version, failures },
      );
    }
    return failures;
  };

  /**
   * Moves an alias or sets a stage of `target`: `write` makes the change and its audit entries in one
   * transaction. A promotion is gated first (unless `gated` is false); one that passes by override adds an
   * `override` entry naming the failures it passed.
   */
  const changeVersion = async (
    target: ModelVersion,
    change: { alias: string } | { stage: ModelStage },
    override: string | undefined,
    write: (sql: Sql, row: VersionRow, at: Date) => Promise<void>,
    gated = true,
  ): Promise<ModelVersion> => {
    const failures = gated ? await gate(target, change, override) : [];
    const at = now();
    await db.tx(async (sql) => {
      const row = await resolveRow(sql, `${target.model}@${target.version}`);
      await write(sql, row, at);
      if (failures.length)
        await audit(sql, at, {
          action: 'override',
          modelId: row.model_id,
          version: target.version,
          details: { of: 'alias' in change ? 'alias' : 'stage', ...change, failures },
          reason: override!,
        });
    });
    return versionOf(`${target.model}@${target.version}`);
  };

  const registration = createRegistration({
    db,
    tracking,
    data,
    artifacts,
    audit,
    actor,
    now,
    version: versionOf,
  });

  return {
    register: (input) => registration.register(input),
    registerImport: (input) => registration.registerImport(input),

    async list(project) {
      const all = await models(project ? 'WHERE p.name = ?' : '', project ? [project] : []);
      return all.map(({ versions: _versions, ...m }) => m);
    },

    async get(ref) {
      const row = await resolveRow(db, ref);
      return (await models('WHERE m.id = ?', [row.model_id]))[0]!;
    },

    version: versionOf,

    async alias({ ref, alias, reason, override }) {
      const target = await versionOf(ref);
      if (target.aliases.includes(alias)) return target;
      return changeVersion(target, { alias }, override, async (sql, row, at) => {
        const current = await sql.one<{ version: number }>(
          'SELECT version FROM model_aliases WHERE model_id = ? AND alias = ?',
          [row.model_id, alias],
        );
        await sql.run(
          `INSERT INTO model_aliases VALUES (?, ?, ?, epoch_ms(?::BIGINT))
           ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
          [row.model_id, alias, target.version, at.getTime()],
        );
        await audit(sql, at, {
          action: 'alias',
          modelId: row.model_id,
          version: target.version,
          details: { alias, from: current ? Number(current.version) : null, to: target.version },
          reason: reason ?? override ?? null,
        });
      });
    },

    async unalias({ name, alias, reason }) {
      const at = now();
      await db.tx(async (sql) => {
        const model = await modelRow(sql, name);
        const current = await sql.one<{ version: number }>(
          'SELECT version FROM model_aliases WHERE model_id = ? AND alias = ?',
          [model.id, alias],
        );
        if (!current)
          throw new LatheError('NOT_FOUND', `model '${name}' has no alias '${alias}'`, {
            model: name,
            alias,
          });
        await sql.run('DELETE FROM model_aliases WHERE model_id = ? AND alias = ?', [
          model.id,
          alias,
        ]);
        await audit(sql, at, {
          action: 'unalias',
          modelId: model.id,
          version: Number(current.version),
          details: { alias, from: Number(current.version) },
          reason: reason ?? null,
        });
      });
      return (await models('WHERE m.name = ?', [name]))[0]!;
    },

    async stage({ ref, stage, reason, override, archiveExisting }) {
      const target = await versionOf(ref);
      if (archiveExisting && stage !== 'staging' && stage !== 'production')
        throw new LatheError(
          'INVALID_INPUT',
          `archiveExisting applies to staging and production, not '${stage}'`,
          { field: 'archiveExisting' },
        );
      if (target.stage === stage && !archiveExisting) return target;
      const write = async (sql: Sql, row: VersionRow, at: Date) => {
        if (text(row.stage) !== stage) {
          await sql.run('UPDATE model_versions SET stage = ? WHERE id = ?', [stage, row.id]);
          await audit(sql, at, {
            action: 'stage',
            modelId: row.model_id,
            version: target.version,
            details: { from: text(row.stage), to: stage },
            reason: reason ?? override ?? null,
          });
        }
        if (archiveExisting) {
          const others = await sql.all<{ id: string; version: number }>(
            'SELECT id, version FROM model_versions WHERE model_id = ? AND stage = ? AND id <> ? ORDER BY version',
            [row.model_id, stage, row.id],
          );
          for (const other of others) {
            await sql.run("UPDATE model_versions SET stage = 'archived' WHERE id = ?", [other.id]);
            await audit(sql, at, {
              action: 'stage',
              modelId: row.model_id,
              version: Number(other.version),
              details: { from: stage, to: 'archived' },
              reason: `archived: v${target.version} moved to ${stage}${reason ? ` (${reason})` : ''}`,
            });
          }
        }
      };
      // Archiving the others of a stage the version already has changes no stage of its own: no gate.
      return changeVersion(target, { stage }, override, write, target.stage !== stage);
    },

    async history(name, at) {
      const model = await modelRow(db, name);
      const entries = await readAudit(db, { id: model.id, name });
      return { model: name, entries, state: at === undefined ? null : replayHistory(entries, at) };
    },

    cardGet: (ref) => cards.get(ref),
    cardSet: (ref, card) => cards.set(ref, card),
    cardMarkdown: (ref) => cards.markdown(ref),

    async compare(a, b) {
      const [va, vb] = [await versionOf(a), await versionOf(b)];
      const keys = [...new Set([...Object.keys(va.metrics), ...Object.keys(vb.metrics)])].sort();
      const metrics = keys.map((key): ComparedMetric => {
        const x = va.metrics[key] ?? null;
        const y = vb.metrics[key] ?? null;
        return { key, a: x, b: y, better: betterOf(key, x, y) };
      });
      return {
        a: va,
        b: vb,
        metrics,
        sameData:
          va.lineage !== null &&
          vb.lineage !== null &&
          va.lineage.datasetHash === vb.lineage.datasetHash,
        evaluation: deps.evaluatePair ? await deps.evaluatePair(va, vb) : null,
      };
    },

    async versionsOfRuns(runIds) {
      if (!runIds.length) return [];
      const rows = await db.all<{ model: string; version: number }>(
        `${VERSION_SELECT} WHERE mv.run_id IN (${runIds.map(() => '?').join(', ')}) ORDER BY m.name, mv.version`,
        runIds,
      );
      return rows.map((r) => `${text(r.model)}@${Number(r.version)}`);
    },

    async assertNoDeletedRegisteredRuns() {
      const rows = await db.all<{ model: string; version: number; run_id: string }>(
        `${VERSION_SELECT} JOIN runs r ON r.id = mv.run_id WHERE r.deleted_at IS NOT NULL ORDER BY m.name, mv.version`,
      );
      if (rows.length)
        throw new LatheError(
          'INVALID_INPUT',
          `cannot purge deleted runs that back registered model versions: ${rows
            .map((r) => `run ${text(r.run_id)} (${text(r.model)}@${Number(r.version)})`)
            .join(', ')}; restore them with lathe runs restore`,
          { versions: rows.map((r) => `${text(r.model)}@${Number(r.version)}`) },
        );
    },
  };
}
