import { useMemo, useState } from 'react';
import type { ModelVersion, Run, RunDetails, RunSummary } from '../../../../shared/contract';
import { getApi } from '../../../api';
import { Panel } from '../../../components/page';
import { ProgressBar } from '../../../components/states';
import { BusyButton } from '../../../components/busy-button';
import { useAsync, useEvent } from '../../../lib/hooks';
import { useAction } from '../../../lib/use-action';
import { RegisteredLink, suggestName } from '../../Models/register-model';
import { familyLabel, familySeries, familyState, type FamilyState } from './family-model';
import { colorFor, MetricsChart } from './metrics-chart';

/** A parent's folds or trials (none unless `enabled`), listed again whenever one starts or ends. */
export function useFamily(
  run: RunDetails,
  enabled: boolean,
): { children: RunSummary[]; state: FamilyState } {
  const list = useAsync(
    () =>
      enabled
        ? getApi().invoke('runs:list', { parentId: run.id, limit: 10000 })
        : Promise.resolve([]),
    [run.id, run.status, enabled],
  );
  useEvent('run:child', (e) => {
    if (enabled && e.parentId === run.id) list.reload();
  });
  const children = useMemo(() => list.data ?? [], [list.data]);
  const state = useMemo(() => familyState(run, children), [run, children]);
  return { children, state };
}

/** A running parent's progress: folds or trials done of all, how many run, the best so far. */
export function FamilyProgress({ state }: { state: FamilyState }) {
  return (
    <div className="run-progress" data-testid="family-progress">
      <ProgressBar
        fraction={state.total ? state.done / state.total : null}
        label={familyLabel(state)}
      />
    </div>
  );
}

/** The parent's own chart: each fold's or trial's objective, and a search's best so far, per number. */
export function FamilyChart({ state, children }: { state: FamilyState; children: RunSummary[] }) {
  const data = useMemo(() => familySeries(state, children), [state, children]);
  const colorOf = useMemo(() => colorFor(data.series.map((s) => s.key)), [data]);
  return (
    <Panel
      title={state.noun === 'fold' ? 'Fold results' : 'Trial results'}
      className="span-2"
      actions={
        <span className="muted" data-testid="family-chart-status">
          {familyLabel(state)}
        </span>
      }
    >
      <MetricsChart
        data={data}
        colorOf={colorOf}
        xLabel={state.noun}
        empty={`Waiting for the first ${state.noun} to finish…`}
      />
    </Panel>
  );
}

/** Registers a search's best trial as a model in one click, then links to the version. */
export function RegisterBest({ run, state }: { run: Run; state: FamilyState }) {
  const register = useAction();
  const [done, setDone] = useState<ModelVersion | null>(null);
  if (state.noun !== 'trial' || !state.best) return null;
  const best = state.best;
  if (done) return <RegisteredLink version={done} testId="register-best-done" />;
  return (
    <>
      <BusyButton
        busy={register.busy}
        busyLabel="Registering…"
        className="btn"
        testId="register-best"
        title={`Register ${best.name} (${state.metric} ${best.value}) as ${suggestName(run)}`}
        onClick={() =>
          void register.run(
            () => getApi().invoke('models:register', { runId: best.runId, name: suggestName(run) }),
            { done: setDone },
          )
        }
      >
        Register best trial
      </BusyButton>
      {register.message && (
        <span className="form-error" role="alert" data-testid="register-best-error">
          {register.message}
        </span>
      )}
    </>
  );
}
