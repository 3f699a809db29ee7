// The messier vega-datasets tables the GBDT quality tests compare on, and how the claim is judged on
// them. Issue 14: GBDT with its defaults is ahead of the linear model and the MLP on tables with nulls,
// dates and strings with hundreds of values. Lathe's default feature spec prepares each model's inputs
// (for the networks: mean imputation with missing indicators, one-hot of the 50 most frequent values, a
// date as one standardized number; for GBDT: NaN for nulls, ordinal codes split natively, a date's
// parts). The networks stop early on val_loss and keep their best epoch, which favours them (the epoch is
// chosen on the rows they are judged on); GBDT trains its 100 default rounds.
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import {
  compareModels,
  gbdtMargin,
  qualityTable,
  type QualityResult,
  type QualitySet,
} from './compare';

const q = (name: string) => `'${vega(name).replaceAll("'", "''")}'`;
export const MESSY_SETS: (QualitySet & { sql: string })[] = [
  {
    // 3,201 films: IMDB rating from budget, grosses, DVD sales (82 % null), running time (62 % null),
    // Rotten Tomatoes rating (27 % null), rating, genre, source, 165 distributors, 579 directors (42 %
    // null) and the release date. Titles are identifiers: left out.
    dataset: 'movies',
    sql: `SELECT * EXCLUDE ("Title", "Release Date"),
            strptime("Release Date", '%b %d %Y')::DATE AS "Release Date" FROM ${q('movies.json')}`,
    target: 'IMDB Rating',
    task: 'regression',
    epochs: 60,
    patience: 8,
  },
  {
    // 10,000 bird strikes: was the aircraft damaged? From 50 airports, 222 aircraft models, 37 operators
    // and 37 species, the flight date, phase, time of day, bird size and speed (28 % null). The costs,
    // which are zero exactly when nothing was damaged, are left out.
    dataset: 'birdstrikes',
    sql: `SELECT * EXCLUDE ("Effect Amount of damage", "Cost Other", "Cost Repair", "Cost Total $"),
            "Effect Amount of damage" <> 'None' AS damaged FROM ${q('birdstrikes.csv')}`,
    target: 'damaged',
    task: 'binary',
    epochs: 40,
    patience: 8,
  },
  {
    // 20,000 flights: delayed more than 15 minutes? From the departure time, distance, 235 origins and
    // 254 destinations.
    dataset: 'flights',
    sql: `SELECT strptime(date, '%Y/%m/%d %H:%M') AS departure, distance, origin, destination,
            delay > 15 AS delayed FROM ${q('flights-20k.json')}`,
    target: 'delayed',
    task: 'binary',
    epochs: 30,
    patience: 8,
  },
  {
    // 6,508 football matches in five European leagues: did the home team win? From the date, league and
    // 94 home and away teams. Matches without a score (not played) have no target and are dropped.
    dataset: 'football',
    sql: `SELECT date, division, home_team, away_team, home_score > away_score AS home_win
          FROM ${q('football.json')}`,
    target: 'home_win',
    task: 'binary',
    epochs: 40,
    patience: 8,
  },
];

/**
 * Sets where the claim does not hold today, with GBDT's margin measured when this was written (primary
 * metric minus the best other). Reported to the lead (issue 14, helper G's report); these are findings,
 * not a relaxed claim: the test prints them, fails if a margin gets worse by more than 0.01, and fails
 * when the claim starts to hold, so the entry is removed and the set is judged like the others.
 * - football: whether the home team wins is close to additive in the two teams' strengths, which a
 *   linear model over their one-hot columns fits directly; XGBoost 1.7 with the same defaults (100
 *   trees, depth 6, learning rate 0.1) also stays below scikit-learn's logistic regression on three
 *   random splits (AUC 0.643–0.669 against 0.677–0.697).
 * - birdstrikes: depth-6 trees split the 222 aircraft models and 50 airports into category groups that
 *   overfit 7,500 rows (GBDT's val_loss 0.291 against the linear model's 0.270); with an earlier trainer
 *   maxDepth 3 reached AUC 0.809 and early stopping 0.790, still below 0.812. XGBoost's native categorical splits lose to its
 *   one-hot input here too (0.784–0.800 against 0.805–0.830).
 */
export const KNOWN_SHORTFALLS: Record<string, number> = {
  birdstrikes: -0.0187,
  football: -0.017,
};

/**
 * Imports `names` of MESSY_SETS into a fresh workspace (in beforeAll) and returns a function that trains
 * the three models on each and judges the claim: GBDT ahead, or, for a known shortfall, not further
 * behind than measured and not yet ahead. Prints every validation metric side by side.
 */
export function messyComparison(names: string[]): () => Promise<void> {
  const sets = names.map((n) => MESSY_SETS.find((s) => s.dataset === n)!);
  const t = tempDir('lathe-gbdt-quality-messy-');
  let services: Services;
  const { call } = contractClient(() => services);
  beforeAll(async () => {
    services = await createServices({ workspaceDir: join(t.dir, 'ws') });
    for (const s of sets) await call('data:importQuery', { sql: s.sql, name: s.dataset });
  });
  afterAll(async () => {
    await services?.close();
    t.remove();
  });
  return async () => {
    const results: QualityResult[] = [];
    for (const s of sets) results.push(await compareModels(call, s));
    console.log(`validation metrics (* best; ◀ judged):\n${qualityTable(results)}`);
    for (const r of results) {
      const margin = gbdtMargin(r);
      const known = KNOWN_SHORTFALLS[r.set];
      if (known === undefined) {
        expect.soft(margin, `${r.set}: gbdt minus the best other`).toBeGreaterThan(0);
        continue;
      }
      console.log(
        `CLAIM FAILS on ${r.set}: gbdt is ${(-margin).toFixed(4)} behind the best other (known shortfall, reported)`,
      );
      expect
        .soft(margin, `${r.set}: the claim now holds; remove it from KNOWN_SHORTFALLS`)
        .toBeLessThanOrEqual(0);
      expect
        .soft(margin, `${r.set}: gbdt fell further behind than the known ${known}`)
        .toBeGreaterThanOrEqual(known - 0.01);
    }
  };
}
