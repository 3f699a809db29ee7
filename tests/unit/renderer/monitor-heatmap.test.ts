import { describe, expect, it } from 'vitest';
import { DriftOut, type FeatureDrift } from '../../../shared/contract';
import {
  compareDistributions,
  BATCH_WINDOW_CHOICES,
  driftInput,
  driftWindowLabel,
  driftLevel,
  driftScore,
  heatmapModel,
  moveInHeatmap,
  windowLabel,
} from '../../../renderer/views/Monitor/monitor-model';

const numeric = (edges: number[], counts: number[]) => ({
  kind: 'numeric' as const,
  edges,
  counts,
});
const categorical = (categories: string[], counts: number[]) => ({
  kind: 'categorical' as const,
  categories,
  counts,
});

function feature(f: Partial<FeatureDrift> & Pick<FeatureDrift, 'feature'>): FeatureDrift {
  return {
    kind: 'numeric',
    method: 'ks',
    statistic: 0.1,
    pValue: 0.4,
    threshold: 0.05,
    drifted: false,
    currentRows: 300,
    currentNullRate: 0,
    reference: numeric([0, 1, 2], [5, 5]),
    current: numeric([0, 1, 2], [4, 6]),
    ...f,
  };
}

/** A drift result as monitor:drift returns it: parsed by the contract, so the fixture stays honest. */
const drift = DriftOut.parse({
  model: 'species',
  version: 1,
  reference: { rows: 250, exact: true },
  current: { kind: 'captured', source: 'all captured rows', rows: 300 },
  datasetDrift: false,
  driftShare: 1 / 3,
  shareThreshold: 0.5,
  features: [
    feature({ feature: 'bill', statistic: 0.4, pValue: 0.0001, drifted: true }),
    feature({
      feature: 'island',
      kind: 'categorical',
      method: 'jensenshannon',
      statistic: 0.06,
      pValue: undefined,
      threshold: 0.1,
    }),
    feature({ feature: 'mass', statistic: 0.05, pValue: 0.9 }),
  ],
  prediction: null,
  windows: [
    {
      start: '2026-12-02T00:00:00.000Z',
      end: '2026-12-03T00:00:00.000Z',
      rows: 200,
      datasetDrift: true,
      driftShare: 2 / 3,
      features: [
        { feature: 'bill', statistic: 0.5, pValue: 0.00001, drifted: true },
        { feature: 'island', statistic: 0.12, drifted: true },
        { feature: 'mass', statistic: 0.04, pValue: 0.95, drifted: false },
      ],
    },
    // Out of order on purpose: the heatmap sorts windows by start.
    {
      start: '2026-12-01T00:00:00.000Z',
      end: '2026-12-02T00:00:00.000Z',
      rows: 100,
      datasetDrift: false,
      driftShare: 0,
      features: [
        { feature: 'bill', statistic: 0.1, pValue: 0.3, drifted: false },
        { feature: 'mass', statistic: 0.02, pValue: 0.99, drifted: false },
      ],
    },
  ],
  durationMs: 12,
});

describe('drift heatmap model', () => {
  it('lays features (drifted first, then by name) against windows (oldest first)', () => {
    const h = heatmapModel(drift, 'day');
    expect(h.windowed).toBe(true);
    expect(h.columns.map((c) => c.label)).toEqual(['12-01', '12-02']);
    expect(h.columns.map((c) => c.rows)).toEqual([100, 200]);
    expect(h.columns[1]!.datasetDrift).toBe(true);
    expect(h.rows.map((r) => r.feature)).toEqual(['bill', 'island', 'mass']);
    const bill = h.rows[0]!;
    expect(bill.method).toBe('ks');
    expect(bill.cells.map((c) => c?.statistic)).toEqual([0.1, 0.5]);
    expect(bill.cells.map((c) => c?.drifted)).toEqual([false, true]);
    expect(bill.cells.map((c) => c?.window)).toEqual([0, 1]);
  });

  it('leaves a hole where a window has no result for a feature', () => {
    const island = heatmapModel(drift, 'day').rows[1]!;
    expect(island.cells[0]).toBeNull();
    expect(island.cells[1]).toMatchObject({ statistic: 0.12, drifted: true, level: 'drift' });
  });

  it('shades by distance to the threshold: p-value tests and distances alike', () => {
    const h = heatmapModel(drift, 'day');
    // KS p = 1e-5 against 0.05: far past the threshold.
    expect(h.rows[0]!.cells[1]!.level).toBe('strong');
    // KS p = 0.3: threshold/p = 0.17, well within.
    expect(h.rows[0]!.cells[0]!.level).toBe('ok');
    expect(driftScore('jensenshannon', 0.06, undefined, 0.1)).toBeCloseTo(0.6);
    expect(driftLevel(false, 0.6)).toBe('near');
    expect(driftScore('ks', 0.3, 0, 0.05)).toBe(Infinity);
    expect(driftScore('psi', 0.2, undefined, null)).toBeNull();
    expect(driftLevel(true, null)).toBe('drift');
  });

  it('labels every cell for screen readers with the test, p-value and verdict', () => {
    const cell = heatmapModel(drift, 'day').rows[0]!.cells[1]!;
    expect(cell.label).toBe('bill, 12-02: ks 0.5, p 1.00e-5, drifted');
  });

  it('without windows, draws one column of the whole current data', () => {
    const h = heatmapModel({ ...drift, windows: [] });
    expect(h.windowed).toBe(false);
    expect(h.columns).toHaveLength(1);
    expect(h.columns[0]).toMatchObject({ index: -1, label: 'all rows', rows: 300 });
    expect(h.columns[0]!.driftShare).toBeCloseTo(1 / 3);
    expect(h.rows.map((r) => r.cells[0]?.statistic)).toEqual([0.4, 0.06, 0.05]);
    expect(h.rows[0]!.cells[0]!.window).toBe(-1);
  });

  it('labels windows by hour, day or week in UTC', () => {
    expect(windowLabel('2026-12-04T13:00:00.000Z', 'hour')).toBe('12-04 13:00');
    expect(windowLabel('2026-11-30T00:00:00.000Z', 'week')).toBe('wk 11-30');
    expect(windowLabel('not a date', 'day')).toBe('not a date');
  });

  it('labels windows of N rows by their rows, which their times (one for a batch job) do not tell', () => {
    const at = '2026-12-04T13:00:00.000Z';
    const windows = [0, 1000].map((firstRow) => ({
      start: at,
      end: at,
      rows: firstRow ? 250 : 1000,
      firstRow,
      datasetDrift: false,
      driftShare: 0,
      features: [],
    }));
    const h = heatmapModel({ features: [], windows }, 1000);
    expect(h.columns.map((c) => [c.label, c.firstRow, c.rows])).toEqual([
      ['rows 0–999', 0, 1000],
      ['rows 1,000–1,249', 1000, 250],
    ]);
    expect(driftWindowLabel({ start: at }, 1000)).toBe('12-04 13:00');
  });
});

describe('heatmap keyboard', () => {
  // Rows bill, island, mass; island has no result in the first window (a hole).
  const h = heatmapModel(drift, 'day');

  it('steps with the arrows and skips holes', () => {
    expect(moveInHeatmap(h, { row: 0, col: 0 }, 'ArrowRight')).toEqual({ row: 0, col: 1 });
    expect(moveInHeatmap(h, { row: 0, col: 0 }, 'ArrowDown')).toEqual({ row: 2, col: 0 });
    expect(moveInHeatmap(h, { row: 2, col: 1 }, 'ArrowUp')).toEqual({ row: 1, col: 1 });
    expect(moveInHeatmap(h, { row: 1, col: 1 }, 'ArrowLeft')).toBeNull();
    expect(moveInHeatmap(h, { row: 2, col: 1 }, 'ArrowDown')).toBeNull();
  });

  it("goes to the row's ends with Home/End and the grid's with Ctrl", () => {
    expect(moveInHeatmap(h, { row: 1, col: 1 }, 'Home')).toEqual({ row: 1, col: 1 });
    expect(moveInHeatmap(h, { row: 0, col: 1 }, 'Home')).toEqual({ row: 0, col: 0 });
    expect(moveInHeatmap(h, { row: 0, col: 0 }, 'End')).toEqual({ row: 0, col: 1 });
    expect(moveInHeatmap(h, { row: 1, col: 1 }, 'Home', true)).toEqual({ row: 0, col: 0 });
    expect(moveInHeatmap(h, { row: 0, col: 0 }, 'End', true)).toEqual({ row: 2, col: 1 });
    expect(moveInHeatmap(h, { row: 0, col: 0 }, 'Enter')).toBeNull();
  });
});

describe('distributions side by side', () => {
  it('keeps shared numeric bins and turns counts into shares', () => {
    const bars = compareDistributions(numeric([0, 1, 2], [1, 3]), numeric([0, 1, 2], [2, 2]));
    expect(bars.labels).toEqual(['0 – 1', '1 – 2']);
    expect(bars.referenceShares).toEqual([0.25, 0.75]);
    expect(bars.currentShares).toEqual([0.5, 0.5]);
  });

  it('re-bins current counts onto the reference edges when the edges differ', () => {
    const bars = compareDistributions(
      numeric([0, 10, 20], [5, 5]),
      numeric([0, 5, 15, 25, 40], [1, 1, 1, 1]),
    );
    // Midpoints 2.5 → bin 0; 10 → bin 1; 20 and 32.5 (past the last edge) → the last bin.
    expect(bars.currentShares).toEqual([0.25, 0.75]);
  });

  it('unions categories, the reference order first, and counts missing ones as 0', () => {
    const bars = compareDistributions(
      categorical(['a', 'b'], [3, 1]),
      categorical(['c', 'a'], [1, 1]),
    );
    expect(bars.labels).toEqual(['a', 'b', 'c']);
    expect(bars.referenceShares).toEqual([0.75, 0.25, 0]);
    expect(bars.currentShares).toEqual([0.5, 0, 0.5]);
  });

  it('shows all-zero shares for an empty current window', () => {
    const bars = compareDistributions(categorical(['a'], [2]), categorical([], []));
    expect(bars.currentShares).toEqual([0]);
  });
});

describe('current data of a drift run', () => {
  it('passes captured rows with a window and a UTC range', () => {
    expect(
      driftInput('m@2', { kind: 'captured', from: '2026-12-01T00:00', to: '', window: 'hour' }),
    ).toEqual({ ref: 'm@2', window: 'hour', range: { from: '2026-12-01T00:00:00.000Z' } });
    expect(driftInput('m@2', { kind: 'captured', from: '', to: '', window: '1000' })).toEqual({
      ref: 'm@2',
      window: 1000,
    });
  });

  it('refuses a range that ends before it starts, and a batch or dataset not chosen', () => {
    expect(
      driftInput('m@2', {
        kind: 'captured',
        from: '2026-12-02T00:00',
        to: '2026-12-01T00:00',
        window: 'day',
      }),
    ).toEqual({ problem: 'the range must end after it starts' });
    expect(driftInput('m@2', { kind: 'batch', batch: '', window: '' })).toEqual({
      problem: 'choose a batch job',
    });
    expect(driftInput('m@2', { kind: 'dataset', dataset: 'p', version: 'x' })).toEqual({
      problem: 'dataset version "x" is not a whole number',
    });
  });

  it('names one batch job (whole, or in windows of rows) or a dataset version', () => {
    expect(driftInput('m@2', { kind: 'batch', batch: 'b1', window: '' })).toEqual({
      ref: 'm@2',
      batch: 'b1',
    });
    expect(driftInput('m@2', { kind: 'batch', batch: 'b1', window: '1000' })).toEqual({
      ref: 'm@2',
      batch: 'b1',
      window: 1000,
    });
    expect(BATCH_WINDOW_CHOICES.map((c) => c.value)).toEqual(['', '1000', '10000']);
    expect(driftInput('m@2', { kind: 'dataset', dataset: 'penguins', version: ' 3 ' })).toEqual({
      ref: 'm@2',
      data: 'penguins@3',
    });
    expect(driftInput('m@2', { kind: 'dataset', dataset: 'penguins', version: '' })).toEqual({
      ref: 'm@2',
      data: 'penguins',
    });
  });
});
