import { useState } from 'react';
import type { DatasetSummary } from '../../../shared/contract';
import { getApi } from '../../api';
import { PageHeader, Panel } from '../../components/page';
import { EmptyState, ErrorBanner, Loading } from '../../components/states';
import { formatBytes, formatCount, formatTime } from '../../lib/format';
import { useAsync, useRoute } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { navigate } from '../../lib/routes';
import { ImportForm } from './import-form';
import { PreviewGrid } from './preview-grid';
import { DuplicatesSummary, OutliersTable } from './outliers-panel';
import { ProfileCharts, ProfileSummary, ProfileTable } from './profile-panel';
import { ValidationPanel } from './validation-panel';
import { LineagePanel } from './lineage-graph';
import { VersionsPanel } from './versions-panel';

function DatasetTable({
  datasets,
  selected,
}: {
  datasets: DatasetSummary[];
  selected: string | null;
}) {
  return (
    <table className="table table-hover" data-testid="datasets-table">
      <thead>
        <tr>
          <th>Name</th>
          <th className="num">Version</th>
          <th className="num">Rows</th>
          <th className="num">Columns</th>
          <th className="num">Size</th>
          <th>Format</th>
          <th>Imported</th>
        </tr>
      </thead>
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

function DatasetDetail({ name, summary }: { name: string; summary: DatasetSummary | undefined }) {
  const [tab, setTab] = useState<
    'profile' | 'rows' | 'outliers' | 'validation' | 'versions' | 'lineage'
  >('profile');
  // The version the Lineage tab draws: the latest until a row of the Versions tab picks another.
  const [lineageRef, setLineageRef] = useState(name);
  const profile = useAsync(() => getApi().invoke('data:profile', { ref: name }), [name]);
  const version = summary?.latest;

  return (
    <Panel
      className="dataset-detail"
      testId="dataset-detail"
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
      actions={
        <div className="tabs" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'profile'}
            className={tab === 'profile' ? 'tab active' : 'tab'}
            onClick={() => setTab('profile')}
            data-testid="tab-profile"
          >
            Profile
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'rows'}
            className={tab === 'rows' ? 'tab active' : 'tab'}
            onClick={() => setTab('rows')}
            data-testid="tab-rows"
          >
            Rows
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'outliers'}
            className={tab === 'outliers' ? 'tab active' : 'tab'}
            onClick={() => setTab('outliers')}
            data-testid="tab-outliers"
          >
            Outliers
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'validation'}
            className={tab === 'validation' ? 'tab active' : 'tab'}
            onClick={() => setTab('validation')}
            data-testid="tab-validation"
          >
            Validation
          </button>
          {(['versions', 'lineage'] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              className={tab === t ? 'tab active' : 'tab'}
              onClick={() => setTab(t)}
              data-testid={`tab-${t}`}
            >
              {t === 'versions' ? 'Versions' : 'Lineage'}
            </button>
          ))}
        </div>
      }
    >
      {version && (
        <div className="source muted mono" title="Source">
          {version.source}
        </div>
      )}
      {tab === 'profile' && (
        <>
          {profile.status === 'loading' && (
            <Loading label={`Profiling ${name}…`} testId="profile-loading" />
          )}
          {profile.status === 'error' && (
            <ErrorBanner
              error={profile.error}
              title={`Could not profile ${name}`}
              onRetry={profile.reload}
            />
          )}
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
      {tab === 'rows' && <PreviewGrid key={name} datasetRef={name} />}
      {tab === 'outliers' && profile.status === 'error' && (
        <ErrorBanner error={profile.error} title={`Could not profile ${name}`} />
      )}
      {tab === 'outliers' && profile.status === 'loading' && (
        <Loading label={`Profiling ${name}…`} />
      )}
      {tab === 'outliers' && profile.status === 'ready' && (
        <>
          <OutliersTable profile={profile.data} />
          <h3 className="section-title">Duplicate rows</h3>
          <DuplicatesSummary profile={profile.data} />
        </>
      )}
      {tab === 'validation' && <ValidationPanel key={name} datasetRef={name} />}
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
  const selectedSummary = datasets.data?.find((d) => d.name === selected);

  return (
    <div className="page">
      <PageHeader
        title="Data"
        subtitle={`Datasets in ${project}. Every import is an immutable, hashed version.`}
      />
      <Panel title="Import a file">
        <ImportForm
          prefillPath={importPath}
          onImported={(out) => {
            datasets.reload();
            navigate({ view: 'data', dataset: out.dataset });
          }}
        />
      </Panel>
      <Panel
        title="Datasets"
        actions={datasets.data && <span className="muted">{datasets.data.length}</span>}
      >
        {datasets.status === 'error' && (
          <ErrorBanner
            error={datasets.error}
            title="Could not list datasets"
            onRetry={datasets.reload}
          />
        )}
        {datasets.status === 'loading' && !datasets.data && <Loading label="Loading datasets…" />}
        {datasets.data && datasets.data.length === 0 && (
          <EmptyState title="No datasets yet" testId="datasets-empty">
            Import a CSV, TSV, Parquet, JSON or NDJSON file above to profile it and train on it.
          </EmptyState>
        )}
        {datasets.data && datasets.data.length > 0 && (
          <DatasetTable datasets={datasets.data} selected={selected} />
        )}
      </Panel>
      {selected && <DatasetDetail key={selected} name={selected} summary={selectedSummary} />}
    </div>
  );
}
