import { useEffect, useMemo, useRef, useState } from 'react';
import type { DatasetSummary, FeaturePreviewOut, Task } from '../../../shared/contract';
import { getApi } from '../../api';
import { SelectField } from '../../components/form-field';
import { PageHeader, Panel } from '../../components/page';
import { TASK_OPTIONS, columnOptions, datasetOptions } from '../../components/options';
import { AsyncStatus, EmptyState, ErrorBanner, Loading } from '../../components/states';
import { formatCount } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { navigate } from '../../lib/routes';
import { toError } from '../../lib/use-action';
import { GoToDataButton } from '../Data/go-to-data';
import { guessTask } from '../Experiments/train-form-model';
import { FeatureDocsTable, FeaturePreviewTable } from './feature-tables';
import { errorField, parseSpecText, specToYaml, yamlForCopy } from './feature-spec-text';
import { useDebounced } from './use-debounced';
import { useDefaultSpec } from './use-default-spec';

const PREVIEW_ROWS = 20;
const DEBOUNCE_MS = 400;

type PreviewState = {
  data: FeaturePreviewOut | null;
  error: Error | null;
  request: object | null;
};

async function copyText(text: string, fallback: HTMLTextAreaElement | null): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // The async clipboard needs a secure context and focus; the selection API works without them.
    if (!fallback) throw new Error('the clipboard is unavailable');
    fallback.focus();
    fallback.select();
    if (!document.execCommand('copy')) throw new Error('the clipboard is unavailable');
  }
}

/** Dataset, target and task, the spec editor, the live preview and the feature docs of one dataset. */
function FeatureWorkbench({
  summary,
  datasets,
}: {
  summary: DatasetSummary;
  datasets: DatasetSummary[];
}) {
  const dataset = summary.name;
  const columns = summary.latest.columns;
  const [target, setTarget] = useState('');
  const [taskChoice, setTaskChoice] = useState<Task | null>(null);
  const targetInfo = columns.find((c) => c.name === target);
  const task = target ? (taskChoice ?? guessTask(targetInfo)) : undefined;

  const defaults = useDefaultSpec(dataset, target);
  const defaultYaml = defaults.data ? specToYaml(defaults.data.spec) : null;
  // null: unedited, so the editor follows the default (which changes with the target).
  const [edits, setEdits] = useState<string | null>(null);
  const text = edits ?? defaultYaml ?? '';
  const edited = edits !== null && edits !== defaultYaml;

  const parsed = useMemo(() => (text ? parseSpecText(text) : null), [text]);
  // Typing is debounced; a default or a reset is previewed at once.
  const settledText = useDebounced(text, DEBOUNCE_MS);
  const previewText = edits === null ? text : settledText;
  const [retries, setRetries] = useState(0);
  const request = useMemo(() => {
    const p = previewText ? parseSpecText(previewText) : null;
    return p?.ok ? { spec: p.spec, target: target || undefined, task, retries } : null;
  }, [previewText, target, task, retries]);

  // `request` is the one the data or error answers: the preview is loading while it differs.
  const [preview, setPreview] = useState<PreviewState>({ data: null, error: null, request: null });
  useEffect(() => {
    if (!request) return;
    let alive = true;
    getApi()
      .invoke('features:preview', {
        ref: dataset,
        spec: request.spec,
        ...(request.target ? { target: request.target, task: request.task } : {}),
        limit: PREVIEW_ROWS,
      })
      .then(
        (data) => {
          if (alive) setPreview({ data, error: null, request });
        },
        (err: unknown) => {
          if (alive)
            setPreview((p) => ({
              data: p.data,
              error: toError(err),
              request,
            }));
        },
      );
    return () => {
      alive = false;
    };
  }, [dataset, request]);
  const loading = request !== null && preview.request !== request;

  const editor = useRef<HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => setCopied(null), 2000);
    return () => window.clearTimeout(timer);
  }, [copied]);

  const pending = text !== previewText || loading;
  const stale = !parsed?.ok || preview.error !== null || pending;
  const field = preview.error ? errorField(preview.error.message) : null;

  return (
    <>
      <section className="panel features-toolbar" aria-label="Dataset and target">
        <div className="form-row">
          <SelectField
            label="Dataset"
            value={dataset}
            options={datasetOptions(datasets)}
            onChange={(name) => navigate({ view: 'features', dataset: name })}
            testId="features-dataset"
          />
          <SelectField
            label="Target column"
            value={target}
            options={[{ value: '', label: '(none)' }, ...columnOptions(columns)]}
            onChange={(name) => {
              setTarget(name);
              setTaskChoice(null);
            }}
            testId="features-target"
          />
          <SelectField
            label="Task"
            value={task ?? ''}
            disabled={!target}
            options={target ? TASK_OPTIONS : [{ value: '', label: '—' }, ...TASK_OPTIONS]}
            onChange={(v) => setTaskChoice(v as Task)}
            testId="features-task"
          />
          <p className="hint features-toolbar-hint">
            A target is needed only for target encoding. It is kept out of the default spec, and
            target encodings are fitted out-of-fold so no row sees its own label.
          </p>
        </div>
      </section>

      <div className="features-grid">
        <Panel
          title={
            <>
              Spec
              {edited && <span className="chip chip-muted">edited</span>}
            </>
          }
          className="features-spec"
          actions={
            <>
              <button
                type="button"
                className="btn btn-small"
                data-testid="copy-spec"
                disabled={!text}
                onClick={() => {
                  copyText(yamlForCopy(text), editor.current).then(
                    () => setCopied('yes'),
                    () => setCopied('failed'),
                  );
                }}
              >
                {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy YAML'}
              </button>
              <button
                type="button"
                className="btn btn-small"
                data-testid="reset-spec"
                disabled={!edited}
                onClick={() => setEdits(null)}
              >
                Reset to default
              </button>
            </>
          }
        >
          {defaults.status === 'error' && (
            <ErrorBanner
              error={defaults.error}
              title="Could not build the default spec"
              onRetry={defaults.reload}
            />
          )}
          {defaults.status === 'loading' && !text && (
            <Loading label="Drafting the default spec…" testId="feature-spec-loading" />
          )}
          <textarea
            ref={editor}
            className="suite-editor feature-spec-editor mono"
            data-testid="feature-spec-editor"
            value={text}
            onChange={(e) => setEdits(e.target.value)}
            spellCheck={false}
            rows={20}
            placeholder={
              'groups:\n  - columns: [temp_max, temp_min]\n    steps:\n      - op: impute\n        strategy: median\n      - op: scale\n        method: standard'
            }
            aria-label="Feature spec (YAML or JSON)"
            aria-invalid={parsed !== null && !parsed.ok}
          />
          {parsed && !parsed.ok && (
            <ul className="suite-errors" data-testid="feature-spec-errors" role="alert">
              {parsed.errors.map((e, i) => (
                <li key={i}>
                  <span className="mono">{e.path}</span>: {e.message}
                </li>
              ))}
            </ul>
          )}
          {defaults.data && defaults.data.dropped.length > 0 && (
            <div className="features-dropped" data-testid="feature-spec-dropped">
              <span className="muted">Left out of the default:</span>{' '}
              {defaults.data.dropped.map((d) => (
                <span key={d.column} className="dropped-entry" title={d.reason}>
                  <span className="mono">{d.column}</span>{' '}
                  <span className="muted">({d.reason})</span>
                </span>
              ))}
            </div>
          )}
          <p className="hint features-hint">
            YAML or JSON. Steps per column group: impute, clip, scale, bucketize, onehot, ordinal,
            frequency, target, datetime; derived: lag, rolling_mean, ratio, product, tfidf. A train
            config takes it as <code>featureSpec:</code> — inline, or a path to this file saved next
            to the config.
          </p>
        </Panel>

        <Panel
          title={
            <>
              Feature docs
              {preview.data && (
                <span className="title-meta">
                  fitted on {formatCount(preview.data.trainRows)} rows
                </span>
              )}
            </>
          }
          className="features-docs"
        >
          {preview.data ? (
            <FeatureDocsTable docs={preview.data.docs} stale={stale} />
          ) : preview.error ||
            (parsed && !parsed.ok) ||
            (!parsed && defaults.status !== 'loading') ? (
            <EmptyState title="No features yet">
              A valid spec lists each feature here with what was fitted for it.
            </EmptyState>
          ) : (
            <Loading label="Fitting the spec…" testId="feature-docs-loading" />
          )}
        </Panel>
      </div>

      <Panel
        title={
          <>
            Preview
            {preview.data && (
              <span className="title-meta">
                first {formatCount(preview.data.rows.length)} rows ·{' '}
                {formatCount(preview.data.outputs.length)} features · spec{' '}
                {preview.data.specHash.slice(0, 10)}
              </span>
            )}
          </>
        }
        actions={
          pending && preview.data ? (
            <span className="features-updating muted" data-testid="feature-preview-updating">
              <span className="spinner" aria-hidden="true" /> Updating…
            </span>
          ) : undefined
        }
        className="features-preview"
      >
        {preview.error && (
          <ErrorBanner
            error={preview.error}
            title={
              field ? `The spec cannot be fitted: check ${field}` : 'The spec cannot be fitted'
            }
            onRetry={() => setRetries((n) => n + 1)}
          />
        )}
        {parsed && !parsed.ok && preview.data && (
          <div className="features-stale-note muted">
            The spec has errors; showing the preview of the last valid spec.
          </div>
        )}
        {preview.data ? (
          <FeaturePreviewTable preview={preview.data} columns={columns} stale={stale} />
        ) : (
          !preview.error &&
          (parsed ? (
            parsed.ok ? (
              <Loading label="Fitting the spec…" testId="feature-preview-loading" />
            ) : (
              <EmptyState title="Nothing to preview">
                Fix the spec above to see its features.
              </EmptyState>
            )
          ) : defaults.status === 'loading' ? (
            <Loading label="Drafting the default spec…" testId="feature-preview-loading" />
          ) : (
            <EmptyState title="No spec yet" testId="feature-preview-empty">
              Write a spec with <code>groups:</code> or <code>derived:</code> to preview it.
            </EmptyState>
          ))
        )}
      </Panel>
    </>
  );
}

export function FeaturesView({ selected }: { selected: string | null }) {
  const { project } = useProject();
  const datasets = useAsync(() => getApi().invoke('data:list', { project }), [project]);
  const list = datasets.data ?? [];
  const name = selected ?? list[0]?.name ?? null;
  const summary = list.find((d) => d.name === name);

  return (
    <div className="page features-page" data-testid="features-view">
      <PageHeader
        title="Features"
        subtitle="Write a feature spec, fit it on a sample and see the features it makes, row by row."
      />
      <AsyncStatus of={datasets} error="Could not list datasets" loading="Loading datasets…" />
      {datasets.data && list.length === 0 && (
        <EmptyState title="No datasets yet" testId="features-empty" action={<GoToDataButton />}>
          Import a dataset first; its feature spec starts from the columns it has.
        </EmptyState>
      )}
      {list.length > 0 && name && !summary && (
        <EmptyState
          title={`No dataset named ${name}`}
          testId="features-missing"
          action={
            <select
              value=""
              onChange={(e) => navigate({ view: 'features', dataset: e.target.value })}
              aria-label="Dataset"
            >
              <option value="">Pick a dataset…</option>
              {list.map((d) => (
                <option key={d.id} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          }
        >
          It is not in {project}. Pick one of its {formatCount(list.length)} datasets.
        </EmptyState>
      )}
      {summary && <FeatureWorkbench key={summary.name} summary={summary} datasets={list} />}
    </div>
  );
}
