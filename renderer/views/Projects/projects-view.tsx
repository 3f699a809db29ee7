import { useState, type FormEvent } from 'react';
import { ProjectCreateIn, describeIssues } from '../../../shared/contract';
import { getApi, errorMessage } from '../../api';
import { EmptyState, ErrorBanner, Loading } from '../../components/states';
import { PageHeader, Panel } from '../../components/page';
import { formatCount, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { useProject } from '../../lib/project';

function CreateProjectForm({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const input = { name: name.trim(), description };
    const checked = ProjectCreateIn.safeParse(input);
    if (!checked.success) {
      setError(describeIssues(checked.error, 'project'));
      return;
    }
    setBusy(true);
    try {
      const project = await getApi().invoke('projects:create', input);
      setName('');
      setDescription('');
      onCreated(project.name);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form form-inline" onSubmit={(e) => void submit(e)} data-testid="project-form">
      <label className="field">
        <span>Name</span>
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="churn-model"
          required
          data-testid="project-name"
        />
      </label>
      <label className="field field-grow">
        <span>Description</span>
        <input
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          placeholder="Optional"
          data-testid="project-description"
        />
      </label>
      <button
        className="btn btn-primary"
        type="submit"
        disabled={busy || !name.trim()}
        data-testid="project-submit"
      >
        {busy ? 'Creating…' : 'Create project'}
      </button>
      {error && <ErrorBanner error={error} title="Could not create the project" />}
    </form>
  );
}

export function ProjectsView() {
  const projects = useAsync(() => getApi().invoke('projects:list', {}), []);
  const { project: active, setProject } = useProject();

  return (
    <div className="page">
      <PageHeader title="Projects" subtitle="A project groups datasets, experiments and models." />
      <Panel title="New project">
        <CreateProjectForm
          onCreated={(name) => {
            setProject(name);
            projects.reload();
          }}
        />
      </Panel>
      <Panel title="All projects">
        {projects.status === 'error' && (
          <ErrorBanner
            error={projects.error}
            title="Could not list projects"
            onRetry={projects.reload}
          />
        )}
        {projects.status === 'loading' && !projects.data && <Loading label="Loading projects…" />}
        {projects.data && projects.data.length === 0 && (
          <EmptyState title="No projects yet" testId="projects-empty">
            Create one above; datasets and runs you add go to the active project.
          </EmptyState>
        )}
        {projects.data && projects.data.length > 0 && (
          <table className="table" data-testid="projects-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Description</th>
                <th className="num">Datasets</th>
                <th className="num">Runs</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {projects.data.map((p) => (
                <tr
                  key={p.id}
                  data-testid={`project-row-${p.name}`}
                  className={p.name === active ? 'selected' : undefined}
                >
                  <td className="strong">{p.name}</td>
                  <td className="muted">{p.description || '—'}</td>
                  <td className="num">{formatCount(p.datasetCount)}</td>
                  <td className="num">{formatCount(p.runCount)}</td>
                  <td className="muted">{formatTime(p.createdAt)}</td>
                  <td className="actions">
                    {p.name === active ? (
                      <span className="chip">Active</span>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => setProject(p.name)}
                      >
                        Open
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}
