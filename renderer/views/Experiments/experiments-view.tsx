import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ExperimentSummary } from '../../../shared/contract';
import { getApi } from '../../api';
import { Checkbox, FormField, SelectField, TextField } from '../../components/form-field';
import type { Option } from '../../components/options';
import { PageHeader, Panel } from '../../components/page';
import { EmptyState, ErrorBanner, Loading } from '../../components/states';
import { formatBytes, formatCount } from '../../lib/format';
import { useAsync, useEvent } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { useAction } from '../../lib/use-action';
import { navigate } from '../../lib/routes';
import { NewRunForm } from './new-run-form';
import { MlflowNotebookHint, MlrunsImportPanel } from './mlruns-import';
import { RunsTable } from './runs-table';
import { ColumnPicker } from './runs-table/column-picker';
import { discoverColumns, placeColumns } from './runs-table/columns';
import { indexRows, orderRows, searchTexts } from './runs-table/rows';
import { NO_MODEL, isDeleted } from './runs-table/model';
import {
  EMPTY_SELECTION,
  COMPARE_MAX,
  compareHref,
  keepListed,
  type Selection,
} from './runs-table/selection';
import { listOrderBy, sortOrder } from './runs-table/sort';
import { layoutKey, useRunsLayout } from './runs-table/use-layout';
import { useRunsList } from './use-runs-list';
import { handleSubmit } from '../../lib/forms';

/**
 * A list of more runs than this shows a first page (in the table's order; see useRunsList) while the
 * whole list loads: 10,000 runs take most of a second to list, send and parse.
 */
const PROGRESSIVE_MIN = 2_000;

/** The experiment last picked in a project (null: all), remembered in the workspace. */
function useExperimentChoice(
  project: string,
): [string | null | undefined, (e: string | null) => void] {
  const key = `experiments-view:${project}`;
  const [state, setState] = useState<{ key: string; value: string | null } | null>(null);
  useEffect(() => {
    let alive = true;
    void getApi()
      .invoke('ui:prefs:get', { key })
      .then(
        ({ value }) => (typeof value === 'string' ? value : null),
        () => null,
      )
      .then((value) => {
        if (alive) setState({ key, value });
      });
    return () => {
      alive = false;
    };
  }, [key]);
  const set = useCallback(
    (value: string | null) => {
      // Switched once stored, so a reload right after lists the same experiment.
      void getApi()
        .invoke('ui:prefs:set', { key, value })
        .catch(() => undefined)
        .then(() => setState({ key, value }));
    },
    [key],
  );
  return [state?.key === key ? state.value : undefined, set];
}

/** The experiment picker's choices: all (with the project's run count) or one, with its own. */
function experimentOptions(experiments: ExperimentSummary[] | null): Option[] {
  const all = experiments ? ` (${formatCount(experiments.reduce((n, e) => n + e.runs, 0))})` : '';
  return [
    { value: '', label: `All experiments${all}` },
    ...(experiments ?? []).map((e) => ({
      value: e.name,
      label: `${e.name} (${formatCount(e.runs)})`,
    })),
  ];
}

/** The run query box: applied with Enter; a malformed query's message (with its position) shows below. */
function FilterBox({
  initial,
  error,
  onApply,
}: {
  initial: string;
  error: string | null;
  onApply: (filter: string) => void;
}) {
  const [draft, setDraft] = useState(initial);
  return (
    <form className="field rt-filter" onSubmit={handleSubmit(() => onApply(draft.trim()))}>
      <span>Filter</span>
      <input
        type="text"
        data-testid="runs-filter"
        placeholder="metrics.val_auc > 0.8 and params.model.type = 'mlp'  (Enter to apply)"
        value={draft}
        spellCheck={false}
        aria-invalid={Boolean(error)}
        onChange={(e) => setDraft(e.target.value)}
      />
      {error && (
        <div className="rt-filter-error" role="alert" data-testid="runs-filter-error">
          {error}
        </div>
      )}
    </form>
  );
}

export function ExperimentsView({ newRun, clone }: { newRun: boolean; clone?: string }) {
  const { project } = useProject();
  const experiments = useAsync(() => getApi().invoke('experiments:list', { project }), [project]);
  const [experiment, setExperiment] = useExperimentChoice(project);
  const { layout, update, saved, saveError } = useRunsLayout(
    layoutKey(project, experiment ?? null),
  );
  const [selection, setSelection] = useState<Selection>(EMPTY_SELECTION);
  const [pickerOpen, setPickerOpen] = useState(false);
  const [confirmPurge, setConfirmPurge] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const action = useAction();
  const busy = action.busy;
  const [notice, setNotice] = useState<string | null>(null);

  // The experiments' run counts decide whether a long list shows a first page while it loads.
  const ready =
    layout !== null &&
    experiment !== undefined &&
    (experiments.data !== null || experiments.status === 'error');
  const filter = layout?.filter ?? '';
  const showDeleted = layout?.showDeleted ?? false;

  // How many runs the list will hold (before any filter), to decide on a first page.
  const expected = (experiments.data ?? [])
    .filter((e) => !experiment || e.name === experiment)
    .reduce((n, e) => n + e.runs + (showDeleted ? e.deletedRuns : 0), 0);
  const state = useRunsList({
    ready,
    project,
    experiment,
    filter,
    showDeleted,
    firstPage: {
      orderBy: listOrderBy(layout?.sort ?? null),
      wanted: expected > PROGRESSIVE_MIN && !(layout?.search ?? '').trim(),
    },
    onListed: (runs) => {
      const listed = new Set(runs.ids);
      setSelection((s) => keepListed(s, listed));
    },
  });
  const { loading, reload } = state;

  useEvent('run:status', () => {
    reload();
    experiments.reload();
  });

  const runs = state.runs;
  const model = runs ?? NO_MODEL;
  const allColumns = useMemo(() => discoverColumns(model), [model]);
  const columns = useMemo(
    () => (layout ? placeColumns(allColumns, layout) : []),
    [allColumns, layout],
  );
  // What search reads, made once per list when a search is first typed.
  const texts = useMemo(() => {
    let made: string[] | null = null;
    return () => (made ??= searchTexts(model));
  }, [model]);
  const sort = layout?.sort ?? null;
  const order = useMemo(() => {
    if (!sort) return Uint32Array.from({ length: model.count }, (_, i) => i);
    return sortOrder(model, sort.column, sort.direction);
  }, [model, sort]);
  const expandedIds = layout?.expanded;
  const expanded = useMemo(() => new Set(expandedIds ?? []), [expandedIds]);
  const search = layout?.search ?? '';
  const rowIndex = useMemo(() => indexRows(model, texts, search), [model, texts, search]);
  const rows = useMemo(
    () => orderRows(model, rowIndex, order, expanded),
    [model, rowIndex, order, expanded],
  );

  // The selection in the table's order (selected runs out of view, e.g. folds collapsed, go last).
  const selectedIds = useMemo(() => {
    const inRows: string[] = [];
    for (const i of rows) if (selection.ids.has(model.ids[i]!)) inRows.push(model.ids[i]!);
    const seen = new Set(inRows);
    return [...inRows, ...[...selection.ids].filter((id) => !seen.has(id))];
  }, [model, rows, selection]);
  const deletedSelected = useMemo(
    () =>
      selectedIds.filter((id) => {
        const i = model.indexOf.get(id);
        return i !== undefined && isDeleted(model, i);
      }),
    [model, selectedIds],
  );
  const liveSelected = selectedIds.filter((id) => !deletedSelected.includes(id));
  const compare = compareHref(selectedIds);

  const act = (work: () => Promise<string>) =>
    action.run(work, {
      done: (message) => {
        setNotice(message);
        setSelection(EMPTY_SELECTION);
        reload();
        experiments.reload();
      },
    });
  const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

  // Two places offer the form (header, empty state): distinct test ids keep each one addressable.
  const openForm = (testId: string) => (
    <button
      type="button"
      className="btn btn-primary"
      onClick={() => navigate({ view: 'experiments', newRun: true })}
      data-testid={testId}
    >
      New run
    </button>
  );

  const noRunsAtAll =
    runs !== null &&
    runs.count === 0 &&
    !filter.trim() &&
    !showDeleted &&
    (experiments.data?.every((e) => e.runs === 0) ?? false);
  const deletedCount = (experiments.data ?? [])
    .filter((e) => !experiment || e.name === experiment)
    .reduce((n, e) => n + e.deletedRuns, 0);

  return (
    <div className="page">
      <PageHeader
        title="Experiments"
        subtitle={`Training runs in ${project}, newest first.`}
        actions={
          <>
            {!importOpen && (
              <button
                type="button"
                className="btn"
                onClick={() => setImportOpen(true)}
                data-testid="mlruns-import-open"
              >
                Import mlruns folder
              </button>
            )}
            {!newRun && openForm('new-run-open')}
          </>
        }
      />
      <MlflowNotebookHint experiment={experiment ?? null} />
      {importOpen && (
        <MlrunsImportPanel
          onImported={() => {
            reload();
            experiments.reload();
          }}
          onClose={() => setImportOpen(false)}
        />
      )}
      {newRun && (
        <Panel title="New run" testId="new-run-panel">
          <NewRunForm
            key={clone ?? ''}
            cloneOf={clone ?? null}
            onStarted={(runId) => navigate({ view: 'run', runId })}
            onCancel={() => navigate({ view: 'experiments', newRun: false })}
          />
        </Panel>
      )}
      <Panel
        title="Runs"
        actions={
          runs && (
            <span className="muted" data-testid="runs-count">
              {!state.complete
                ? `loading ${formatCount(expected)}…`
                : rows.length === runs.count
                  ? formatCount(runs.count)
                  : `${formatCount(rows.length)} of ${formatCount(runs.count)}`}
            </span>
          )
        }
      >
        {state.error && (
          <ErrorBanner error={state.error} title="Could not list runs" onRetry={reload} />
        )}
        {action.error && <ErrorBanner error={action.error} title="The action failed" />}
        {saveError && <ErrorBanner error={saveError} title="Could not save the table layout" />}
        {!ready || (loading && !runs) ? (
          <Loading label="Loading runs…" />
        ) : noRunsAtAll ? (
          <EmptyState
            title="No runs yet"
            testId="runs-empty"
            action={!newRun && openForm('new-run-open-empty')}
          >
            Train a model on one of your datasets; its curves, metrics and lineage are recorded
            here.
          </EmptyState>
        ) : (
          layout &&
          runs && (
            <>
              <div className="rt-toolbar">
                <SelectField
                  label="Experiment"
                  value={experiment ?? ''}
                  options={experimentOptions(experiments.data)}
                  onChange={(name) => {
                    setSelection(EMPTY_SELECTION);
                    setExperiment(name || null);
                  }}
                  testId="runs-experiment"
                />
                <FilterBox
                  key={layoutKey(project, experiment ?? null)}
                  initial={layout.filter}
                  error={state.filterError}
                  onApply={(text) => {
                    update((l) => ({ ...l, filter: text }));
                    reload();
                  }}
                />
                <TextField
                  label="Search"
                  className="rt-search"
                  type="search"
                  placeholder="name, param or tag value"
                  value={layout.search}
                  onChange={(search) => update((l) => ({ ...l, search }))}
                  testId="runs-search"
                />
                <FormField label="Deleted" as="div">
                  <Checkbox
                    className="check"
                    checked={layout.showDeleted}
                    onChange={(on) => {
                      setSelection(EMPTY_SELECTION);
                      update((l) => ({ ...l, showDeleted: on }));
                    }}
                    testId="runs-show-deleted"
                  >
                    show
                  </Checkbox>
                </FormField>
                <FormField as="div" className="rt-picker-anchor">
                  <button
                    type="button"
                    className="btn"
                    data-testid="runs-columns"
                    aria-expanded={pickerOpen}
                    onClick={() => setPickerOpen((o) => !o)}
                  >
                    Columns ({columns.length}/{allColumns.length})
                  </button>
                  {pickerOpen && (
                    <ColumnPicker
                      columns={allColumns}
                      layout={layout}
                      onLayout={update}
                      onClose={() => setPickerOpen(false)}
                    />
                  )}
                </FormField>
              </div>
              <div className="rt-actions" data-testid="runs-actions">
                <span className="muted" data-testid="runs-selected-count">
                  {plural(selectedIds.length, 'run')} selected
                </span>
                <a
                  className="btn btn-small"
                  data-testid="runs-compare"
                  href={compare ?? undefined}
                  aria-disabled={!compare}
                  title={
                    compare
                      ? 'Compare the selected runs'
                      : `Select 2 to ${COMPARE_MAX} runs to compare them`
                  }
                >
                  Compare
                </a>
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid="runs-delete"
                  disabled={busy || liveSelected.length === 0}
                  onClick={() =>
                    void act(async () => {
                      const { deleted } = await getApi().invoke('runs:delete', {
                        ids: liveSelected,
                      });
                      return `Deleted ${plural(deleted, 'run')}; show deleted runs to restore them.`;
                    })
                  }
                >
                  Delete
                </button>
                {layout.showDeleted && (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid="runs-restore"
                    disabled={busy || deletedSelected.length === 0}
                    onClick={() =>
                      void act(async () => {
                        const { restored } = await getApi().invoke('runs:restore', {
                          ids: deletedSelected,
                        });
                        return `Restored ${plural(restored, 'run')}.`;
                      })
                    }
                  >
                    Restore
                  </button>
                )}
                {!confirmPurge ? (
                  <button
                    type="button"
                    className="btn btn-small"
                    data-testid="runs-purge"
                    disabled={busy || deletedCount === 0}
                    title="Remove soft-deleted runs and the artifact files only they use, for good"
                    onClick={() => setConfirmPurge(true)}
                  >
                    Purge deleted…
                  </button>
                ) : (
                  <span className="rt-notice" data-testid="runs-purge-confirm">
                    Purge {plural(deletedCount, 'deleted run')} for good?{' '}
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      data-testid="runs-purge-yes"
                      disabled={busy}
                      onClick={() => {
                        setConfirmPurge(false);
                        void act(async () => {
                          const gc = await getApi().invoke('workspace:gc', {});
                          return `Purged ${plural(gc.runsPurged, 'run')} and ${plural(
                            gc.artifactsRemoved,
                            'artifact file',
                          )}: ${formatBytes(gc.bytesFreed)} freed.`;
                        });
                      }}
                    >
                      Purge
                    </button>{' '}
                    <button
                      type="button"
                      className="btn btn-small"
                      data-testid="runs-purge-cancel"
                      onClick={() => setConfirmPurge(false)}
                    >
                      Cancel
                    </button>
                  </span>
                )}
                {notice && (
                  <span className="rt-notice muted" data-testid="runs-notice" role="status">
                    {notice}
                  </span>
                )}
              </div>
              <RunsTable
                model={model}
                rows={rows}
                nesting={rowIndex}
                columns={columns}
                allColumns={allColumns}
                layout={layout}
                onLayout={update}
                selection={selection}
                onSelection={setSelection}
                saved={saved}
                total={runs.count}
              />
              {rows.length === 0 && (
                <div className="muted" data-testid="runs-no-match">
                  No run matches{filter ? ` the filter` : ''}
                  {layout.search ? ` “${layout.search}”` : ''}.
                </div>
              )}
            </>
          )
        )}
      </Panel>
    </div>
  );
}
