import { memo, useMemo, useRef, useState, type PointerEvent } from 'react';
import { routeHref } from '../../lib/routes';
import {
  axisPosition,
  axisTicks,
  brushBetween,
  metricColor,
  passesBrushes,
  type Axis,
  type Brush,
  type ParallelData,
} from './parallel';

const W = 1000;
const H = 340;
const PAD = { left: 40, right: 60, top: 34, bottom: 34 };
const FADED = '#d5d9e0';

function axisX(i: number, n: number): number {
  return n <= 1 ? W / 2 : PAD.left + ((W - PAD.left - PAD.right) * i) / (n - 1);
}

function y(t: number): number {
  return PAD.top + (1 - t) * (H - PAD.top - PAD.bottom);
}

/** Width of a character of an axis title (11px, the metric's bold), in the plot's units: an upper bound. */
const TITLE_CHAR = 7;

/**
 * An axis title centred over its axis but kept inside the plot (the first axis sits 40 units from the
 * left edge: a centred `model.learningRate` lost its first letter), cut with an ellipsis when wider
 * than the space between two axes.
 */
export function axisTitle(text: string, i: number, n: number): { x: number; text: string } {
  const room = n <= 1 ? W : (W - PAD.left - PAD.right) / (n - 1) - 8;
  const chars = Math.max(4, Math.floor(room / TITLE_CHAR));
  const shown = text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
  const half = (shown.length * TITLE_CHAR) / 2;
  return { x: Math.min(W - half, Math.max(half, axisX(i, n))), text: shown };
}

/**
 * A white outline under a label's glyphs, so the run lines crossing the axis (every run at an axis's
 * minimum runs through its bottom tick label) do not strike it through.
 */
export const HALO = {
  stroke: '#fff',
  strokeWidth: 3,
  strokeLinejoin: 'round',
  paintOrder: 'stroke',
} as const;

function AxisView({
  axis,
  index,
  count,
  isMetric,
}: {
  axis: Axis;
  index: number;
  count: number;
  isMetric: boolean;
}) {
  const at = axisX(index, count);
  const name = `${axis.key}${axis.kind === 'log' ? ' (log)' : ''}`;
  const title = axisTitle(name, index, count);
  return (
    <g className="pc-axis" data-testid="pc-axis" data-kind={axis.kind}>
      <line x1={at} x2={at} y1={y(0)} y2={y(1)} stroke="#5b6472" />
      <text
        x={title.x}
        y={PAD.top - 14}
        textAnchor="middle"
        className={isMetric ? 'pc-metric' : ''}
        {...HALO}
      >
        {title.text}
        {title.text !== name && <title>{name}</title>}
      </text>
      {axisTicks(axis).map((t) => (
        <g key={`${t.label}-${t.at}`}>
          <line x1={at - 3} x2={at} y1={y(t.at)} y2={y(t.at)} stroke="#5b6472" />
          <text x={at - 5} y={y(t.at) + 3} textAnchor="end" className="pc-tick" {...HALO}>
            {t.label}
          </text>
        </g>
      ))}
    </g>
  );
}

/**
 * Parallel coordinates drawn in SVG: one axis per param (numeric, log or categorical) and the metric
 * last; one polyline per run, colored by the metric (dark low, amber high). Dragging along an axis
 * keeps only the runs inside that range (on every brushed axis); a click on an axis clears its brush.
 * Hovering a line names the run; clicking opens it.
 */
export const ParallelPlot = memo(function ParallelPlot({ data }: { data: ParallelData }) {
  const n = data.axes.length;
  const metricAxis = data.axes[n - 1]!;
  const svgRef = useRef<SVGSVGElement>(null);
  const [brushes, setBrushes] = useState<ReadonlyMap<number, Brush>>(() => new Map());
  const [drag, setDrag] = useState<{ axis: number; from: number; to: number } | null>(null);

  const live = useMemo(() => {
    if (!drag) return brushes;
    const next = new Map(brushes);
    const b = brushBetween(drag.from, drag.to);
    if (b) next.set(drag.axis, b);
    else next.delete(drag.axis);
    return next;
  }, [brushes, drag]);
  const selected = useMemo(
    () => new Set(data.lines.filter((l) => passesBrushes(l, live)).map((l) => l.runId)),
    [data, live],
  );

  const positionAt = (e: PointerEvent<SVGRectElement>): number => {
    const svg = svgRef.current;
    const m = svg?.getScreenCTM();
    if (!svg || !m) return 0;
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
    return 1 - (p.y - PAD.top) / (H - PAD.top - PAD.bottom);
  };
  const path = (positions: number[]) =>
    positions
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${axisX(i, n).toFixed(1)},${y(p).toFixed(1)}`)
      .join('');

  return (
    <div
      className="pc-plot"
      data-testid="parallel-coords"
      data-lines={data.lines.length}
      data-selected={selected.size}
      data-axes={n}
    >
      {live.size > 0 && (
        <div className="pc-selection muted small">
          {selected.size} of {data.lines.length} runs in the selection{' '}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setBrushes(new Map())}
            data-testid="pc-clear"
          >
            Clear selection
          </button>
        </div>
      )}
      <svg ref={svgRef} viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Parallel coordinates">
        <g fill="none" strokeWidth={data.lines.length > 100 ? 1 : 1.6}>
          {data.lines
            .filter((l) => !selected.has(l.runId))
            .map((l) => (
              <path
                key={l.runId}
                data-testid="pc-line"
                d={path(l.positions)}
                stroke={FADED}
                strokeOpacity={0.5}
              />
            ))}
          {data.lines
            .filter((l) => selected.has(l.runId))
            .map((l) => (
              <a key={l.runId} href={routeHref({ view: 'run', runId: l.runId })}>
                <path
                  data-testid="pc-line"
                  className="pc-line"
                  stroke={metricColor(axisPosition(metricAxis, l.metric))}
                  strokeOpacity={0.8}
                  d={path(l.positions)}
                >
                  <title>{`${l.name}: ${metricAxis.key} = ${l.metric}`}</title>
                </path>
              </a>
            ))}
        </g>
        {data.axes.map((a, i) => (
          <AxisView key={a.key} axis={a} index={i} count={n} isMetric={i === n - 1} />
        ))}
        {data.axes.map((a, i) => {
          const b = live.get(i);
          const at = axisX(i, n);
          return (
            <g key={`brush-${a.key}`}>
              {b && (
                <rect
                  className="pc-brush"
                  x={at - 7}
                  width={14}
                  y={y(b.hi)}
                  height={y(b.lo) - y(b.hi)}
                />
              )}
              <rect
                data-testid={`pc-brush-area-${i}`}
                className="pc-brush-area"
                x={at - 12}
                width={24}
                y={y(1)}
                height={y(0) - y(1)}
                onPointerDown={(e) => {
                  e.currentTarget.setPointerCapture(e.pointerId);
                  const t = positionAt(e);
                  setDrag({ axis: i, from: t, to: t });
                }}
                onPointerMove={(e) => {
                  if (drag?.axis === i) setDrag({ ...drag, to: positionAt(e) });
                }}
                onPointerUp={(e) => {
                  if (drag?.axis !== i) return;
                  const next = new Map(brushes);
                  const done = brushBetween(drag.from, positionAt(e));
                  if (done) next.set(i, done);
                  else next.delete(i);
                  setBrushes(next);
                  setDrag(null);
                }}
              >
                <title>Drag to select a range of {a.key}; click to clear it</title>
              </rect>
            </g>
          );
        })}
      </svg>
    </div>
  );
});
