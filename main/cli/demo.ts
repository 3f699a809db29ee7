import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  LatheError,
  TrainConfig,
  type ImportOut,
  type Profile,
  type Run,
} from '../../shared/contract';
import { sqlInteger, sqlLiteral } from '../api/workspace';
import { withSession, type Ctx } from './command';
import { importWith, trainWith } from './runners';

/** The 3M-row flights sample that ships in the vega-datasets npm package. */
export function flightsFile(): string {
  const file = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-3m.parquet');
  if (!existsSync(file))
    throw new LatheError('FILE_NOT_FOUND', `sample data missing: ${file} (reinstall with npm ci)`);
  return file;
}

export interface DemoResult {
  workspace: string;
  flights: ImportOut;
  profile: Profile;
  sample: ImportOut;
  run: Run;
}

/** The models the tour trains: an MLP, or gradient-boosted trees as bench/gbdt-vs-xgboost.mjs sets them. */
export type DemoModel = 'mlp' | 'gbdt';

/**
 * The headless tour: import 3M flights, profile them, derive a deterministic training sample with
 * hour/day-of-week/month/distance/origin/destination -> delayed (> 15 min), train an MLP (`epochs` epochs)
 * or a GBDT (`epochs` rounds, depth 6, learning rate 0.3), return the run.
 */
export async function runDemo(
  ctx: Ctx,
  options: { rows: number; epochs: number; model?: string },
): Promise<DemoResult> {
  if (!Number.isInteger(options.rows) || options.rows < 100)
    throw new LatheError('INVALID_INPUT', `--rows: ${options.rows} is too few (at least 100)`);
  if (!Number.isInteger(options.epochs) || options.epochs < 1)
    throw new LatheError('INVALID_INPUT', `--epochs: ${options.epochs} must be a positive integer`);
  const model = options.model ?? 'mlp';
  if (model !== 'mlp' && model !== 'gbdt')
    throw new LatheError('INVALID_INPUT', `--model: '${model}' is not mlp or gbdt`, {
      field: 'model',
    });
  const file = flightsFile();
  return withSession(ctx, async ({ api }) => {
    ctx.say(`Workspace ${ctx.workspaceDir}\nImporting ${file}…`);
    const flights = await importWith(api, ctx, { path: file, name: 'flights' });
    ctx.say(
      `Imported ${flights.version.rows.toLocaleString('en-US')} flights in ${flights.durationMs} ms; profiling…`,
    );
    const profile = await api.invoke('data:profile', { ref: 'flights' });
    ctx.say(
      `Profiled in ${profile.durationMs} ms; sampling ${options.rows.toLocaleString('en-US')} flights for training…`,
    );
    // A hash order over row numbers: the same sample on every machine and every run.
    const sample = await importWith(api, ctx, {
      name: 'flights_delay',
      sql: `SELECT hour(date) AS hour, dayofweek(date) AS day_of_week, month(date) AS month, distance, origin, destination,
              delay > 15 AS delayed
            FROM read_parquet(${sqlLiteral(file)}, file_row_number = true)
            ORDER BY hash(file_row_number + 42) LIMIT ${sqlInteger(options.rows)}`,
    });
    const config = TrainConfig.parse({
      dataset: 'flights_delay',
      target: 'delayed',
      task: 'binary',
      features: ['hour', 'day_of_week', 'month', 'distance', 'origin', 'destination'],
      ...(model === 'gbdt'
        ? {
            model: { type: 'gbdt', trees: options.epochs, maxDepth: 6, learningRate: 0.3 },
            training: { validationFraction: 0.2 },
          }
        : {
            model: { type: 'mlp', hidden: [64, 64] },
            training: {
              epochs: options.epochs,
              batchSize: 256,
              learningRate: 0.001,
              validationFraction: 0.2,
            },
          }),
      seed: 42,
      experiment: 'demo',
    });
    ctx.say(
      `Training ${model === 'gbdt' ? `${options.epochs} boosted trees` : 'an MLP'} to predict delays over 15 minutes…`,
    );
    const run = await trainWith(api, ctx, config);
    return { workspace: ctx.workspaceDir, flights, profile, sample, run };
  });
}
