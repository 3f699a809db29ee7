/**
 * Hash routes: `#/projects`, `#/data`, `#/data/<name>`, `#/features`, `#/features/<name>`, `#/experiments`,
 * `#/experiments/new[?clone=<run id>]`, `#/runs/<id>`, `#/compare?ids=<id1>,<id2>,…`, `#/evaluations[?target=<run or NAME@v>]`,
 * `#/evaluations/<id>`, `#/models`, `#/models/<name>`, `#/deploy`, `#/monitor`, `#/monitor/<name>`,
 * `#/pipelines`, `#/pipelines/<name>`.
 * A `?query` after the path is ignored, except `#/data?import=<URI-encoded path>` (File → Import dataset… in
 * Electron's menu), which prefills the Data view's import form, the run ids of `#/compare?ids=`, and the
 * run or model version whose evaluations `#/evaluations?target=` lists, and the run whose config
 * `#/experiments/new?clone=` fills the New run form with.
 */
export type Route =
  | { view: 'projects' }
  | { view: 'data'; dataset: string | null; importPath?: string }
  | { view: 'features'; dataset: string | null }
  | { view: 'experiments'; newRun: boolean; clone?: string }
  | { view: 'run'; runId: string }
  | { view: 'models'; model: string | null }
  | { view: 'compare'; ids: string[] }
  | { view: 'evaluations'; target: string | null }
  | { view: 'evaluation'; id: string }
  | { view: 'deploy' }
  | { view: 'monitor'; model: string | null }
  | { view: 'pipelines'; pipeline: string | null };

export function parseRoute(hash: string): Route {
  const rest = hash.replace(/^#\/?/, '');
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const [head, arg] = parts;
  switch (head) {
    case 'projects':
      return { view: 'projects' };
    case 'data': {
      const importPath = query.get('import');
      return importPath
        ? { view: 'data', dataset: arg ?? null, importPath }
        : { view: 'data', dataset: arg ?? null };
    }
    case 'features':
      return { view: 'features', dataset: arg ?? null };
    case 'experiments': {
      const clone = arg === 'new' ? query.get('clone')?.trim() : undefined;
      return clone
        ? { view: 'experiments', newRun: true, clone }
        : { view: 'experiments', newRun: arg === 'new' };
    }
    case 'runs':
      return arg ? { view: 'run', runId: arg } : { view: 'experiments', newRun: false };
    case 'models':
      return { view: 'models', model: arg ?? null };
    case 'compare':
      return { view: 'compare', ids: compareIds(query.get('ids')) };
    case 'evaluations':
      return arg
        ? { view: 'evaluation', id: arg }
        : { view: 'evaluations', target: query.get('target')?.trim() || null };
    case 'deploy':
      return { view: 'deploy' };
    case 'monitor':
      return { view: 'monitor', model: arg ?? null };
    case 'pipelines':
      return { view: 'pipelines', pipeline: arg ?? null };
    default:
      return { view: 'data', dataset: null };
  }
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case 'projects':
      return '#/projects';
    case 'data': {
      const base = route.dataset ? `#/data/${encodeURIComponent(route.dataset)}` : '#/data';
      return route.importPath ? `${base}?import=${encodeURIComponent(route.importPath)}` : base;
    }
    case 'features':
      return route.dataset ? `#/features/${encodeURIComponent(route.dataset)}` : '#/features';
    case 'experiments':
      if (route.newRun && route.clone)
        return `#/experiments/new?clone=${encodeURIComponent(route.clone)}`;
      return route.newRun ? '#/experiments/new' : '#/experiments';
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
    case 'models':
      return route.model ? `#/models/${encodeURIComponent(route.model)}` : '#/models';
    case 'compare':
      return `#/compare?ids=${route.ids.map(encodeURIComponent).join(',')}`;
    case 'evaluations':
      return route.target
        ? `#/evaluations?target=${encodeURIComponent(route.target)}`
        : '#/evaluations';
    case 'evaluation':
      return `#/evaluations/${encodeURIComponent(route.id)}`;
    case 'deploy':
      return '#/deploy';
    case 'monitor':
      return route.model ? `#/monitor/${encodeURIComponent(route.model)}` : '#/monitor';
    case 'pipelines':
      return route.pipeline ? `#/pipelines/${encodeURIComponent(route.pipeline)}` : '#/pipelines';
  }
}

/** Run ids of `?ids=a,b,…`: trimmed, empty ones dropped, each once, in the given order. */
function compareIds(raw: string | null): string[] {
  return [
    ...new Set(
      (raw ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ];
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}
