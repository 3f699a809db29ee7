import { useState, type FormEvent } from 'react';
import type { PipelineSummary } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { TextField } from '../../components/form-field';
import { PageHeader, Panel } from '../../components/page';
import { AsyncStatus, EmptyState, ErrorBanner, NoticeBanner } from '../../components/states';
import { TableHead, num } from '../../components/table';
import { formatTime } from '../../lib/format';
import { useAsync, useEvent } from '../../lib/hooks';
import { navigate, routeHref } from '../../lib/routes';
import { useAction } from '../../lib/use-action';
import { PipelineBadge } from './pipeline-graph';
import { PipelineDetail } from './pipeline-detail';
import './pipelines.css';

/** `#/pipelines[/<name>]`: the pipelines the workspace knows, and one of them as a graph with its runs. */
export function PipelinesView({ pipeline }: { pipeline: string | null }) {
  const list = useAsync(() => getApi().invoke('pipeline:list', {}), []);
  // A run that starts or ends changes a row's last run (a scheduled run too, not started here).
  useEvent('pipeline:status', (run) => {
    const row = list.data?.find((p) => p.name === run.pipeline);
    if (!row || row.lastRun?.id !== run.id || run.status !== 'running') list.reload();
  });
  const selected = pipeline ? (list.data?.find((p) => p.name === pipeline) ?? null) : null;
  return (
    <div className="page" data-testid="pipelines-view">
      <PageHeader
        title="Pipelines"
        subtitle="Pipeline files: their steps as a graph, runs with cached steps skipped, and their YAML"
      />
      <AddPipeline
        onAdded={(p) => (list.reload(), navigate({ view: 'pipelines', pipeline: p.name }))}
      />
      <AsyncStatus of={list} error="Could not list pipelines" testId="pipelines-loading" />
      {list.data && list.data.length === 0 && (
        <EmptyState title="No pipelines yet" testId="pipelines-empty">
          Add a pipeline file above (a YAML file of steps: import, validate, train, evaluate,
          register…), or run one from a terminal with <code>lathe pipeline run FILE</code>: a file
          run in this workspace is listed here.
        </EmptyState>
      )}
      {list.data && list.data.length > 0 && (
        <Panel>
          <PipelineTable pipelines={list.data} selected={pipeline} />
        </Panel>
      )}
      {pipeline && list.data && !selected && (
        <NoticeBanner
          title={`No pipeline named ${pipeline} in this workspace`}
          message="Add its file above, or pick one from the list."
        />
      )}
      {selected && (
        <PipelineDetail key={selected.file} summary={selected} onChanged={list.reload} />
      )}
    </div>
  );
}

/** "Add pipeline file": a path the owner process can read (absolute, or relative to its folder). */
function AddPipeline({ onAdded }: { onAdded: (p: PipelineSummary) => void }) {
  const [file, setFile] = useState('');
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!file.trim()) {
      action.fail('Give the path of a pipeline file');
      return;
    }
    void action.run(() => getApi().invoke('pipeline:add', { file: file.trim() }), {
      done: (p) => {
        setFile('');
        onAdded(p);
      },
    });
  };
  return (
    <Panel title="Add pipeline file" testId="pipeline-add">
      <form className="form form-inline" onSubmit={submit}>
        <TextField
          label="Pipeline file"
          hint="(a path on the machine running Lathe)"
          value={file}
          onChange={setFile}
          placeholder="/path/to/pipeline.yaml"
          spellCheck={false}
          grow
          testId="pipeline-add-file"
        />
        <BusyButton
          type="submit"
          className="btn btn-primary"
          busy={action.busy}
          busyLabel="Adding…"
          testId="pipeline-add-submit"
        >
          Add pipeline file
        </BusyButton>
        {action.error && (
          <ErrorBanner error={action.error} title={`Could not add ${file.trim() || 'the file'}`} />
        )}
      </form>
    </Panel>
  );
}

function PipelineTable({
  pipelines,
  selected,
}: {
  pipelines: readonly PipelineSummary[];
  selected: string | null;
}) {
  return (
    <div className="table-scroll">
      <table className="table table-hover" data-testid="pipelines-table">
        <TableHead
          columns={[
            'pipeline',
            'last run',
            'last started',
            num('runs'),
            'schedule',
            'next run',
            'file',
          ]}
        />
        <tbody>
          {pipelines.map((p) => (
            <tr
              key={p.file}
              className={p.name === selected ? 'selected' : undefined}
              onClick={() => navigate({ view: 'pipelines', pipeline: p.name })}
              data-testid={`pipeline-row-${p.name}`}
            >
              <td className="strong">
                <a
                  href={routeHref({ view: 'pipelines', pipeline: p.name })}
                  onClick={(e) => e.stopPropagation()}
                >
                  {p.name}
                </a>
                {p.problem && (
                  <div className="pl-problem" title={p.problem}>
                    {p.problem}
                  </div>
                )}
              </td>
              <td>
                {p.lastRun ? (
                  <PipelineBadge status={p.lastRun.status} testId={`pipeline-last-${p.name}`} />
                ) : (
                  <span className="muted">never run</span>
                )}
              </td>
              <td className="muted">{formatTime(p.lastRun?.startedAt)}</td>
              <td className="num">{p.runs}</td>
              <td className="mono">{p.schedule ?? <span className="muted">—</span>}</td>
              <td className="muted">{p.schedule ? formatTime(p.nextRunAt) : '—'}</td>
              <td className="mono muted pl-file" title={p.file}>
                <bdi dir="ltr">{p.file}</bdi>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
