import { describe, expect, it } from 'vitest';
import { TrainConfig, type RunStatus } from '../../../shared/contract';
import {
  familyLabel,
  familySeries,
  familyState,
  phaseLabel,
} from '../../../renderer/views/Experiments/run/family-model';

const base = {
  dataset: 'penguins',
  target: 'Species',
  task: 'binary' as const,
  model: { type: 'linear' as const },
};
const search = {
  kind: 'tune' as const,
  task: 'binary' as const,
  config: TrainConfig.parse({
    ...base,
    search: {
      trials: 5,
      metric: 'val_auc',
      space: { 'model.l2': { type: 'choice', values: [0, 0.1] } },
    },
  }),
};
const cv = {
  kind: 'cv' as const,
  task: 'binary' as const,
  config: TrainConfig.parse({ ...base, crossValidation: { folds: 3 } }),
};
const child = (name: string, status: RunStatus, metrics: Record<string, number> = {}) => ({
  id: `id-${name}`,
  name,
  status,
  metrics,
});

describe('a search parent', () => {
  const children = [
    child('s-trial1', 'finished', { val_auc: 0.8 }),
    child('s-trial2', 'finished', { val_auc: 0.9 }),
    child('s-trial3', 'pruned', { val_auc: 0.95 }),
    child('s-trial4', 'running', { val_auc: 0.99 }),
  ];

  it('counts trials done of all and names the best finished one so far', () => {
    const s = familyState(search, children);
    expect(s).toMatchObject({ noun: 'trial', done: 3, total: 5, running: 1, metric: 'val_auc' });
    expect(s.best).toMatchObject({ index: 2, runId: 'id-s-trial2', value: 0.9 });
    expect(familyLabel(s)).toBe('3 of 5 trials done · 1 running · best val_auc 0.9 (trial 2)');
  });

  it('draws over trial numbers: each objective and the best so far (finished trials only)', () => {
    const s = familyState(search, children);
    const data = familySeries(s, children);
    expect(data.steps).toEqual([1, 2, 3, 4]);
    expect(data.series.map((x) => x.key)).toEqual(['val_auc', 'best val_auc']);
    expect(data.series[0]!.values).toEqual([0.8, 0.9, 0.95, null]);
    expect(data.series[1]!.values).toEqual([0.8, 0.9, 0.9, 0.9]);
  });

  it('says no trial finished yet before one has', () => {
    const s = familyState(search, [child('s-trial1', 'running')]);
    expect(familyLabel(s)).toBe('0 of 5 trials done · 1 running · no trial finished yet');
  });
});

describe('a cross-validation parent', () => {
  it('counts folds (not epochs) and draws each fold, with no best-so-far line', () => {
    const children = [child('c-fold2', 'finished', { val_auc: 0.7 }), child('c-fold1', 'running')];
    const s = familyState(cv, children);
    expect(familyLabel(s)).toBe('1 of 3 folds done · 1 running · best val_auc 0.7 (fold 2)');
    const data = familySeries(s, children);
    expect(data.steps).toEqual([1, 2]);
    expect(data.series).toHaveLength(1);
  });
});

it('a phase with no epoch to count says what the run is doing', () => {
  expect(phaseLabel('importance')).toMatch(/permutation importance/);
  expect(phaseLabel('recording')).toMatch(/Recording/);
});
