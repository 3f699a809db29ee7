import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { axisTitle, ParallelPlot } from '../../../renderer/views/Compare/parallel-plot';
import { ScatterPlot } from '../../../renderer/views/Compare/scatter-plot';
import {
  inset,
  parallelData,
  scatterData,
  type RunValues,
} from '../../../renderer/views/Compare/parallel';

const run = (id: string, lr: string, depth: string, loss: number): RunValues => ({
  id,
  name: `run-${id}`,
  params: { 'model.learningRate': lr, 'model.maxDepth': depth },
  metrics: { val_loss: loss },
});
// As in the review: three runs, two at the lowest learning rate and depth.
const RUNS = [
  run('a', '0.113', '4', 0.507),
  run('b', '0.15', '4', 0.515),
  run('c', '0.3', '6', 0.602),
];

describe('the parallel coordinates plot', () => {
  const keys = ['model.learningRate', 'model.maxDepth'];
  const html = renderToStaticMarkup(
    createElement(ParallelPlot, { data: parallelData(RUNS, keys, 'val_loss') }),
  );

  it('keeps the first axis title whole inside the plot', () => {
    const t = axisTitle('model.learningRate', 0, 3);
    expect(t.text).toBe('model.learningRate');
    // Centred at the first axis (x = 40) it began at 40 − 18 × 7 / 2 < 0: cut to "odel.learningRate".
    expect(t.x - (t.text.length * 7) / 2).toBeGreaterThanOrEqual(0);
    expect(html).toContain('>model.learningRate</text>');
  });

  it('cuts a title wider than the space between axes, naming it whole on hover', () => {
    const long = 'preprocess.numeric.scaler.quantileRange.upperBound';
    const t = axisTitle(long, 1, 8);
    expect(t.text.endsWith('…')).toBe(true);
    expect(t.text.length * 7).toBeLessThan((1000 - 100) / 7);
  });

  it('outlines tick labels in white so the run lines do not strike them through', () => {
    const ticks = [...html.matchAll(/<text[^>]*class="pc-tick"[^>]*>/g)].map((m) => m[0]);
    expect(ticks.length).toBeGreaterThan(0);
    for (const t of ticks) {
      expect(t).toContain('stroke="#fff"');
      expect(t).toContain('paint-order="stroke"');
    }
  });
});

describe('the param-vs-metric scatter', () => {
  it('keeps the lowest and highest runs off the axes', () => {
    expect(inset(0)).toBeGreaterThan(0);
    expect(inset(1)).toBeLessThan(1);
    expect(inset(0.5)).toBeCloseTo(0.5, 12);
    const html = renderToStaticMarkup(
      createElement(ScatterPlot, {
        data: scatterData(RUNS, 'model.learningRate', 'val_loss'),
        metric: 'val_loss',
        colors: new Map(),
      }),
    );
    const lines = [
      ...html.matchAll(/<line x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="([\d.]+)"/g),
    ];
    const xAxisY = Number(lines[0]![3]);
    const yAxisX = Number(lines[1]![1]);
    const dots = [...html.matchAll(/cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"/g)].map((m) => ({
      cx: Number(m[1]),
      cy: Number(m[2]),
      r: Number(m[3]),
    }));
    expect(dots).toHaveLength(3);
    for (const d of dots) {
      expect(d.cx - d.r).toBeGreaterThan(yAxisX);
      expect(d.cy + d.r).toBeLessThan(xAxisY);
    }
  });
});
