/**
 * The evaluation report's SVG charts, drawn once for the Evaluation view and the offline HTML report
 * (rendered to static markup there): props in, markup out, no DOM or window. Each chart carries
 * `data-chart` (what the HTML report's readers and tests look for) and `data-testid` (the view's).
 */
import type { ReactNode } from 'react';
import {
  extent,
  niceTicks,
  positivePrevalence,
  type EvaluationReport,
} from '../../shared/contract';
import { formatNumber, formatPercent } from '../../shared/format';
import {
  confusionCells,
  learningSeries,
  linearScale,
  round1,
  svgPoints,
  type Fairness,
  type Pt,
} from './report-model';

const W = 420;
const H = 300;
const PAD = { left: 52, right: 14, top: 12, bottom: 40 };
export const SERIES_COLORS = [
  '#2f6fde',
  '#e07b24',
  '#1f9d63',
  '#7a4fd6',
  '#c8372d',
  '#0f8b8d',
  '#a15c00',
];

type Scale = (v: number) => number;

/** A data-to-pixel scale rounded to a tenth of a pixel, which keeps the HTML file's markup short. */
function pixels(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const scale = linearScale(domain, range);
  return (v) => round1(scale(v));
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Axes, grid and labels around a plot; `children` draws with the data-to-pixel scales. */
function XYFrame({
  chart,
  testId = chart,
  label,
  x,
  y,
  xLabel,
  yLabel,
  width = W,
  height = H,
  xTicks = true,
  children,
}: {
  chart: string;
  /** The view's name for the chart when it differs from `chart`. */
  testId?: string;
  label: string;
  x: [number, number];
  y: [number, number];
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  xTicks?: boolean;
  children: (px: Scale, py: Scale) => ReactNode;
}) {
  const px = pixels(x, [PAD.left, width - PAD.right]);
  const py = pixels(y, [height - PAD.bottom, PAD.top]);
  return (
    <svg
      className="eval-chart"
      data-chart={chart}
      data-testid={`eval-chart-${testId}`}
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={label}
    >
      {xTicks &&
        niceTicks(x[0], x[1]).map((t) => (
          <g key={`x${t}`}>
            <line className="grid" x1={px(t)} x2={px(t)} y1={PAD.top} y2={height - PAD.bottom} />
            <text className="tick" x={px(t)} y={height - PAD.bottom + 14} textAnchor="middle">
              {formatNumber(t)}
            </text>
          </g>
        ))}
      {niceTicks(y[0], y[1]).map((t) => (
        <g key={`y${t}`}>
          <line className="grid" x1={PAD.left} x2={width - PAD.right} y1={py(t)} y2={py(t)} />
          <text className="tick" x={PAD.left - 6} y={py(t) + 3} textAnchor="end">
            {formatNumber(t)}
          </text>
        </g>
      ))}
      <rect
        className="plot-area"
        x={PAD.left}
        y={PAD.top}
        width={width - PAD.left - PAD.right}
        height={height - PAD.top - PAD.bottom}
      />
      <text
        className="axis-label"
        x={(PAD.left + width - PAD.right) / 2}
        y={height - 6}
        textAnchor="middle"
      >
        {xLabel}
      </text>
      <text
        className="axis-label"
        transform={`translate(12 ${(PAD.top + height - PAD.bottom) / 2}) rotate(-90)`}
        textAnchor="middle"
      >
        {yLabel}
      </text>
      {children(px, py)}
    </svg>
  );
}

function Series({
  name,
  points,
  color,
  px,
  py,
}: {
  name: string;
  points: readonly Pt[];
  color: string;
  px: Scale;
  py: Scale;
}) {
  return (
    <polyline
      className="series"
      data-series={name}
      data-points={points.length}
      points={svgPoints(points, px, py)}
      stroke={color}
    />
  );
}

function RefLine({ a, b, name, px, py }: { a: Pt; b: Pt; name: string; px: Scale; py: Scale }) {
  return (
    <line className="ref" data-ref={name} x1={px(a.x)} y1={py(a.y)} x2={px(b.x)} y2={py(b.y)} />
  );
}

export function Figure({
  title,
  caption,
  children,
}: {
  title: string;
  caption?: string | undefined;
  children: ReactNode;
}) {
  return (
    <figure className="eval-figure">
      {(title || caption) && (
        <figcaption>
          {title}
          {caption && <span className="muted"> {caption}</span>}
        </figcaption>
      )}
      {children}
    </figure>
  );
}

function aucCaption(value: number | null | undefined): string | undefined {
  return value === null || value === undefined ? undefined : `AUC ${formatNumber(value)}`;
}

/**
 * A figure whose axes are both 0–1 (rates, probabilities): ROC, precision–recall and calibration.
 * `diagonal` names the y = x reference line drawn under the series, when the chart has one.
 */
function UnitSquareFigure({
  title,
  caption,
  chart,
  label,
  xLabel,
  yLabel,
  diagonal,
  children,
}: {
  title: string;
  caption?: string | undefined;
  chart: string;
  label: string;
  xLabel: string;
  yLabel: string;
  diagonal?: string;
  children: (px: Scale, py: Scale) => ReactNode;
}) {
  return (
    <Figure title={title} caption={caption}>
      <XYFrame chart={chart} label={label} x={[0, 1]} y={[0, 1]} xLabel={xLabel} yLabel={yLabel}>
        {(px, py) => (
          <>
            {diagonal && (
              <RefLine a={{ x: 0, y: 0 }} b={{ x: 1, y: 1 }} name={diagonal} px={px} py={py} />
            )}
            {children(px, py)}
          </>
        )}
      </XYFrame>
    </Figure>
  );
}

export function RocChart({ report }: { report: EvaluationReport }) {
  const roc = report.curves.roc ?? [];
  return (
    <UnitSquareFigure
      title="ROC curve"
      caption={aucCaption(report.metrics.roc_auc)}
      chart="roc"
      label="ROC curve"
      xLabel="false positive rate"
      yLabel="true positive rate"
      diagonal="chance"
    >
      {(px, py) => <Series name="roc" points={roc} color={SERIES_COLORS[0]!} px={px} py={py} />}
    </UnitSquareFigure>
  );
}

/** The box a label takes, in data units. */
interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Whether the segment a–b passes through the box (Liang–Barsky clipping). */
function segmentHitsBox(a: Pt, b: Pt, box: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const edges: [number, number][] = [
    [-dx, a.x - box.x0],
    [dx, box.x1 - a.x],
    [-dy, a.y - box.y0],
    [dy, box.y1 - a.y],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r);
      else t1 = Math.min(t1, r);
      if (t0 > t1) return false;
    }
  }
  return true;
}

export interface LabelPlacement {
  /** The text's anchor point (data units): its end or its start, on its baseline. */
  x: number;
  y: number;
  anchor: 'start' | 'end';
}

/**
 * Where the precision–recall chart names its prevalence line: at the right or the left end of the line,
 * below it or above, the first of those spots the curve does not pass through (a PR curve ends on the
 * line at recall 1, mostly from above, so below at the right is tried first). `size` is the label's
 * width and height in data units.
 */
export function prevalenceLabelPlacement(
  curve: readonly Pt[],
  prevalence: number,
  size: { w: number; h: number },
): LabelPlacement {
  const gap = 0.015;
  const spots: (LabelPlacement & { box: Box })[] = [];
  for (const below of [true, false]) {
    const y0 = below ? prevalence - gap - size.h : prevalence + gap;
    if (y0 < 0 || y0 + size.h > 1) continue;
    for (const right of [true, false]) {
      const x0 = right ? 1 - gap - size.w : gap;
      spots.push({
        x: right ? 1 - gap : gap,
        y: y0 + 0.2 * size.h,
        anchor: right ? 'end' : 'start',
        box: { x0, x1: x0 + size.w, y0, y1: y0 + size.h },
      });
    }
  }
  const clear = spots.find(
    (s) => !curve.some((p, i) => segmentHitsBox(p, curve[i + 1] ?? p, s.box)),
  );
  const { x, y, anchor } = clear ?? spots[0] ?? { x: 1 - gap, y: prevalence + gap, anchor: 'end' };
  return { x, y, anchor };
}

function PrevalenceLabel({
  points,
  prevalence,
  px,
  py,
}: {
  points: readonly Pt[];
  prevalence: number;
  px: Scale;
  py: Scale;
}) {
  const text = `prevalence ${formatNumber(prevalence)}`;
  // 10.5px text: about 6px a character and 11px high, in the chart's data units.
  const size = {
    w: (text.length * 6) / Math.abs(px(1) - px(0)),
    h: 11 / Math.abs(py(0) - py(1)),
  };
  const at = prevalenceLabelPlacement(points, prevalence, size);
  return (
    <text className="ref-label" x={px(at.x)} y={py(at.y)} textAnchor={at.anchor}>
      {text}
    </text>
  );
}

export function PrChart({ report }: { report: EvaluationReport }) {
  const pr = report.curves.pr ?? [];
  const prevalence = positivePrevalence(report);
  return (
    <UnitSquareFigure
      title="Precision–recall curve"
      caption={aucCaption(report.metrics.pr_auc)}
      chart="pr"
      label="Precision-recall curve"
      xLabel="recall"
      yLabel="precision"
    >
      {(px, py) => (
        <>
          {prevalence !== null && (
            <>
              <RefLine
                a={{ x: 0, y: prevalence }}
                b={{ x: 1, y: prevalence }}
                name="prevalence"
                px={px}
                py={py}
              />
              <PrevalenceLabel points={pr} prevalence={prevalence} px={px} py={py} />
            </>
          )}
          <Series name="pr" points={pr} color={SERIES_COLORS[1]!} px={px} py={py} />
        </>
      )}
    </UnitSquareFigure>
  );
}

export function CalibrationChart({ report }: { report: EvaluationReport }) {
  const bins = report.curves.calibration ?? [];
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const pts = bins.map((b) => ({ x: b.meanPredicted, y: b.fractionPositive }));
  return (
    <UnitSquareFigure
      title="Calibration"
      caption="dot size: rows in the bin"
      chart="calibration"
      label="Calibration"
      xLabel="mean predicted probability"
      yLabel="fraction positive"
      diagonal="perfect"
    >
      {(px, py) => (
        <>
          <Series name="calibration" points={pts} color={SERIES_COLORS[2]!} px={px} py={py} />
          {bins.map((b, i) => (
            <circle
              key={i}
              className="dot"
              cx={px(b.meanPredicted)}
              cy={py(b.fractionPositive)}
              r={round1(2.5 + 3.5 * Math.sqrt(b.count / maxCount))}
              fill={SERIES_COLORS[2]}
            >
              <title>
                {`${formatNumber(b.count)} rows: predicted ${formatNumber(b.meanPredicted)}, observed ${formatNumber(b.fractionPositive)}`}
              </title>
            </circle>
          ))}
        </>
      )}
    </UnitSquareFigure>
  );
}

/** Blue on the diagonal (right), orange off it (wrong), stronger with the row share. */
function heat(share: number, diagonal: boolean): string {
  const a = Math.round((0.06 + 0.84 * Math.min(1, share)) * 100) / 100;
  return diagonal ? `rgba(47,111,222,${a})` : `rgba(224,123,36,${a})`;
}

export function ConfusionHeatmap({ matrix, classes }: { matrix: number[][]; classes: string[] }) {
  const n = matrix.length;
  const cell = Math.max(22, Math.min(64, Math.floor(360 / Math.max(1, n))));
  const left = 110;
  const top = 12;
  const w = left + n * cell + 12;
  const h = top + n * cell + 66;
  const label = (i: number) => classes[i] ?? String(i);
  return (
    <Figure title="Confusion matrix" caption="shade: share of the actual class">
      <svg
        className="eval-chart"
        data-chart="confusion"
        data-testid="eval-chart-confusion"
        data-cells={n * n}
        viewBox={`0 0 ${w} ${h}`}
        width={w}
        height={h}
        role="img"
        aria-label="Confusion matrix"
      >
        {confusionCells(matrix).map((c) => (
          <g key={`${c.actual}-${c.predicted}`}>
            <rect
              className="cm-cell"
              data-actual={c.actual}
              data-predicted={c.predicted}
              x={left + c.predicted * cell}
              y={top + c.actual * cell}
              width={cell}
              height={cell}
              fill={heat(c.share, c.actual === c.predicted)}
            >
              <title>
                {`actual ${label(c.actual)}, predicted ${label(c.predicted)}: ${formatNumber(c.count)} (${formatPercent(c.share)} of the row)`}
              </title>
            </rect>
            {cell >= 26 && (
              <text
                className={c.share > 0.55 ? 'cm-count on-dark' : 'cm-count'}
                x={left + c.predicted * cell + cell / 2}
                y={top + c.actual * cell + cell / 2 + 4}
                textAnchor="middle"
              >
                {formatNumber(c.count)}
              </text>
            )}
          </g>
        ))}
        {matrix.map((_, i) => (
          <g key={`l${i}`}>
            <text className="tick" x={left - 6} y={top + i * cell + cell / 2 + 4} textAnchor="end">
              {truncate(label(i), 16)}
              <title>{label(i)}</title>
            </text>
            <text
              className="tick"
              transform={`translate(${left + i * cell + cell / 2} ${top + n * cell + 10}) rotate(35)`}
            >
              {truncate(label(i), 12)}
              <title>{label(i)}</title>
            </text>
          </g>
        ))}
        <text className="axis-label" x={left + (n * cell) / 2} y={h - 4} textAnchor="middle">
          predicted
        </text>
        <text
          className="axis-label"
          transform={`translate(12 ${top + (n * cell) / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          actual
        </text>
      </svg>
    </Figure>
  );
}

export function ResidualChart({ bins }: { bins: { lo: number; hi: number; count: number }[] }) {
  const x: [number, number] = [
    Math.min(...bins.map((b) => b.lo)),
    Math.max(...bins.map((b) => b.hi)),
  ];
  return (
    <Figure title="Residuals">
      <XYFrame
        chart="residuals"
        label="Residual histogram"
        x={x}
        y={[0, Math.max(1, ...bins.map((b) => b.count)) * 1.05]}
        xLabel="residual"
        yLabel="rows"
      >
        {(px, py) =>
          bins.map((b, i) => (
            <rect
              key={i}
              className="bar"
              x={px(b.lo)}
              y={py(b.count)}
              width={Math.max(0.5, px(b.hi) - px(b.lo) - 1)}
              height={py(0) - py(b.count)}
              fill={SERIES_COLORS[0]}
            >
              <title>{`[${formatNumber(b.lo)}, ${formatNumber(b.hi)}): ${formatNumber(b.count)}`}</title>
            </rect>
          ))
        }
      </XYFrame>
    </Figure>
  );
}

export function PredictedActualChart({
  pairs,
}: {
  pairs: { predicted: number; actual: number }[];
}) {
  const [lo, hi] = extent(pairs.flatMap((p) => [p.predicted, p.actual]));
  return (
    <Figure
      title="Predicted vs actual"
      caption={`${formatNumber(pairs.length)} sampled rows; on the line is exact`}
    >
      <XYFrame
        chart="predicted-vs-actual"
        label="Predicted vs actual"
        x={[lo, hi]}
        y={[lo, hi]}
        xLabel="actual"
        yLabel="predicted"
      >
        {(px, py) => (
          <>
            <RefLine a={{ x: lo, y: lo }} b={{ x: hi, y: hi }} name="identity" px={px} py={py} />
            {pairs.map((p, i) => (
              <circle
                key={i}
                className="dot"
                cx={px(p.actual)}
                cy={py(p.predicted)}
                r={2.2}
                fill={SERIES_COLORS[0]}
              />
            ))}
          </>
        )}
      </XYFrame>
    </Figure>
  );
}

/** The columns drawn in the importance chart (the table lists them all). */
export const IMPORTANCE_CHART_MAX = 20;

/** The importance chart's value axis: what the bars measure, as the caption names it. */
export function importanceAxisLabel(metric: string): string {
  return `${metric} (± std over repeats)`;
}

/**
 * The importance chart spans its box's width (no viewBox, x in percent): scaled down from a fixed
 * width, its text shrank to 6px in half of a 1100px window. The labels take the left `IMP_LABELS`%,
 * the bars the rest but `IMP_RIGHT`%.
 */
const IMP_LABELS = 32;
const IMP_RIGHT = 3;
const pct = (v: number) => `${Math.round(v * 100) / 100}%`;

export function ImportanceChart({
  importance,
  metric,
}: {
  importance: EvaluationReport['importance'];
  /** What the bars measure, e.g. `rise in test log loss`. */
  metric: string;
}) {
  const items = importance.slice(0, IMPORTANCE_CHART_MAX);
  const row = 20;
  const axisY = PAD.top + items.length * row;
  const h = axisY + 34;
  const domain = extent([0, ...items.flatMap((i) => [i.mean - i.std, i.mean + i.std])], 0.02);
  const at = linearScale(domain, [IMP_LABELS, 100 - IMP_RIGHT]);
  const px = (v: number) => pct(at(v));
  return (
    <Figure
      title=""
      caption={
        importance.length > items.length
          ? `${metric} · top ${items.length} of ${importance.length}`
          : metric
      }
    >
      <svg
        className="eval-chart"
        data-chart="importance"
        data-testid="eval-chart-importance"
        width="100%"
        height={h}
        style={{ width: '100%', height: h }}
        role="img"
        aria-label={`Permutation importance: ${metric}`}
      >
        {niceTicks(domain[0], domain[1]).map((t) => (
          <g key={t}>
            <line className="grid" x1={px(t)} x2={px(t)} y1={PAD.top} y2={axisY} />
            <text className="tick" x={px(t)} y={axisY + 14} textAnchor="middle">
              {formatNumber(t)}
            </text>
          </g>
        ))}
        <line className="zero" x1={px(0)} x2={px(0)} y1={PAD.top} y2={axisY} />
        {items.map((it, k) => {
          const y = PAD.top + k * row;
          const cy = y + row / 2;
          const lo = px(it.mean - it.std);
          const hi = px(it.mean + it.std);
          return (
            <g key={it.column}>
              <text className="tick" x={pct(IMP_LABELS - 1.5)} y={cy + 4} textAnchor="end">
                {truncate(it.column, 18)}
                <title>{it.column}</title>
              </text>
              <rect
                className="bar"
                x={pct(Math.min(at(0), at(it.mean)))}
                y={y + 4}
                width={pct(Math.max(0.15, Math.abs(at(it.mean) - at(0))))}
                height={row - 8}
                fill={SERIES_COLORS[3]}
              >
                <title>{`${it.column}: ${formatNumber(it.mean)} ± ${formatNumber(it.std)}`}</title>
              </rect>
              <line className="whisker" x1={lo} x2={hi} y1={cy} y2={cy} />
              <line className="whisker" x1={lo} x2={lo} y1={cy - 4} y2={cy + 4} />
              <line className="whisker" x1={hi} x2={hi} y1={cy - 4} y2={cy + 4} />
            </g>
          );
        })}
        <text className="axis-label" x="50%" y={h - 4} textAnchor="middle">
          {importanceAxisLabel(metric)}
        </text>
      </svg>
    </Figure>
  );
}

export function LearningCurveChart({ report }: { report: EvaluationReport }) {
  const series = learningSeries(report);
  const all = series.flatMap((s) => s.points);
  return (
    <Figure title="" caption={series.map((s) => s.metric).join(', ')}>
      <XYFrame
        chart="learning-curve"
        label="Learning curve"
        x={extent(all.map((p) => p.x))}
        y={extent(all.map((p) => p.y))}
        xLabel="training rows"
        yLabel={series.map((s) => s.metric).join(', ')}
      >
        {(px, py) =>
          series.map((s, k) => {
            const color = SERIES_COLORS[k % SERIES_COLORS.length]!;
            return (
              <g key={s.metric}>
                <Series name={s.metric} points={s.points} color={color} px={px} py={py} />
                {s.points.map((p, i) => (
                  <circle key={i} className="dot" cx={px(p.x)} cy={py(p.y)} r={3} fill={color}>
                    <title>{`${formatNumber(p.x)} rows: ${formatNumber(p.y)}`}</title>
                  </circle>
                ))}
              </g>
            );
          })
        }
      </XYFrame>
    </Figure>
  );
}

export const FAIRNESS_RATES = [
  ['selectionRate', 'selection rate'],
  ['truePositiveRate', 'true positive rate'],
  ['falsePositiveRate', 'false positive rate'],
  ['accuracy', 'accuracy'],
] as const;

/** `index`: the fairness block's place in the report, which names the chart in the HTML report. */
export function FairnessBars({ fairness, index }: { fairness: Fairness; index: number }) {
  const groups = fairness.groups;
  const groupW = Math.max(60, Math.min(120, Math.floor(480 / Math.max(1, groups.length))));
  const width = PAD.left + groups.length * groupW + PAD.right;
  const height = 240;
  const barW = (groupW - 16) / FAIRNESS_RATES.length;
  return (
    <Figure title={`Rates by ${fairness.column}`}>
      <XYFrame
        chart={`fairness-${index}`}
        testId={`fairness-${fairness.column}`}
        label={`Rates by ${fairness.column}`}
        x={[0, Math.max(1, groups.length)]}
        y={[0, 1]}
        xLabel={fairness.column}
        yLabel="rate"
        width={width}
        height={height}
        xTicks={false}
      >
        {(px, py) =>
          groups.map((g, gi) => (
            <g key={g.group}>
              {FAIRNESS_RATES.map(([key, name], k) => {
                const v = g[key];
                return v === null ? null : (
                  <rect
                    key={key}
                    className="bar"
                    data-rate={key}
                    x={px(gi) + 8 + k * barW}
                    y={py(v)}
                    width={barW - 1}
                    height={py(0) - py(v)}
                    fill={SERIES_COLORS[k]}
                  >
                    <title>{`${g.group}: ${name} ${formatNumber(v)}`}</title>
                  </rect>
                );
              })}
              <text
                className="tick"
                x={px(gi + 0.5)}
                y={height - PAD.bottom + 14}
                textAnchor="middle"
              >
                {truncate(g.group, 14)}
                <title>{g.group}</title>
              </text>
            </g>
          ))
        }
      </XYFrame>
      <div className="eval-legend">
        {FAIRNESS_RATES.map(([key, name], k) => (
          <span key={key}>
            <i style={{ background: SERIES_COLORS[k] }} />
            {name}
          </span>
        ))}
      </div>
    </Figure>
  );
}
