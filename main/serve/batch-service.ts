// Batch prediction from the app (predict:batch): packages a registered version into a temporary folder,
// scores a file with it off the main thread (batch.ts), reports progress and records the batch.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PredictBatchIn, PredictBatchOut, Run } from '../../shared/contract';
import type { EventBus } from '../api/event-bus';
import type { RegistryStore } from '../registry/registry-store';
import type { ArtifactStore } from '../workspace/artifacts';
import type { Database } from '../workspace/db';
import { predictBatch } from './batch';
import { writeModelPackage } from './package';

export interface BatchService {
  /**
   * Scores `input` with the version `model` names into `output` (written whole or not at all), emitting
   * `data:progress` with the rows done, the rate and an ETA, and records the batch in prediction_batches.
   */
  predict(input: PredictBatchIn): Promise<PredictBatchOut>;
}

export function createBatchService(deps: {
  db: Database;
  registry: Pick<RegistryStore, 'version'>;
  getRun(id: string): Promise<Run>;
  artifacts: ArtifactStore;
  bus: EventBus;
  /** Where model packages are staged while they score. */
  tmpDir: string;
  latheVersion: string;
}): BatchService {
  const { db, registry, artifacts, bus } = deps;
  return {
    async predict(input) {
      const v = await registry.version(input.model);
      const run = v.runId === null ? null : await deps.getRun(v.runId);
      const dir = mkdtempSync(join(deps.tmpDir, 'package-'));
      try {
        await writeModelPackage({
          version: v,
          run,
          artifacts,
          dir,
          latheVersion: deps.latheVersion,
        });
        const output = resolve(input.output);
        const result = await predictBatch({
          packageDir: dir,
          input: resolve(input.input),
          output,
          idColumn: input.idColumn,
          chunkRows: input.chunkRows,
          onProgress: ({ rows, total, elapsedMs }) => {
            const rate = elapsedMs > 0 ? (rows * 1000) / elapsedMs : 0;
            bus.emit('data:progress', {
              op: 'predict',
              name: output,
              fraction: total > 0 ? Math.min(1, rows / total) : 1,
              message: `${rows.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows, ${Math.round(rate).toLocaleString('en-US')} rows/s`,
              ...(rate > 0 ? { etaMs: ((total - rows) / rate) * 1000 } : {}),
            });
          },
        });
        const id = randomUUID();
        const at = new Date();
        await db.run(
          'INSERT INTO prediction_batches VALUES (?, epoch_ms(?::BIGINT), ?, ?, ?, ?, ?, ?, ?)',
          [
            id,
            at.getTime(),
            v.model,
            v.version,
            input.input,
            result.inputSha256,
            result.output,
            result.rows,
            result.durationMs,
          ],
        );
        return {
          id,
          model: v.model,
          version: v.version,
          input: input.input,
          files: result.files,
          inputSha256: result.inputSha256,
          output: result.output,
          columns: result.columns,
          rows: result.rows,
          durationMs: result.durationMs,
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
