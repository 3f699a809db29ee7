import { useState } from 'react';
import { ProjectCreateIn, describeIssues } from '../../../shared/contract';
import { getApi } from '../../api';
import { TextField } from '../../components/form-field';
import { AsyncStatus, EmptyState, ErrorBanner } from '../../components/states';
import { PageHeader, Panel } from '../../components/page';
import { formatCount, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { DEFAULT_PROJECT, useProject } from '../../lib/project';
import { NameActions } from '../Data/name-actions';
import { useAction, type Action } from '../../lib/use-action';
import { TableHead, num } from '../../components/table';
import { BusyButton } from '../../components/busy-button';
import { handleSubmit } from '../../lib/forms';
import { VerifyPanel } from './verify-panel';

/**
 * The New project form. Its action belongs to the view, which clears a failure once anything else on
 * the page succeeds: an old "Could not create" must not sit over a later rename or delete.
 */
function CreateProjectForm({
  create,
  onCreated,
}: {
  create: Action<'run'>;
  onCreated: (name: string) => void;
}) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');

  async function submit() {
    const input = { name: name.trim(), description };
    const checked = ProjectCreateIn.safeParse(input);
    if (!checked.success) {
      create.fail(describeIssues(checked.error, 'project'));
      return;
    }
    await create.run(() => getApi().invoke('projects:create', input), {
      done: (project) => {
        setName('');
        setDescription('');
        onCreated(project.name);
      },
    });
  }

  return (
    <form className="form form-inline" onSubmit={handleSubmit(submit)} data-testid="project-form">
      <TextField
        label="Name"
        value={name}
        onChange={setName}
        placeholder="churn-model"
        required
        testId="project-name"
      />
      <TextField
        label="Description"
        grow
        value={description}
        onChange={setDescription}
        placeholder="Optional"
        testId="project-description"
      />
      <BusyButton
        busy={create.busy}
        disabled={!name.trim()}
        busyLabel="Creating…"
        type="submit"
        className="btn btn-primary"
        testId="project-submit"
      >
        Create project
      </BusyButton>
      {create.message && (
        <ErrorBanner error={create.message} title="Could not create the project" />
      )}
    </form>
  );
}

export function ProjectsView() {
  const projects = useAsync(() => getApi().invoke('projects:list', {}), []);
  const { project: active, setProject } = useProject();
  const create = useAction();
  /** After a successful action: the list again, and no stale creation error. */
  const succeeded = () => {
    create.fail(null);
    projects.reload();
  };

  return (
    <div className="page">
      <PageHeader title="Projects" subtitle="A project groups datasets, experiments and models." />
      <Panel title="New project">
        <CreateProjectForm
          create={create}
          onCreated={(name) => {
            setProject(name);
            projects.reload();
          }}
        />
      </Panel>
      <Panel title="All projects">
        <AsyncStatus of={projects} error="Could not list projects" loading="Loading projects…" />
        {projects.data && projects.data.length === 0 && (
          <EmptyState title="No projects yet" testId="projects-empty">
            Create one above; datasets and runs you add go to the active project.
          </EmptyState>
        )}
        {projects.data && projects.data.length > 0 && (
          <table className="table" data-testid="projects-table">
            <TableHead
              columns={['Name', 'Description', num('Datasets'), num('Runs'), 'Created', '', '']}
            />
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
                        onClick={() => {
                          create.fail(null);
                          setProject(p.name);
                        }}
                      >
                        Open
                      </button>
                    )}
                  </td>
                  <td className="actions">
                    <NameActions
                      what="project"
                      name={p.name}
                      testId={`project-${p.name}`}
                      deleteHint="Delete this project; refused while it holds datasets, runs or models"
                      confirmDelete={`Delete project ${p.name}? This cannot be undone.`}
                      onRename={async (to) => {
                        await getApi().invoke('projects:rename', { name: p.name, to });
                        if (p.name === active) setProject(to);
                        succeeded();
                      }}
                      onDelete={async () => {
                        await getApi().invoke('projects:delete', { name: p.name });
                        if (p.name === active) setProject(DEFAULT_PROJECT);
                        succeeded();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <VerifyPanel />
    </div>
  );
}
