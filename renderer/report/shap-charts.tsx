/**
 * The report's TreeSHAP charts, drawn once for the Evaluation view and the offline HTML report: mean |SHAP|
 * bars per input (stacked by class for a multiclass model) and a beeswarm (one dot per stored row and
 * input: SHAP value across, the input's value as colour from low to high). Props in, SVG out, no DOM.
 * Dots are drawn as zero-length round-capped path segments, one path per colour step and input, which
 * keeps 10,000 dots to about 120 kB of markup in the HTML file.
 */
import type { Explanations, ShapFeature } from '../../shared/contract';
import { extent, niceTicks } from '../../shared/contract';
import { formatNumber } from '../../shared/format';
import { SERIES_COLORS } from './charts';
import { linearScale, round1 } from './report-model';

/** Inputs drawn before "show all". */
export const SHAP_TOP = 20;

const ROW = 22;
const LEFT = 160;
const RIGHT = 16;
const TOP = 10;
const WIDTH = 640;
const DOT = 3.2;
/** Colour steps of the value scale (the legend shows each). */
const STEPS = 11;
const LOW = [0, 139, 251] as const;
const HIGH = [255, 0, 82] as const;
const MISSING = '#a9b0bb';
const CATEGORY = '#5b6472';

/** The colour of step `i` of STEPS, from blue (low) through purple to red (high). */
export function stepColor(i: number): string {
  const t = i / (STEPS - 1);
  const c = LOW.map((lo, k) => Math.round(lo + (HIGH[k]! - lo) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** The colour step of a value within its input's [lo, hi] range (clamped); null: missing. */
export function valueStep(v: number | null, range: ShapFeature['range']): number | null {
  if (v === null || !range) return null;
  const [lo, hi] = range;
  const t = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0.5;
  return Math.round(t * (STEPS - 1));
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * Vertical offsets of a beeswarm row: dots sorted across, each bucket of a dot's width stacked
 * outwards from the middle (0, +1, −1, +2 …) and folded back within the row's half height.
 */
export function swarmOffsets(xs: readonly number[], dot: number, half: number): number[] {
  const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x || a.i - b.i);
  const out = new Array<number>(xs.length).fill(0);
  const maxLevel = Math.max(0, Math.floor(half / (dot * 0.6)));
  let bucket = Number.NaN;
  let n = 0;
  for (const { x, i } of order) {
    const b = Math.floor(x / dot);
    n = b === bucket ? n + 1 : 0;
    bucket = b;
    const level = maxLevel ? Math.ceil(n / 2) % (maxLevel + 1) : 0;
    out[i] = level === 0 ? 0 : round1((n % 2 === 1 ? 1 : -1) * level * dot * 0.6);
  }
  return out;
}

/** Mean |SHAP| of an input: for one output, or summed over all of them (`output` null). */
export function meanAbsOf(f: ShapFeature, output: number | null): number {
  return output === null ? f.meanAbs.reduce((a, b) => a + b, 0) : (f.meanAbs[output] ?? 0);
}

/** The inputs in order for one output (by its mean |SHAP|) or for all (the report's ranking). */
export function rankedFor(e: Explanations, output: number | null): ShapFeature[] {
  if (output === null) return e.features;
  return e.features
    .map((f, i) => ({ f, i }))
    .sort((a, b) => meanAbsOf(b.f, output) - meanAbsOf(a.f, output) || a.i - b.i)
    .map(({ f }) => f);
}

function XTicks({
  domain,
  px,
  bottom,
}: {
  domain: [number, number];
  px: (v: number) => number;
  bottom: number;
}) {
  return (
    <>
      {niceTicks(domain[0], domain[1]).map((t) => (
        <g key={t}>
          <line className="grid" x1={px(t)} x2={px(t)} y1={TOP} y2={bottom} />
          <text className="tick" x={px(t)} y={bottom + 14} textAnchor="middle">
            {formatNumber(t)}
          </text>
        </g>
      ))}
    </>
  );
}

function FeatureLabel({ name, y }: { name: string; y: number }) {
  return (
    <text className="tick" x={LEFT - 8} y={y + 4} textAnchor="end">
      {truncate(name, 24)}
      <title>{name}</title>
    </text>
  );
}

/**
 * Mean |SHAP| per input, largest first: for one output, or (`output` null, multiclass) stacked by
 * class with a legend. `features` are the rows drawn, in order; `max` the axis end (so the rest of a long
 * list draws on the same scale).
 */
export function ShapBars({
  explanations,
  features,
  output,
  max,
  chart = 'shap-bars',
}: {
  explanations: Explanations;
  features: readonly ShapFeature[];
  output: number | null;
  max?: number;
  chart?: string;
}) {
  const e = explanations;
  const stacked = output === null && e.outputs.length > 1;
  const axisY = TOP + features.length * ROW;
  const h = axisY + 36;
  const top = max ?? Math.max(0, ...features.map((f) => meanAbsOf(f, output)));
  const domain: [number, number] = [0, top > 0 ? top * 1.04 : 1];
  const scale = linearScale(domain, [LEFT, WIDTH - RIGHT]);
  const px = (v: number) => round1(scale(v));
  const outputs = stacked ? e.outputs.map((_, k) => k) : [output ?? 0];
  return (
    <>
      <svg
        className="eval-chart"
        data-chart={chart}
        data-testid={`eval-chart-${chart}`}
        data-rows={features.length}
        viewBox={`0 0 ${WIDTH} ${h}`}
        width={WIDTH}
        height={h}
        role="img"
        aria-label={`Mean absolute SHAP value per input (${e.units})`}
      >
        <XTicks domain={domain} px={px} bottom={axisY} />
        {features.map((f, r) => {
          const y = TOP + r * ROW;
          let at = 0;
          return (
            <g key={f.feature} data-feature={f.feature}>
              <FeatureLabel name={f.feature} y={y + ROW / 2} />
              {outputs.map((k) => {
                const v = f.meanAbs[k] ?? 0;
                const x0 = px(at);
                at += v;
                return (
                  <rect
                    key={k}
                    className="bar"
                    x={x0}
                    y={y + 4}
                    width={Math.max(0.5, round1(px(at) - x0))}
                    height={ROW - 8}
                    fill={SERIES_COLORS[stacked ? k % SERIES_COLORS.length : 0]}
                  >
                    <title>
                      {`${f.feature}${stacked || e.outputs.length > 1 ? ` · ${e.outputs[k]}` : ''}: mean |SHAP| ${formatNumber(v)}`}
                    </title>
                  </rect>
                );
              })}
            </g>
          );
        })}
        <text className="axis-label" x={(LEFT + WIDTH) / 2} y={h - 4} textAnchor="middle">
          mean |SHAP value| ({e.units})
        </text>
      </svg>
      {stacked && (
        <div className="eval-legend" data-testid="eval-shap-classes">
          {e.outputs.map((name, k) => (
            <span key={name}>
              <i style={{ background: SERIES_COLORS[k % SERIES_COLORS.length] }} />
              {name}
            </span>
          ))}
        </div>
      )}
    </>
  );
}

/** The colour legend of the beeswarm: low → high in steps, and grey for missing values / categories. */
export function ShapLegend() {
  return (
    <div className="eval-legend shap-legend" data-testid="eval-shap-legend">
      <span>
        input value: low{' '}
        {Array.from({ length: STEPS }, (_, i) => (
          <i key={i} className="shap-step" style={{ background: stepColor(i), marginRight: 0 }} />
        ))}{' '}
        high
      </span>
      <span>
        <i style={{ background: MISSING }} />
        missing
      </span>
      <span>
        <i style={{ background: CATEGORY }} />
        category (codes have no order)
      </span>
    </div>
  );
}

/** The SHAP domain of a beeswarm for one output over the given inputs. */
export function shapDomain(features: readonly ShapFeature[], output: number): [number, number] {
  return extent([0, ...features.flatMap((f) => f.shap[output] ?? [])], 0.03);
}

/**
 * One output's beeswarm: a row per input in `features` order, a dot per stored row at its SHAP value,
 * coloured by the input's value. `domain` fixes the x axis (shared with the rest of a long list).
 */
export function ShapBeeswarm({
  explanations,
  features,
  output,
  domain,
  chart = 'shap-beeswarm',
}: {
  explanations: Explanations;
  features: readonly ShapFeature[];
  output: number;
  domain?: [number, number];
  chart?: string;
}) {
  const e = explanations;
  const d = domain ?? shapDomain(features, output);
  const axisY = TOP + features.length * ROW;
  const h = axisY + 36;
  const scale = linearScale(d, [LEFT, WIDTH - RIGHT]);
  const px = (v: number) => round1(scale(v));
  const label =
    e.outputs.length > 1
      ? `SHAP value for “${e.outputs[output]}” (${e.units})`
      : `SHAP value (${e.units})`;
  return (
    <svg
      className="eval-chart shap-beeswarm"
      data-chart={chart}
      data-testid={`eval-chart-${chart}`}
      data-rows={features.length}
      data-output={e.outputs[output]}
      viewBox={`0 0 ${WIDTH} ${h}`}
      width={WIDTH}
      height={h}
      role="img"
      aria-label={`SHAP beeswarm: ${label}`}
    >
      <XTicks domain={d} px={px} bottom={axisY} />
      <line className="zero" x1={px(0)} x2={px(0)} y1={TOP} y2={axisY} />
      {features.map((f, r) => {
        const cy = TOP + r * ROW + ROW / 2;
        const shap = f.shap[output] ?? [];
        const xs = shap.map(px);
        const dy = swarmOffsets(xs, DOT, ROW / 2 - 2);
        // One path per colour: STEPS value steps, then missing, then category.
        const paths = Array.from({ length: STEPS + 2 }, () => [] as string[]);
        xs.forEach((x, i) => {
          const step = f.categorical
            ? f.values[i] === null
              ? STEPS
              : STEPS + 1
            : (valueStep(f.values[i] ?? null, f.range) ?? STEPS);
          paths[step]!.push(`M${x} ${round1(cy + dy[i]!)}h0`);
        });
        return (
          <g key={f.feature} data-feature={f.feature} data-points={xs.length}>
            <FeatureLabel name={f.feature} y={cy} />
            {paths.map((p, s) =>
              p.length ? (
                <path
                  key={s}
                  className="shap-dots"
                  d={p.join('')}
                  stroke={s < STEPS ? stepColor(s) : s === STEPS ? MISSING : CATEGORY}
                  strokeWidth={DOT}
                  strokeLinecap="round"
                />
              ) : null,
            )}
            <title>
              {`${f.feature}: mean |SHAP| ${formatNumber(f.meanAbs[output] ?? 0)}${f.range ? `; colour: ${formatNumber(f.range[0])} (low) to ${formatNumber(f.range[1])} (high)` : ''}`}
            </title>
          </g>
        );
      })}
      <text className="axis-label" x={(LEFT + WIDTH) / 2} y={h - 4} textAnchor="middle">
        {label}
      </text>
    </svg>
  );
}

/** One sentence on what the charts show and how many rows they rest on. */
export function shapCaption(e: Explanations): string {
  const explained =
    e.explainedRows < e.evaluatedRows
      ? `${formatNumber(e.explainedRows)} of ${formatNumber(e.evaluatedRows)} rows (a seeded sample)`
      : `all ${formatNumber(e.evaluatedRows)} rows`;
  return `Exact TreeSHAP on ${explained}; each dot is one of ${formatNumber(e.storedRows.length)} of them. A SHAP value is how far that input moved the row's output (${e.units}) from the base value.`;
}
