import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type MouseEvent,
  type ReactNode,
} from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { RunStatus, RunsTableLayout } from '../../../shared/contract';
import { StatusBadge } from '../../components/status-badge';
import { formatDuration, formatNumber } from '../../lib/format';
import { formatStarted } from './runs-table/format';
import { navigate } from '../../lib/routes';
import {
  MAX_WIDTH,
  MIN_WIDTH,
  columnWindow,
  cycleSort,
  moveColumnTo,
  setWidth,
} from './runs-table/columns';
import type { ColumnDef, PlacedColumn } from './runs-table/columns';
import type { RowIndex } from './runs-table/rows';
import { durationOf, isDeleted, kindOf, textOf, type RunsModel } from './runs-table/model';
import { extendTo, toggle, toggleAll, type Selection } from './runs-table/selection';
import { columnValue } from './runs-table/sort';
import { growPool, slotLines } from './runs-table/slots';
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
function cellText(model: RunsModel, i: number, id: string): string | null {
  if (id.startsWith('metrics.')) {
    const v = model.metrics.get(id.slice(8))?.[i];
    return formatNumber(v);
  }
  switch (id) {
    case 'status':
    case 'name':
      return null;
    case 'started':
      return formatStarted(model.startedAt[i]!);
    case 'duration':
      return formatDuration(durationOf(model, i));
    case 'backend':
      return textOf(model, model.backend[i]!) ?? '—';
  }
  // The text columns (experiment, dataset, model, kind, params) show what sorting compares.
  const value = columnValue(model, i, id);
  if (value === null) return id.startsWith('params.') ? '' : null;
  return String(value);
}

// Clipping every cell costs the browser a clip per cell on each scrolled frame (about half of a frame's
// paint with 40 columns): only text that may not fit its width (at a generous 9 px per character) is clipped.
const CHAR_PX = 9;
const CELL_PADDING = 16;

/** A column where its cells go: `x` from the row's left edge (or the pinned block's, for pinned ones). */
interface CellSpot {
  column: PlacedColumn;
  x: number;
}

interface LineProps {
  model: RunsModel;
  /** The run's index in the model. */
  run: number;
  /** The line's index in the table. */
  line: number;
  depth: number;
  children: number;
  /** The checkbox and the pinned cells (the line's part in the pinned pane), or the other cells. */
  part: 'pinned' | 'main';
  cells: CellSpot[];
  width: number;
  selected: boolean;
  expanded: boolean;
  onSelect: (id: string, shift: boolean) => void;
  onExpand: (id: string) => void;
  /** Under the pointer: both parts of a line light up together. */
  hovered: boolean;
  onHover: (line: number | null) => void;
}

function Cell({
  model,
  run,
  spot: { column: c, x },
  depth,
  children,
  expanded,
  onExpand,
}: {
  model: RunsModel;
  run: number;
  spot: CellSpot;
  depth: number;
  children: number;
  expanded: boolean;
  onExpand: (id: string) => void;
}) {
  const id = model.ids[run]!;
  const text = cellText(model, run, c.id);
  const clip = text === null || text.length * CHAR_PX > c.width - CELL_PADDING;
  let content: ReactNode = text;
  if (c.id === 'status')
    content = <StatusBadge status={textOf(model, model.status[run]!) as RunStatus} />;
  else if (c.id === 'name')
    content = (
      <>
        {(depth > 0 || children > 0) && (
          <span className={depth ? 'rt-indent' : 'rt-toggle-slot'}>
            {children > 0 && (
              <button
                type="button"
                className="rt-toggle"
                data-testid={`run-expand-${id}`}
                aria-expanded={expanded}
                title={`${expanded ? 'Hide' : 'Show'} ${children} ${
                  kindOf(model, run) === 'tune' ? 'trials' : 'folds'
                }`}
                onClick={(e) => {
                  e.stopPropagation();
                  onExpand(id);
                }}
              >
                {expanded ? '▾' : '▸'} {children}
              </button>
            )}
          </span>
        )}
        <a href={`#/runs/${encodeURIComponent(id)}`} onClick={(e) => e.stopPropagation()}>
          {model.names[run]}
        </a>
      </>
    );
  else if (text !== null && isHash(text)) content = <HashText value={text} />;
  return (
    <div
      role="cell"
      className={`rt-cell${c.numeric ? ' num' : ''}${clip ? ' clip' : ''}`}
      data-col={c.id}
      style={{ left: x, width: c.width }}
    >
      {content}
    </div>
  );
}

/**
 * One line of the table, or its part in the pinned pane: a fixed-size box moved into place with a
 * transform, so its element is reused for the next run scrolled in (its key is its slot, not its run) and
 * nothing around it is laid out again. Cells are absolutely placed.
 */
const RunLine = memo(function RunLine({
  model,
  run,
  line,
  depth,
  children,
  part,
  cells,
  width,
  selected,
  expanded,
  onSelect,
  onExpand,
  hovered,
  onHover,
}: LineProps) {
  const id = model.ids[run]!;
  const deleted = isDeleted(model, run);
  const classes = [part === 'main' ? 'rt-row' : 'rt-row rt-pin-row'];
  if (line % 2) classes.push('odd');
  if (selected) classes.push('selected');
  if (deleted) classes.push('deleted');
  if (depth) classes.push('child');
  if (hovered) classes.push('hover');
  const cell = (spot: CellSpot) => (
    <Cell
      key={spot.column.id}
      model={model}
      run={run}
      spot={spot}
      depth={depth}
      children={children}
      expanded={expanded}
      onExpand={onExpand}
    />
  );
  const common = {
    onMouseEnter: () => onHover(line),
    onMouseLeave: () => onHover(null),
    className: classes.join(' '),
    style: { width, transform: `translateY(${line * ROW_HEIGHT}px)` },
    onClick: (e: MouseEvent) => {
      if ((e.target as HTMLElement).closest('a, button, input, label')) return;
      navigate({ view: 'run', runId: id });
    },
  };
  if (part === 'main')
    return (
      <div
        role="row"
        data-testid={`run-row-${id}`}
        data-index={line}
        aria-rowindex={line + 2}
        data-selected={selected}
        data-deleted={deleted}
        {...common}
      >
        {cells.map(cell)}
      </div>
    );
  return (
    <div data-testid={`run-pinned-${id}`} {...common}>
      <div className="rt-cell rt-select" style={{ left: 0, width: SELECT_WIDTH }}>
        <input
          type="checkbox"
          aria-label={`select ${model.names[run]}`}
          data-testid={`run-select-${id}`}
          checked={selected}
          onClick={(e) => {
            e.stopPropagation();
            onSelect(id, e.shiftKey);
          }}
          onChange={() => undefined}
        />
      </div>
      {cells.map(cell)}
    </div>
  );
});

function cellStyle(column: PlacedColumn): CSSProperties | undefined {
  return column.pinned ? { position: 'sticky', left: SELECT_WIDTH + column.left } : undefined;
}

interface HeaderProps {
  shown: PlacedColumn[];
  allColumns: ColumnDef[];
  sort: RunsTableLayout['sort'];
  template: string;
  width: number;
  allSelected: boolean;
  someSelected: boolean;
  onSelectAll: () => void;
  onLayout: RunsTableProps['onLayout'];
  /** A column's width while its edge is dragged; null when the drag ends. */
  onResizing: (resizing: { id: string; width: number } | null) => void;
  /** A header was clicked to sort (before the layout changes). */
  onSortStart: () => void;
}

/**
 * The header line: every shown column (a CSS grid), to sort, resize and reorder. Its props do not change
 * as the table scrolls, so a scrolled frame does not render it again.
 */
const Header = memo(function Header({
  shown,
  allColumns,
  sort,
  template,
  width,
  allSelected,
  someSelected,
  onSelectAll,
  onLayout,
  onResizing,
  onSortStart,
}: HeaderProps) {
  const [dragging, setDragging] = useState<string | null>(null);
  return (
    <div
      className="rt-header"
      role="row"
      aria-rowindex={1}
      style={{ gridTemplateColumns: template, width }}
    >
      <div className="rt-th rt-select" style={{ position: 'sticky', left: 0 }}>
        <input
          type="checkbox"
          aria-label="select every run shown"
          data-testid="runs-select-all"
          checked={allSelected}
          ref={(el) => {
            if (el) el.indeterminate = someSelected;
          }}
          onChange={onSelectAll}
        />
      </div>
      {shown.map((c) => {
        const dir = sort?.column === c.id ? sort.direction : null;
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
                onSortStart();
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
                  onResizing({ id: c.id, width: clamp(ev.clientX) });
                const up = (ev: PointerEvent) => {
                  target.removeEventListener('pointermove', move);
                  target.removeEventListener('pointerup', up);
                  onResizing(null);
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
  );
});

export interface RunsTableProps {
  model: RunsModel;
  /** The table's lines: run indexes into the model (orderRows). */
  rows: Int32Array;
  /** How the shown runs nest (indexRows). */
  nesting: RowIndex;
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
 * The runs table: only the lines and the columns in view are in the DOM (react-virtual for lines, the
 * scroll position for columns), line elements are reused as they scroll, and every cell has a fixed place
 * and size, so a scrolled frame restyles and lays out only the cells whose run changed. Pinned columns
 * stick to the left; headers (a CSS grid of every shown column) sort, resize (drag the right edge) and
 * reorder (drag a header onto another).
 */
export function RunsTable({
  model,
  rows,
  nesting,
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
  const [hovered, setHovered] = useState<number | null>(null);
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
    overscan: 4,
  });

  const [pinned, unpinned, pinnedWidth] = useMemo(() => {
    const pin: CellSpot[] = [];
    const rest: CellSpot[] = [];
    let pinnedW = 0;
    for (const c of shown)
      if (c.pinned) {
        pin.push({ column: c, x: SELECT_WIDTH + c.left });
        pinnedW += c.width;
      }
    let x = SELECT_WIDTH + pinnedW;
    for (const c of shown)
      if (!c.pinned) {
        rest.push({ column: c, x });
        x += c.width;
      }
    return [pin, rest, pinnedW] as const;
  }, [shown]);

  // The unpinned columns in view, from the horizontal scroll position: set only when they change.
  const [view, setView] = useState({ left: 0, width: 0 });
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const update = () => {
      const next = { left: el.scrollLeft, width: el.clientWidth };
      setView((v) => (v.left === next.left && v.width === next.width ? v : next));
    };
    update();
    el.addEventListener('scroll', update, { passive: true });
    const resized = new ResizeObserver(update);
    resized.observe(el);
    return () => {
      el.removeEventListener('scroll', update);
      resized.disconnect();
    };
  }, []);
  const { first, last } = columnWindow(
    unpinned.map((s) => s.x - SELECT_WIDTH - pinnedWidth),
    unpinned.map((s) => s.column.width),
    view.left,
    Math.max(0, view.width - SELECT_WIDTH - pinnedWidth),
  );
  const cells = useMemo(() => unpinned.slice(first, last + 1), [unpinned, first, last]);

  const rowIds = useMemo(() => Array.from(rows, (i) => model.ids[i]!), [rows, model]);
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
    hover: (line: number | null) => setHovered(line),
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
  const onSelectAll = useCallback(
    () => onSelection(toggleAll(selection, rowIds)),
    [onSelection, selection, rowIds],
  );
  const onSortStart = useCallback(() => {
    performance.mark(MARKS.sortStart);
    sortPending.current = true;
  }, []);
  const items = virtualizer.getVirtualItems();
  // Line elements are keyed by slot (slots.ts): the line scrolled out hands its element to the one
  // scrolled in, and they stay in slot order in the DOM (each line's place is its transform; its
  // aria-rowindex gives assistive technology the table's order).
  const poolRef = useRef(2);
  poolRef.current = growPool(poolRef.current, items.length);
  const pool = poolRef.current;
  const slots = slotLines(items[0]?.index ?? 0, rows.length, pool);
  const height = virtualizer.getTotalSize();
  const line = (index: number, part: 'pinned' | 'main') => {
    const run = rows[index]!;
    const id = model.ids[run]!;
    return (
      <RunLine
        key={index % pool}
        model={model}
        run={run}
        line={index}
        depth={nesting.depth[run]!}
        children={nesting.children[run]!}
        part={part}
        cells={part === 'main' ? cells : pinned}
        width={part === 'main' ? width : SELECT_WIDTH + pinnedWidth}
        selected={selection.ids.has(id)}
        expanded={expanded.has(id)}
        onSelect={handlers.select}
        onExpand={handlers.expand}
        hovered={hovered === index}
        onHover={handlers.hover}
      />
    );
  };

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
      aria-rowcount={rows.length + 1}
    >
      <Header
        shown={shown}
        allColumns={allColumns}
        sort={layout.sort}
        template={template}
        width={width}
        allSelected={allSelected}
        someSelected={someSelected}
        onSelectAll={onSelectAll}
        onLayout={onLayout}
        onResizing={setResizing}
        onSortStart={onSortStart}
      />
      <div className="rt-body" style={{ height, width }}>
        {/* One sticky pane for every line's pinned part: a sticky block per line made each its own
            compositor layer, and layerizing them cost more than the rest of a scrolled frame. */}
        <div className="rt-pins" style={{ height, width: SELECT_WIDTH + pinnedWidth }}>
          {slots.map((index) => line(index, 'pinned'))}
        </div>
        {slots.map((index) => line(index, 'main'))}
      </div>
    </div>
  );
}
