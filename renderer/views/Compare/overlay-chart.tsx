import { useEffect, useMemo, useRef, useState } from 'react';
import { Filler, LogarithmicScale, type ChartConfiguration, type ChartOptions } from 'chart.js';
import { Chart, palette } from '../../charts/chart-setup';
import type { XY } from './curves';
import { checksum, overlayDatasets, type OverlayProps } from './chart-data';
import { curveBounds, curveLayer, DIRECT_DRAW_ABOVE } from './curve-layer';

// The overlay needs filled bands (mean ± std) and a log y axis, which the other charts do not.
Chart.register(Filler, LogarithmicScale);

/**
 * The legend plugin off for this chart (chart.js takes `false` for a plugin's options; its types do not
 * say so): a legend with `display: false` still builds a label per dataset on every update, a third of
 * an update with 500 curves. The view draws its own legend.
 */
const LEGEND_OFF = false as unknown as NonNullable<ChartOptions<'line'>['plugins']>['legend'];

/**
 * Overlaid curves of up to 500 runs with chart.js, set up for speed: no animation, no parsing, points
 * not drawn, data already downsampled by the store and transformed in memoized pure functions. Above
 * DIRECT_DRAW_ABOVE runs (no tooltips then) chart.js draws only the axes and the curves are stroked
 * straight onto its canvas (curve-layer.ts). The wrapper's data-* attributes say what was last drawn
 * (for tests and the benchmark).
 */
export function OverlayChart(props: OverlayProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<Chart<'line', XY[]> | null>(null);
  const drawn = useRef(0);
  const [layer] = useState(curveLayer);

  const { runs, groups, x, xLabel, yLabel, logY, smoothing } = props;
  const { datasets, bands } = useMemo(() => overlayDatasets(runs, groups), [runs, groups]);
  const config = useMemo<ChartConfiguration<'line', XY[]>>(() => {
    const many = !groups && datasets.length > DIRECT_DRAW_ABOVE;
    // Without datasets chart.js ranges the axes from these, as it would from the data.
    const bounds = many ? curveBounds(datasets, logY) : null;
    return {
      type: 'line',
      data: { datasets: many ? [] : datasets },
      plugins: [layer.plugin],
      options: {
        animation: false,
        parsing: false,
        // Sorted x lets chart.js skip work; a metric on x is not sorted (a curve can go back).
        normalized: x !== 'metric',
        responsive: true,
        maintainAspectRatio: false,
        spanGaps: true,
        elements: { line: { tension: 0 } },
        interaction: { mode: 'nearest', intersect: false },
        plugins: {
          legend: LEGEND_OFF,
          tooltip: {
            enabled: !many,
            filter: (item) => !String(item.dataset.label).endsWith('std'),
          },
        },
        scales: {
          x: {
            type: 'linear',
            title: { display: true, text: xLabel },
            grid: { color: palette.grid },
            suggestedMin: bounds?.xMin,
            suggestedMax: bounds?.xMax,
          },
          y: {
            type: logY ? 'logarithmic' : 'linear',
            title: { display: true, text: yLabel },
            grid: { color: palette.grid },
            suggestedMin: bounds?.yMin,
            suggestedMax: bounds?.yMax,
          },
        },
      },
    };
  }, [datasets, groups, layer, x, xLabel, yLabel, logY]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const wrap = wrapRef.current;
    if (!canvas || !wrap) return;
    // The curve layer draws what chart.js was not given.
    layer.show(config.data.datasets.length < datasets.length ? { datasets, logY } : null);
    if (!chartRef.current) chartRef.current = new Chart(canvas, config);
    else {
      chartRef.current.data = config.data;
      if (config.options) chartRef.current.options = config.options;
      chartRef.current.update('none');
    }
    drawn.current += 1;
    performance.mark('compare:chart-drawn');
    wrap.dataset.checksum = checksum(datasets);
    wrap.dataset.drawnAt = String(performance.now());
    wrap.dataset.drawn = String(drawn.current);
  }, [config, datasets, layer, logY]);

  useEffect(
    () => () => {
      chartRef.current?.destroy();
      chartRef.current = null;
    },
    [],
  );

  const visible = datasets.filter((d) => !d.hidden).length;
  return (
    <div
      ref={wrapRef}
      className="compare-chart"
      data-testid="compare-chart"
      data-mode={groups ? 'groups' : 'runs'}
      data-datasets={datasets.length}
      data-visible={visible}
      data-bands={bands}
      data-x={x}
      data-log-y={String(logY)}
      data-smoothing={smoothing}
    >
      <canvas ref={canvasRef} aria-label={`${yLabel} by ${xLabel}`} role="img" />
    </div>
  );
}
