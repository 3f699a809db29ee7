// Model cards: a version's edited card, or one generated from its run, its data and its latest evaluation.
import {
  ModelCard,
  type EvaluationReport,
  type ModelCardOut,
  type ModelVersion,
} from '../../shared/contract';
import type { DataService } from '../data/data-service';
import type { TrackingStore } from '../tracking/tracking-store';
import type { ArtifactStore } from '../workspace/artifacts';
import type { Database } from '../workspace/db';
import type { AuditLog } from './audit';
import { cardMarkdown, generateCard, generateImportedCard } from './model-card';
import { resolveRow, type VersionRow } from './refs';
import { readModelFiles } from './signature';

export interface Cards {
  /** The card of the version a reference names: its edited one, else a generated one. */
  get(ref: string): Promise<ModelCardOut>;
  /** Stores an edited card for a version, audited. */
  set(ref: string, card: ModelCard): Promise<ModelCardOut>;
  /** The card as Markdown. */
  markdown(ref: string): Promise<string>;
}

export function createCards(deps: {
  db: Database;
  tracking: Pick<TrackingStore, 'get'>;
  data: Pick<DataService, 'resolve'>;
  artifacts: ArtifactStore;
  hydrate: (rows: VersionRow[]) => Promise<ModelVersion[]>;
  latestEvaluation?: (versionId: string) => Promise<EvaluationReport | null>;
  audit: AuditLog;
  actor: () => string;
  now: () => Date;
}): Cards {
  const { db, tracking, data, artifacts, hydrate, audit, actor, now } = deps;
  const latest = async (versionId: string) =>
    deps.latestEvaluation ? deps.latestEvaluation(versionId) : null;

  const cardOut = async (row: VersionRow, version: ModelVersion): Promise<ModelCardOut> => {
    if (row.card) {
      const stored = JSON.parse(row.card) as {
        card: unknown;
        updatedAt: string;
        updatedBy: string;
      };
      return {
        model: version.model,
        version: version.version,
        card: ModelCard.parse(stored.card),
        edited: true,
        updatedAt: stored.updatedAt,
        updatedBy: stored.updatedBy,
      };
    }
    if (version.runId === null || !version.lineage)
      return {
        model: version.model,
        version: version.version,
        card: generateImportedCard(version, await latest(version.id)),
        edited: false,
        updatedAt: null,
        updatedBy: null,
      };
    const run = await tracking.get(version.runId);
    const files = await readModelFiles(artifacts, run);
    const dv = await data.resolve(`${version.lineage.dataset}@${version.lineage.datasetVersion}`);
    return {
      model: version.model,
      version: version.version,
      card: generateCard(version, run, files, dv.rows, await latest(version.id)),
      edited: false,
      updatedAt: null,
      updatedBy: null,
    };
  };

  const get = async (ref: string): Promise<ModelCardOut> => {
    const row = await resolveRow(db, ref);
    return cardOut(row, (await hydrate([row]))[0]!);
  };

  return {
    get,

    async set(ref, card) {
      const parsed = ModelCard.parse(card);
      const at = now();
      const by = actor();
      const target = await resolveRow(db, ref);
      await db.tx(async (sql) => {
        const row = await resolveRow(sql, `${target.model}@${Number(target.version)}`);
        await sql.run('UPDATE model_versions SET card = ?::JSON WHERE id = ?', [
          JSON.stringify({ card: parsed, updatedAt: at.toISOString(), updatedBy: by }),
          row.id,
        ]);
        await audit(sql, at, {
          action: 'card',
          modelId: row.model_id,
          version: Number(row.version),
          details: { edited: row.card ? 'card' : 'generated card' },
        });
      });
      return get(`${target.model}@${Number(target.version)}`);
    },

    async markdown(ref) {
      const row = await resolveRow(db, ref);
      const version = (await hydrate([row]))[0]!;
      return cardMarkdown(version, (await cardOut(row, version)).card);
    },
  };
}
