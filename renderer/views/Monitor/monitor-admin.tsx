import { useState } from 'react';
import type { IngestOut, ReferenceOut } from '../../../shared/contract';
import { ApiError } from '../../api/errors';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { FormField, SelectField, TextField } from '../../components/form-field';
import { Facts, Panel } from '../../components/page';
import { AsyncStatus, EmptyState, ErrorBanner } from '../../components/states';
import { num, TableHead } from '../../components/table';
import { formatCount, formatPercent, formatTime } from '../../lib/format';
import { handleSubmit } from '../../lib/forms';
import { useAsync } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { ingestDir, ingestSummary, referenceData, segmentFile } from './monitor-admin-model';
import { useReloadOn, type MonitorTarget } from './monitor-target';

const STATUS_BADGE: Record<IngestOut['segments'][number]['status'], string> = {
  ingested: 'badge badge-finished',
  already: 'badge badge-queued',
  skipped: 'badge badge-failed',
};

/**
 * "Ingest Docker log segments": the segment files an exported Docker server wrote to its log folder,
 * imported into the workspace's captures (`lathe capture ingest DIR`); the header's captures reload.
 */
export function IngestPanel({ target }: { target: MonitorTarget }) {
  const [dir, setDir] = useState('');
  const [tried, setTried] = useState(false);
  const ingest = useAction();
  const [result, setResult] = useState<IngestOut | null>(null);
  const input = ingestDir(dir);
  const problem = tried && 'problem' in input ? input.problem : null;
  const submit = () => {
    setTried(true);
    if ('problem' in input) return;
    void ingest.run(() => getApi().invoke('monitor:ingest', input), {
      done: (out) => {
        setResult(out);
        target.changed();
      },
    });
  };
  return (
    <Panel title="Ingest Docker log segments" testId="monitor-ingest">
      <form className="form-row" onSubmit={handleSubmit(submit)} data-testid="ingest-form">
        <TextField
          label="Log folder"
          hint="the exported server's LATHE_LOG_DIR, or one segment file; twice counts once"
          grow
          value={dir}
          onChange={setDir}
          spellCheck={false}
          error={problem}
          testId="ingest-dir"
        />
        <FormField as="div">
          <BusyButton
            busy={ingest.busy}
            busyLabel="Ingesting…"
            type="submit"
            className="btn btn-primary"
            testId="ingest-run"
          >
            Ingest
          </BusyButton>
        </FormField>
      </form>
      {ingest.error && <ErrorBanner error={ingest.error} title="Could not ingest the segments" />}
      {result && (
        <>
          <div className="banner banner-ok" role="status" data-testid="ingest-summary">
            {ingestSummary(result)}
          </div>
          {result.segments.length > 0 && (
            <div className="table-scroll">
              <table className="table table-dense" data-testid="ingest-table">
                <TableHead columns={['segment', 'model', 'status', num('rows')]} />
                <tbody>
                  {result.segments.map((s) => (
                    <tr key={s.file} data-testid="ingest-row" data-status={s.status}>
                      <td className="mono" title={s.file}>
                        {segmentFile(s.file)}
                        {s.kind === 'health' && <span className="muted"> (service health)</span>}
                      </td>
                      <td className="mono">
                        {s.model === null ? '—' : `${s.model}@${s.version ?? '?'}`}
                      </td>
                      <td>
                        <span className={STATUS_BADGE[s.status]}>
                          {s.status === 'already' ? 'already ingested' : s.status}
                        </span>
                        {s.reason && <span className="muted"> — {s.reason}</span>}
                      </td>
                      <td className="num">{formatCount(s.rows)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Panel>
  );
}

/** The version's stored drift reference, and "Set reference from dataset" (`lathe monitor reference`). */
export function ReferencePanel({ target }: { target: MonitorTarget }) {
  const reference = useAsync(
    () =>
      getApi()
        .invoke('monitor:reference', { ref: target.ref })
        .catch((err: unknown) => {
          // No reference stored yet is a state of the version, not a failure.
          if (err instanceof ApiError && err.code === 'NOT_FOUND') return null;
          throw err;
        }),
    [target.ref],
  );
  useReloadOn(target.revision, reference.reload);
  return (
    <Panel title="Reference" testId="monitor-reference">
      <AsyncStatus of={reference} error="Could not read the reference" testId="reference-loading" />
      {reference.status === 'ready' && reference.data === null && (
        <EmptyState title={`No reference stored for ${target.ref}`} testId="reference-none">
          Drift needs one: set it from a dataset version below.
        </EmptyState>
      )}
      {reference.data && <ReferenceSummary reference={reference.data} />}
      <SetReferenceForm target={target} />
    </Panel>
  );
}

function ReferenceSummary({ reference }: { reference: ReferenceOut }) {
  const features = reference.prediction
    ? [...reference.features, reference.prediction]
    : reference.features;
  return (
    <div data-testid="reference-summary" data-source={reference.source.dataset}>
      <Facts
        items={[
          [
            'Source',
            <span key="s" className="mono" data-testid="reference-source">
              {reference.source.dataset}
              {reference.source.split === 'train' ? ' (training split)' : ' (every row)'}
            </span>,
          ],
          [
            'Rows',
            <span key="r" data-testid="reference-rows">
              {formatCount(reference.rows)}
            </span>,
          ],
          ['Stored', formatTime(reference.createdAt)],
        ]}
      />
      <div className="table-scroll">
        <table className="table table-dense" data-testid="reference-features">
          <TableHead columns={['feature', 'kind', num('null rate'), num('distinct'), 'tests']} />
          <tbody>
            {features.map((f, i) => (
              <tr key={`${i}:${f.feature}`} data-testid="reference-feature">
                <td className="mono">
                  {f.feature}
                  {f === reference.prediction && <span className="muted"> (prediction)</span>}
                </td>
                <td>{f.kind}</td>
                <td className="num">{formatPercent(f.nullRate)}</td>
                <td className="num">{formatCount(f.distinct)}</td>
                <td title={f.exact ? 'every value kept (≤ 1,000 rows)' : 'a sketch of the values'}>
                  {f.exact ? 'exact' : 'sketch'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function SetReferenceForm({ target }: { target: MonitorTarget }) {
  const datasets = useAsync(() => getApi().invoke('data:list', {}), []);
  const [dataset, setDataset] = useState('');
  const [version, setVersion] = useState('');
  const [tried, setTried] = useState(false);
  const set = useAction();
  const [done, setDone] = useState<ReferenceOut | null>(null);
  const chosen = dataset || datasets.data?.[0]?.name || '';
  const input = referenceData(chosen, version);
  const problem = tried && 'problem' in input ? input.problem : null;
  const submit = () => {
    setTried(true);
    if ('problem' in input) return;
    void set.run(
      () => getApi().invoke('monitor:reference', { ref: target.ref, data: input.data }),
      {
        done: (out) => {
          setDone(out);
          target.changed();
        },
      },
    );
  };
  return (
    <>
      <form className="form-row" onSubmit={handleSubmit(submit)} data-testid="reference-form">
        <SelectField
          label="Set reference from dataset"
          value={chosen}
          options={(datasets.data ?? []).map((d) => ({
            value: d.name,
            label: `${d.name} (latest v${d.latest.version})`,
          }))}
          onChange={(name) => {
            setDataset(name);
            setVersion('');
          }}
          disabled={!datasets.data?.length}
          testId="reference-dataset"
        />
        <TextField
          label="Version"
          hint="empty: the latest"
          numeric="numeric"
          value={version}
          onChange={setVersion}
          error={problem}
          testId="reference-dataset-version"
        />
        <FormField as="div">
          <BusyButton
            busy={set.busy}
            busyLabel="Setting…"
            disabled={!chosen}
            type="submit"
            className="btn"
            testId="reference-set"
          >
            Set reference
          </BusyButton>
        </FormField>
      </form>
      <AsyncStatus of={datasets} error="Could not list datasets" loading={false} />
      {set.error && <ErrorBanner error={set.error} title="Could not set the reference" />}
      {done && (
        <div className="banner banner-ok" role="status" data-testid="reference-done">
          Reference of {target.ref} set from {done.source.dataset}: {formatCount(done.rows)} rows,{' '}
          {done.features.length} features
        </div>
      )}
    </>
  );
}
