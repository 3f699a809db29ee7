// Batch prediction from the app (predict:batch): scores a file with a registered version's package (the
// one packageOf keeps per model@version, shared with serving) off the main thread (batch.ts), reports
// progress and records the batch.
import { randomUUID } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  parseModelRef,
  type PredictBatchIn,
  type PredictBatchOut,
  type PredictBatchRecord,
} from '../../shared/contract';
import type { EventBus } from '../api/event-bus';
import type { Database } from '../workspace/db';
import { workspacePaths } from '../workspace/paths';
import { runningJobs } from '../workspace/running-jobs';
import { groupDigits } from '../../shared/format';
import { predictBatch } from './batch';
import { addCaptureFile, addCaptureSource, ensureCaptureTable } from './capture';
import { capturesRowNumbers } from './capture-format';
import { packageOf, type PackageDeps } from './packaged-model';
import { makeDirs } from '../workspace/make-dirs';

export interface BatchService {
  /**
   * Scores `input` with the version `model` names into `output` (written whole or not at all), emitting
   * `data:progress` with the rows done, the rate and an ETA while it scores (up to SCORING_SHARE), then
   * once as it writes the output and once when the batch is recorded in prediction_batches (1, 'done').
   * Captures its rows (all, none or a sampled share) for the version's capture table with a `batch`
   * capture source stating the rate: the job's capture file is kept in the workspace (capture_files), and
   * its record, the source and the batch record land in one transaction.
   */
  predict(input: PredictBatchIn): Promise<PredictBatchOut>;
  /**
   * Stops the running batch predictions into `output` (resolved as `predict` resolves it): each fails as
   * CANCELLED having written and recorded nothing. False when none is running.
   */
  cancel(output: string): boolean;
  /**
   * The batches recorded for a model (`NAME`) or one version (`NAME@3`, `NAME@alias`: the version it
   * resolves to now), newest first.
   */
  list(ref: string): Promise<PredictBatchRecord[]>;
}

/**
 * The share of a batch job's progress its scoring takes: the output (and the capture) are written after
 * the last row is scored, which took 10 to 20% of a 3M-row job's time (bench/batch-vs-pandas.mjs), and
 * the job's record is committed last (fraction 1, 'done').
 */
export const SCORING_SHARE = 0.9;

export function createBatchService(
  deps: PackageDeps & { db: Database; bus: EventBus; workspaceDir: string },
): BatchService {
  const { db, bus } = deps;
  const capturesDir = workspacePaths(deps.workspaceDir).captures;
  /** The running jobs, by output file: `cancel` aborts them. */
  const running = runningJobs();
  /** One batch job (see `predict`); `signal` cancels it. */
  async function predictInto(
    input: PredictBatchIn,
    output: string,
    signal: AbortSignal,
  ): Promise<PredictBatchOut> {
    const { dir, version: v } = await packageOf(deps, input.model);
    const id = randomUUID();
    const at = new Date();
    const rate =
      input.capture === undefined || input.capture === 'all'
        ? 1
        : input.capture === 'none'
          ? 0
          : input.capture;
    // The job writes its captured rows to a Parquet file with its own DuckDB (narrow: no constant or
    // derived text), which the workspace keeps as it is (capture.ts CaptureFile).
    const table = rate > 0 ? await ensureCaptureTable(db, v) : null;
    const capture = table
      ? {
          file: join(deps.tmpDir, 'capture', `${id}.parquet`),
          columns: table.columns,
          // The batch's capture source has the batch's id: its rows are `_source = <batch id>`.
          source: id,
          at,
          rowIdPrefix: id,
          rate,
        }
      : undefined;
    const kept = join(capturesDir, `${id}.parquet`);
    let committed = false;
    if (capture) makeDirs(dirname(capture.file));
    try {
      const result = await predictBatch({
        signal,
        packageDir: dir,
        input: resolve(input.input),
        output,
        idColumn: input.idColumn,
        ...(input.passthrough ? { keep: input.passthrough } : {}),
        overwrite: input.overwrite ?? false,
        chunkRows: input.chunkRows,
        ...(capture ? { capture } : {}),
        onProgress: ({ stage, rows, total, elapsedMs }) => {
          if (stage === 'writing') {
            bus.emit('data:progress', {
              op: 'predict',
              name: output,
              fraction: SCORING_SHARE,
              message: `${groupDigits(rows)}/${groupDigits(rows)} rows scored, writing the output${capture ? ' and the capture' : ''}`,
            });
            return;
          }
          const rowsPerSecond = elapsedMs > 0 ? (rows * 1000) / elapsedMs : 0;
          bus.emit('data:progress', {
            op: 'predict',
            name: output,
            fraction: SCORING_SHARE * (total > 0 ? Math.min(1, rows / total) : 1),
            message: `${groupDigits(rows)}/${groupDigits(total)} rows, ${groupDigits(rowsPerSecond)} rows/s`,
            // The output written after the last row takes about the rest of the job (SCORING_SHARE).
            ...(rowsPerSecond > 0
              ? { etaMs: ((total / SCORING_SHARE - rows) / rowsPerSecond) * 1000 }
              : {}),
          });
        },
      });
      // A capture file of no rows (a sampled share of a small input) is not kept.
      const keep = capture && table && result.captured > 0;
      if (keep) renameSync(capture.file, kept);
      await db.tx(async (sql) => {
        if (capture && table) {
          if (keep)
            await addCaptureFile(
              sql,
              deps.workspaceDir,
              table.table,
              {
                ...capture,
                file: kept,
                byId: input.idColumn !== undefined,
                rowNumbers: capturesRowNumbers(input.idColumn !== undefined, rate),
              },
              result.captured,
            );
          await addCaptureSource(sql, {
            id: capture.source,
            kind: 'batch',
            model: v.model,
            version: v.version,
            rows: result.captured,
            rate,
            detail: input.input,
          });
        }
        await sql.run(
          `INSERT INTO prediction_batches (id, "at", model, version, input, input_sha256, output, "rows", duration_ms, capture_rate)
           VALUES (?, epoch_ms(?::BIGINT), ?, ?, ?, ?, ?, ?, ?, ?)`,
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
            rate,
          ],
        );
      });
      committed = true;
      bus.emit('data:progress', {
        op: 'predict',
        name: output,
        fraction: 1,
        message: `${groupDigits(result.rows)}/${groupDigits(result.rows)} rows, done`,
      });
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
        capture: { rate, rows: result.captured, source: capture?.source ?? null },
        unreadable: result.unreadable,
      };
    } finally {
      if (capture) rmSync(capture.file, { force: true });
      // A kept file whose record did not commit is nobody's.
      if (!committed) rmSync(kept, { force: true });
    }
  }

  return {
    predict(input) {
      const output = resolve(input.output);
      return running.run(output, (signal) => predictInto(input, output, signal));
    },

    cancel: (output) => running.cancel(resolve(output)),

    async list(ref) {
      const parts = parseModelRef(ref);
      // Resolving names the unknown model or version (NOT_FOUND) instead of listing nothing.
      const resolved = await deps.registry.version(ref);
      const where =
        parts.kind === 'latest'
          ? { sql: 'model = ?', params: [resolved.model] }
          : { sql: 'model = ? AND version = ?', params: [resolved.model, resolved.version] };
      const rows = await db.all<{
        id: string;
        at_ms: number | bigint;
        model: string;
        version: number;
        input: string;
        input_sha256: string;
        output: string;
        rows: number | bigint;
        duration_ms: number;
        capture_rate: number | null;
      }>(
        `SELECT id, epoch_ms("at") AS at_ms, model, version, input, input_sha256, output, "rows", duration_ms,
                capture_rate
         FROM prediction_batches WHERE ${where.sql} ORDER BY "at" DESC, id`,
        where.params,
      );
      return rows.map((r) => ({
        id: r.id,
        at: new Date(Number(r.at_ms)).toISOString(),
        model: r.model,
        version: r.version,
        input: r.input,
        inputSha256: r.input_sha256,
        output: r.output,
        rows: Number(r.rows),
        durationMs: r.duration_ms,
        captureRate: r.capture_rate,
      }));
    },
  };
}
