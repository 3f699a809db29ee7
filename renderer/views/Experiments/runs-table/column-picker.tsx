import { useState } from 'react';
import type { RunsTableLayout } from '../../../../shared/contract';
import { moveColumn, searchColumns, setHidden, setPinned, type ColumnDef } from './columns';

/**
 * Show, hide, pin and move columns; a search box narrows the list, since runs may log hundreds of params
 * and metrics. "Show all" and "Hide all" act on the columns the search matches.
 */
export function ColumnPicker({
  columns,
  layout,
  onLayout,
  onClose,
}: {
  columns: ColumnDef[];
  layout: RunsTableLayout;
  onLayout: (change: (layout: RunsTableLayout) => RunsTableLayout) => void;
  onClose: () => void;
}) {
  const [query, setQuery] = useState('');
  const matched = searchColumns(columns, query);
  const hidden = new Set(layout.hidden);
  const pinned = new Set(layout.pinned);
  const ids = matched.map((c) => c.id);
  return (
    <div className="rt-picker" data-testid="column-picker" role="dialog" aria-label="Columns">
      <div className="rt-picker-head">
        <input
          type="search"
          placeholder={`Search ${columns.length} columns`}
          value={query}
          autoFocus
          data-testid="column-picker-search"
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
          }}
        />
        <button
          type="button"
          className="btn btn-small"
          data-testid="column-picker-show-all"
          onClick={() => onLayout((l) => setHidden(l, ids, false))}
        >
          Show all
        </button>
        <button
          type="button"
          className="btn btn-small"
          data-testid="column-picker-hide-all"
          onClick={() => onLayout((l) => setHidden(l, ids, true))}
        >
          Hide all
        </button>
        <button
          type="button"
          className="btn btn-small"
          data-testid="column-picker-close"
          onClick={onClose}
        >
          Done
        </button>
      </div>
      <div className="rt-picker-list" data-testid="column-picker-list">
        {matched.length === 0 && <div className="muted">No column matches “{query}”.</div>}
        {matched.map((c) => (
          <div key={c.id} className="rt-picker-item" data-testid={`column-option-${c.id}`}>
            <label>
              <input
                type="checkbox"
                data-testid={`column-visible-${c.id}`}
                checked={!hidden.has(c.id)}
                onChange={(e) => {
                  const show = e.target.checked;
                  onLayout((l) => setHidden(l, [c.id], !show));
                }}
              />
              <span className="rt-picker-label">{c.kind === 'attribute' ? c.label : c.id}</span>
            </label>
            <button
              type="button"
              className={`btn btn-small${pinned.has(c.id) ? ' active' : ''}`}
              data-testid={`column-pin-${c.id}`}
              aria-pressed={pinned.has(c.id)}
              title={pinned.has(c.id) ? 'Unpin' : 'Pin to the left'}
              onClick={() => onLayout((l) => setPinned(l, c.id, !l.pinned.includes(c.id)))}
            >
              {pinned.has(c.id) ? 'Pinned' : 'Pin'}
            </button>
            <button
              type="button"
              className="btn btn-small"
              data-testid={`column-left-${c.id}`}
              aria-label={`move ${c.label} left`}
              disabled={hidden.has(c.id)}
              onClick={() => onLayout((l) => moveColumn(columns, l, c.id, -1))}
            >
              ←
            </button>
            <button
              type="button"
              className="btn btn-small"
              data-testid={`column-right-${c.id}`}
              aria-label={`move ${c.label} right`}
              disabled={hidden.has(c.id)}
              onClick={() => onLayout((l) => moveColumn(columns, l, c.id, 1))}
            >
              →
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}
