import { useEffect, useRef } from 'react';
import type { ChartConfiguration, ChartType } from 'chart.js';
import { Chart } from './chart-setup';

/**
 * Owns one chart.js instance on a canvas. The chart is created once per `type`; later configs only
 * replace data and options and call update() without animation, which keeps live charts cheap.
 */
export function useChart<T extends ChartType>(config: ChartConfiguration<T>) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<Chart<T> | null>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    if (!chartRef.current) {
      chartRef.current = new Chart(canvas, config);
      return;
    }
    const chart = chartRef.current;
    chart.data = config.data;
    if (config.options) chart.options = config.options;
    chart.update('none');
  }, [config]);

  useEffect(
    () => () => {
      chartRef.current?.destroy();
      chartRef.current = null;
    },
    [],
  );

  return canvasRef;
}
