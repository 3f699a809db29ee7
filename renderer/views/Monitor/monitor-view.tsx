import { useState } from 'react';
import type { CapturesOut } from '../../../shared/contract';
import { getApi } from '../../api';
import { SelectField } from '../../components/form-field';
import { plainOptions } from '../../components/options';
import { PageHeader, Panel } from '../../components/page';
import { AsyncStatus, EmptyState, NoticeBanner } from '../../components/states';
import { Tabs } from '../../components/tabs';
import { formatCount, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { navigate } from '../../lib/routes';
import { defaultRef, versionOptions } from '../Deploy/deploy-model';
import { pinnedVersionRef } from './monitor-model';
import { AlertsPanel, RulesPanel } from './alerts-panel';
import { DriftPanel } from './drift-panel';
import { HealthPanel } from './health-panel';
import { IngestPanel, ReferencePanel } from './monitor-admin';
import { PerformancePanel } from './performance-panel';
import { RetrainPanel } from './retrain-panel';
import type { MonitorTarget } from './monitor-target';
import './monitor.css';

type Section = 'health' | 'drift' | 'performance' | 'alerts' | 'retraining';
const SECTIONS: { id: Section; label: string }[] = [
  { id: 'health', label: 'Service health' },
  { id: 'drift', label: 'Drift' },
  { id: 'performance', label: 'Performance' },
  { id: 'alerts', label: 'Alerts' },
  { id: 'retraining', label: 'Retraining' },
];

/** `#/monitor[/<model>]`: a served model's health, drift, performance, alerts and retraining. */
export function MonitorView({ model }: { model: string | null }) {
  const { project } = useProject();
  const models = useAsync(() => getApi().invoke('models:list', { project }), [project]);
  const names = models.data?.map((m) => m.name) ?? [];
  const chosen = model && names.includes(model) ? model : (names[0] ?? null);
  const [revision, setRevision] = useState(0);
  const detail = useAsync(
    () => (chosen ? getApi().invoke('models:get', { ref: chosen }) : Promise.resolve(null)),
    [chosen],
  );
  const captures = useAsync(
    () => (chosen ? getApi().invoke('monitor:captures', { model: chosen }) : Promise.resolve(null)),
    [chosen],
  );
  const [picked, setPicked] = useState<string | null>(null);
  const [section, setSection] = useState<Section>('health');
  // Numbered versions only: captures, drift and performance are per version, not per alias.
  const options =
    detail.data?.name === chosen
      ? versionOptions(detail.data).filter((o) => /@\d+$/.test(o.ref))
      : [];
  const ref =
    picked && options.some((o) => o.ref === picked)
      ? picked
      : detail.data && detail.data.name === chosen
        ? pinnedVersionRef(detail.data, defaultRef(detail.data))
        : null;
  const version = ref ? Number(ref.slice(ref.lastIndexOf('@') + 1)) : null;
  const target: MonitorTarget | null =
    chosen && ref && version
      ? {
          model: chosen,
          ref,
          version,
          captures: captures.data?.model === chosen ? captures.data : null,
          // Reloads keep what is on screen (a fresh load would unmount the section and its result), and
          // pin the version shown: a promotion or a rollback moves the champion, not the user's choice.
          changed: () => {
            setPicked(ref);
            detail.reload();
            captures.reload();
            setRevision((r) => r + 1);
          },
          revision,
        }
      : null;

  return (
    <div className="page" data-testid="monitor-view">
      <PageHeader
        title="Monitor"
        subtitle="How a model does in production: its traffic, drift, performance and alerts, and its retraining"
      />
      <AsyncStatus of={models} error="Could not list models" testId="monitor-loading" />
      {model && models.data && chosen && chosen !== model && (
        <NoticeBanner
          title={`No model named ${model} in project ${project}`}
          message={`Showing ${chosen}; pick another below.`}
        />
      )}
      {models.data && models.data.length === 0 && (
        <EmptyState title="No models to monitor" testId="monitor-empty">
          Register a model from a finished run first (Models view, or{' '}
          <code>lathe models register RUN --name N</code>), then serve it or run{' '}
          <code>lathe predict</code>.
        </EmptyState>
      )}
      {chosen && (
        <Panel title="Model version" testId="monitor-target">
          <div className="form-row">
            <SelectField
              label="Model"
              value={chosen}
              options={plainOptions(names)}
              onChange={(name) => {
                setPicked(null);
                navigate({ view: 'monitor', model: name });
              }}
              testId="monitor-model"
            />
            <SelectField
              label="Version"
              value={ref ?? ''}
              options={options.map((o) => ({ value: o.ref, label: o.label }))}
              onChange={setPicked}
              disabled={options.length === 0}
              testId="monitor-version"
            />
            <CaptureSummary captures={target?.captures ?? null} version={version} />
          </div>
          <AsyncStatus of={detail} error={`Could not open model ${chosen}`} loading={false} />
          <AsyncStatus
            of={captures}
            error="Could not read captured predictions"
            loading={false}
            retry
          />
        </Panel>
      )}
      {target && (
        <>
          <Tabs tabs={SECTIONS} selected={section} onSelect={setSection} label="Monitor sections" />
          <div
            className="monitor-section"
            role="tabpanel"
            aria-label={SECTIONS.find((s) => s.id === section)?.label}
          >
            {section === 'health' && <HealthPanel key={target.ref} target={target} />}
            {section === 'health' && <IngestPanel target={target} />}
            {section === 'drift' && <DriftPanel key={target.ref} target={target} />}
            {section === 'drift' && (
              <ReferencePanel key={`reference:${target.ref}`} target={target} />
            )}
            {section === 'performance' && <PerformancePanel key={target.ref} target={target} />}
            {section === 'alerts' && (
              <>
                <AlertsPanel target={target} />
                <RulesPanel model={target.model} />
              </>
            )}
            {section === 'retraining' && <RetrainPanel key={target.model} target={target} />}
          </div>
        </>
      )}
    </div>
  );
}

/** The chosen version's captured rows and time span, beside the pickers. */
function CaptureSummary({
  captures,
  version,
}: {
  captures: CapturesOut | null;
  version: number | null;
}) {
  if (!captures || version === null) return null;
  const v = captures.versions.find((x) => x.version === version);
  return (
    <div className="monitor-captured muted" data-testid="monitor-captured" data-rows={v?.rows ?? 0}>
      {v && v.rows > 0 ? (
        <>
          {formatCount(v.rows)} captured rows · {formatTime(v.from)} – {formatTime(v.to)}
          {!v.hasReference && ' · no reference stored'}
        </>
      ) : (
        'No captured predictions yet'
      )}
    </div>
  );
}
