import { useCallback, useEffect, useRef, useState } from 'react';
import type { DataProgress, ServerStatus } from '../../../shared/contract';
import { getApi } from '../../api';
import { SelectField, TextField } from '../../components/form-field';
import { plainOptions } from '../../components/options';
import { PageHeader, Panel } from '../../components/page';
import { AsyncStatus, EmptyState, ErrorBanner } from '../../components/states';
import { StoppableProgress } from '../../components/stoppable-progress';
import { formatBytes, formatDuration, formatNumber, formatTime } from '../../lib/format';
import { ApiError, isCancelled } from '../../api/errors';
import { useAsync, useEvent } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { toError, useAction, useResult } from '../../lib/use-action';
import {
  batchProblem,
  defaultRef,
  formatLatency,
  isBatchOutput,
  formatRate,
  parsePort,
  predictUrl,
  refNote,
  versionOptions,
} from './deploy-model';
import { RequestPanel } from './request-panel';
import { KeysPanel } from './keys-panel';
import './deploy.css';
import { TableHead } from '../../components/table';
import { BusyButton } from '../../components/busy-button';
import { handleSubmit } from '../../lib/forms';
import { unreadableText } from '../../../shared/unreadable';

/** `#/deploy`: serve a model version, export a Docker context, run a batch prediction. */
export function DeployView() {
  const { project } = useProject();
  const models = useAsync(() => getApi().invoke('models:list', { project }), [project]);
  const [model, setModel] = useState<string | null>(null);
  const [ref, setRef] = useState<string | null>(null);
  const names = models.data?.map((m) => m.name) ?? [];
  const chosen = model && names.includes(model) ? model : (names[0] ?? null);
  const detail = useAsync(
    () => (chosen ? getApi().invoke('models:get', { ref: chosen }) : Promise.resolve(null)),
    [chosen],
  );
  const options = detail.data ? versionOptions(detail.data) : [];
  const selected =
    ref && options.some((o) => o.ref === ref) ? ref : detail.data ? defaultRef(detail.data) : null;
  const servers = useServers();

  return (
    <div className="page" data-testid="deploy-view">
      <PageHeader
        title="Deploy"
        subtitle="Serve a model version over HTTP, export it as a Docker context, or score a file"
      />
      <AsyncStatus of={models} error="Could not list models" testId="deploy-loading" />
      {models.data && models.data.length === 0 && (
        <EmptyState title="No models to deploy" testId="deploy-empty">
          Register a model from a finished run first (Models view, or{' '}
          <code>lathe models register RUN --name N</code>).
        </EmptyState>
      )}
      {models.data && models.data.length > 0 && (
        <Panel title="Model version">
          <div className="form-row">
            <SelectField
              label="Model"
              value={chosen ?? ''}
              options={plainOptions(names)}
              onChange={(name) => {
                setModel(name);
                setRef(null);
              }}
              testId="deploy-model"
            />
            <SelectField
              label="Version"
              value={selected ?? ''}
              options={options.map((o) => ({ value: o.ref, label: o.label }))}
              onChange={setRef}
              disabled={options.length === 0}
              testId="deploy-version"
            />
            {detail.status === 'error' && (
              <span className="form-error" role="alert">
                {detail.error.message}
              </span>
            )}
          </div>
        </Panel>
      )}
      <ServersPanel selected={selected} {...servers} />
      {servers.servers && servers.servers.length > 0 && <RequestPanel servers={servers.servers} />}
      {models.data && <KeysPanel modelNames={names} />}
      {selected && (
        <div className="grid-2">
          <DockerPanel key={`docker-${selected}`} selected={selected} />
          <BatchPanel key={`batch-${selected}`} selected={selected} />
        </div>
      )}
    </div>
  );
}

/** Polls serve:list every second while the page is visible. */
function useServers() {
  const [servers, setServers] = useState<ServerStatus[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  // Polls and refreshes after an action overlap: an answer older than one already shown is dropped (a
  // list from before a start arriving late would empty the panel, and the request form with it).
  const asked = useRef(0);
  const shown = useRef(0);
  const refresh = useCallback(async () => {
    const seq = ++asked.current;
    try {
      const list = await getApi().invoke('serve:list', {});
      if (seq < shown.current) return;
      shown.current = seq;
      setServers(list);
      setError(null);
    } catch (err) {
      if (seq < shown.current) return;
      setError(toError(err));
    }
  }, []);
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const sync = () => {
      if (document.visibilityState === 'visible') {
        void refresh();
        timer ??= setInterval(() => void refresh(), 1000);
      } else if (timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    };
    sync();
    document.addEventListener('visibilitychange', sync);
    return () => {
      document.removeEventListener('visibilitychange', sync);
      if (timer !== undefined) clearInterval(timer);
    };
  }, [refresh]);
  return { servers, error, refresh };
}

function ServersPanel({
  selected,
  servers,
  error,
  refresh,
}: { selected: string | null } & ReturnType<typeof useServers>) {
  const [port, setPort] = useState('');
  const starting = useAction();
  const parsed = parsePort(port);
  const start = async () => {
    if (!selected || 'error' in parsed) return;
    await starting.run(async () => {
      await getApi().invoke('serve:start', { ref: selected, port: parsed.port });
      await refresh();
    });
  };
  const act = async (channel: 'serve:stop' | 'serve:restart', id: string) => {
    try {
      await getApi().invoke(channel, { id });
    } catch (err) {
      starting.fail(toError(err));
    }
    await refresh();
  };
  return (
    <Panel title="Prediction servers" testId="deploy-servers">
      <form className="form-row" onSubmit={handleSubmit(start)}>
        <TextField
          label="Port (empty: any free port)"
          value={port}
          onChange={setPort}
          numeric="numeric"
          placeholder="0"
          testId="deploy-port"
        />
        <BusyButton
          busy={starting.busy}
          disabled={!selected || 'error' in parsed}
          busyLabel="Starting…"
          type="submit"
          className="btn btn-primary"
          testId="deploy-start"
        >
          {`Start server${selected ? ` for ${selected}` : ''}`}
        </BusyButton>
        {'error' in parsed && <span className="form-error">{parsed.error}</span>}
      </form>
      {starting.error && <ErrorBanner error={starting.error} title="Server" />}
      {error && <ErrorBanner error={error} title="Could not list servers" />}
      {servers && servers.length === 0 && (
        <p className="muted" data-testid="deploy-no-servers">
          No server running.
        </p>
      )}
      {servers && servers.length > 0 && (
        <div className="table-scroll deploy-servers-scroll">
          <table className="table" data-testid="deploy-servers-table">
            <TableHead
              columns={[
                'model',
                'follows',
                'URL',
                'status',
                'requests',
                'errors',
                'rate (10 s)',
                'latency',
                'started',
                '',
              ]}
            />
            <tbody>
              {servers.map((s) => (
                <tr key={s.id} data-testid="deploy-server" data-server-id={s.id}>
                  <td>
                    {s.model}@{s.version}
                  </td>
                  <td
                    className={s.refNow !== undefined ? 'form-error cell-wrap' : 'muted cell-wrap'}
                    data-testid="deploy-server-ref"
                  >
                    {refNote(s)}
                  </td>
                  <td className="mono" data-testid="deploy-server-url" title={predictUrl(s)}>
                    {s.url}
                  </td>
                  <td>
                    <span className="badge badge-running" data-testid="deploy-server-status">
                      running
                    </span>
                  </td>
                  <td data-testid="deploy-server-requests">{formatNumber(s.requests)}</td>
                  <td data-testid="deploy-server-errors">{formatNumber(s.errors)}</td>
                  <td data-testid="deploy-server-rate">{formatRate(s.requestRate)}</td>
                  <td className="muted cell-wrap">{formatLatency(s)}</td>
                  <td>{formatTime(s.startedAt)}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      title="Stop and start again on the same address, loading where the reference points now"
                      onClick={() => void act('serve:restart', s.id)}
                      data-testid="deploy-server-restart"
                    >
                      Restart
                    </button>{' '}
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      onClick={() => void act('serve:stop', s.id)}
                      data-testid="deploy-server-stop"
                    >
                      Stop
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

function DockerPanel({ selected }: { selected: string }) {
  const [out, setOut] = useState('');
  const { busy, error, result, run } = useResult(() =>
    getApi().invoke('export:docker', { ref: selected, out: out.trim() }),
  );
  // An error about the folder shows beside it; anything else in a banner.
  const folderError =
    error instanceof ApiError && error.details?.field === 'out' ? error.message : undefined;
  return (
    <Panel title="Docker context" testId="deploy-docker">
      <form className="form-row" onSubmit={handleSubmit(run)}>
        <TextField
          label="Folder (new or empty)"
          grow
          value={out}
          onChange={setOut}
          placeholder="/path/to/docker-context"
          testId="deploy-docker-out"
          error={folderError}
        />
        <BusyButton
          busy={busy}
          disabled={!out.trim()}
          busyLabel="Exporting…"
          type="submit"
          testId="deploy-docker-export"
        >
          Export
        </BusyButton>
      </form>
      {error && !folderError && (
        <ErrorBanner error={error} title="Could not export the Docker context" />
      )}
      {result && (
        <div className="deploy-result" data-testid="deploy-docker-result">
          {result.model}@{result.version} → <span className="mono">{result.dir}</span>:{' '}
          {result.files.length} files, {formatBytes(result.bytes)}
          <div className="mono small">
            docker build -t {result.image}:{result.version} {result.dir}
          </div>
        </div>
      )}
    </Panel>
  );
}

function BatchPanel({ selected }: { selected: string }) {
  const [input, setInput] = useState('');
  const [output, setOutput] = useState('');
  const [idColumn, setIdColumn] = useState('');
  const [keep, setKeep] = useState('');
  // Set only by the confirm below, for the one run it starts.
  const overwrite = useRef(false);
  const problem = batchProblem({ ref: selected, input, output });
  const passthrough = keep
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const [progress, setProgress] = useState<DataProgress | null>(null);
  const { busy, error, result, run } = useResult(() =>
    getApi().invoke('predict:batch', {
      model: selected,
      input: input.trim(),
      output: output.trim(),
      ...(idColumn.trim() ? { idColumn: idColumn.trim() } : {}),
      ...(passthrough.length ? { passthrough } : {}),
      ...(overwrite.current ? { overwrite: true } : {}),
    }),
  );
  // The job's progress: rows done, rate and time left, as `lathe predict` draws them.
  useEvent('data:progress', (p) => {
    if (busy && p.op === 'predict' && isBatchOutput(p.name, output)) setProgress(p);
  });
  const start = () => {
    setProgress(null);
    return run();
  };
  const stopped = isCancelled(error);
  // An existing output is refused first; the form then asks before replacing it.
  const exists = error instanceof ApiError && error.details?.exists === true;
  return (
    <Panel title="Batch prediction" testId="deploy-batch">
      <form className="form" onSubmit={handleSubmit(start)}>
        {(
          [
            [
              'Input file or glob (.csv, .tsv, .parquet, .json, .jsonl)',
              input,
              setInput,
              '/data/new/*.parquet',
              'input',
            ],
            ['Output file (.csv or .parquet)', output, setOutput, '/data/scores.parquet', 'output'],
            ['Id column (optional)', idColumn, setIdColumn, 'row number', 'id'],
            [
              'Input columns to keep beside the prediction (optional, comma-separated)',
              keep,
              setKeep,
              'customer, email',
              'keep',
            ],
          ] as const
        ).map(([label, value, onChange, placeholder, id]) => (
          <TextField
            key={id}
            label={label}
            value={value}
            onChange={onChange}
            placeholder={placeholder}
            testId={`deploy-batch-${id}`}
          />
        ))}
        <div className="form-row">
          <BusyButton
            busy={busy}
            disabled={problem !== null}
            busyLabel="Predicting…"
            type="submit"
            title={problem ?? undefined}
            testId="deploy-batch-run"
          >
            Predict
          </BusyButton>
          {problem && input && output && <span className="form-error">{problem}</span>}
        </div>
      </form>
      {exists ? (
        <div className="banner banner-warn" role="alertdialog" data-testid="deploy-batch-exists">
          <span>{error.message}</span>{' '}
          <button
            type="button"
            className="btn btn-small btn-danger"
            onClick={() => {
              overwrite.current = true;
              void start().finally(() => (overwrite.current = false));
            }}
            data-testid="deploy-batch-overwrite"
          >
            Replace it
          </button>{' '}
          <button type="button" className="btn btn-small" onClick={() => setOutput('')}>
            Choose another file
          </button>
        </div>
      ) : stopped ? (
        <p className="muted" role="status" data-testid="deploy-batch-stopped">
          Batch prediction stopped: nothing was written or recorded.
        </p>
      ) : (
        error && <ErrorBanner error={error} title="Batch prediction failed" />
      )}
      {busy && (
        <StoppableProgress
          fraction={progress ? progress.fraction : null}
          label={
            progress
              ? `${progress.message}${progress.etaMs !== undefined ? ` · ${formatDuration(progress.etaMs)} left` : ''}`
              : 'Reading the input…'
          }
          onStop={() => getApi().invoke('predict:cancel', { output: output.trim() })}
          stopTitle="Stop the job: nothing is written or recorded"
          className="import-status"
          testId="deploy-batch-busy"
          stopTestId="deploy-batch-stop"
        />
      )}
      {result && (
        <div className="deploy-result" data-testid="deploy-batch-result">
          {formatNumber(result.rows)} rows with {result.model}@{result.version} in{' '}
          {formatDuration(result.durationMs)} → <span className="mono">{result.output}</span>
        </div>
      )}
      {result?.unreadable?.map((u) => (
        <div
          key={u.column}
          className="banner banner-warn"
          role="status"
          data-testid="deploy-batch-unreadable"
        >
          {unreadableText(u)}
        </div>
      ))}
    </Panel>
  );
}
