import { describe, expect, it } from 'vitest';
import { RunColumns, type RunSummary } from '../../../../shared/contract';
import {
  ATTRIBUTE_COLUMNS,
  columnWindow,
  cycleSort,
  defaultLayout,
  discoverColumns,
  fullOrder,
  moveColumn,
  moveColumnTo,
  parseLayout,
  placeColumns,
  searchColumns,
  setHidden,
  setPinned,
  setWidth,
} from '../../../../renderer/views/Experiments/runs-table/columns';
import {
  buildRows,
  indexRows,
  orderRows,
  searchTexts,
} from '../../../../renderer/views/Experiments/runs-table/rows';
import {
  EMPTY_SELECTION,
  compareHref,
  extendTo,
  keepListed,
  toggle,
  toggleAll,
} from '../../../../renderer/views/Experiments/runs-table/selection';
import { sortOrder } from '../../../../renderer/views/Experiments/runs-table/sort';
import { formatStarted } from '../../../../renderer/views/Experiments/runs-table/format';
import {
  decodeFloat64Column,
  decodeInt32Column,
  encodeColumn,
  decodeRunColumns,
  encodeRunColumns,
  modelLabelAt,
  summaryAt,
  type RunsModel,
} from '../../../../renderer/views/Experiments/runs-table/model';
import { formatTime } from '../../../../renderer/lib/format';

let n = 0;
function run(overrides: Partial<RunSummary> = {}): RunSummary {
  n += 1;
  return {
    id: `id${n}`,
    name: `run-${n}`,
    experiment: 'exp',
    project: 'Default',
    status: 'finished',
    task: 'binary',
    modelType: 'mlp',
    dataset: 'd@1',
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    endedAt: null,
    durationMs: n * 1000,
    backend: 'cpu',
    metrics: {},
    params: {},
    ...overrides,
  };
}
const ids = (runs: RunSummary[], order: ArrayLike<number>) => Array.from(order, (i) => runs[i]!.id);
/** The table's model of runs, through the columnar form runs:listColumns sends. */
const modelOf = (runs: RunSummary[]): RunsModel => decodeRunColumns(encodeRunColumns(runs));
const sortRuns = (runs: RunSummary[], id: string, direction: 'asc' | 'desc') =>
  sortOrder(modelOf(runs), id, direction);

describe('runs table columns and layout', () => {
  const runs = [
    run({ params: { 'model.type': 'mlp', lr: '0.1' }, metrics: { val_auc: 0.8 } }),
    run({ params: { seed: '1' }, metrics: { loss: 0.3, val_auc: 0.7 } }),
  ];
  const columns = discoverColumns(modelOf(runs));

  it('has the attributes, then every metric key, then every param key, sorted', () => {
    // Metrics first: they are what a user looks for, and params can run to dozens of columns.
    expect(columns.map((c) => c.id)).toEqual([
      ...ATTRIBUTE_COLUMNS.map((c) => c.id),
      'metrics.loss',
      'metrics.val_auc',
      'params.lr',
      'params.model.type',
      'params.seed',
    ]);
  });

  it('falls back to the default layout when a stored one no longer parses', () => {
    expect(parseLayout(null)).toEqual(defaultLayout());
    expect(parseLayout({ version: 2 })).toEqual(defaultLayout());
    expect(parseLayout({ ...defaultLayout(), widths: { name: 'wide' } })).toEqual(defaultLayout());
    const good = {
      ...defaultLayout(),
      hidden: ['backend'],
      sort: { column: 'name', direction: 'desc' },
    };
    expect(parseLayout(good)).toEqual(good);
  });

  it('places pinned columns first with their sticky offsets and keeps new keys after named ones', () => {
    let layout = setPinned(defaultLayout(), 'metrics.val_auc', true);
    layout = setWidth(layout, 'name', 250);
    layout = setHidden(layout, ['kind', 'backend'], true);
    layout = { ...layout, order: ['metrics.val_auc', 'status', 'gone'] };
    const placed = placeColumns(columns, layout);
    expect(placed.slice(0, 2).map((c) => [c.id, c.pinned, c.left, c.width])).toEqual([
      ['metrics.val_auc', true, 0, 110],
      ['name', true, 110, 250],
    ]);
    expect(placed[2]!.id).toBe('status');
    expect(placed.map((c) => c.id)).not.toContain('kind');
    expect(placed.map((c) => c.id)).not.toContain('gone');
    expect(placed).toHaveLength(columns.length - 2);
  });

  it('moves columns left, right and onto another, among the shown ones', () => {
    const layout = setHidden(defaultLayout(), ['experiment'], true);
    // name is pinned, so status is the first unpinned; moving it right skips the hidden experiment.
    const moved = moveColumn(columns, layout, 'status', 1);
    const shown = placeColumns(columns, moved).map((c) => c.id);
    expect(shown.slice(0, 3)).toEqual(['name', 'dataset', 'status']);
    expect(moveColumn(columns, moved, 'params.seed', 1)).toBe(moved);
    const dragged = moveColumnTo(columns, defaultLayout(), 'metrics.loss', 'status');
    expect(fullOrder(columns, dragged).slice(0, 2)).toEqual(['metrics.loss', 'status']);
  });

  it('clamps widths and cycles sort asc → desc → none', () => {
    expect(setWidth(defaultLayout(), 'name', 5).widths.name).toBe(40);
    expect(setWidth(defaultLayout(), 'name', 1e6).widths.name).toBe(2000);
    let layout = cycleSort(defaultLayout(), 'name');
    expect(layout.sort).toEqual({ column: 'name', direction: 'asc' });
    layout = cycleSort(layout, 'name');
    expect(layout.sort).toEqual({ column: 'name', direction: 'desc' });
    expect(cycleSort(layout, 'status').sort).toEqual({ column: 'status', direction: 'asc' });
    expect(cycleSort(layout, 'name').sort).toBeNull();
  });

  it('searches column names by every word', () => {
    expect(searchColumns(columns, 'val').map((c) => c.id)).toEqual(['metrics.val_auc']);
    expect(searchColumns(columns, 'PARAMS type').map((c) => c.id)).toEqual(['params.model.type']);
    expect(searchColumns(columns, '')).toHaveLength(columns.length);
  });
});

describe('runs table sort', () => {
  it('sorts numbers by value, missing last in both directions, ties stable', () => {
    const runs = [
      run({ metrics: { m: 2 } }),
      run({ metrics: {} }),
      run({ metrics: { m: 10 } }),
      run({ metrics: { m: 2 } }),
      run({ metrics: { m: -1 } }),
    ];
    expect(ids(runs, sortRuns(runs, 'metrics.m', 'asc'))).toEqual(
      [4, 0, 3, 2, 1].map((i) => runs[i]!.id),
    );
    expect(ids(runs, sortRuns(runs, 'metrics.m', 'desc'))).toEqual(
      [2, 0, 3, 4, 1].map((i) => runs[i]!.id),
    );
  });

  it('reads params that are numbers as numbers and other text in natural order', () => {
    const runs = [
      run({ name: 'run-10', params: { lr: '0.1' } }),
      run({ name: 'run-9', params: { lr: '1e-3' } }),
      run({ name: 'Run-100', params: { lr: 'auto' } }),
      run({ name: 'run-9b', params: { lr: '10' } }),
    ];
    expect(ids(runs, sortRuns(runs, 'params.lr', 'asc'))).toEqual(
      [1, 0, 3, 2].map((i) => runs[i]!.id),
    );
    expect(ids(runs, sortRuns(runs, 'name', 'asc'))).toEqual([1, 3, 0, 2].map((i) => runs[i]!.id));
  });

  // How fast 10,000 runs sort is bench/runs-table.mjs's to say (against its 300 ms goal), not a test's.
  it('sorts 10,000 runs by start time and by a metric', () => {
    const runs = Array.from({ length: 10_000 }, (_, i) =>
      run({
        metrics: { val_auc: ((i * 7919) % 10007) / 10007 },
        params: { seed: String((i * 31) % 1000), model: i % 2 ? 'mlp' : 'linear' },
      }),
    );
    const byStart = sortRuns(runs, 'started', 'desc');
    expect(runs[byStart[0]!]!.id).toBe(runs[9999]!.id);
    const order = sortRuns(runs, 'metrics.val_auc', 'desc');
    const values = Array.from(order, (i) => runs[i]!.metrics.val_auc!);
    expect(values).toEqual([...values].sort((a, b) => b - a));
  });
});

describe('runs table rows and search', () => {
  const parent = run({ name: 'cv-1', kind: 'cv', params: { k: '3' } });
  const folds = [1, 2, 3].map((f) =>
    run({ name: `cv-1-fold-${f}`, kind: 'fold', parentId: parent.id, tags: { fold: `f${f}` } }),
  );
  const plain = run({ name: 'plain', params: { model: 'Linear' }, tags: { team: 'Vision' } });
  const orphan = run({ name: 'orphan', kind: 'trial', parentId: 'not-listed' });
  const runs = [plain, parent, ...folds, orphan];
  const model = modelOf(runs);
  const order = Uint32Array.from(runs.keys());
  const names = (rows: Int32Array) => Array.from(rows, (i) => runs[i]!.name);

  it('orders the same index again when only the order or the expanded parents change', () => {
    const index = indexRows(model, () => searchTexts(model), '');
    const b = orderRows(model, index, Uint32Array.from([5, 4, 3, 2, 1, 0]), new Set([parent.id]));
    expect(names(b)).toEqual([
      'orphan',
      'cv-1',
      'cv-1-fold-3',
      'cv-1-fold-2',
      'cv-1-fold-1',
      'plain',
    ]);
    expect(names(orderRows(model, index, order, new Set()))).toEqual(['plain', 'cv-1', 'orphan']);
  });

  it('nests children under an expanded parent and keeps orphans on their own', () => {
    const index = indexRows(model, () => searchTexts(model), '');
    const collapsed = buildRows(model, order, '', new Set());
    expect(
      Array.from(collapsed, (i) => [runs[i]!.name, index.depth[i], index.children[i]]),
    ).toEqual([
      ['plain', 0, 0],
      ['cv-1', 0, 3],
      ['orphan', 0, 0],
    ]);
    const open = buildRows(model, order, '', new Set([parent.id]));
    expect(Array.from(open, (i) => [runs[i]!.name, index.depth[i]])).toEqual([
      ['plain', 0],
      ['cv-1', 0],
      ['cv-1-fold-1', 1],
      ['cv-1-fold-2', 1],
      ['cv-1-fold-3', 1],
      ['orphan', 0],
    ]);
  });

  it('searches names, param values and tag values, every word, ignoring case', () => {
    const found = (q: string) => names(buildRows(model, order, q, new Set()));
    expect(found('linear')).toEqual(['plain']);
    expect(found('vision plain')).toEqual(['plain']);
    expect(found('vision cv')).toEqual([]);
    // A fold matching on its own stands alone when its parent does not match.
    expect(found('f2')).toEqual(['cv-1-fold-2']);
    expect(found('team')).toEqual([]);
  });

  it('makes the search texts only once a search has words', () => {
    let made = 0;
    const texts = () => {
      made++;
      return searchTexts(model);
    };
    indexRows(model, texts, '  ');
    expect(made).toBe(0);
    indexRows(model, texts, 'plain');
    expect(made).toBe(1);
  });
});

describe('the columnar runs list (runs:listColumns) and its model', () => {
  const runs = [
    run({
      status: 'failed',
      params: { 'model.type': 'gbdt', 'model.trees': '40' },
      metrics: { val_auc: 0.5, loss: 1 },
      modelType: 'gbdt',
      endedAt: '2026-01-02T00:00:00.000Z',
      kind: 'train',
      tags: {},
      deletedAt: null,
      parentId: null,
    }),
    run({
      params: { 'model.type': 'mlp' },
      metrics: { loss: 0.25 },
      deletedAt: '2026-02-01T00:00:00.000Z',
      kind: 'fold',
      parentId: 'id1',
      tags: { team: 'vision' },
    }),
    run({
      task: null,
      modelType: null,
      dataset: null,
      backend: null,
      kind: 'mlflow',
      parentId: null,
      deletedAt: null,
      tags: { 'mlflow.log-model.history': '[{"flavors":{"sklearn":{}}}]' },
    }),
  ];
  const columns = encodeRunColumns(runs);
  const model = decodeRunColumns(columns);

  it('sends every text value once and a value per run in every column, missing ones as NaN or -1', () => {
    expect(columns.count).toBe(3);
    expect(columns.strings.filter((t) => t === 'exp')).toHaveLength(1);
    expect(columns.metrics.map((m) => m.key)).toEqual(['loss', 'val_auc']);
    // A metric column is the base64 of little-endian doubles, 8 bytes a run, NaN for none.
    expect(
      RunColumns.shape.metrics.element.shape.values.safeParse(columns.metrics[1]!.values).success,
    ).toBe(true);
    expect(Array.from(decodeFloat64Column(columns.metrics[1]!.values))).toEqual([0.5, NaN, NaN]);
    const bytes = Uint8Array.from(atob(columns.metrics[1]!.values), (ch) => ch.charCodeAt(0));
    expect(new DataView(bytes.buffer).getFloat64(0, true)).toBe(0.5);
    // A param column is the base64 of little-endian 32-bit refs into strings, -1 for none.
    const type = Array.from(
      decodeInt32Column(columns.params.find((p) => p.key === 'model.type')!.values),
    );
    expect(type.slice(2)).toEqual([-1]);
    expect(type.slice(0, 2).map((ref) => columns.strings[ref])).toEqual(['gbdt', 'mlp']);
    // Times are milliseconds, NaN for none.
    expect(Array.from(decodeFloat64Column(columns.deletedAt))).toEqual(
      runs.map((r) => (r.deletedAt ? Date.parse(r.deletedAt) : NaN)),
    );
    expect(RunColumns.safeParse(columns).success).toBe(true);
  });

  it('refuses a column that is not base64 or does not hold one value per run', () => {
    const issues = (over: Partial<RunColumns>) =>
      RunColumns.safeParse({ ...columns, ...over }).error?.issues.map(
        (i) => `${i.path.join('.')}: ${i.message}`,
      );
    expect(issues({ status: 'AAAA*AAAAAAAAAAA' })).toEqual(['status: not base64']);
    // Two runs' refs (8 bytes) where there are three runs.
    expect(issues({ status: encodeColumn(Int32Array.of(0, 1)) })).toEqual([
      'status: 8 bytes for 3 runs (4 per run)',
    ]);
    expect(
      issues({ metrics: [{ key: 'loss', values: encodeColumn(Float64Array.of(1, 2, 3, 4)) }] }),
    ).toEqual(['metrics.0.values: 32 bytes for 3 runs (8 per run)']);
    expect(issues({ names: ['a'] })).toEqual(['names: 1 for 3 runs']);
  });

  it('decodes to typed arrays that give back each run as runs:list does', () => {
    expect(model.metrics.get('val_auc')).toBeInstanceOf(Float64Array);
    expect(Number.isNaN(model.metrics.get('val_auc')![1]!)).toBe(true);
    expect(model.params.get('model.type')).toBeInstanceOf(Int32Array);
    expect(model.indexOf.get(runs[2]!.id)).toBe(2);
    for (const [i, r] of runs.entries())
      expect(summaryAt(model, i)).toEqual({
        ...r,
        kind: r.kind ?? 'train',
        tags: r.tags ?? {},
        // As runs:list gives it: from the start and end times.
        durationMs: r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : null,
      });
    expect(modelLabelAt(model, 0)).toBe('gbdt 40 trees, depth 6');
    expect(modelLabelAt(model, 1)).toBe('mlp');
    expect(modelLabelAt(model, 2)).toBe('MLflow sklearn');
  });

  it('discovers the columns of the model and sorts them like the runs', () => {
    expect(discoverColumns(model).map((c) => c.id)).toContain('params.model.trees');
    expect(Array.from(sortOrder(model, 'metrics.loss', 'asc'))).toEqual([1, 0, 2]);
    expect(Array.from(sortOrder(model, 'model', 'asc'))).toEqual([0, 2, 1]);
  });
});

describe('runs table column window', () => {
  // Five unpinned columns of 100 px.
  const xs = [0, 100, 200, 300, 400];
  const widths = [100, 100, 100, 100, 100];

  it('draws the columns in view and one more on each side', () => {
    expect(columnWindow(xs, widths, 0, 150)).toEqual({ first: 0, last: 2 });
    expect(columnWindow(xs, widths, 250, 100)).toEqual({ first: 1, last: 4 });
    expect(columnWindow(xs, widths, 400, 100)).toEqual({ first: 3, last: 4 });
    expect(columnWindow([], [], 0, 500)).toEqual({ first: 0, last: -1 });
  });
});

describe('runs table cells', () => {
  it('formats start times exactly like formatTime', () => {
    for (const iso of ['2026-01-01T00:00:09.000Z', '2026-07-31T23:59:59.999Z', 'not a date'])
      expect(formatStarted(iso)).toBe(formatTime(iso));
  });
});

describe('runs table selection', () => {
  const rows = ['a', 'b', 'c', 'd', 'e'];

  it('toggles, extends a range from the anchor with shift, and selects all shown', () => {
    let s = toggle(EMPTY_SELECTION, 'b');
    s = extendTo(s, rows, 'd');
    expect([...s.ids].sort()).toEqual(['b', 'c', 'd']);
    s = extendTo(s, rows, 'a');
    expect([...s.ids].sort()).toEqual(['a', 'b', 'c', 'd']);
    s = toggle(s, 'c');
    expect([...s.ids].sort()).toEqual(['a', 'b', 'd']);
    expect(s.anchor).toBe('c');
    expect([...extendTo(EMPTY_SELECTION, rows, 'e').ids]).toEqual(['e']);
    const all = toggleAll(s, rows);
    expect(all.ids.size).toBe(5);
    expect(toggleAll(all, rows).ids.size).toBe(0);
    const kept = keepListed(all, new Set(['a', 'e']));
    expect([...kept.ids]).toEqual(['a', 'e']);
    expect(kept.anchor).toBeNull();
  });

  it('links 2 to 500 runs to the Compare view', () => {
    expect(compareHref(['a'])).toBeNull();
    expect(compareHref(['a', 'b/c'])).toBe('#/compare?ids=a,b%2Fc');
    expect(compareHref(Array.from({ length: 500 }, (_, i) => `r${i}`))).toMatch(/^#\/compare/);
    expect(compareHref(Array.from({ length: 501 }, (_, i) => `r${i}`))).toBeNull();
  });
});
