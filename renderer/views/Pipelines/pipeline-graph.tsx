import { useMemo } from 'react';
import type { PipelineRun, PipelineStepInfo, PipelineStepStatus } from '../../../shared/contract';
import { ArrowMarker } from '../../components/arrow-marker';
import { formatDuration } from '../../lib/format';
import { CARD_H, CARD_W, layoutSteps, outputLinks, stepRuns } from './pipeline-model';

/** A pipeline status as a badge: colour and the word (never colour alone). */
export function PipelineBadge({
  status,
  testId,
}: {
  status: PipelineStepStatus | PipelineRun['status'];
  testId?: string;
}) {
  return (
    <span className={`badge pl-badge-${status}`} data-testid={testId} data-status={status}>
      {status === 'running' && <span className="pulse" aria-hidden="true" />}
      {status}
    </span>
  );
}

/**
 * The steps as a DAG: levels as columns left to right, inputs as lines, each step a card with its type,
 * id, status in the shown run, duration, a badge when it was cached, and links to what it made.
 */
export function PipelineGraph({
  steps,
  run,
  selected,
  onSelect,
}: {
  steps: readonly PipelineStepInfo[];
  run: PipelineRun | null;
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const layout = useMemo(() => layoutSteps(steps), [steps]);
  const byId = stepRuns(run);
  return (
    <div className="pl-graph-scroll">
      <div
        className="pl-graph"
        style={{ width: layout.width, height: layout.height }}
        role="group"
        aria-label={run ? `Steps, as run ${run.id.slice(0, 8)} left them` : 'Steps'}
        data-testid="pipeline-graph"
        data-run={run?.id ?? ''}
      >
        <svg
          className="pl-edges"
          width={layout.width}
          height={layout.height}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          aria-hidden="true"
        >
          <ArrowMarker id="pl-arrow" className="pl-arrowhead" />
          {layout.edges.map((e) => (
            <path
              key={`${e.from}->${e.to}:${e.field}`}
              d={e.path}
              className={e.field.startsWith('after') ? 'pl-edge pl-edge-after' : 'pl-edge'}
              markerEnd="url(#pl-arrow)"
              data-testid={`pipeline-edge-${e.from}-${e.to}`}
              data-from={e.from}
              data-to={e.to}
            />
          ))}
        </svg>
        {layout.steps.map(({ step, x, y }) => {
          const sr = byId.get(step.id) ?? null;
          const status: PipelineStepStatus = sr?.status ?? 'pending';
          const links = outputLinks(sr?.outputs ?? null);
          const isSelected = step.id === selected;
          return (
            <div
              key={step.id}
              className={`pl-node pl-node-${status}${isSelected ? ' selected' : ''}`}
              style={{ left: x, top: y, width: CARD_W, height: CARD_H }}
              data-testid={`pipeline-node-${step.id}`}
              data-status={status}
              data-cached={sr?.status === 'cached' ? 'true' : 'false'}
            >
              <button
                type="button"
                className="pl-node-main"
                aria-pressed={isSelected}
                title={step.summary}
                onClick={() => onSelect(step.id)}
                data-testid={`pipeline-node-select-${step.id}`}
              >
                <span className="pl-node-head">
                  <span className="pl-node-type">{step.type}</span>
                  <PipelineBadge status={status} testId={`pipeline-node-status-${step.id}`} />
                </span>
                <span className="pl-node-id">{step.id}</span>
                <span className="pl-node-meta muted">
                  {sr?.durationMs !== null && sr?.durationMs !== undefined
                    ? formatDuration(sr.durationMs)
                    : status === 'running'
                      ? 'running…'
                      : '—'}
                  {sr?.status === 'cached' && (
                    <span
                      className="pl-cached"
                      title={`Cache hit: the outputs of run ${sr.cachedFrom ?? '(unknown)'}`}
                      data-testid={`pipeline-node-cached-${step.id}`}
                    >
                      cache hit
                    </span>
                  )}
                </span>
              </button>
              {links.length > 0 && (
                <span className="pl-node-links">
                  {links.map((l) => (
                    <a
                      key={l.kind}
                      href={l.href}
                      className="pl-node-link"
                      title={`Open ${l.label}`}
                      data-testid={`pipeline-node-link-${step.id}-${l.kind}`}
                    >
                      {l.label}
                    </a>
                  ))}
                </span>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
