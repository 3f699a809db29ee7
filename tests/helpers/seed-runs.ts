import type { Services } from '../../main/services';
import { refillLatestSql } from '../../main/tracking/tracking-store';
import { runRecorder } from './services';

export interface SeedOptions {
  /** How many runs in all (children included). */
  runs: number;
  /** Metric keys per run: val_auc, val_accuracy, val_loss, loss, then metric_04, metric_05, … */
  metrics: number;
  /** Logged steps per metric key (the list shows the last). Default 1. */
  steps?: number;
  /** Extra params p_00, p_01, … beside model.type, training.learningRate, training.epochs and seed. */
  extraParams?: number;
  /** Experiments the runs are spread over, in blocks of 50. Default ['alpha', 'beta']. */
  experiments?: string[];
  project?: string;
}

/** The id the seeded run number `i` gets (deterministic, so tests can name runs). */
export const seededRunId = (i: number) => `r${String(i).padStart(6, '0')}`;

/** The metric keys `seedRuns` logs for `n` metrics. */
export function seededMetricKeys(n: number): string[] {
  const named = ['val_auc', 'val_accuracy', 'val_loss', 'loss'];
  return Array.from({ length: n }, (_, k) => named[k] ?? `metric_${String(k).padStart(2, '0')}`);
}

/**
 * Fills a workspace with many runs quickly: one real run per experiment through the tracking store (so
 * every column is filled the way training fills it), then copies of it made in SQL with their own id,
 * name, times, status, params and metrics. Run `i` (0-based) is named `run-<i padded to 5>`, started `i`
 * seconds after 2026-01-01 (so the newest has the highest number); every 50th run is a cross-validation
 * whose next four runs are its folds; every 17th run failed. Metric values are a deterministic hash of
 * (run, key, step).
 */
export async function seedRuns(services: Services, options: SeedOptions): Promise<string[]> {
  const project = options.project ?? 'Default';
  const experiments = options.experiments ?? ['alpha', 'beta'];
  const steps = options.steps ?? 1;
  const db = services.workspace.db;
  const record = await runRecorder(services, {
    project,
    model: { type: 'mlp', hidden: [8] },
    label: 'seed',
  });
  const templates: string[] = [];
  for (const experiment of experiments)
    templates.push(await record({ name: 'template', experiment }));
  const template = templates[0]!;
  const expIds: string[] = [];
  for (const t of templates) {
    const row = await db.one<{ id: string }>('SELECT experiment_id AS id FROM runs WHERE id = ?', [
      t,
    ]);
    expIds.push(row!.id);
  }
  const expCase = `CASE (i // 50) % ${experiments.length} ${expIds
    .map((e, ix) => `WHEN ${ix} THEN '${e}'`)
    .join(' ')} END`;
  const id = (expr: string) => `('r' || lpad((${expr})::VARCHAR, 6, '0'))`;
  const n = Number(options.runs);
  await db.tx(async (sql) => {
    await sql.run(
      `INSERT INTO runs
       SELECT t.* REPLACE (
         ${id('i')} AS id,
         ${expCase} AS experiment_id,
         'run-' || lpad(i::VARCHAR, 5, '0') AS name,
         CASE WHEN i % 17 = 0 THEN 'failed' ELSE 'finished' END AS status,
         CASE WHEN i % 2 = 0 THEN 'mlp' ELSE 'linear' END AS model_type,
         'cpu' AS backend,
         TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i) AS started_at,
         TIMESTAMP '2026-01-01 00:00:00' + to_seconds(i + 30 + (i * 37) % 600) AS ended_at,
         CASE WHEN i % 17 = 0 THEN 'seeded failure' ELSE NULL END AS error,
         CASE WHEN i % 50 = 0 THEN 'cv' WHEN i % 50 BETWEEN 1 AND 4 THEN 'fold' ELSE 'train' END AS kind,
         CASE WHEN i % 50 BETWEEN 1 AND 4 THEN ${id('i - i % 50')} ELSE NULL END AS parent_id,
         NULL AS deleted_at)
       FROM runs t, range(${n}) g(i) WHERE t.id = ?`,
      [template],
    );
    const params = [
      `('model.type', CASE WHEN i % 2 = 0 THEN 'mlp' ELSE 'linear' END)`,
      `('training.learningRate', ['0.001', '0.01', '0.1'][i % 3 + 1])`,
      `('training.epochs', (10 + (i % 5) * 10)::VARCHAR)`,
      `('seed', i::VARCHAR)`,
      ...Array.from(
        { length: options.extraParams ?? 0 },
        (_, j) => `('p_${String(j).padStart(2, '0')}', ((i * 7 + ${j}) % 13)::VARCHAR)`,
      ),
    ];
    await sql.run(
      `INSERT INTO params SELECT ${id('i')}, p.k, p.v
       FROM range(${n}) g(i), LATERAL (VALUES ${params.join(', ')}) p(k, v)`,
    );
    await sql.run(
      `INSERT INTO tags SELECT ${id('i')}, 'team', CASE WHEN i % 3 = 0 THEN 'vision' ELSE 'speech' END
       FROM range(${n}) g(i)`,
    );
    const keys = seededMetricKeys(options.metrics);
    await sql.run(
      `INSERT INTO metrics
       SELECT ${id('i')}, ([${keys.map((k) => `'${k}'`).join(', ')}])[k + 1], s::INTEGER,
         1767225600000 + i * 1000 + s, ((i * 7919 + k * 104729 + s * 31) % 10007) / 10007.0
       FROM range(${n}) g(i), range(${keys.length}) m(k), range(${steps}) st(s)`,
    );
    // The latest point of each metric, as the tracking store keeps it when points are logged.
    await sql.run(refillLatestSql(`run_id IN (SELECT ${id('i')} FROM range(${n}) g(i))`));
    for (const t of templates) {
      await sql.run('DELETE FROM params WHERE run_id = ?', [t]);
      await sql.run('DELETE FROM tags WHERE run_id = ?', [t]);
      await sql.run('DELETE FROM runs WHERE id = ?', [t]);
    }
  });
  return Array.from({ length: n }, (_, i) => seededRunId(i));
}
