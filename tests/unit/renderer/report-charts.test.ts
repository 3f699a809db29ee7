import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  ImportanceChart,
  importanceAxisLabel,
  prevalenceLabelPlacement,
  PrChart,
} from '../../../renderer/report/charts';
import { importanceMetric } from '../../../renderer/report/report-model';
import { binaryReport } from '../../fixtures/evaluation-reports';

const visible = (svg: string) => svg.replace(/<title>[\s\S]*?<\/title>/g, '');

describe('the permutation importance chart', () => {
  const metric = importanceMetric({ task: 'binary', split: 'validation' });
  const svg = renderToStaticMarkup(
    createElement(ImportanceChart, { importance: binaryReport().importance, metric }),
  );

  it('labels its axis with what the bars measure, as the caption does', () => {
    expect(importanceAxisLabel(metric)).toBe('rise in validation log loss (± std over repeats)');
    const axis = /<text class="axis-label"[^>]*>([^<]*)<\/text>/.exec(svg)![1];
    expect(axis).toBe(importanceAxisLabel(metric));
    expect(visible(svg)).not.toContain('drop in score');
  });

  it('spans its box instead of scaling a fixed width down (its text keeps its size)', () => {
    const open = /<svg[^>]*>/.exec(svg)![0];
    expect(open).not.toContain('viewBox');
    expect(open).toContain('width="100%"');
    // Every x is a share of the box's width.
    const xs = [...svg.matchAll(/ (?:x|x1|x2|width)="([^"]+)"/g)].map((m) => m[1]);
    expect(xs.length).toBeGreaterThan(10);
    for (const x of xs) expect(x).toMatch(/^-?[\d.]+%$/);
  });
});

describe("the precision–recall chart's prevalence label", () => {
  const size = { w: 0.28, h: 0.045 };
  const boxOf = (at: { x: number; y: number; anchor: 'start' | 'end' }) => ({
    x0: at.anchor === 'end' ? at.x - size.w : at.x,
    x1: at.anchor === 'end' ? at.x : at.x + size.w,
    y0: at.y - 0.2 * size.h,
    y1: at.y + 0.8 * size.h,
  });
  /** The curve's height at x, by straight lines between its points. */
  const heightAt = (curve: { x: number; y: number }[], x: number) => {
    const i = curve.findIndex((p) => p.x >= x);
    if (i <= 0) return curve[Math.max(0, i)]!.y;
    const a = curve[i - 1]!;
    const b = curve[i]!;
    return a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x || 1);
  };
  const clearOf = (curve: { x: number; y: number }[], at: ReturnType<typeof boxOf>) => {
    for (let k = 0; k <= 50; k++) {
      const y = heightAt(curve, at.x0 + ((at.x1 - at.x0) * k) / 50);
      if (y >= at.y0 && y <= at.y1) return false;
    }
    return true;
  };

  it('sits below the line at the right, where a curve coming down onto it from above is not', () => {
    // Like the review's chart: precision falls from 0.3 to the prevalence 0.2168 at recall 1.
    const curve = [
      { x: 0, y: 1 },
      { x: 0.02, y: 0.37 },
      { x: 0.4, y: 0.32 },
      { x: 0.8, y: 0.26 },
      { x: 1, y: 0.2168 },
    ];
    const at = prevalenceLabelPlacement(curve, 0.2168, size);
    expect(at.anchor).toBe('end');
    expect(at.y).toBeLessThan(0.2168);
    expect(clearOf(curve, boxOf(at))).toBe(true);
  });

  it('moves where the curve is not when it dips below the line at the right', () => {
    const curve = [
      { x: 0, y: 0.9 },
      { x: 0.5, y: 0.4 },
      { x: 0.8, y: 0.15 },
      { x: 1, y: 0.18 },
    ];
    const at = prevalenceLabelPlacement(curve, 0.2, size);
    expect(clearOf(curve, boxOf(at))).toBe(true);
  });

  it('goes above the line when there is no room under it', () => {
    const at = prevalenceLabelPlacement([{ x: 1, y: 0.01 }], 0.01, size);
    expect(at.y).toBeGreaterThan(0.01);
  });

  it('is drawn where it was placed', () => {
    const svg = renderToStaticMarkup(createElement(PrChart, { report: binaryReport() }));
    expect(visible(svg)).toMatch(/class="ref-label"[^>]*>prevalence 0\.2/);
  });
});
