/** The Pipelines view's pure rules: the graph's layout, a run's statuses on it, links, and issues by line. */
import type {
  PipelineIssue,
  PipelineRun,
  PipelineStepInfo,
  PipelineStepOutput,
  PipelineStepRun,
} from '../../../shared/contract';
import { layoutLayered } from '../../lib/dag-layout';
import { routeHref, type Route } from '../../lib/routes';

export const CARD_W = 184;
export const CARD_H = 92;
const GAP_X = 44;
const GAP_Y = 16;
const PAD = 8;

export interface PlacedStep {
  step: PipelineStepInfo;
  x: number;
  y: number;
}

export interface StepEdge {
  from: string;
  to: string;
  /** The reading step's field that names the input (`from`, `data`, `after[0]`…). */
  field: string;
  /** SVG path from the right side of `from`'s card to the left side of `to`'s. */
  path: string;
}

export interface StepLayout {
  steps: PlacedStep[];
  edges: StepEdge[];
  width: number;
  height: number;
}

/**
 * The steps in columns by level, left to right (a level's steps may run at once), ordered in each column
 * to cut crossings; an edge from each input's card to its reader's, passing the columns between them
 * beside the cards, never behind one. Inputs naming no step are dropped (the check reports them).
 */
export function layoutSteps(steps: readonly PipelineStepInfo[]): StepLayout {
  const ids = new Set(steps.map((s) => s.id));
  const links = steps.flatMap((s) =>
    s.inputs
      .filter((input) => ids.has(input.id))
      .map((input) => ({ from: input.id, to: s.id, field: input.field })),
  );
  const laid = layoutLayered(
    steps.map((s) => s.id),
    new Map(steps.map((s) => [s.id, s.level])),
    links,
    { nodeW: CARD_W, nodeH: CARD_H, gapX: GAP_X, gapY: GAP_Y, pad: PAD },
  );
  return {
    steps: steps.map((step) => {
      const { x, y } = laid.at.get(step.id)!;
      return { step, x, y };
    }),
    edges: links.map((l, i) => ({ ...l, path: laid.paths[i]! })),
    width: laid.width,
    height: laid.height,
  };
}

/** The shown run's record of each step, by id; empty without a run. */
export function stepRuns(run: PipelineRun | null): Map<string, PipelineStepRun> {
  return new Map((run?.steps ?? []).map((s) => [s.id, s]));
}

/** A link to what a step made, in the view that shows it. */
export interface OutputLink {
  kind: 'dataset' | 'run' | 'evaluation' | 'model' | 'server';
  label: string;
  href: string;
}

/** `name@3` → `name`; a ref without a version is the name itself. */
const nameOf = (ref: string) => (ref.includes('@') ? ref.slice(0, ref.lastIndexOf('@')) : ref);

/** The view each kind of output opens in, and how a link to it reads. */
const OUTPUT_VIEWS: {
  kind: OutputLink['kind'];
  label: (value: string) => string;
  route: (value: string) => Route;
}[] = [
  { kind: 'dataset', label: (v) => v, route: (v) => ({ view: 'data', dataset: nameOf(v) }) },
  { kind: 'run', label: (v) => `run ${v.slice(0, 8)}`, route: (v) => ({ view: 'run', runId: v }) },
  {
    kind: 'evaluation',
    label: (v) => `evaluation ${v.slice(0, 8)}`,
    route: (v) => ({ view: 'evaluation', id: v }),
  },
  { kind: 'model', label: (v) => v, route: (v) => ({ view: 'models', model: nameOf(v) }) },
  { kind: 'server', label: (v) => v, route: () => ({ view: 'deploy' }) },
];

/**
 * The views a step's outputs open: a dataset version in Data, a run on its page, an evaluation in
 * Evaluation, a model version in Models, a server in Deploy.
 */
export function outputLinks(out: PipelineStepOutput | null): OutputLink[] {
  if (!out) return [];
  return OUTPUT_VIEWS.flatMap(({ kind, label, route }) => {
    const value = out[kind];
    return value ? [{ kind, label: label(value), href: routeHref(route(value)) }] : [];
  });
}

/** A run that can go on from where it stopped. */
export const canResume = (run: PipelineRun | null): boolean =>
  run !== null &&
  (run.status === 'failed' || run.status === 'cancelled' || run.status === 'interrupted');

/**
 * The runs to list: the loaded history with what events said since (an event's record replaces the
 * listed one; a run the list does not have yet goes in), newest first.
 */
export function mergeRuns(
  listed: readonly PipelineRun[],
  live: ReadonlyMap<string, PipelineRun>,
): PipelineRun[] {
  const byId = new Map(listed.map((r) => [r.id, r]));
  for (const [id, run] of live) byId.set(id, run);
  return [...byId.values()].sort(
    (a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id),
  );
}

/** `NAME=VALUE` overrides typed as one line: split at spaces, commas or new lines; blanks dropped. */
export function parseSets(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Issues that carry a line, grouped by it; the rest under 0. */
export function issuesByLine(issues: readonly PipelineIssue[]): Map<number, PipelineIssue[]> {
  const by = new Map<number, PipelineIssue[]>();
  for (const i of issues) {
    const line = i.line ?? 0;
    const list = by.get(line) ?? [];
    list.push(i);
    by.set(line, list);
  }
  return by;
}

/** Where an issue is, for the list: `line 12 · train · config.model`. */
export function issuePlace(issue: PipelineIssue): string {
  return [issue.line ? `line ${issue.line}` : null, issue.step ?? null, issue.field ?? null]
    .filter((p): p is string => p !== null)
    .join(' · ');
}

/** The offset in `text` where 1-based `line` starts (the end when the text is shorter). */
export function lineOffset(text: string, line: number): number {
  let at = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', at);
    if (next < 0) return text.length;
    at = next + 1;
  }
  return at;
}
