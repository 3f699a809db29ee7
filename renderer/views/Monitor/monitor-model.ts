/**
 * Pure view-model of the Monitor view: the drift heatmap, the series its charts draw, the distributions a
 * heatmap cell opens, the champion timeline and the alert-rules editor's text. Unit-tested in
 * tests/unit/renderer/monitor-*.test.ts with contract-shaped fixtures.
 */
import { stringify as stringifyYaml } from 'yaml';
import {
  AlertRules,
  type AuditEntry,
  type Distribution,
  type DriftWindow,
  type DriftIn,
  type DriftMethod,
  type DriftOut,
  type HealthOut,
  type ModelDetail,
  type PerformanceOut,
  type ChannelInput,
  type RetrainJudgeOut,
  type WindowSpec,
} from '../../../shared/contract';
import { formatCount, formatNumber, formatRowRange } from '../../lib/format';
import { readYamlText, textProblems, type TextProblem } from '../../lib/yaml-text';

// ---------------------------------------------------------------------------------------------------
// Windows
// ---------------------------------------------------------------------------------------------------

/** A window's column label: the hour, the day or the week it starts, in UTC (as the service cuts them). */
export function windowLabel(start: string, window: WindowSpec | undefined): string {
  const d = new Date(start);
  if (Number.isNaN(d.getTime())) return start;
  const iso = d.toISOString();
  const day = iso.slice(5, 10);
  if (window === 'day' || window === 'week') return window === 'week' ? `wk ${day}` : day;
  return `${day} ${iso.slice(11, 16)}`;
}

/** A drift window's label: its rows by position for a window of N rows (they may share one time). */
export function driftWindowLabel(
  w: Pick<DriftWindow, 'start'> & Partial<Pick<DriftWindow, 'rows' | 'firstRow'>>,
  window: WindowSpec | undefined,
): string {
  return w.firstRow !== undefined && w.rows !== undefined
    ? `rows ${formatRowRange(w.firstRow, w.rows)}`
    : windowLabel(w.start, window);
}

/** The window choices of the pickers: by time, or every N rows. */
export const WINDOW_CHOICES: { value: string; label: string }[] = [
  { value: 'hour', label: 'hour' },
  { value: 'day', label: 'day' },
  { value: 'week', label: 'week' },
  { value: '1000', label: 'every 1,000 rows' },
  { value: '10000', label: 'every 10,000 rows' },
];

/** The windows a batch job is cut into: its rows share the job's time, so by row count only. */
export const BATCH_WINDOW_CHOICES: { value: string; label: string }[] = [
  { value: '', label: 'the whole job' },
  ...WINDOW_CHOICES.filter((c) => !Number.isNaN(Number(c.value))),
];

/** A picker's value as the contract's WindowSpec. */
export function parseWindow(value: string): WindowSpec {
  if (value === 'hour' || value === 'day' || value === 'week') return value;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : 'day';
}

// ---------------------------------------------------------------------------------------------------
// Drift heatmap
// ---------------------------------------------------------------------------------------------------

/** How strongly a cell drifts, for its shade: `ok` far from the threshold, `strong` far past it. */
export type DriftLevel = 'ok' | 'near' | 'drift' | 'strong';

const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare', 'ztest']);

/**
 * The distance to the threshold as one number, 1 at the threshold: statistic / threshold for distances,
 * threshold / p-value for tests (a smaller p-value drifts more). Infinity for a p-value of 0.
 */
export function driftScore(
  method: DriftMethod | null,
  statistic: number,
  pValue: number | undefined,
  threshold: number | null,
): number | null {
  if (threshold === null || threshold <= 0) return null;
  if (pValue !== undefined && (method === null || P_VALUE_METHODS.has(method)))
    return pValue <= 0 ? Infinity : threshold / pValue;
  return statistic / threshold;
}

export function driftLevel(drifted: boolean, score: number | null): DriftLevel {
  if (drifted) return score !== null && score >= 4 ? 'strong' : 'drift';
  return score !== null && score >= 0.5 ? 'near' : 'ok';
}

export interface HeatmapCell {
  feature: string;
  /** The window's index, or -1 for the whole of the current data. */
  window: number;
  statistic: number;
  pValue: number | undefined;
  drifted: boolean;
  level: DriftLevel;
  /** What a screen reader says and the tooltip shows. */
  label: string;
}

export interface HeatmapColumn {
  /** -1: every current row together. */
  index: number;
  label: string;
  start: string | null;
  end: string | null;
  rows: number;
  /** A window of N rows: its first row's position (DriftWindow.firstRow). */
  firstRow?: number;
  driftShare: number;
  datasetDrift: boolean;
}

export interface HeatmapRow {
  feature: string;
  method: DriftMethod | null;
  threshold: number | null;
  /** One per column, null where the window has no result for the feature. */
  cells: (HeatmapCell | null)[];
}

export interface Heatmap {
  columns: HeatmapColumn[];
  rows: HeatmapRow[];
  /** Whether the result has windows (else one column: every current row). */
  windowed: boolean;
}

function cellLabel(
  feature: string,
  column: string,
  method: DriftMethod | null,
  statistic: number,
  pValue: number | undefined,
  drifted: boolean,
): string {
  const test = `${method ?? 'statistic'} ${formatNumber(statistic)}`;
  const p = pValue === undefined ? '' : `, p ${formatNumber(pValue)}`;
  return `${feature}, ${column}: ${test}${p}, ${drifted ? 'drifted' : 'no drift'}`;
}

/**
 * Features × windows. Rows follow the whole result's features (most drifted first, then by name); a
 * window's feature the whole result lacks is added at the end. Without windows there is one column, the
 * whole current data; with windows, one column per window, oldest first.
 */
export function heatmapModel(
  drift: Pick<DriftOut, 'features' | 'windows'>,
  window?: WindowSpec,
): Heatmap {
  const whole = new Map(drift.features.map((f) => [f.feature, f]));
  const windowed = drift.windows.length > 0;
  const windows = [...drift.windows].sort((a, b) => a.start.localeCompare(b.start));
  const columns: HeatmapColumn[] = windowed
    ? windows.map((w, index) => ({
        index,
        label: driftWindowLabel(w, window),
        start: w.start,
        end: w.end,
        rows: w.rows,
        ...(w.firstRow !== undefined ? { firstRow: w.firstRow } : {}),
        driftShare: w.driftShare,
        datasetDrift: w.datasetDrift,
      }))
    : [
        {
          index: -1,
          label: 'all rows',
          start: null,
          end: null,
          rows: drift.features[0]?.currentRows ?? 0,
          driftShare: drift.features.length
            ? drift.features.filter((f) => f.drifted).length / drift.features.length
            : 0,
          datasetDrift: false,
        },
      ];
  const order = [...drift.features]
    .sort((a, b) => Number(b.drifted) - Number(a.drifted) || a.feature.localeCompare(b.feature))
    .map((f) => f.feature);
  for (const w of windows)
    for (const f of w.features) if (!order.includes(f.feature)) order.push(f.feature);

  const rows = order.map((feature): HeatmapRow => {
    const f = whole.get(feature);
    const method = f?.method ?? null;
    const threshold = f?.threshold ?? null;
    const cell = (
      column: HeatmapColumn,
      r: { statistic: number; pValue?: number; drifted: boolean } | undefined,
    ): HeatmapCell | null =>
      r
        ? {
            feature,
            window: column.index,
            statistic: r.statistic,
            pValue: r.pValue,
            drifted: r.drifted,
            level: driftLevel(r.drifted, driftScore(method, r.statistic, r.pValue, threshold)),
            label: cellLabel(feature, column.label, method, r.statistic, r.pValue, r.drifted),
          }
        : null;
    const cells = windowed
      ? columns.map((c) =>
          cell(
            c,
            windows[c.index]?.features.find((x) => x.feature === feature),
          ),
        )
      : [cell(columns[0]!, f)];
    return { feature, method, threshold, cells };
  });
  return { columns, rows, windowed };
}

/** A cell's place in the heatmap: row (feature) and column (window) positions. */
export interface CellAt {
  row: number;
  col: number;
}

/**
 * Where a key moves the focus in the heatmap, as in the WAI-ARIA grid pattern
 * (https://www.w3.org/WAI/ARIA/apg/patterns/grid/): arrows step to the next cell with a result in that
 * direction (skipping holes), Home/End go to the row's first/last one, Ctrl+Home/End to the grid's.
 * Null for other keys, or when there is nowhere to go.
 */
export function moveInHeatmap(
  heatmap: Pick<Heatmap, 'rows'>,
  from: CellAt,
  key: string,
  ctrl = false,
): CellAt | null {
  const has = (row: number, col: number) => heatmap.rows[row]?.cells[col] != null;
  const width = heatmap.rows[0]?.cells.length ?? 0;
  const step = (dr: number, dc: number): CellAt | null => {
    for (let r = from.row + dr, c = from.col + dc; ; r += dr, c += dc) {
      if (r < 0 || r >= heatmap.rows.length || c < 0 || c >= width) return null;
      if (has(r, c)) return { row: r, col: c };
    }
  };
  const firstIn = (rows: number[], cols: number[]): CellAt | null => {
    for (const r of rows) for (const c of cols) if (has(r, c)) return { row: r, col: c };
    return null;
  };
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  switch (key) {
    case 'ArrowRight':
      return step(0, 1);
    case 'ArrowLeft':
      return step(0, -1);
    case 'ArrowDown':
      return step(1, 0);
    case 'ArrowUp':
      return step(-1, 0);
    case 'Home':
      return ctrl
        ? firstIn(range(heatmap.rows.length), range(width))
        : firstIn([from.row], range(width));
    case 'End':
      return ctrl
        ? firstIn(range(heatmap.rows.length).reverse(), range(width).reverse())
        : firstIn([from.row], range(width).reverse());
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Distributions side by side
// ---------------------------------------------------------------------------------------------------

export interface DistributionBars {
  labels: string[];
  /** Shares of each label (each list sums to 1, or is all 0 without rows). */
  referenceShares: number[];
  currentShares: number[];
}

const shares = (counts: readonly number[]): number[] => {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
};

function binLabels(edges: readonly number[]): string[] {
  return edges.slice(0, -1).map((lo, i) => `${formatNumber(lo)} – ${formatNumber(edges[i + 1])}`);
}

/** Whether two numeric binnings share their edges (to a relative 1e-9). */
function sameEdges(a: readonly number[], b: readonly number[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => Math.abs(x - b[i]!) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(b[i]!)))
  );
}

/** The current counts re-binned onto the reference's edges, each bin's count at its midpoint. */
function rebin(edges: readonly number[], from: { edges: number[]; counts: number[] }): number[] {
  const out = new Array<number>(edges.length - 1).fill(0);
  from.counts.forEach((count, i) => {
    const mid = (from.edges[i]! + from.edges[i + 1]!) / 2;
    let at = edges.findIndex((lo, j) => j < edges.length - 1 && mid < edges[j + 1]! && mid >= lo);
    if (at < 0) at = mid < edges[0]! ? 0 : out.length - 1;
    out[at]! += count;
  });
  return out;
}

/**
 * The reference and current distributions on one axis, as shares: numeric bins on the reference's edges
 * (the current re-binned when its edges differ), or the union of categories, reference order first.
 */
export function compareDistributions(
  reference: Distribution,
  current: Distribution,
): DistributionBars {
  if (reference.kind === 'numeric' && current.kind === 'numeric') {
    const cur = sameEdges(reference.edges, current.edges)
      ? current.counts
      : rebin(reference.edges, current);
    return {
      labels: binLabels(reference.edges),
      referenceShares: shares(reference.counts),
      currentShares: shares(cur),
    };
  }
  const categories = (d: Distribution) =>
    d.kind === 'categorical' ? d.categories : binLabels(d.edges);
  const refCats = categories(reference);
  const curCats = categories(current);
  const labels = [...refCats, ...curCats.filter((c) => !refCats.includes(c))];
  const countsOn = (cats: string[], counts: number[]) =>
    labels.map((l) => {
      const i = cats.indexOf(l);
      return i < 0 ? 0 : (counts[i] ?? 0);
    });
  return {
    labels,
    referenceShares: shares(countsOn(refCats, reference.counts)),
    currentShares: shares(countsOn(curCats, current.counts)),
  };
}

// ---------------------------------------------------------------------------------------------------
// Prediction distribution per window (DriftWindow.prediction, when the reference keeps the prediction)
// ---------------------------------------------------------------------------------------------------

export interface StackedSeries {
  labels: string[];
  /** One per class or bin: its share of each window's predictions. */
  series: { key: string; values: number[] }[];
}

/**
 * The prediction distribution over time: per window, the share of each class (or prediction bin, on the
 * first window's edges). Windows without a prediction distribution are left out.
 */
export function predictionSeries(
  windows: readonly (Pick<DriftWindow, 'start' | 'prediction'> &
    Partial<Pick<DriftWindow, 'rows' | 'firstRow'>>)[],
  window?: WindowSpec,
): StackedSeries {
  const dists = [...windows]
    .sort((a, b) => a.start.localeCompare(b.start))
    .map((w) => ({ label: driftWindowLabel(w, window), d: w.prediction?.current ?? null }))
    .filter((x): x is { label: string; d: Distribution } => x.d !== null);
  const first = dists[0]?.d;
  if (!first) return { labels: [], series: [] };
  const aligned = dists.map((x) => compareDistributions(first, x.d));
  const keys = aligned.reduce<string[]>(
    (all, a) => [...all, ...a.labels.filter((l) => !all.includes(l))],
    [],
  );
  return {
    labels: dists.map((x) => x.label),
    series: keys.map((key) => ({
      key,
      values: aligned.map((a) => {
        const i = a.labels.indexOf(key);
        return i < 0 ? 0 : (a.currentShares[i] ?? 0);
      }),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------
// Health and performance series
// ---------------------------------------------------------------------------------------------------

export interface HealthSeries {
  labels: string[];
  requests: number[];
  rows: number[];
  errorRate: number[];
  errors4xx: number[];
  errors5xx: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
}

/**
 * One point per window start: volumes and errors summed over versions, the error rate recomputed from
 * them, and latency percentiles of the version that served most requests in the window (percentiles do
 * not add up).
 */
export function healthSeries(
  health: Pick<HealthOut, 'windows'>,
  window?: WindowSpec,
): HealthSeries {
  const byStart = new Map<string, HealthOut['windows']>();
  for (const w of health.windows) byStart.set(w.start, [...(byStart.get(w.start) ?? []), w]);
  const starts = [...byStart.keys()].sort();
  const sum = (ws: HealthOut['windows'], f: (w: HealthOut['windows'][number]) => number) =>
    ws.reduce((a, w) => a + f(w), 0);
  const out: HealthSeries = {
    labels: [],
    requests: [],
    rows: [],
    errorRate: [],
    errors4xx: [],
    errors5xx: [],
    p50: [],
    p95: [],
    p99: [],
  };
  for (const start of starts) {
    const ws = byStart.get(start)!;
    const requests = sum(ws, (w) => w.requests);
    const e4 = sum(ws, (w) => w.errors4xx);
    const e5 = sum(ws, (w) => w.errors5xx);
    const busiest = ws
      .filter((w) => w.latencyMs !== null)
      .sort((a, b) => b.requests - a.requests)[0]?.latencyMs;
    out.labels.push(windowLabel(start, window));
    out.requests.push(requests);
    out.rows.push(sum(ws, (w) => w.rows));
    out.errors4xx.push(e4);
    out.errors5xx.push(e5);
    out.errorRate.push(requests > 0 ? (e4 + e5) / requests : 0);
    out.p50.push(busiest?.p50 ?? null);
    out.p95.push(busiest?.p95 ?? null);
    out.p99.push(busiest?.p99 ?? null);
  }
  return out;
}

export interface PerformanceSeries {
  labels: string[];
  /** Metrics measured on labels, or estimated, in any window; the first is the default choice. */
  metrics: string[];
  actual: (metric: string) => (number | null)[];
  estimated: (metric: string) => (number | null)[];
  labelled: number[];
  rows: number[];
}

/** Metric preference for the default choice: the headline metric of each task first. */
const METRIC_ORDER = ['accuracy', 'roc_auc', 'f1', 'rmse', 'mae', 'r2'];

/** Actual (labelled) and estimated metrics per window, oldest first. */
export function performanceSeries(
  perf: Pick<PerformanceOut, 'windows'>,
  window?: WindowSpec,
): PerformanceSeries {
  const windows = [...perf.windows].sort((a, b) => a.start.localeCompare(b.start));
  const keys = new Set(
    windows.flatMap((w) => [...Object.keys(w.metrics), ...Object.keys(w.estimated)]),
  );
  const rank = (k: string) => {
    const i = METRIC_ORDER.indexOf(k);
    return i < 0 ? METRIC_ORDER.length : i;
  };
  const metrics = [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return {
    labels: windows.map((w) => windowLabel(w.start, window)),
    metrics,
    actual: (m) => windows.map((w) => w.metrics[m] ?? null),
    estimated: (m) => windows.map((w) => w.estimated[m] ?? null),
    labelled: windows.map((w) => w.labelled),
    rows: windows.map((w) => w.rows),
  };
}

// ---------------------------------------------------------------------------------------------------
// Current data of a drift run
// ---------------------------------------------------------------------------------------------------

/** What the drift panel compares with the reference. */
export type CurrentData =
  | { kind: 'captured'; from: string; to: string; window: string }
  /** `window`: '' for the job whole, or a row count (a job's rows share one time). */
  | { kind: 'batch'; batch: string; window: string }
  | { kind: 'dataset'; dataset: string; version: string };

/**
 * The drift input for a version and a current-data choice, or what is missing. Dates from
 * `<input type="datetime-local">` are read as UTC.
 */
export function driftInput(ref: string, current: CurrentData): DriftIn | { problem: string } {
  if (current.kind === 'batch') {
    if (!current.batch) return { problem: 'choose a batch job' };
    const rows = Number(current.window);
    return {
      ref,
      batch: current.batch,
      ...(rows > 0 && Number.isInteger(rows) ? { window: rows } : {}),
    };
  }
  if (current.kind === 'dataset') {
    const version = current.version.trim();
    if (!current.dataset) return { problem: 'choose a dataset' };
    if (version && !/^\d+$/.test(version))
      return { problem: `dataset version "${version}" is not a whole number` };
    return { ref, data: version ? `${current.dataset}@${version}` : current.dataset };
  }
  const iso = (local: string) => (local ? new Date(`${local}Z`).toISOString() : undefined);
  const from = iso(current.from);
  const to = iso(current.to);
  if (from && to && from >= to) return { problem: 'the range must end after it starts' };
  const range = from || to ? { range: { ...(from ? { from } : {}), ...(to ? { to } : {}) } } : {};
  return { ref, window: parseWindow(current.window), ...range };
}

// ---------------------------------------------------------------------------------------------------
// Champion timeline
// ---------------------------------------------------------------------------------------------------

export interface ChampionChange {
  id: string;
  at: string;
  actor: string;
  /** Null: the alias was removed. */
  to: number | null;
  from: number | null;
  reason: string | null;
  /** A rollback, or a promotion that overrode failed gates. */
  kind: 'promote' | 'rollback' | 'override' | 'remove';
}

const versionOf = (x: unknown): number | null =>
  typeof x === 'number' ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : null;

/**
 * Where `champion` pointed over time, newest first, from the model's audit log: each move of the alias
 * (a rollback when the audit says so, by its action or its details), its removal, and gate overrides.
 */
export function championTimeline(entries: readonly AuditEntry[]): ChampionChange[] {
  const out: ChampionChange[] = [];
  for (const e of entries) {
    const d = e.details;
    if (d.alias !== 'champion') continue;
    const action: string = e.action;
    const base = { id: e.id, at: e.at, actor: e.actor, reason: e.reason };
    if (action === 'unalias')
      out.push({ ...base, kind: 'remove', from: versionOf(d.from), to: null });
    else if (action === 'override')
      out.push({ ...base, kind: 'override', from: null, to: e.version });
    else
      out.push({
        ...base,
        kind: action === 'rollback' || d.rollback === true ? 'rollback' : 'promote',
        from: versionOf(d.from),
        to: versionOf(d.to) ?? e.version,
      });
  }
  return out.sort((a, b) => b.at.localeCompare(a.at));
}

// ---------------------------------------------------------------------------------------------------
// Alert rules editor
// ---------------------------------------------------------------------------------------------------

/** A starting rules file for a workspace without rules, for the model on screen. */
export function exampleRules(model: string): string {
  return `# Checked on this cron schedule while the app, lathe ui or lathe monitor watch runs.
schedule: '*/5 * * * *'
rules:
  - name: ${model}-drift
    model: ${model}
    signal: drift_share
    above: 0.3
    window: 1d
    severity: warning
  # - { name: ${model}-p99, model: ${model}, signal: latency_p99, above: 50, window: 1h }
`;
}

/** The rules as the editor shows them: the stored rules as YAML, or the example when there are none. */
export function rulesText(rules: AlertRules, model: string): string {
  return rules.rules.length ? stringifyYaml(rules) : exampleRules(model);
}

export type ParsedRules = { ok: true; rules: AlertRules } | { ok: false; errors: TextProblem[] };

/** The editor's YAML (or JSON) against the rules schema: the rules, or each problem by field. */
export function parseRulesText(text: string): ParsedRules {
  const read = readYamlText(text);
  if (!read.ok) return read;
  const r = AlertRules.safeParse(read.raw ?? {});
  if (r.success) return { ok: true, rules: r.data };
  const raw = read.raw as { rules?: unknown } | null;
  const rules = Array.isArray(raw?.rules) ? (raw.rules as unknown[]) : [];
  return {
    ok: false,
    errors: textProblems(r.error).map((p) => ({ ...p, path: rulePath(p.path, rules) })),
  };
}

/** `rules.1.above` as `rules[1] (p99-slow).above`: the rule's name says which one is wrong. */
function rulePath(path: string, rules: readonly unknown[]): string {
  const m = /^rules\.(\d+)(\..*)?$/.exec(path);
  if (!m) return path;
  const rule = rules[Number(m[1])];
  const name =
    typeof rule === 'object' && rule !== null && 'name' in rule && typeof rule.name === 'string'
      ? ` (${rule.name})`
      : '';
  return `rules[${m[1]}]${name}${m[2] ?? ''}`;
}

// ---------------------------------------------------------------------------------------------------
// Judging a canary
// ---------------------------------------------------------------------------------------------------

/** The Judge form's input: the retraining and, when typed, the canary requests a verdict needs. */
export function judgeInput(
  retrainingId: string,
  minRequests: string,
): ChannelInput<'retrain:judge'> | { problem: string } {
  const text = minRequests.trim();
  if (!text) return { ref: retrainingId };
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    return { problem: `min requests must be a whole number of 1 or more, not '${text}'` };
  return { ref: retrainingId, minRequests: n };
}

/** One compared measure of a verdict: the canary's value beside the champion's, as text. */
export interface JudgeMeasure {
  key: 'requests' | 'errors' | 'p99' | 'metric';
  label: string;
  canary: string;
  champion: string;
}

const pctText = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const msText = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} ms`);
const numText = (x: number | null) => (x === null ? 'n/a' : formatNumber(x));

/** What a verdict compared, challenger (canary) against champion over the same period. */
export function judgeMeasures(measured: RetrainJudgeOut['measured']): JudgeMeasure[] {
  const rows: JudgeMeasure[] = [
    {
      key: 'requests',
      label: 'requests',
      canary: formatCount(measured.canaryRequests),
      champion: formatCount(measured.championRequests),
    },
    {
      key: 'errors',
      label: '5xx rate',
      canary: pctText(measured.canaryErrorRate),
      champion: pctText(measured.championErrorRate),
    },
    {
      key: 'p99',
      label: 'latency p99',
      canary: msText(measured.canaryP99Ms),
      champion: msText(measured.championP99Ms),
    },
  ];
  if (measured.metric !== null)
    rows.push({
      key: 'metric',
      label: `${measured.metric}${measured.metricSource === 'cbpe' ? ' (CBPE estimate)' : ' (labelled rows)'}`,
      canary: numText(measured.canaryMetric),
      champion: numText(measured.championMetric),
    });
  return rows;
}

/** A verdict's banner class and heading. */
export const VERDICT_TEXT: Record<
  RetrainJudgeOut['verdict'],
  { banner: 'banner-ok' | 'banner-warn' | 'banner-error'; title: string }
> = {
  promoted: { banner: 'banner-ok', title: 'Promoted: the canary held' },
  held: { banner: 'banner-ok', title: 'The canary holds (not promoted)' },
  waiting: { banner: 'banner-warn', title: 'Waiting for more canary requests' },
  abandoned: { banner: 'banner-error', title: 'Abandoned: the canary did not hold' },
};

// ---------------------------------------------------------------------------------------------------
// The version picker
// ---------------------------------------------------------------------------------------------------

/**
 * The Monitor view watches one numbered version (captures are per version): the picker's refs are
 * `NAME@VERSION`, and an alias ref (the Deploy view's default, `NAME@champion`) is pinned to the
 * version it points at now, or null when it points nowhere.
 */
export function pinnedVersionRef(
  detail: Pick<ModelDetail, 'name' | 'versions'>,
  ref: string | null,
): string | null {
  if (ref === null) return null;
  const at = ref.slice(ref.lastIndexOf('@') + 1);
  if (/^\d+$/.test(at)) return ref;
  const v = detail.versions.find((x) => x.aliases.includes(at));
  return v ? `${detail.name}@${v.version}` : null;
}
