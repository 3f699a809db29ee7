import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Cell, ColumnInfo } from '../../../shared/contract';
import { getApi, errorMessage } from '../../api';
import { ErrorBanner, Loading } from '../../components/states';
import { formatCount, formatRowValue } from '../../lib/format';
import { pagesForRange } from '../../lib/paging';

export const PAGE_SIZE = 200;
// 24px rows keep a million-row table (24M px) under Chromium's ~33M px element height limit.
const ROW_HEIGHT = 24;
const INDEX_WIDTH = 72;

function columnWidth(column: ColumnInfo): number {
  if (column.kind === 'numeric' || column.kind === 'boolean') return 116;
  if (column.kind === 'datetime') return 172;
  return 168;
}

function CellView({ value, column }: { value: Cell | undefined; column: ColumnInfo }) {
  const { kind } = column;
  if (value === undefined) return <span className="cell-pending" />;
  if (value === null) return <span className="cell-null">null</span>;
  return (
    <span className={kind === 'numeric' ? 'cell-num' : undefined}>
      {formatRowValue(value, column)}
    </span>
  );
}

/**
 * Rows of a dataset version, virtualized: only visible rows are in the DOM and rows are fetched
 * lazily in pages of PAGE_SIZE (cached), so a million-row table scrolls without freezing.
 */
export function PreviewGrid({ datasetRef }: { datasetRef: string }) {
  const [columns, setColumns] = useState<ColumnInfo[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [, setRevision] = useState(0);
  const pages = useRef(new Map<number, Cell[][]>());
  const inFlight = useRef(new Set<number>());
  const scrollRef = useRef<HTMLDivElement>(null);

  const loadPage = useCallback(
    async (page: number) => {
      if (pages.current.has(page) || inFlight.current.has(page)) return;
      inFlight.current.add(page);
      try {
        const out = await getApi().invoke('data:preview', {
          ref: datasetRef,
          offset: page * PAGE_SIZE,
          limit: PAGE_SIZE,
        });
        pages.current.set(page, out.rows);
        setColumns((prev) => prev ?? out.columns);
        setTotal(out.total);
        setRevision((r) => r + 1);
      } catch (err) {
        setError(errorMessage(err));
      } finally {
        inFlight.current.delete(page);
      }
    },
    [datasetRef],
  );

  useEffect(() => {
    void loadPage(0);
  }, [loadPage]);

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (total === 0) return;
    // Wait for the scroll to settle so dragging the scrollbar across a million rows fetches only
    // the pages it stops on.
    const timer = setTimeout(() => {
      for (const page of pagesForRange(first, last, PAGE_SIZE)) void loadPage(page);
    }, 60);
    return () => clearTimeout(timer);
  }, [first, last, total, loadPage]);

  const widths = useMemo(() => (columns ?? []).map(columnWidth), [columns]);
  const template = `${INDEX_WIDTH}px ${widths.map((w) => `${w}px`).join(' ')}`;
  const fullWidth = INDEX_WIDTH + widths.reduce((a, b) => a + b, 0);

  if (error) {
    return (
      <ErrorBanner
        error={error}
        title="Could not load rows"
        onRetry={() => {
          setError(null);
          void loadPage(Math.floor(first / PAGE_SIZE));
        }}
      />
    );
  }
  if (!columns) return <Loading label="Loading rows…" />;

  return (
    <div className="preview">
      <div className="preview-meta">
        <span>
          {formatCount(total)} rows · {columns.length} columns
        </span>
        <span className="muted">
          showing {total === 0 ? 0 : formatCount(first + 1)}–
          {formatCount(Math.min(total, last + 1))}
        </span>
      </div>
      <div className="preview-scroll" ref={scrollRef} data-testid="preview-grid" data-total={total}>
        <div className="preview-header" style={{ gridTemplateColumns: template, width: fullWidth }}>
          <div className="preview-index">#</div>
          {columns.map((c) => (
            <div
              key={c.name}
              className={c.kind === 'numeric' ? 'num' : undefined}
              title={`${c.name} · ${c.type}`}
            >
              {c.name}
              <span className="preview-type">{c.type.toLowerCase()}</span>
            </div>
          ))}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), width: fullWidth, position: 'relative' }}>
          {items.map((item) => {
            const row = pages.current.get(Math.floor(item.index / PAGE_SIZE))?.[
              item.index % PAGE_SIZE
            ];
            return (
              <div
                key={item.key}
                className={item.index % 2 ? 'preview-row odd' : 'preview-row'}
                data-row={item.index}
                style={{
                  gridTemplateColumns: template,
                  height: ROW_HEIGHT,
                  // `top`, not a transform: transforms are float32 and rows drift apart past ~16M px.
                  top: item.start,
                }}
              >
                <div className="preview-index">{item.index + 1}</div>
                {columns.map((c, i) => (
                  <div key={c.name} className={c.kind === 'numeric' ? 'num' : undefined}>
                    <CellView value={row ? (row[i] ?? null) : undefined} column={c} />
                  </div>
                ))}
              </div>
            );
          })}
        </div>
        {total === 0 && <div className="preview-empty">This dataset has no rows.</div>}
      </div>
    </div>
  );
}
