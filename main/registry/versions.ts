// Version records: model_versions rows with their aliases and their runs' lineage and metrics, and models
// with their versions.
import type { ModelDetail, ModelStage, ModelVersion, VersionSource } from '../../shared/contract';
import type { TrackingStore } from '../tracking/tracking-store';
import { text, type Database } from '../workspace/db';
import { iso } from '../workspace/projects';
import { MODEL_SELECT, VERSION_SELECT, resolveRow, type ModelRow, type VersionRow } from './refs';

export interface VersionReader {
  /** Full version records for rows, with their aliases and their runs' lineage and metrics. */
  hydrate: (rows: VersionRow[]) => Promise<ModelVersion[]>;
  /** The version a reference resolves to. */
  version: (ref: string) => Promise<ModelVersion>;
  /** Models matching `where` (SQL over MODEL_SELECT) by name, each with every version newest first. */
  models: (where: string, params: string[]) => Promise<ModelDetail[]>;
}

export function createVersionReader(deps: {
  db: Database;
  tracking: Pick<TrackingStore, 'getMany'>;
}): VersionReader {
  const { db, tracking } = deps;
  const hydrate = async (rows: VersionRow[]): Promise<ModelVersion[]> => {
    if (!rows.length) return [];
    const runIds = [...new Set(rows.flatMap((r) => (r.run_id === null ? [] : [text(r.run_id)])))];
    const runs = new Map(
      (runIds.length ? await tracking.getMany(runIds) : []).map((r) => [r.id, r]),
    );
    const modelIds = [...new Set(rows.map((r) => text(r.model_id)))];
    const aliasRows = await db.all<{ model_id: string; alias: string; version: number }>(
      `SELECT model_id, alias, version FROM model_aliases WHERE model_id IN (${modelIds.map(() => '?').join(', ')}) ORDER BY alias`,
      modelIds,
    );
    return rows.map((r): ModelVersion => {
      const base = {
        id: text(r.id),
        model: text(r.model),
        version: Number(r.version),
        stage: text(r.stage) as ModelStage,
        aliases: aliasRows
          .filter((a) => a.model_id === r.model_id && Number(a.version) === Number(r.version))
          .map((a) => text(a.alias)),
        signature: JSON.parse(text(r.signature)) as ModelVersion['signature'],
        createdAt: iso(r.created_at),
        createdBy: text(r.created_by),
      };
      if (r.run_id === null)
        return {
          ...base,
          runId: null,
          lineage: null,
          source: JSON.parse(text(r.source)) as VersionSource,
          metrics: {},
        };
      const run = runs.get(text(r.run_id))!;
      return {
        ...base,
        runId: run.id,
        lineage: {
          runId: run.id,
          runName: run.name,
          experiment: run.experiment,
          dataset: run.lineage.dataset,
          datasetVersion: run.lineage.datasetVersion,
          datasetHash: run.lineage.datasetHash,
          configHash: run.lineage.configHash,
          featureSpecHash: run.lineage.featureSpecHash ?? null,
          gitCommit: run.lineage.gitCommit ?? null,
        },
        source: { kind: 'run' },
        metrics: run.metrics,
      };
    });
  };

  const version = async (ref: string) => (await hydrate([await resolveRow(db, ref)]))[0]!;

  const models = async (where: string, params: string[]): Promise<ModelDetail[]> => {
    const rows = await db.all<ModelRow>(`${MODEL_SELECT} ${where} ORDER BY m.name`, params);
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const versions = await hydrate(
      await db.all<VersionRow>(
        `${VERSION_SELECT} WHERE mv.model_id IN (${ids.map(() => '?').join(', ')}) ORDER BY mv.version DESC`,
        ids,
      ),
    );
    return rows.map((m) => {
      const own = versions.filter((v) => v.model === m.name);
      const aliases: Record<string, number> = {};
      const stageCounts: Record<string, number> = {};
      for (const v of own) {
        for (const a of v.aliases) aliases[a] = v.version;
        stageCounts[v.stage] = (stageCounts[v.stage] ?? 0) + 1;
      }
      return {
        id: m.id,
        name: m.name,
        description: m.description,
        project: m.project,
        createdAt: iso(m.created_at),
        versionCount: own.length,
        latest: own[0] ?? null,
        aliases,
        stageCounts,
        versions: own,
      };
    });
  };

  return { hydrate, version, models };
}
