import {
  memo,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
} from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { RunSummary, RunsTableLayout } from '../../../shared/contract';
import { StatusBadge } from '../../components/status-badge';
import { formatDuration, formatNumber } from '../../lib/format';
import { formatStarted } from './runs-table/format';
import { navigate } from '../../lib/routes';
import { MAX_WIDTH, MIN_WIDTH, moveColumnTo, setWidth, cycleSort } from './runs-table/columns';
import type { ColumnDef, PlacedColumn } from './runs-table/columns';
import type { TableRow } from './runs-table/rows';
import { extendTo, toggle, toggleAll, type Selection } from './runs-table/selection';
import { columnValue } from './runs-table/sort';
import { HashText, isHash } from '../../components/hash-text';
import './runs-table.css';

export const ROW_HEIGHT = 32;
const SELECT_WIDTH = 36;

/**
 * Performance marks: the view marks FETCH (and FETCH_ALL) when it asks for runs and DATA when runs arrive
 * (a first page of a long list, then the whole); the table measures RENDER (data to painted rows) and LOAD
 * (request to the first painted rows), the view ALL (request to the whole list painted).
 */
export const MARKS = {
  fetch: 'runs-table:fetch',
  fetchAll: 'runs-table:fetch-all',
  data: 'runs-table:data',
  render: 'runs-table:render',
  load: 'runs-table:load',
  all: 'runs-table:all',
  sortStart: 'runs-table:sort-start',
  sort: 'runs-table:sort',
} as const;

/** After the browser has laid out and painted what was just committed. */
export function afterPaint(then: () => void): void {
  requestAnimationFrame(() => setTimeout(then, 0));
}

/** The text of a plain cell; null for the status and name cells, which hold elements. */
function cellText(run: RunSummary, id: string): string | null {
  if (id.startsWith('metrics.')) return formatNumber(run.metrics[id.slice(8)]);
  switch (id) {
    case 'status':
    case 'name':
      return null;
    case 'started':
      return formatStarted(run.startedAt);
    case 'duration':
      return formatDuration(run.durationMs);
    case 'backend':
      return run.backend ?? '—';
  }
  // The text columns (experiment, dataset, model, kind, params) show what sorting compares.
  const value = columnValue(run, id);
  if (value === null) return id.startsWith('params.') ? '' : null;
  return String(value);
}

function CellContent({ run, column }: { run: RunSummary; column: ColumnDef }) {
  if (column.id === 'status') return <StatusBadge status={run.status} />;
  if (column.id === 'name')
    return (
      <a href={`#/runs/${encodeURIComponent(run.id)}`} onClick={(e) => e.stopPropagation()}>
        {run.name}
      </a>
    );
  return null;
}

// Clipping every cell costs the browser a clip per cell on each scrolled frame (about half of a frame's
// paint with 40 columns): only text that may not fit its width (at a generous 9 px per character) is clipped.
const CHAR_PX = 9;
const CELL_PADDING = 16;

function cellStyle(column: PlacedColumn): CSSProperties | undefined {
  return column.pinned ? { position: 'sticky', left: SELECT_WIDTH + column.left } : undefined;
}

interface RowProps {
  row: TableRow;
  index: number;
  top: number;
  columns: PlacedColumn[];
  template: string;
  width: number;
  selected: boolean;
  expanded: boolean;
  onSelect: (id: string, shift: boolean) => void;
  onExpand: (id: string) => void;
}

const RunRow = memo(function RunRow({
  row,
  index,
  top,
  columns,
  template,
  width,
  selected,
  expanded,
  onSelect,
  onExpand,
}: RowProps) {
  const { run } = row;
  const classes = ['rt-row'];
  if (index % 2) classes.push('odd');
  if (selected) classes.push('selected');
  if (run.deletedAt) classes.push('deleted');
  if (row.depth) classes.push('child');
  return (
    <div
      role="row"
      className={classes.join(' ')}
      data-testid={`run-row-${run.id}`}
      data-index={index}
      data-selected={selected}
      data-deleted={Boolean(run.deletedAt)}
      style={{ gridTemplateColumns: template, width, top, height: ROW_HEIGHT }}
      onClick={(e) => {
        if ((e.target as HTMLElement).closest('a, button, input, label')) return;
        navigate({ view: 'run', runId: run.id });
      }}
    >
      <div className="rt-cell rt-select" style={{ position: 'sticky', left: 0 }}>
        <input
          type="checkbox"
          aria-label={`select ${run.name}`}
          data-testid={`run-select-${run.id}`}
          checked={selected}
          onClick={(e) => {
            e.stopPropagation();
            onSelect(run.id, e.shiftKey);
          }}
          onChange={() => undefined}
        />
      </div>
      {columns.map((c) => {
        const text = cellText(run, c.id);
        const clip = text === null || text.length * CHAR_PX > c.width - CELL_PADDING;
        return (
          <div
            key={c.id}
            role="cell"
            className={`rt-cell${c.numeric ? ' num' : ''}${c.pinned ? ' pinned' : ''}${clip ? ' clip' : ''}`}
            data-col={c.id}
            style={cellStyle(c)}
          >
            {c.id === 'name' && (row.depth > 0 || row.children > 0) && (
              <span className={row.depth ? 'rt-indent' : 'rt-toggle-slot'}>
                {row.children > 0 && (
                  <button
                    type="button"
                    className="rt-toggle"
                    data-testid={`run-expand-${run.id}`}
                    aria-expanded={expanded}
                    title={`${expanded ? 'Hide' : 'Show'} ${row.children} ${
                      run.kind === 'tune' ? 'trials' : 'folds'
                    }`}
                    onClick={(e) => {
                      e.stopPropagation();
                      onExpand(run.id);
                    }}
                  >
                    {expanded ? '▾' : '▸'} {row.children}
                  </button>
                )}
              </span>
            )}
            {text !== null && isHash(text) ? (
              <HashText value={text} />
            ) : (
              (text ?? <CellContent run={run} column={c} />)
            )}
          </div>
        );
      })}
    </div>
  );
});

export interface RunsTableProps {
  rows: TableRow[];
  columns: PlacedColumn[];
  allColumns: ColumnDef[];
  layout: RunsTableLayout;
  onLayout: (change: (layout: RunsTableLayout) => RunsTableLayout) => void;
  selection: Selection;
  onSelection: (selection: Selection) => void;
  /** Whether the layout on screen is stored (for tests waiting on the debounced save). */
  saved: boolean;
  /** Runs listed in all (before search and nesting). */
  total: number;
}

/**
 * The runs table: only the rows in view are in the DOM (react-virtual), every row is a CSS grid with the
 * header's column template, pinned columns stick to the left, headers sort, resize (drag the right edge)
 * and reorder (drag a header onto another).
 */
export function RunsTable({
  rows,
  columns,
  allColumns,
  layout,
  onLayout,
  selection,
  onSelection,
  saved,
  total,
}: RunsTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [resizing, setResizing] = useState<{ id: string; width: number } | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const sortPending = useRef(false);

  const shown = useMemo(() => {
    // Pinned offsets depend on the widths before them: recomputed while a pinned column is resized.
    let left = 0;
    return columns.map((col) => {
      const c = resizing?.id === col.id ? { ...col, width: resizing.width } : col;
      if (!c.pinned) return c;
      const at = { ...c, left };
      left += c.width;
      return at;
    });
  }, [columns, resizing]);
  const template = `${SELECT_WIDTH}px ${shown.map((c) => `${c.width}px`).join(' ')}`;
  const width = SELECT_WIDTH + shown.reduce((sum, c) => sum + c.width, 0);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });

  const rowIds = useMemo(() => rows.map((r) => r.run.id), [rows]);
  const rowIdsRef = useRef(rowIds);
  const selectionRef = useRef(selection);
  useLayoutEffect(() => {
    rowIdsRef.current = rowIds;
    selectionRef.current = selection;
  });
  const onSelectRef = useRef<(id: string, shift: boolean) => void>(() => undefined);
  const onExpandRef = useRef<(id: string) => void>(() => undefined);
  useLayoutEffect(() => {
    onSelectRef.current = (id, shift) => {
      const current = selectionRef.current;
      onSelection(shift ? extendTo(current, rowIdsRef.current, id) : toggle(current, id));
    };
    onExpandRef.current = (id) =>
      onLayout((l) => ({
        ...l,
        expanded: l.expanded.includes(id)
          ? l.expanded.filter((x) => x !== id)
          : [...l.expanded, id],
      }));
  });
  const [handlers] = useState(() => ({
    select: (id: string, shift: boolean) => onSelectRef.current(id, shift),
    expand: (id: string) => onExpandRef.current(id),
  }));

  // The first paint of rows after new data, and a sort from a header click to its repaint.
  useEffect(() => {
    afterPaint(() => {
      if (performance.getEntriesByName(MARKS.data, 'mark').length) {
        performance.measure(MARKS.render, MARKS.data);
        performance.clearMarks(MARKS.data);
      }
      if (performance.getEntriesByName(MARKS.fetch, 'mark').length) {
        performance.measure(MARKS.load, MARKS.fetch);
        performance.clearMarks(MARKS.fetch);
      }
    });
  }, [rows]);
  useEffect(() => {
    if (!sortPending.current) return;
    sortPending.current = false;
    afterPaint(() => performance.measure(MARKS.sort, MARKS.sortStart));
  }, [layout.sort]);

  const expanded = useMemo(() => new Set(layout.expanded), [layout.expanded]);
  const [allSelected, someSelected] = useMemo(() => {
    if (selection.ids.size === 0) return [false, false];
    const all = rowIds.length > 0 && rowIds.every((id) => selection.ids.has(id));
    return [all, !all && rowIds.some((id) => selection.ids.has(id))];
  }, [rowIds, selection]);
  const items = virtualizer.getVirtualItems();

  return (
    <div
      className="rt-scroll"
      ref={scrollRef}
      data-testid="runs-table"
      data-rows={rows.length}
      data-total={total}
      data-layout-saved={saved}
      data-sort={layout.sort ? `${layout.sort.column} ${layout.sort.direction}` : ''}
      role="table"
      aria-rowcount={rows.length}
    >
      <div className="rt-header" role="row" style={{ gridTemplateColumns: template, width }}>
        <div className="rt-th rt-select" style={{ position: 'sticky', left: 0 }}>
          <input
            type="checkbox"
            aria-label="select every run shown"
            data-testid="runs-select-all"
            checked={allSelected}
            ref={(el) => {
              if (el) el.indeterminate = someSelected;
            }}
            onChange={() => onSelection(toggleAll(selection, rowIds))}
          />
        </div>
        {shown.map((c) => {
          const dir = layout.sort?.column === c.id ? layout.sort.direction : null;
          return (
            <div
              key={c.id}
              role="columnheader"
              aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
              className={`rt-th${c.numeric ? ' num' : ''}${c.pinned ? ' pinned' : ''}${
                dragging && dragging !== c.id ? ' drop-target' : ''
              }`}
              data-testid={`col-header-${c.id}`}
              data-col={c.id}
              data-sort={dir ?? 'none'}
              style={cellStyle(c)}
              onDragOver={(e) => {
                if (dragging) e.preventDefault();
              }}
              onDrop={(e) => {
                e.preventDefault();
                const from = e.dataTransfer.getData('text/x-lathe-column') || dragging;
                setDragging(null);
                if (from) onLayout((l) => moveColumnTo(allColumns, l, from, c.id));
              }}
            >
              <button
                type="button"
                className="rt-sort"
                data-testid={`col-sort-${c.id}`}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData('text/x-lathe-column', c.id);
                  e.dataTransfer.effectAllowed = 'move';
                  setDragging(c.id);
                }}
                onDragEnd={() => setDragging(null)}
                title={`${c.kind === 'attribute' ? c.label : c.id}: sort`}
                onClick={() => {
                  performance.mark(MARKS.sortStart);
                  sortPending.current = true;
                  onLayout((l) => cycleSort(l, c.id));
                }}
              >
                <span className="rt-label">{c.label}</span>
                {c.kind !== 'attribute' && <span className="rt-kind">{c.kind}</span>}
                <span className="rt-arrow" aria-hidden="true">
                  {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}
                </span>
              </button>
              <span
                className="rt-resize"
                data-testid={`col-resize-${c.id}`}
                role="separator"
                aria-orientation="vertical"
                aria-label={`resize ${c.label}`}
                onClick={(e) => e.stopPropagation()}
                onPointerDown={(e) => {
                  e.preventDefault();
                  e.stopPropagation();
                  const startX = e.clientX;
                  const start = c.width;
                  const target = e.currentTarget;
                  target.setPointerCapture(e.pointerId);
                  const clamp = (x: number) =>
                    Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, start + x - startX)));
                  const move = (ev: PointerEvent) =>
                    setResizing({ id: c.id, width: clamp(ev.clientX) });
                  const up = (ev: PointerEvent) => {
                    target.removeEventListener('pointermove', move);
                    target.removeEventListener('pointerup', up);
                    setResizing(null);
                    onLayout((l) => setWidth(l, c.id, clamp(ev.clientX)));
                  };
                  target.addEventListener('pointermove', move);
                  target.addEventListener('pointerup', up);
                }}
              />
            </div>
          );
        })}
      </div>
      <div className="rt-body" style={{ height: virtualizer.getTotalSize(), width }}>
        {items.map((item) => {
          const row = rows[item.index]!;
          return (
            <RunRow
              key={row.run.id}
              row={row}
              index={item.index}
              top={item.start}
              columns={shown}
              template={template}
              width={width}
              selected={selection.ids.has(row.run.id)}
              expanded={expanded.has(row.run.id)}
              onSelect={handlers.select}
              onExpand={handlers.expand}
            />
          );
        })}
      </div>
    </div>
  );
}
