// Gates: a project's policy checked against an evaluation — metric floors, fairness gaps, the baseline
// margin, named critical segments, and "not worse than the champion on the same rows" by a paired
// bootstrap or McNemar's test. Each gate is recorded with what was observed.
import {
  lowerIsBetter,
  tasksComputing,
  type EvaluationReport,
  type GateResult,
  type GateSet,
} from '../../shared/contract';
import { mcnemar, meanOverRows, pairedBootstrap, predictClasses } from './metrics';
import type { ScoredRows } from './predict';

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : Number.isInteger(v) ? String(v) : v.toPrecision(4);

function bound(
  gate: string,
  what: string,
  observed: number | null,
  b: { min?: number; max?: number },
): GateResult[] {
  const out: GateResult[] = [];
  if (b.min !== undefined)
    out.push({
      gate,
      description: `${what} ≥ ${fmt(b.min)}`,
      observed,
      threshold: b.min,
      passed: observed !== null && observed >= b.min,
      ...(observed === null ? { detail: `${what} was not computed in this evaluation` } : {}),
    });
  if (b.max !== undefined)
    out.push({
      gate,
      description: `${what} ≤ ${fmt(b.max)}`,
      observed,
      threshold: b.max,
      passed: observed !== null && observed <= b.max,
      ...(observed === null ? { detail: `${what} was not computed in this evaluation` } : {}),
    });
  return out;
}

/** Per-row correctness (classification) or absolute error (regression) of scored rows. */
function perRow(scored: ScoredRows): {
  correct: Float64Array | null;
  absError: Float64Array | null;
} {
  if (scored.classes.length) {
    const predicted = predictClasses(scored.probs, scored.rows, scored.classes.length);
    return {
      correct: Float64Array.from(predicted, (p, i) => (p === scored.labels[i] ? 1 : 0)),
      absError: null,
    };
  }
  return {
    correct: null,
    absError: Float64Array.from(scored.actual, (y, i) => Math.abs(y - scored.predicted[i]!)),
  };
}

/** The champion scored on the challenger's rows, or why there is none to compare with. */
export type ChampionScore =
  { label: string; scored: ScoredRows } | { skip: string } | { label: string; error: string };

/**
 * Why a gate on `metric` does not apply to the report's task, or null when it does. The project default
 * serves every task, so its gate on another task's metric is skipped; a model's own gates name its task's
 * metrics, so there the mismatch fails with the same words.
 */
function otherTask(metric: string, report: EvaluationReport): string | null {
  const tasks = tasksComputing(metric);
  if (!tasks || tasks.includes(report.task)) return null;
  return `${metric} is a ${tasks.join('/')} metric; this model's task is ${report.task}`;
}

export function checkGates(args: {
  policy: GateSet;
  report: EvaluationReport;
  scored: ScoredRows;
  champion: ChampionScore | null;
  seed: number;
  /** The gates are the project default (they serve every task), not a model's own. */
  projectDefault?: boolean;
}): GateResult[] {
  const { policy, report, scored } = args;
  const gates: GateResult[] = [];
  const skipOrFail = (results: GateResult[], why: string): GateResult[] =>
    results.map((g) =>
      args.projectDefault
        ? { ...g, passed: true, skipped: true, detail: `skipped: ${why} (a project-wide gate)` }
        : { ...g, passed: false, detail: why },
    );
  for (const m of policy.metrics) {
    const observed = report.metrics[m.metric];
    const results = bound(`metric:${m.metric}`, m.metric, observed ?? null, m);
    const why = otherTask(m.metric, report);
    gates.push(...(why ? skipOrFail(results, why) : results));
  }
  for (const f of policy.fairness) {
    const r = report.fairness.find((x) => x.column === f.column);
    const key = {
      demographic_parity_difference: 'demographicParityDifference',
      disparate_impact_ratio: 'disparateImpactRatio',
      equal_opportunity_difference: 'equalOpportunityDifference',
      equalized_odds_difference: 'equalizedOddsDifference',
    } as const;
    gates.push(
      ...bound(
        `fairness:${f.column}:${f.metric}`,
        `${f.metric} by ${f.column}`,
        r ? r[key[f.metric]] : null,
        f,
      ),
    );
  }
  if (policy.baseline) {
    const { metric, margin } = policy.baseline;
    const model = report.metrics[metric];
    const base = report.baseline.metrics[metric];
    const gain =
      model === undefined || model === null || base === undefined || base === null
        ? null
        : lowerIsBetter(metric)
          ? base - model
          : model - base;
    const why = otherTask(metric, report);
    const result: GateResult = {
      gate: `baseline:${metric}`,
      description: `beats the baseline on ${metric} by ≥ ${fmt(margin)}`,
      observed: gain,
      threshold: margin,
      passed: gain !== null && gain >= margin,
      detail:
        gain === null
          ? `${metric} was not computed in this evaluation`
          : `model ${fmt(model)} vs ${report.baseline.kind} ${fmt(base)}`,
    };
    gates.push(...(why ? skipOrFail([result], why) : [result]));
  }
  const rows = perRow(scored);
  for (const s of policy.segments) {
    const values = scored.segments[s.column];
    const metric = rows.correct ? 'accuracy' : 'mae';
    let observed: number | null = null;
    let count = 0;
    if (values) {
      let sum = 0;
      values.forEach((v, i) => {
        if (v === null || String(v) !== String(s.segment)) return;
        count++;
        sum += rows.correct ? rows.correct[i]! : rows.absError![i]!;
      });
      observed = count ? sum / count : null;
    }
    for (const g of bound(
      `segment:${s.column}=${s.segment}`,
      `${metric} where ${s.column} = ${s.segment}`,
      observed,
      s,
    ))
      gates.push({
        ...g,
        detail: !values
          ? `column '${s.column}' is not in the evaluated rows`
          : count === 0
            ? `no evaluated row has ${s.column} = ${s.segment}`
            : `${count} rows`,
      });
  }
  if (policy.champion) {
    gates.push(championGate(policy.champion, scored, rows, args.champion, args.seed));
  }
  return gates;
}

function championGate(
  spec: NonNullable<GateSet['champion']>,
  scored: ScoredRows,
  rows: ReturnType<typeof perRow>,
  champion: ChampionScore | null,
  seed: number,
): GateResult {
  const gate = `champion:${spec.test}`;
  const metric = rows.correct ? 'accuracy' : 'mae';
  const description = `not significantly worse than the champion on ${metric} (${spec.test}, α = ${spec.alpha})`;
  const verdict = (observed: number | null, passed: boolean, detail: string): GateResult => ({
    gate,
    description,
    observed,
    threshold: spec.alpha,
    passed,
    detail,
  });
  if (!champion || 'skip' in champion)
    return {
      ...verdict(null, true, champion?.skip ?? 'no champion yet: passes, nothing to compare'),
      skipped: true,
    };
  if ('error' in champion) return verdict(null, false, champion.error);
  const other = perRow(champion.scored);
  if (
    champion.scored.rows !== scored.rows ||
    champion.scored.classes.join('\u0000') !== scored.classes.join('\u0000')
  )
    return verdict(
      null,
      false,
      `the champion (${champion.label}) scores different rows or classes: they cannot be compared`,
    );
  if (spec.test === 'mcnemar') {
    if (!rows.correct || !other.correct)
      return verdict(null, false, "McNemar's test needs classifiers; use test: bootstrap");
    const t = mcnemar(other.correct, rows.correct);
    // b: only the champion right; c: only the challenger right. Worse = significantly more b than c.
    const worse = t.b > t.c && t.p_value < spec.alpha;
    return verdict(
      t.p_value,
      !worse,
      `vs ${champion.label}: only the champion right on ${t.b} rows, only this model on ${t.c}; p = ${fmt(t.p_value)} (${t.method})`,
    );
  }
  // Higher is better for the bootstrap: accuracy, or the negated absolute error.
  const mine = rows.correct ?? rows.absError!.map((v) => -v);
  const theirs = other.correct ?? other.absError!.map((v) => -v);
  const b = pairedBootstrap(scored.rows, meanOverRows(theirs), meanOverRows(mine), {
    iterations: spec.iterations,
    level: 1 - spec.alpha,
    seed,
  });
  // Significantly worse: the whole interval of (this − champion) lies below zero.
  const worse = b.ci_high < 0;
  const sign = rows.correct ? 1 : -1;
  return verdict(
    sign * b.observed_diff,
    !worse,
    `vs ${champion.label}: ${metric} difference ${fmt(sign * b.observed_diff)}, ${Math.round((1 - spec.alpha) * 100)}% interval [${fmt(sign * (sign > 0 ? b.ci_low : b.ci_high))}, ${fmt(sign * (sign > 0 ? b.ci_high : b.ci_low))}]`,
  );
}
