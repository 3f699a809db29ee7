// Aliases and stages: moving them, each move audited, gated when it promotes a version.
import {
  LatheError,
  type ModelDetail,
  type ModelStage,
  type ModelVersion,
  type ModelsAliasIn,
  type ModelsStageIn,
} from '../../shared/contract';
import { text, type Database, type Sql } from '../workspace/db';
import type { AuditLog } from './audit';
import { gateChange, type PromotionCheck } from './promotion';
import { modelRow, resolveRow, type VersionRow } from './refs';

export interface Labels {
  /** See RegistryStore.alias. */
  alias(input: ModelsAliasIn): Promise<ModelVersion>;
  /** See RegistryStore.unalias. */
  unalias(input: { name: string; alias: string; reason?: string }): Promise<ModelDetail>;
  /** See RegistryStore.stage. */
  stage(input: ModelsStageIn): Promise<ModelVersion>;
}

export function createLabels(deps: {
  db: Database;
  audit: AuditLog;
  now: () => Date;
  checkPromotion: PromotionCheck;
  version: (ref: string) => Promise<ModelVersion>;
  models: (where: string, params: string[]) => Promise<ModelDetail[]>;
}): Labels {
  const { db, audit, now, models } = deps;

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
    const failures = gated ? await gateChange(deps.checkPromotion, target, change, override) : [];
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
    return deps.version(`${target.model}@${target.version}`);
  };

  return {
    async alias({ ref, alias, reason, override }) {
      const target = await deps.version(ref);
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
      const target = await deps.version(ref);
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
  };
}
