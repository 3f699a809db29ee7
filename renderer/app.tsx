import type { ReactNode } from 'react';
import { getApi } from './api';
import { useAsync, useRoute } from './lib/hooks';
import { ProjectProvider, useProject } from './lib/project';
import type { Route } from './lib/routes';
import { ProjectsView } from './views/Projects/projects-view';
import { DataView } from './views/Data/data-view';
import { FeaturesView } from './views/Features/features-view';
import { ExperimentsView } from './views/Experiments/experiments-view';
import { RunView } from './views/Experiments/run-view';
import { ModelsView } from './views/Models/models-view';
import { CompareView } from './views/Compare/compare-view';
import { EvaluationView, EvaluationsView } from './views/Evaluation/evaluation-view';
import { DeployView } from './views/Deploy/deploy-view';
import { MonitorView } from './views/Monitor/monitor-view';
import { PipelinesView } from './views/Pipelines/pipelines-view';

const NAV: {
  id:
    | 'projects'
    | 'data'
    | 'features'
    | 'experiments'
    | 'evaluations'
    | 'models'
    | 'deploy'
    | 'monitor'
    | 'pipelines';
  label: string;
  href: string;
  icon: ReactNode;
}[] = [
  {
    id: 'projects',
    label: 'Projects',
    href: '#/projects',
    icon: <path d="M2 4.5h4l1.5 1.5H14v6.5H2z" />,
  },
  {
    id: 'data',
    label: 'Data',
    href: '#/data',
    icon: (
      <>
        <ellipse cx="8" cy="4" rx="5.5" ry="2" />
        <path d="M2.5 4v8c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2V4M2.5 8c0 1.1 2.5 2 5.5 2s5.5-.9 5.5-2" />
      </>
    ),
  },
  {
    id: 'features',
    label: 'Features',
    href: '#/features',
    icon: (
      <path d="M2.5 3.5h3v3h-3zM2.5 9.5h3v3h-3zM5.5 5h2.5l2 1.5M5.5 11h2.5l2-1.5M10 4.5h3.5v7H10z" />
    ),
  },
  {
    id: 'experiments',
    label: 'Experiments',
    href: '#/experiments',
    icon: (
      <path d="M6 2v4.5L2.5 13a1 1 0 0 0 .9 1.5h9.2a1 1 0 0 0 .9-1.5L10 6.5V2M5 2h6M4.5 10h7" />
    ),
  },
  {
    id: 'evaluations',
    label: 'Evaluations',
    href: '#/evaluations',
    icon: <path d="M2.5 13.5h11M4 11V8M7 11V4.5M10 11V6.5M13 11V3M3.5 6.5l3.5-3 3 2 3-3" />,
  },
  {
    id: 'models',
    label: 'Models',
    href: '#/models',
    icon: <path d="M8 1.8l5.5 3.1v6.2L8 14.2l-5.5-3.1V4.9zM2.5 4.9L8 8l5.5-3.1M8 8v6.2" />,
  },
  {
    id: 'deploy',
    label: 'Deploy',
    href: '#/deploy',
    icon: <path d="M8 14V6M5 9l3-3 3 3M3 3.5h10M2.5 14h11" />,
  },
  {
    id: 'monitor',
    label: 'Monitor',
    href: '#/monitor',
    icon: <path d="M1.5 8.5h3l1.5-4 3 8 2-5.5 1 1.5h2.5" />,
  },
  {
    id: 'pipelines',
    label: 'Pipelines',
    href: '#/pipelines',
    icon: <path d="M1.5 3h4v3h-4zM10.5 3h4v3h-4zM6 12h4v3H6zM5.5 4.5h5M3.5 6v2.5h9V6M8 8.5V12" />,
  },
];

function activeNav(route: Route): string {
  if (route.view === 'evaluation') return 'evaluations';
  return route.view === 'run' || route.view === 'compare' ? 'experiments' : route.view;
}

function Header() {
  const info = useAsync(() => getApi().invoke('app:info', {}), []);
  const { project } = useProject();
  return (
    <header className="app-header" data-testid="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          L
        </span>
        Lathe
      </div>
      <div className="header-project" title="Active project">
        <span className="muted">Project</span> <a href="#/projects">{project}</a>
      </div>
      <div className="header-info">
        {info.status === 'ready' && (
          <>
            <span
              className="workspace-path"
              title={info.data.workspace}
              data-testid="workspace-path"
            >
              <bdi dir="ltr">{info.data.workspace}</bdi>
            </span>
            <span
              className={`mode-chip mode-${info.data.mode}`}
              data-testid="workspace-mode"
              title={
                info.data.mode === 'owner'
                  ? 'This process writes the workspace'
                  : 'Connected to the owner'
              }
            >
              {info.data.mode}
            </span>
            <span className="muted">v{info.data.version}</span>
          </>
        )}
        {info.status === 'loading' && <span className="muted">Connecting…</span>}
        {info.status === 'error' && (
          <span className="header-error" data-testid="error-banner" title={info.error.message}>
            Host unavailable: {info.error.message}
          </span>
        )}
      </div>
    </header>
  );
}

function Content({ route }: { route: Route }) {
  switch (route.view) {
    case 'projects':
      return <ProjectsView />;
    case 'data':
      return <DataView selected={route.dataset} />;
    case 'features':
      return <FeaturesView selected={route.dataset} />;
    case 'experiments':
      return <ExperimentsView newRun={route.newRun} clone={route.clone} />;
    case 'run':
      return <RunView runId={route.runId} />;
    case 'models':
      return <ModelsView model={route.model} />;
    case 'compare':
      return <CompareView ids={route.ids} />;
    case 'evaluations':
      return <EvaluationsView target={route.target} />;
    case 'evaluation':
      return <EvaluationView id={route.id} />;
    case 'deploy':
      return <DeployView />;
    case 'monitor':
      return <MonitorView model={route.model} />;
    case 'pipelines':
      return <PipelinesView pipeline={route.pipeline} />;
  }
}

export function App() {
  const route = useRoute();
  const active = activeNav(route);
  return (
    <ProjectProvider>
      <div className="app">
        <Header />
        <nav className="app-nav" aria-label="Main">
          {NAV.map((item) => (
            <a
              key={item.id}
              href={item.href}
              className={item.id === active ? 'nav-item active' : 'nav-item'}
              aria-current={item.id === active ? 'page' : undefined}
              data-testid={`nav-${item.id}`}
            >
              <svg
                viewBox="0 0 16 16"
                width="16"
                height="16"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.3"
                aria-hidden="true"
              >
                {item.icon}
              </svg>
              {item.label}
            </a>
          ))}
        </nav>
        <main className="app-main">
          <Content route={route} />
        </main>
      </div>
    </ProjectProvider>
  );
}
