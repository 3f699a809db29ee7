/** Hash routes: `#/projects`, `#/data`, `#/data/<name>`, `#/experiments`, `#/experiments/new`, `#/runs/<id>`. */
export type Route =
  | { view: 'projects' }
  | { view: 'data'; dataset: string | null }
  | { view: 'experiments'; newRun: boolean }
  | { view: 'run'; runId: string };

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
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
    case 'data':
      return { view: 'data', dataset: arg ?? null };
    case 'experiments':
      return { view: 'experiments', newRun: arg === 'new' };
    case 'runs':
      return arg ? { view: 'run', runId: arg } : { view: 'experiments', newRun: false };
    default:
      return { view: 'data', dataset: null };
  }
}

export function routeHref(route: Route): string {
  switch (route.view) {
    case 'projects':
      return '#/projects';
    case 'data':
      return route.dataset ? `#/data/${encodeURIComponent(route.dataset)}` : '#/data';
    case 'experiments':
      return route.newRun ? '#/experiments/new' : '#/experiments';
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}
