import { useState, type ReactNode } from 'react';
import {
  notServable,
  type ModelDetail,
  type ModelStage,
  type ModelVersion,
} from '../../../shared/contract';
import { getApi } from '../../api';
import { ApiError } from '../../api/errors';
import { Checkbox, FormField, TextField } from '../../components/form-field';
import { DotList, Facts, PageHeader, Panel } from '../../components/page';
import { AsyncStatus, ErrorBanner } from '../../components/states';
import { formatCountOf, formatNumber, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { routeHref } from '../../lib/routes';
import { toError, useAction } from '../../lib/use-action';
import { AuditPanel } from './audit-panel';
import { BatchJobsPanel } from './batch-jobs-panel';
import { CardPanel } from './card-panel';
import { CompareVersionsPanel } from './compare-versions';
import { EvaluateVersionPanel } from './evaluate-version';
import { TableHead } from '../../components/table';
import { ModelMlflowPanel } from '../Mlflow/model-mlflow-panel';

const STAGES: ModelStage[] = ['none', 'staging', 'production', 'archived'];

/** The validation metrics of a version, for the versions table. */
const valMetrics = (v: ModelVersion) =>
  Object.entries(v.metrics)
    .filter(([k]) => k.startsWith('val_') && k !== 'val_loss')
    .sort(([a], [b]) => a.localeCompare(b));

/** One model; `name` may be `NAME@VERSION` or `NAME@ALIAS`, which opens with that version selected. */
export function ModelPage({ name }: { name: string }) {
  const model = useAsync(async () => {
    const detail = await getApi().invoke('models:get', { ref: name });
    const pinned = name.includes('@')
      ? (await getApi().invoke('models:version', { ref: name })).version
      : null;
    return { ...detail, pinned };
  }, [name]);
  const [selected, setSelected] = useState<number | null>(null);
  // Bumped after every change so the card and the audit timeline reload too.
  const [revision, setRevision] = useState(0);
  const changed = () => {
    model.reload();
    setRevision((r) => r + 1);
  };
  const m = model.data;
  // The chosen version while it exists, else the latest.
  const version =
    m?.versions.find((v) => v.version === (selected ?? m.pinned)) ?? m?.versions[0] ?? null;

  return (
    <div className="page" data-testid="model-page">
      <PageHeader
        title={
          <>
            <a href={routeHref({ view: 'models', model: null })} className="muted">
              Models
            </a>{' '}
            / {m?.name ?? name}
          </>
        }
        subtitle={
          m ? (
            <>
              {m.description && <>{m.description} · </>}project {m.project} ·{' '}
              {formatCountOf(m.versionCount, 'version')} · created {formatTime(m.createdAt)}
            </>
          ) : undefined
        }
      />
      <AsyncStatus
        of={model}
        error={`Could not open model ${name}`}
        testId="model-loading"
        retry={false}
      />
      {m && (
        <>
          <VersionsPanel
            model={m}
            selected={version?.version ?? null}
            onSelect={setSelected}
            onChanged={changed}
          />
          {/* Beside the versions and above every panel that loads on its own, so none of them moves it. */}
          <CompareVersionsPanel key={m.name} model={m} />
          {version && (
            <div className="grid-2">
              <ControlsPanel
                key={`${version.version}:${version.stage}`}
                version={version}
                onChanged={changed}
              />
              <LineagePanel version={version} />
            </div>
          )}
          {version && (
            <EvaluateVersionPanel
              key={`${version.model}@${version.version}`}
              version={version}
              onChanged={changed}
            />
          )}
          {version && <CardPanel version={version} revision={revision} onChanged={changed} />}
          {version && <BatchJobsPanel model={version.model} version={version.version} />}
          {version && (
            <ModelMlflowPanel
              key={`mlflow-${version.model}@${version.version}`}
              version={version}
            />
          )}
          <AuditPanel name={m.name} revision={revision} />
        </>
      )}
    </div>
  );
}

function VersionsPanel({
  model,
  selected,
  onSelect,
  onChanged,
}: {
  model: ModelDetail;
  selected: number | null;
  onSelect: (v: number) => void;
  onChanged: () => void;
}) {
  const unaliasing = useAction();
  const unalias = (alias: string) =>
    unaliasing.run(() => getApi().invoke('models:unalias', { name: model.name, alias }), {
      done: onChanged,
    });
  return (
    <Panel title="Versions" testId="model-versions">
      {unaliasing.message !== null && (
        <ErrorBanner error={unaliasing.message} title="Could not remove alias" />
      )}
      <div className="table-scroll">
        <table className="table table-hover">
          <TableHead
            columns={['version', 'stage', 'aliases', 'metrics', 'run', 'data', 'registered']}
          />
          <tbody>
            {model.versions.map((v) => (
              <tr
                key={v.version}
                className={v.version === selected ? 'model-version-selected' : undefined}
                onClick={() => onSelect(v.version)}
                data-testid={`model-version-${v.version}`}
                aria-selected={v.version === selected}
              >
                <td>
                  <button type="button" className="btn btn-ghost btn-small">
                    v{v.version}
                  </button>
                </td>
                <td>
                  <span className={`chip stage-${v.stage}`} data-testid="version-stage">
                    {v.stage}
                  </span>
                </td>
                <td data-testid="version-aliases">
                  {v.aliases.map((a) => (
                    <span key={a} className="chip alias-chip">
                      {a}
                      <button
                        type="button"
                        className="tag-remove"
                        title={`Remove alias ${a}`}
                        aria-label={`Remove alias ${a}`}
                        onClick={(e) => {
                          e.stopPropagation();
                          void unalias(a);
                        }}
                      >
                        ×
                      </button>
                    </span>
                  ))}
                </td>
                <td className="small cell-wrap">
                  <DotList items={valMetrics(v).map(([k, x]) => `${k} ${formatNumber(x)}`)} />
                </td>
                {v.lineage ? (
                  <>
                    <td className="cell-wrap">
                      <a
                        href={routeHref({ view: 'run', runId: v.lineage.runId })}
                        onClick={(e) => e.stopPropagation()}
                        className="mono"
                      >
                        {v.lineage.runName}
                      </a>
                    </td>
                    <td className="mono small cell-wrap">
                      {v.lineage.dataset}@{v.lineage.datasetVersion}
                    </td>
                  </>
                ) : (
                  <td colSpan={2}>
                    <span
                      className="tag"
                      data-testid="version-imported"
                      title="Imported ONNX model"
                    >
                      imported
                    </span>
                  </td>
                )}
                <td className="small cell-wrap">
                  <span className="nowrap">{formatTime(v.createdAt)}</span> by {v.createdBy}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

type Change =
  { kind: 'alias'; alias: string } | { kind: 'stage'; stage: ModelStage; archiveExisting: boolean };

/**
 * Alias and stage controls for one version (remounted per version and stage); a failed promotion gate
 * offers an audited override.
 */
function ControlsPanel({ version, onChanged }: { version: ModelVersion; onChanged: () => void }) {
  const [alias, setAlias] = useState('champion');
  const [stage, setStage] = useState<ModelStage>(version.stage);
  const [reason, setReason] = useState('');
  const change = useAction();
  const busy = change.busy;
  const [gate, setGate] = useState<{ change: Change; failures: string[] } | null>(null);
  const [override, setOverride] = useState('');
  const [archiveExisting, setArchiveExisting] = useState(false);
  const archivable = stage === 'staging' || stage === 'production';

  const apply = (next: Change, overrideReason?: string) => {
    const ref = `${version.model}@${version.version}`;
    const why = reason.trim() ? { reason: reason.trim() } : {};
    const forced = overrideReason ? { override: overrideReason } : {};
    return change.run(
      () =>
        next.kind === 'alias'
          ? getApi().invoke('models:alias', { ref, alias: next.alias, ...why, ...forced })
          : getApi().invoke('models:stage', {
              ref,
              stage: next.stage,
              ...why,
              ...forced,
              ...(next.archiveExisting ? { archiveExisting: true } : {}),
            }),
      {
        done: () => {
          setGate(null);
          setOverride('');
          setReason('');
          onChanged();
        },
        // A failed gate gets its own banner, with a way to override it.
        describe: (err) => {
          if (!(err instanceof ApiError && err.code === 'GATE_FAILED')) return toError(err).message;
          const failures = Array.isArray(err.details?.failures)
            ? (err.details.failures as unknown[]).map(String)
            : [err.message];
          setGate({ change: next, failures });
          return null;
        },
      },
    );
  };

  return (
    <Panel title={`Change v${version.version}`} testId="model-controls">
      <div className="form">
        <TextField
          label="Reason (kept in the audit log)"
          value={reason}
          onChange={setReason}
          placeholder="why"
          testId="change-reason"
        />
        <div className="form-inline">
          <TextField label="Alias" value={alias} onChange={setAlias} testId="alias-input" />
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy || !alias.trim()}
            onClick={() => void apply({ kind: 'alias', alias: alias.trim() })}
            data-testid="alias-set"
          >
            Set alias
          </button>
        </div>
        <div className="form-inline">
          <FormField label="Stage">
            <select
              value={stage}
              onChange={(e) => setStage(e.target.value as ModelStage)}
              data-testid="stage-select"
            >
              {STAGES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </FormField>
          <button
            type="button"
            className="btn"
            disabled={busy || stage === version.stage}
            onClick={() =>
              void apply({ kind: 'stage', stage, archiveExisting: archivable && archiveExisting })
            }
            data-testid="stage-set"
          >
            Set stage
          </button>
        </div>
        {archivable && (
          <Checkbox
            className="check"
            checked={archiveExisting}
            onChange={setArchiveExisting}
            testId="stage-archive-existing"
          >
            <span>Archive the versions already in {stage}</span>
          </Checkbox>
        )}
      </div>
      {change.message && <ErrorBanner error={change.message} title="Change refused" />}
      {gate && (
        <div className="banner banner-error gate-failed" role="alert" data-testid="gate-failed">
          <div className="banner-body">
            <strong>
              Promotion gates failed for{' '}
              {gate.change.kind === 'alias'
                ? `alias ${gate.change.alias}`
                : `stage ${gate.change.stage}`}
            </strong>
            <ul data-testid="gate-failures">
              {gate.failures.map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
            <div className="form-inline">
              <TextField
                label="Override reason"
                grow
                value={override}
                onChange={setOverride}
                placeholder="why promote anyway (audited)"
                testId="override-reason"
              />
              <button
                type="button"
                className="btn btn-danger"
                disabled={busy || !override.trim()}
                onClick={() => void apply(gate.change, override.trim())}
                data-testid="override-apply"
              >
                Override and promote
              </button>
            </div>
          </div>
        </div>
      )}
    </Panel>
  );
}

function LineagePanel({ version }: { version: ModelVersion }) {
  const l = version.lineage;
  const source = version.source;
  const out = version.signature?.output ?? null;
  const unservable = notServable(version);
  const origin: [string, ReactNode][] = l
    ? [
        [
          'run',
          <a key="run" href={routeHref({ view: 'run', runId: l.runId })} data-testid="lineage-run">
            {l.runName} ({l.runId.slice(0, 8)})
          </a>,
        ],
        ['experiment', l.experiment],
        [
          'data',
          <a key="data" href={routeHref({ view: 'data', dataset: l.dataset })}>
            {l.dataset}@{l.datasetVersion}
          </a>,
        ],
        [
          'data hash',
          <span key="h" className="mono">
            {l.datasetHash.slice(0, 16)}
          </span>,
        ],
        [
          'config hash',
          <span key="c" className="mono">
            {l.configHash.slice(0, 16)}
          </span>,
        ],
        ['feature spec hash', l.featureSpecHash ? l.featureSpecHash.slice(0, 16) : '—'],
        ['git commit', l.gitCommit ?? '—'],
      ]
    : source.kind === 'import'
      ? [
          [
            'source',
            <span key="src" data-testid="lineage-imported">
              imported ONNX model
            </span>,
          ],
          [
            'file',
            <span key="f" className="mono">
              {source.file}
            </span>,
          ],
          [
            'sha256',
            <span key="s" className="mono" title={source.sha256}>
              {source.sha256.slice(0, 16)}
            </span>,
          ],
          [
            'ONNX inputs',
            source.signature.inputs.map((i) => `${i.name} ← ${i.features.join(', ')}`).join('; '),
          ],
          ['ONNX output', `${source.signature.output.name} (${source.signature.output.kind})`],
        ]
      : source.kind === 'mlflow'
        ? [
            [
              'source',
              <span key="src" className="mono" data-testid="lineage-mlflow-source">
                {source.uri}
              </span>,
            ],
            ...(source.runId ? [['MLflow run', source.runId] as [string, ReactNode]] : []),
          ]
        : [];
  return (
    <Panel title={l ? 'Lineage and signature' : 'Source and signature'} testId="model-lineage">
      {unservable !== null && (
        <p className="hint" data-testid="version-not-servable" title={unservable}>
          <span className="eval-badge fail">not servable</span> no ONNX model (source{' '}
          <span className="mono">{source.kind === 'mlflow' ? source.uri : source.kind}</span>
          {source.kind === 'mlflow' ? `: ${source.reason}` : ''})
        </p>
      )}
      <Facts
        items={[
          ...origin,
          ...(out
            ? [
                [
                  'output',
                  `${out.task}: ${out.target}${out.classes ? ` (${out.classes.join(', ')})` : ''}`,
                ] as [string, ReactNode],
                [
                  'inputs',
                  <span key="in" data-testid="signature-inputs">
                    {version.signature?.inputs.map((i) => `${i.name} (${i.type})`).join(', ')}
                  </span>,
                ] as [string, ReactNode],
              ]
            : []),
        ]}
      />
    </Panel>
  );
}
