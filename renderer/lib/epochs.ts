import type { MetricPoint, TrainProgress } from '../../shared/contract';

/** Per-epoch values of a run, merged from the stored history and live progress events. */
export type EpochTable = Map<number, Record<string, number>>;

export function fromHistory(points: MetricPoint[]): EpochTable {
  const table: EpochTable = new Map();
  for (const p of points) {
    const row = table.get(p.step) ?? {};
    row[p.key] = p.value;
    table.set(p.step, row);
  }
  return table;
}

export function withProgress(table: EpochTable, progress: TrainProgress): EpochTable {
  const next = new Map(table);
  next.set(progress.epoch, {
    ...(table.get(progress.epoch) ?? {}),
    loss: progress.loss,
    val_loss: progress.valLoss,
    ...progress.metrics,
  });
  return next;
}

/** Merges two tables; values in `b` win. */
export function mergeTables(a: EpochTable, b: EpochTable): EpochTable {
  const next = new Map(a);
  for (const [epoch, row] of b) next.set(epoch, { ...(a.get(epoch) ?? {}), ...row });
  return next;
}

export function metricKeys(table: EpochTable): Set<string> {
  const keys = new Set<string>();
  for (const row of table.values()) for (const k of Object.keys(row)) keys.add(k);
  return keys;
}
