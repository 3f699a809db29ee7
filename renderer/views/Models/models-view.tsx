import { getApi } from '../../api';
import { PageHeader, Panel } from '../../components/page';
import { AsyncStatus, EmptyState } from '../../components/states';
import { formatNumber, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { routeHref } from '../../lib/routes';
import { ModelPage } from './model-page';
import { GatePolicyPanel } from './gate-policy-panel';
import { ImportModel } from './import-model';
import './models.css';
import { TableHead } from '../../components/table';

/** `#/models`: the registered models of the project; `#/models/<name>`: one model. */
export function ModelsView({ model }: { model: string | null }) {
  if (model) return <ModelPage name={model} />;
  return <ModelList />;
}

function ModelList() {
  const { project } = useProject();
  const models = useAsync(() => getApi().invoke('models:list', { project }), [project]);
  return (
    <div className="page" data-testid="models-view">
      <PageHeader title="Models" subtitle={`Registered models of project ${project}`} />
      <ImportModel key={project} project={project} onImported={models.reload} />
      <AsyncStatus of={models} error="Could not list models" testId="models-loading" />
      {models.data && models.data.length === 0 && (
        <EmptyState title="No models yet" testId="models-empty">
          Open a finished run and press Register model, or run{' '}
          <code>lathe models register RUN --name N</code>; import an ONNX model trained elsewhere
          with Import ONNX model… or <code>lathe models import NAME --onnx F --signature S</code>.
        </EmptyState>
      )}
      {/* Keyed by project: another project starts from its own stored policy. */}
      <GatePolicyPanel key={project} project={project} />
      {models.data && models.data.length > 0 && (
        <Panel>
          <div className="table-scroll">
            <table className="table table-hover" data-testid="models-table">
              <TableHead
                columns={[
                  'model',
                  'versions',
                  'latest',
                  'aliases',
                  'stages',
                  'updated',
                  'description',
                ]}
              />
              <tbody>
                {models.data.map((m) => (
                  <tr key={m.id} data-testid={`model-row-${m.name}`}>
                    <td>
                      <a href={routeHref({ view: 'models', model: m.name })}>{m.name}</a>
                    </td>
                    <td>{formatNumber(m.versionCount)}</td>
                    <td>{m.latest ? `v${m.latest.version}` : '—'}</td>
                    <td>
                      {Object.entries(m.aliases).map(([a, v]) => (
                        <span key={a} className="chip">
                          {a} → v{v}
                        </span>
                      ))}
                    </td>
                    <td>
                      {Object.entries(m.stageCounts)
                        .filter(([s]) => s !== 'none')
                        .map(([s, n]) => (
                          <span key={s} className={`chip stage-${s}`}>
                            {n} {s}
                          </span>
                        ))}
                    </td>
                    <td>{m.latest ? formatTime(m.latest.createdAt) : ''}</td>
                    <td className="muted cell-wrap">{m.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Panel>
      )}
    </div>
  );
}
