import type { Run } from '../../../../shared/contract';
import { routeHref } from '../../../lib/routes';

/** "Clone" on a run's page: the New run form, filled with this run's config. */
export function CloneButton({ run }: { run: Pick<Run, 'id'> }) {
  return (
    <a
      className="btn"
      href={routeHref({ view: 'experiments', newRun: true, clone: run.id })}
      title="Open the New run form with this run's settings"
      data-testid="run-clone"
    >
      Clone
    </a>
  );
}
