import { useState } from 'react';
import { HTTP, type RunDetails as Run, type RunSummary } from '../../../../shared/contract';
import { BusyButton } from '../../../components/busy-button';
import { saveFile } from '../../../lib/save-file';
import { useAction } from '../../../lib/use-action';
import { getApi } from '../../../api';
import { Facts, Panel } from '../../../components/page';
import { EmptyState, ErrorBanner, Loading } from '../../../components/states';
import { formatBytes, formatNumber } from '../../../lib/format';
import { useAsync, useEvent, type AsyncState } from '../../../lib/hooks';
import { routeHref } from '../../../lib/routes';
import { LineageView } from '../../Data/lineage-graph';
import { aggregate, childColumns, orderChildren, systemFacts } from './run-model';
import { StatusBadge } from '../../../components/status-badge';
import { TableHead, num } from '../../../components/table';
import { HashText, isHash } from '../../../components/hash-text';

const hash = (value: string | null | undefined, testId: string) =>
  value ? (
    <code title={value} data-testid={testId}>
      {value.slice(0, 16)}
    </code>
  ) : (
    <span className="muted">—</span>
  );

/** What the run was made from, with the data lineage graph one click away. */
export function LineageFacts({ run }: { run: Run }) {
  const l = run.lineage;
  const [showGraph, setShowGraph] = useState(false);
  if (!l)
    return (
      <div data-testid="run-lineage" className="muted small">
        Logged through MLflow
        {run.tags['mlflow.source.name'] ? ` from ${run.tags['mlflow.source.name']}` : ''}: no
        dataset version, feature spec or train config of Lathe&apos;s.
      </div>
    );
  return (
    <div data-testid="run-lineage">
      <Facts
        items={[
          [
            'Dataset',
            <a
              key="ds"
              href={routeHref({ view: 'data', dataset: l.dataset })}
              data-testid="lineage-dataset-link"
            >
              {l.dataset} v{l.datasetVersion}
            </a>,
          ],
          ['Dataset hash', hash(l.datasetHash, 'lineage-dataset-hash')],
          ['Feature spec hash', hash(l.featureSpecHash, 'lineage-feature-spec-hash')],
          ['Config hash', hash(l.configHash, 'lineage-config-hash')],
          ['Seed', String(l.seed)],
          ['Backend', l.backend ?? '—'],
          ['Git commit', hash(l.gitCommit, 'lineage-git-commit')],
          ['Lathe version', l.latheVersion],
        ]}
      />
      <button
        type="button"
        className="btn btn-small lineage-toggle"
        onClick={() => setShowGraph((s) => !s)}
        data-testid="lineage-graph-toggle"
      >
        {showGraph ? 'Hide data lineage' : 'Show data lineage'}
      </button>
      {showGraph && <RunLineageGraph runId={run.id} />}
    </div>
  );
}

function RunLineageGraph({ runId }: { runId: string }) {
  const graph = useAsync(() => getApi().invoke('lineage:get', { id: runId }), [runId]);
  if (graph.status === 'error')
    return (
      <ErrorBanner error={graph.error} title="Could not load the lineage" onRetry={graph.reload} />
    );
  if (!graph.data) return <Loading label="Loading lineage…" />;
  return <LineageView graph={graph.data} />;
}

export function SystemFacts({ run }: { run: Run }) {
  return (
    <div data-testid="run-system">
      <Facts items={systemFacts(run.system, run.backend)} />
    </div>
  );
}

export function KeyValues({
  record,
  testId,
  numeric,
}: {
  record: Record<string, string | number>;
  testId: string;
  numeric?: boolean;
}) {
  const entries = Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <div className="muted small">None recorded.</div>;
  return (
    <table className="table table-dense kv" data-testid={testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <td className="mono">{k}</td>
            <td className={numeric ? 'num strong' : 'mono'}>
              {typeof v === 'number' ? formatNumber(v) : isHash(v) ? <HashText value={v} /> : v}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The file name an artifact downloads as: its path's last part. */
const fileName = (path: string) => path.split('/').pop() || 'artifact';

/**
 * Download of one artifact: in a browser a link the host streams (/api/artifacts); in the desktop window
 * the bytes come through runs:artifact.
 */
function ArtifactDownload({ runId, path }: { runId: string; path: string }) {
  const save = useAction();
  const testId = `artifact-download-${path}`;
  if (!window.lathe) {
    const query = new URLSearchParams({ run: runId, path });
    return (
      <a
        href={`${HTTP.artifact}?${query.toString()}`}
        download={fileName(path)}
        data-testid={testId}
      >
        Download
      </a>
    );
  }
  return (
    <>
      <BusyButton
        busy={save.busy}
        busyLabel="Saving…"
        className="btn btn-small"
        testId={testId}
        onClick={() =>
          void save.run(async () => {
            const out = await getApi().invoke('runs:artifact', { id: runId, path, content: true });
            const bytes = Uint8Array.from(atob(out.contentBase64 ?? ''), (c) => c.charCodeAt(0));
            saveFile(fileName(path), bytes);
          })
        }
      >
        Download
      </BusyButton>
      {save.message && (
        <span className="form-error" role="alert">
          {save.message}
        </span>
      )}
    </>
  );
}

export function Artifacts({ run, active }: { run: Run; active: boolean }) {
  if (run.artifacts.length === 0)
    return (
      <div className="muted small">
        {active ? 'Written when the run finishes.' : 'No artifacts.'}
      </div>
    );
  return (
    <div className="table-scroll">
      <table className="table table-dense" data-testid="run-artifacts">
        <TableHead columns={['path', num('size'), 'sha256', '']} />
        <tbody>
          {run.artifacts.map((a) => (
            <tr key={a.path}>
              <td className="mono cell-wrap">{a.path}</td>
              <td className="num">{formatBytes(a.sizeBytes)}</td>
              <td className="mono muted sha" title={a.sha256}>
                {a.sha256.slice(0, 12)}…
              </td>
              <td>
                <ArtifactDownload runId={run.id} path={a.path} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The panel of a cross-validation's folds or a search's trials, with their key metrics and a mean ± std
 * row; busy (aria-busy) while they load.
 */
export function ChildRunsPanel({ run }: { run: Run }) {
  const children = useAsync(
    () => getApi().invoke('runs:list', { parentId: run.id, limit: 10000 }),
    [run.id, run.status],
  );
  // A fold or trial started or ended: list them again.
  useEvent('run:child', (e) => {
    if (e.parentId === run.id) children.reload();
  });
  return (
    <Panel
      title={run.kind === 'cv' ? 'Folds' : 'Trials'}
      className="span-2"
      testId="run-children-panel"
      busy={children.status === 'loading'}
    >
      <ChildRuns run={run} loaded={children} />
    </Panel>
  );
}

function ChildRuns({
  run,
  loaded,
}: {
  run: Run;
  loaded: AsyncState<RunSummary[]> & { reload: () => void };
}) {
  if (loaded.status === 'error')
    return (
      <ErrorBanner
        error={loaded.error}
        title="Could not load the child runs"
        onRetry={loaded.reload}
      />
    );
  if (!loaded.data) return <Loading label="Loading child runs…" />;
  const list = orderChildren(loaded.data);
  /** The values a search set, shown per trial. */
  const searched = Object.keys(run.config?.search?.space ?? {});
  const bestId = run.params['best.runId'];
  if (!list.length)
    return (
      <EmptyState title={run.kind === 'cv' ? 'No folds yet' : 'No trials yet'}>
        They appear as they start.
      </EmptyState>
    );
  const columns = childColumns(list);
  return (
    <>
      {list.length >= 2 && (
        <div className="children-actions">
          <a
            className="btn btn-small"
            href={routeHref({ view: 'compare', ids: list.slice(0, 500).map((c) => c.id) })}
            data-testid="run-children-compare"
          >
            Compare {run.kind === 'cv' ? 'folds' : 'trials'}
          </a>
        </div>
      )}
      <div className="table-scroll">
        <table className="table table-dense" data-testid="run-children">
          <thead>
            <tr>
              <th>{run.kind === 'cv' ? 'fold' : 'trial'}</th>
              <th>status</th>
              {searched.map((p) => (
                <th key={p} className="mono">
                  {p}
                </th>
              ))}
              {columns.map((c) => (
                <th key={c} className="num">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr
                key={c.id}
                data-testid="run-child"
                data-best={c.id === bestId ? 'true' : undefined}
                className={c.id === bestId ? 'row-best' : undefined}
              >
                <td className="cell-wrap">
                  <a href={routeHref({ view: 'run', runId: c.id })}>{c.name}</a>
                  {c.id === bestId && <span className="badge badge-finished"> best</span>}
                </td>
                <td>
                  <StatusBadge status={c.status} testId="run-child-status" />
                </td>
                {searched.map((p) => (
                  <td key={p} className="mono">
                    {c.params[p] ?? '—'}
                  </td>
                ))}
                {columns.map((k) => (
                  <td key={k} className="num">
                    {formatNumber(c.metrics[k])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
          {list.length > 1 && (
            <tfoot>
              <tr data-testid="run-children-mean">
                <td>mean ± std</td>
                <td />
                {searched.map((p) => (
                  <td key={p} />
                ))}
                {columns.map((k) => {
                  const a = aggregate(list, k);
                  return (
                    <td key={k} className="num">
                      {a ? `${formatNumber(a.mean)} ± ${formatNumber(a.std)}` : '—'}
                    </td>
                  );
                })}
              </tr>
            </tfoot>
          )}
        </table>
      </div>
    </>
  );
}
