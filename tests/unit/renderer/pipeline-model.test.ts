import { describe, expect, it } from 'vitest';
import type { PipelineRun, PipelineStepInfo } from '../../../shared/contract';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';
import {
  CARD_W,
  canResume,
  issuePlace,
  issuesByLine,
  layoutSteps,
  lineOffset,
  mergeRuns,
  outputLinks,
  parseSets,
} from '../../../renderer/views/Pipelines/pipeline-model';

const step = (id: string, level: number, inputs: [string, string][] = []): PipelineStepInfo => ({
  id,
  type: 'train',
  level,
  summary: id,
  inputs: inputs.map(([field, from]) => ({ field, id: from })),
});

const run = (id: string, startedAt: string, status: PipelineRun['status']): PipelineRun => ({
  id,
  pipeline: 'p',
  file: '/p.yaml',
  fileHash: 'h',
  params: {},
  set: [],
  trigger: 'manual',
  status,
  startedAt,
  endedAt: null,
  durationMs: null,
  error: null,
  failedStep: null,
  resumeOf: null,
  from: null,
  force: [],
  steps: [],
});

describe('the Pipelines view model', () => {
  it('puts levels in columns left to right and draws an edge from each input to its reader', () => {
    const layout = layoutSteps([
      step('load', 0),
      step('check', 1, [['from', 'load']]),
      step('other', 0),
      step('train', 2, [
        ['from', 'check'],
        ['after[0]', 'other'],
        ['data', 'gone'],
      ]),
    ]);
    const x = Object.fromEntries(layout.steps.map((s) => [s.step.id, s.x]));
    expect(x.load).toBe(x.other);
    expect(x.load! + CARD_W).toBeLessThan(x.check!);
    expect(x.check! + CARD_W).toBeLessThan(x.train!);
    // The two level-0 steps stack; the unknown input is dropped (the check reports it).
    const y = Object.fromEntries(layout.steps.map((s) => [s.step.id, s.y]));
    expect(y.load).not.toBe(y.other);
    expect(layout.edges.map((e) => `${e.from}->${e.to}:${e.field}`)).toEqual([
      'load->check:from',
      'check->train:from',
      'other->train:after[0]',
    ]);
    expect(layout.width).toBeGreaterThanOrEqual(x.train! + CARD_W);
  });

  it('links each output to the view that shows it', () => {
    const links = outputLinks({
      kind: 'model',
      identity: 'm@2',
      label: 'm@2',
      dataset: 'flights q1@3',
      run: 'abcdef0123456789',
      evaluation: 'ev12345678',
      model: 'delays@2',
      server: 'http://127.0.0.1:9000',
    });
    expect(links.map((l) => [l.kind, l.href])).toEqual([
      ['dataset', '#/data/flights%20q1'],
      ['run', '#/runs/abcdef0123456789'],
      ['evaluation', '#/evaluations/ev12345678'],
      ['model', '#/models/delays'],
      ['server', '#/deploy'],
    ]);
    expect(outputLinks(null)).toEqual([]);
  });

  it('lists runs newest first, an event replacing the listed record and adding a new one', () => {
    const listed = [
      run('a', '2026-01-02T00:00:00Z', 'running'),
      run('b', '2026-01-01T00:00:00Z', 'failed'),
    ];
    const live = new Map([
      ['a', run('a', '2026-01-02T00:00:00Z', 'succeeded')],
      ['c', run('c', '2026-01-03T00:00:00Z', 'running')],
    ]);
    expect(mergeRuns(listed, live).map((r) => `${r.id}:${r.status}`)).toEqual([
      'c:running',
      'a:succeeded',
      'b:failed',
    ]);
  });

  it('resumes only runs that stopped short', () => {
    expect(canResume(run('a', '2026-01-01T00:00:00Z', 'failed'))).toBe(true);
    expect(canResume(run('a', '2026-01-01T00:00:00Z', 'interrupted'))).toBe(true);
    expect(canResume(run('a', '2026-01-01T00:00:00Z', 'succeeded'))).toBe(false);
    expect(canResume(run('a', '2026-01-01T00:00:00Z', 'running'))).toBe(false);
    expect(canResume(null)).toBe(false);
  });

  it('reads --set overrides, groups issues by line and finds where a line starts', () => {
    expect(parseSets(' trees=5, rows=100\nminAuc=0.7 ')).toEqual([
      'trees=5',
      'rows=100',
      'minAuc=0.7',
    ]);
    const by = issuesByLine([
      { message: 'a', line: 3, step: 'train', field: 'from' },
      { message: 'b' },
      { message: 'c', line: 3 },
    ]);
    expect(by.get(3)?.map((i) => i.message)).toEqual(['a', 'c']);
    expect(by.get(0)?.map((i) => i.message)).toEqual(['b']);
    expect(issuePlace({ message: 'a', line: 3, step: 'train', field: 'from' })).toBe(
      'line 3 · train · from',
    );
    expect(lineOffset('ab\ncd\nef', 3)).toBe(6);
    expect(lineOffset('ab\ncd', 1)).toBe(0);
    expect(lineOffset('ab', 5)).toBe(2);
  });

  it('routes #/pipelines and #/pipelines/<name>', () => {
    expect(parseRoute('#/pipelines')).toEqual({ view: 'pipelines', pipeline: null });
    expect(parseRoute('#/pipelines/flight%20delays')).toEqual({
      view: 'pipelines',
      pipeline: 'flight delays',
    });
    expect(routeHref({ view: 'pipelines', pipeline: 'flight delays' })).toBe(
      '#/pipelines/flight%20delays',
    );
  });
});
