import { useState } from 'react';
import type { DatasetSummary } from '../../../shared/contract';
import { getApi } from '../../api';
import { PageHeader, Panel } from '../../components/page';
import { AsyncStatus, EmptyState, ErrorBanner } from '../../components/states';
import { BusyButton } from '../../components/busy-button';
import { useAction } from '../../lib/use-action';
import { Tabs } from '../../components/tabs';
import { formatBytes, formatCount, formatTime } from '../../lib/format';
import { useAsync, useRoute } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { navigate } from '../../lib/routes';
import { ImportForm } from './import-form';
import { QueryImportForm } from './query-import-form';
import { TransformForm } from './transform-form';
import { PreviewGrid } from './preview-grid';
import { DuplicatesSummary, OutliersTable } from './outliers-panel';
import { ProfileCharts, ProfileSummary, ProfileTable } from './profile-panel';
import { ValidationPanel } from './validation-panel';
import { LineagePanel } from './lineage-graph';
import { VersionsPanel } from './versions-panel';
import { NameActions } from './name-actions';
import { TableHead, num } from '../../components/table';

function DatasetTable({
  datasets,
  selected,
}: {
  datasets: DatasetSummary[];
  selected: string | null;
}) {
  return (
    <table className="table table-hover" data-testid="datasets-table">
      <TableHead
        columns={[
          'Name',
          num('Version'),
          num('Rows'),
          num('Columns'),
          num('Size'),
          'Format',
          'Imported',
        ]}
      />
      <tbody>
        {datasets.map((d) => (
          <tr
            key={d.id}
            className={d.name === selected ? 'selected' : undefined}
            onClick={() => navigate({ view: 'data', dataset: d.name })}
            data-testid={`dataset-row-${d.name}`}
          >
            <td className="strong">
              <a href={`#/data/${encodeURIComponent(d.name)}`} onClick={(e) => e.stopPropagation()}>
                {d.name}
              </a>
            </td>
            <td className="num">
              v{d.latest.version}
              {d.versionCount > 1 && <span className="muted"> of {d.versionCount}</span>}
            </td>
            <td className="num">{formatCount(d.latest.rows)}</td>
            <td className="num">{formatCount(d.latest.columns.length)}</td>
            <td className="num">{formatBytes(d.latest.sizeBytes)}</td>
            <td className="muted">{d.latest.format}</td>
            <td className="muted">{formatTime(d.latest.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Soft-deleted datasets of the project, each with Restore. */
function DeletedDatasets({
  datasets,
  onRestored,
}: {
  datasets: DatasetSummary[];
  onRestored: () => void;
}) {
  const action = useAction<string>();
  return (
    <Panel
      title="Deleted datasets"
      actions={<span className="muted">{datasets.length}</span>}
      testId="deleted-datasets"
    >
      <table className="table table-dense">
        <TableHead columns={['Name', num('Versions'), 'Deleted', '']} />
        <tbody>
          {datasets.map((d) => (
            <tr key={d.id} data-testid={`deleted-dataset-${d.name}`}>
              <td className="strong">{d.name}</td>
              <td className="num">{d.versionCount}</td>
              <td className="muted">{d.deletedAt ? formatTime(d.deletedAt) : '—'}</td>
              <td className="actions">
                <BusyButton
                  busy={action.doing === d.name}
                  busyLabel="Restoring…"
                  disabled={action.busy}
                  className="btn btn-small"
                  onClick={() =>
                    void action.run(() => getApi().invoke('data:restore', { name: d.name }), {
                      as: d.name,
                      done: onRestored,
                    })
                  }
                  testId={`restore-dataset-${d.name}`}
                >
                  Restore
                </BusyButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {action.message && <ErrorBanner error={action.message} title="Could not restore" />}
    </Panel>
  );
}

const DATASET_TABS = [
  { id: 'profile', label: 'Profile' },
  { id: 'rows', label: 'Rows' },
  { id: 'outliers', label: 'Outliers' },
  { id: 'validation', label: 'Validation' },
  { id: 'versions', label: 'Versions' },
  { id: 'lineage', label: 'Lineage' },
] as const;
type DatasetTab = (typeof DATASET_TABS)[number]['id'];

function DatasetDetail({
  name,
  summary,
  onChanged,
}: {
  name: string;
  summary: DatasetSummary | undefined;
  /** After a rename or delete: the list reloads. */
  onChanged: () => void;
}) {
  const [tab, setTab] = useState<DatasetTab>('profile');
  // The version the Lineage tab draws: the latest until a row of the Versions tab picks another.
  const [lineageRef, setLineageRef] = useState(name);
  const version = summary?.latest;
  // Keyed by the latest version too: a new version imported into this dataset is profiled at once.
  const profile = useAsync(
    () => getApi().invoke('data:profile', { ref: name }),
    [name, version?.id],
  );
  const profiling = { error: `Could not profile ${name}`, loading: `Profiling ${name}…` };

  return (
    <Panel
      className="dataset-detail"
      testId="dataset-detail"
      busy={profile.status === 'loading'}
      title={
        <>
          {name}
          {version && (
            <span className="title-meta">
              v{version.version} · {version.hash.slice(0, 10)}
            </span>
          )}
        </>
      }
      actions={<Tabs tabs={DATASET_TABS} selected={tab} onSelect={setTab} label="Dataset views" />}
    >
      {version && (
        <div className="source muted mono" title="Source">
          {version.source}
        </div>
      )}
      <NameActions
        what="dataset"
        name={name}
        testId="dataset"
        deleteHint="Hide this dataset; Deleted datasets below can restore it"
        onRename={async (to) => {
          await getApi().invoke('data:rename', { name, to });
          onChanged();
          navigate({ view: 'data', dataset: to });
        }}
        onDelete={async () => {
          await getApi().invoke('data:delete', { name });
          onChanged();
          navigate({ view: 'data', dataset: null });
        }}
      />
      {tab === 'profile' && (
        <>
          <AsyncStatus of={profile} {...profiling} testId="profile-loading" />
          {profile.status === 'ready' && (
            <>
              <ProfileSummary profile={profile.data} />
              <ProfileTable profile={profile.data} />
              <h3 className="section-title">Distributions</h3>
              <ProfileCharts profile={profile.data} />
            </>
          )}
        </>
      )}
      {tab === 'rows' && <PreviewGrid key={`${name}@${version?.id}`} datasetRef={name} />}
      {tab === 'outliers' && <AsyncStatus of={profile} {...profiling} retry={false} />}
      {tab === 'outliers' && profile.status === 'ready' && (
        <>
          <OutliersTable profile={profile.data} />
          <h3 className="section-title">Duplicate rows</h3>
          <DuplicatesSummary profile={profile.data} />
        </>
      )}
      {tab === 'validation' && <ValidationPanel key={`${name}@${version?.id}`} datasetRef={name} />}
      {tab === 'versions' && (
        <VersionsPanel
          name={name}
          selected={lineageRef.includes('@') ? lineageRef : `${name}@${version?.version ?? ''}`}
          onLineage={(ref) => {
            setLineageRef(ref);
            setTab('lineage');
          }}
        />
      )}
      {tab === 'lineage' && <LineagePanel datasetRef={lineageRef} />}
    </Panel>
  );
}

export function DataView({ selected }: { selected: string | null }) {
  const { project } = useProject();
  const route = useRoute();
  const importPath = route.view === 'data' ? route.importPath : undefined;
  const datasets = useAsync(() => getApi().invoke('data:list', { project }), [project]);
  const deleted = useAsync(
    () => getApi().invoke('data:list', { project, deleted: true }),
    [project],
  );
  const selectedSummary = datasets.data?.find((d) => d.name === selected);
  const showMade = (out: { dataset: string }) => {
    datasets.reload();
    navigate({ view: 'data', dataset: out.dataset });
  };
  const reloadLists = () => {
    datasets.reload();
    deleted.reload();
  };

  return (
    <div className="page">
      <PageHeader
        title="Data"
        subtitle={`Datasets in ${project}. Every import is an immutable, hashed version.`}
      />
      <Panel title="Import a file" testId="import-panel">
        <div className="stack">
          <ImportForm prefillPath={importPath} onImported={showMade} />
          <QueryImportForm onImported={showMade} />
        </div>
      </Panel>
      <Panel
        title="Datasets"
        actions={datasets.data && <span className="muted">{datasets.data.length}</span>}
        busy={datasets.status === 'loading'}
        testId="datasets-panel"
      >
        <AsyncStatus of={datasets} error="Could not list datasets" loading="Loading datasets…" />
        {datasets.data && datasets.data.length === 0 && (
          <EmptyState title="No datasets yet" testId="datasets-empty">
            Import a CSV, TSV, Parquet, JSON or NDJSON file above to profile it and train on it.
          </EmptyState>
        )}
        {datasets.data && datasets.data.length > 0 && (
          <DatasetTable datasets={datasets.data} selected={selected} />
        )}
      </Panel>
      <Panel title="Transform into a new version" testId="transform-panel">
        <TransformForm parent={selected} onMade={showMade} />
      </Panel>
      {deleted.data && deleted.data.length > 0 && (
        <DeletedDatasets datasets={deleted.data} onRestored={reloadLists} />
      )}
      {selected && (
        <DatasetDetail
          key={selected}
          name={selected}
          summary={selectedSummary}
          onChanged={reloadLists}
        />
      )}
    </div>
  );
}
