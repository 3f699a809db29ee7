import { describe, expect, it } from 'vitest';
import type { Run } from '../../../shared/contract';
import { RESTART_NOTE } from '../../../shared/contract';
import {
  CHECKPOINT_ARTIFACT,
  canResume,
  resumeTitle,
} from '../../../renderer/views/Experiments/run/resume-model';

type Resumable = Pick<Run, 'status' | 'kind' | 'artifacts' | 'deletedAt'>;
const checkpoint = { path: CHECKPOINT_ARTIFACT, sha256: 'a'.repeat(64), size: 10 };
const run = (over: Partial<Resumable>): Resumable =>
  ({
    status: 'cancelled',
    kind: 'train',
    artifacts: [checkpoint],
    deletedAt: null,
    ...over,
  }) as Resumable;

describe('the run page Resume rule', () => {
  it('offers a stopped single run with a checkpoint', () => {
    for (const status of ['interrupted', 'cancelled', 'failed'] as const)
      expect(canResume(run({ status }))).toBe(true);
  });

  it('not a running, queued, finished or pruned run, nor a deleted one', () => {
    for (const status of ['running', 'queued', 'finished', 'pruned'] as const)
      expect(canResume(run({ status }))).toBe(false);
    expect(canResume(run({ deletedAt: '2026-01-01T00:00:00Z' }))).toBe(false);
  });

  it('a single run stopped before its first epoch has no checkpoint; a search or cv resumes through its children', () => {
    expect(canResume(run({ artifacts: [] }))).toBe(false);
    expect(canResume(run({ status: 'failed', artifacts: [] }))).toBe(false);
    expect(canResume(run({ kind: 'cv', artifacts: [] }))).toBe(true);
    expect(canResume(run({ kind: 'tune', artifacts: [], status: 'interrupted' }))).toBe(true);
    expect(canResume(run({ kind: 'tune', artifacts: [], status: 'finished' }))).toBe(false);
  });

  it('an interrupted single run without a checkpoint is offered too: it restarts from the first epoch, and the tooltip says so', () => {
    for (const kind of ['train', 'fold', 'trial'] as const) {
      const killed = run({ status: 'interrupted', kind, artifacts: [] });
      expect(canResume(killed)).toBe(true);
      expect(resumeTitle(killed)).toBe(`Resume: ${RESTART_NOTE}`);
    }
    expect(RESTART_NOTE).toBe('no checkpoint: restarting from the first epoch');
    expect(
      canResume(run({ status: 'interrupted', artifacts: [], deletedAt: '2026-01-01T00:00:00Z' })),
    ).toBe(false);
    expect(resumeTitle(run({ status: 'interrupted' }))).toBe(
      'Continue this run from its last checkpoint',
    );
    expect(resumeTitle(run({ kind: 'tune', status: 'interrupted', artifacts: [] }))).toBe(
      'Continue this run from its last checkpoint',
    );
  });
});
