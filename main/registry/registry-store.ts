import {
  LatheError,
  ModelCard,
  betterOf,
  type ComparedMetric,
  type Model,
  type ModelCardOut,
  type ModelDetail,
  type EvaluationReport,
  type ModelVersion,
  type ModelsAliasIn,
  type ModelsCompareOut,
  type ModelsHistoryOut,
  type ModelsRegisterIn,
  type ModelsStageIn,
} from '../../shared/contract';
import type { DataService } from '../data/data-service';
import type { TrackingStore } from '../tracking/tracking-store';
import type { ArtifactStore } from '../workspace/artifacts';
import { text, type Database } from '../workspace/db';
import { createAuditLog, osActor, readAudit } from './audit';
import { createCards } from './cards';
import { replayHistory } from './history';
import { createLabels } from './labels';
import type { PromotionCheck } from './promotion';
import {
  createRegistration,
  type ImportedVersionIn,
  type RegisterDraft,
  type RegisterWrite,
} from './registration';
import { createVersionReader } from './versions';
import { VERSION_SELECT, modelRow, resolveRow } from './refs';

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
  /**
   * Computes, before a run's model is registered, what is stored with it in the same transaction
   * (monitoring's reference sketches). A failure to compute is reported on stderr and the version is
   * registered without it.
   */
  prepareRegister?: (draft: RegisterDraft) => Promise<RegisterWrite | null>;
}

/**
 * The model registry: models, their numbered versions (a run's model), aliases, stages, model cards and
 * the audit log. Every change is one transaction that writes its audit entries with it, so a failed
 * change leaves the registry (and its log) as it was.
 */
export interface RegistryStore {
  /**
   * Registers a finished run's model as the next version of `name` (created when new); `write` stores
   * more with it in the same transaction (what MLflow's model-versions/create was given).
   */
  register(input: ModelsRegisterIn, write?: RegisterWrite): Promise<ModelVersion>;
  /**
   * Registers an ONNX model trained elsewhere, already checked against its signature and stored, as the
   * next version of `name` (created when new). Refuses a file that already is a version of the model.
   */
  registerImport(input: ImportedVersionIn, write?: RegisterWrite): Promise<ModelVersion>;
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
  /** The same registry with changes stamped by `actor` (MLflow's API: the user of the request). */
  withActor(actor: () => string): RegistryStore;
}

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

  const labels = createLabels({
    db,
    audit,
    now,
    checkPromotion: deps.checkPromotion,
    version: versionOf,
    models,
  });
  const registration = createRegistration({
    db,
    tracking,
    data,
    artifacts,
    audit,
    actor,
    now,
    version: versionOf,
    ...(deps.prepareRegister ? { prepare: deps.prepareRegister } : {}),
  });

  return {
    register: (input, write) => registration.register(input, write),
    registerImport: (input, write) => registration.registerImport(input, write),

    async list(project) {
      const all = await models(project ? 'WHERE p.name = ?' : '', project ? [project] : []);
      return all.map(({ versions: _versions, ...m }) => m);
    },

    async get(ref) {
      const row = await resolveRow(db, ref);
      return (await models('WHERE m.id = ?', [row.model_id]))[0]!;
    },

    version: versionOf,
    alias: (input) => labels.alias(input),
    unalias: (input) => labels.unalias(input),
    stage: (input) => labels.stage(input),

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

    withActor: (by) => createRegistryStore({ ...deps, actor: by }),

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
