// Batch prediction from the app (predict:batch): scores a file with a registered version's package (the
// one packageOf keeps per model@version, shared with serving) off the main thread (batch.ts), reports
// progress and records the batch.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { PredictBatchIn, PredictBatchOut } from '../../shared/contract';
import type { EventBus } from '../api/event-bus';
import type { Database } from '../workspace/db';
import { predictBatch } from './batch';
import { packageOf, type PackageDeps } from './packaged-model';

export interface BatchService {
  /**
   * Scores `input` with the version `model` names into `output` (written whole or not at all), emitting
   * `data:progress` with the rows done, the rate and an ETA, and records the batch in prediction_batches.
   */
  predict(input: PredictBatchIn): Promise<PredictBatchOut>;
}

export function createBatchService(
  deps: PackageDeps & { db: Database; bus: EventBus },
): BatchService {
  const { db, bus } = deps;
  return {
    async predict(input) {
      const { dir, version: v } = await packageOf(deps, input.model);
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
    },
  };
}
