// The HTML drift report: standalone (no script, stylesheet link, font or URL), every feature's verdict and
// distributions drawn inline, and under 2 MB for 100 features with windows.
import { describe, expect, it } from 'vitest';
import type { DriftOut, FeatureDrift } from '../../../../shared/contract';
import { DriftOut as DriftOutSchema } from '../../../../shared/contract';
import { renderDriftHtml } from '../../../../main/monitor/drift-html';

function feature(i: number): FeatureDrift {
  const numeric = i % 10 !== 9;
  const dist = numeric
    ? {
        kind: 'numeric' as const,
        edges: Array.from({ length: 31 }, (_, j) => i + j * 0.123456789),
        counts: Array.from({ length: 30 }, (_, j) => 1000 + ((i * 31 + j * 17) % 997)),
      }
    : {
        kind: 'categorical' as const,
        categories: [...Array.from({ length: 20 }, (_, j) => `category <${j}> of ${i}`), '(other)'],
        counts: Array.from({ length: 21 }, (_, j) => 5000 - j * 200),
      };
  return {
    feature: `feature_${i}`,
    kind: numeric ? 'numeric' : 'categorical',
    method: numeric ? 'wasserstein' : 'jensenshannon',
    statistic: (i % 7) * 0.05,
    threshold: 0.1,
    drifted: i % 7 >= 2,
    currentRows: 3_000_000,
    currentNullRate: 0.01,
    reference: dist,
    current: { ...dist, counts: dist.counts.map((c) => c + 10) },
  };
}

const result: DriftOut = DriftOutSchema.parse({
  model: 'm',
  version: 3,
  reference: { rows: 500_000, exact: false },
  current: { kind: 'captured', source: '… – …', rows: 3_000_000 },
  datasetDrift: true,
  driftShare: 0.71,
  shareThreshold: 0.5,
  features: Array.from({ length: 100 }, (_, i) => feature(i)),
  prediction: { ...feature(0), feature: 'prediction' },
  windows: Array.from({ length: 30 }, (_, d) => ({
    start: `2026-11-${String(d + 1).padStart(2, '0')} 00:00:00`,
    end: `2026-11-${String(d + 2).padStart(2, '0')} 00:00:00`,
    rows: 100_000,
    datasetDrift: d > 20,
    driftShare: d / 30,
    features: Array.from({ length: 100 }, (_, i) => ({
      feature: `feature_${i}`,
      statistic: 0.01,
      drifted: false,
    })),
  })),
  durationMs: 4200,
});

describe('renderDriftHtml', () => {
  const html = renderDriftHtml(result);

  it('is under 2 MB for 100 features and opens offline', () => {
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\/|@font-face/i);
  });

  it('shows every feature with its method, statistic and verdict, and the prediction', () => {
    for (let i = 0; i < 100; i++) expect(html).toContain(`<td>feature_${i}</td>`);
    expect(html).toContain('<td>prediction</td>');
    expect(html.match(/<tr class="drift">/g)?.length).toBe(
      result.features.filter((f) => f.drifted).length + (result.prediction!.drifted ? 1 : 0),
    );
    expect(html.match(/<svg /g)?.length).toBe(101);
    expect(html).toContain('Dataset drift');
    expect(html).toContain('2026-11-30 00:00:00');
    // Windows of time carry no row positions: no column for them.
    expect(html).not.toContain('rows (from 0)');
  });

  it("says the rows of windows of N rows, whose times (a batch job's) may all be one", () => {
    const byRows = renderDriftHtml(
      DriftOutSchema.parse({
        ...result,
        windows: result.windows.slice(0, 2).map((w, k) => ({ ...w, firstRow: k * 100_000 })),
      }),
    );
    expect(byRows).toContain('<th>rows (from 0)</th>');
    expect(byRows).toContain('<td class="n">100,000–199,999</td>');
  });

  it('escapes names and categories', () => {
    expect(html).toContain('category &lt;0&gt; of 9');
    expect(html).not.toContain('category <0>');
  });
});
