import { describe, expect, it } from 'vitest';
import type { Run, RunStatus } from '../../../../shared/contract';
import { familyResume, resumeOf } from '../../../../main/train/train-service';
import { CHECKPOINT_PATH } from '../../../../main/train/checkpoint-state';

const config = {
  task: 'multiclass',
  dataset: 'penguins@1',
  search: { metric: 'val_accuracy', space: { 'training.learningRate': {} } },
  training: { learningRate: 0.01 },
};

function run(status: RunStatus, extra: Partial<Run> = {}, checkpoint = false): Run {
  return {
    id: 'r-1',
    kind: 'train',
    status,
    config,
    lineage: { dataset: 'penguins', datasetVersion: 2, gitCommit: 'abc' },
    artifacts: checkpoint ? [{ path: CHECKPOINT_PATH, sha256: 'ck-1', sizeBytes: 1 }] : [],
    tags: {},
    metrics: {},
    error: null,
    ...extra,
  } as unknown as Run;
}

describe('resumeOf', () => {
  it.each(['running', 'queued', 'finished'] as const)(
    'refuses a %s run: only a stopped one can be resumed',
    (status) => {
      expect(() => resumeOf(run(status, {}, true))).toThrow(
        expect.objectContaining({
          code: 'INVALID_INPUT',
          message: `run r-1 is ${status}; only an interrupted, cancelled or failed run can be resumed`,
          details: { id: 'r-1' },
        }),
      );
    },
  );

  it('refuses a stopped run without a checkpoint, saying to train it again', () => {
    expect(() => resumeOf(run('failed'))).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message:
          'run r-1 is failed but has no checkpoint (it stopped before its first epoch ended); train it again',
      }),
    );
  });

  it('restarts an interrupted run without a checkpoint from its first epoch, with its recorded config and dataset version', () => {
    expect(resumeOf(run('interrupted'))).toEqual({
      runId: 'r-1',
      config,
      dataset: 'penguins@2',
      checkpoint: null,
    });
    // A cancelled or failed one stopped for a reason: training it again stays the user's choice.
    expect(() => resumeOf(run('cancelled'))).toThrow(/has no checkpoint/);
  });

  it('continues a stopped run from its checkpoint, on its dataset version', () => {
    expect(resumeOf(run('interrupted', {}, true))).toEqual({
      runId: 'r-1',
      config,
      dataset: 'penguins@2',
      checkpoint: 'ck-1',
    });
  });
});

describe('familyResume', () => {
  const noRuns = {
    list: async () => [],
    getMany: async () => [],
    metricHistory: async () => ({ points: [] }),
  };

  it('refuses a search or cross-validation that is not stopped, naming which', async () => {
    await expect(familyResume(noRuns, run('finished', { kind: 'tune' }))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message:
        'run r-1 is finished; only an interrupted, cancelled or failed search can be resumed',
    });
    await expect(familyResume(noRuns, run('running', { kind: 'cv' }))).rejects.toMatchObject({
      message:
        'run r-1 is running; only an interrupted, cancelled or failed cross-validation can be resumed',
    });
  });

  it('lists each child with its assignment, its metric history in step order and how it can continue', async () => {
    const trial = (id: string, status: RunStatus, n: number, lr: number, checkpoint: boolean) =>
      run(
        status,
        {
          id,
          kind: 'trial',
          tags: { 'search.trial': String(n) },
          config: { ...config, training: { learningRate: lr } } as unknown as Run['config'],
        },
        checkpoint,
      );
    const children = [
      trial('t-1', 'finished', 1, 0.1, false),
      trial('t-2', 'cancelled', 2, 0.01, true),
      trial('t-3', 'failed', 3, 0.001, false),
    ];
    const f = await familyResume(
      {
        list: async (filter) => {
          expect(filter).toEqual({ parentId: 'r-1', limit: 100000, deleted: true });
          return children.map((c) => ({ id: c.id }));
        },
        getMany: async (ids) => children.filter((c) => ids.includes(c.id)),
        metricHistory: async (id, key) => {
          expect(key).toBe('val_accuracy');
          return {
            points:
              id === 't-2'
                ? [
                    { step: 2, value: 0.7 },
                    { step: 1, value: 0.6 },
                  ]
                : [],
          };
        },
      },
      run('interrupted', { kind: 'tune' }),
    );
    expect(f).toMatchObject({ parentId: 'r-1', dataset: 'penguins@2', gitCommit: 'abc' });
    expect(
      f.children.map(({ index, runId, assignment, history, resumable, resume }) => ({
        index,
        runId,
        assignment,
        history,
        resumable,
        resume: resume?.checkpoint,
      })),
    ).toEqual([
      {
        index: 1,
        runId: 't-1',
        assignment: { 'training.learningRate': 0.1 },
        history: [],
        resumable: false,
        resume: undefined,
      },
      {
        index: 2,
        runId: 't-2',
        assignment: { 'training.learningRate': 0.01 },
        history: [0.6, 0.7],
        resumable: true,
        resume: 'ck-1',
      },
      {
        index: 3,
        runId: 't-3',
        assignment: { 'training.learningRate': 0.001 },
        history: [],
        resumable: false,
        resume: undefined,
      },
    ]);
  });
});
