import { describe, expect, it } from 'vitest';
import { modelLabel } from '../../../shared/model-label';
import { defaultSelection } from '../../../renderer/views/Experiments/run/run-model';

describe('a run logged through MLflow in the runs table and on its page', () => {
  it('is labelled MLflow, with the flavor of the model it logged when its tags name one', () => {
    expect(modelLabel({ modelType: null, params: {} })).toBe('MLflow');
    expect(modelLabel({ modelType: null, params: { lr: '0.1' }, tags: {} })).toBe('MLflow');
    const history = JSON.stringify([
      {
        artifact_path: 'model',
        flavors: { python_function: {}, sklearn: { sklearn_version: '1.5' } },
      },
    ]);
    expect(
      modelLabel({ modelType: null, params: {}, tags: { 'mlflow.log-model.history': history } }),
    ).toBe('MLflow sklearn');
    for (const bad of ['not json', '{}', '[null]', '[{"flavors": 3}]']) {
      expect(
        modelLabel({ modelType: null, params: {}, tags: { 'mlflow.log-model.history': bad } }),
      ).toBe('MLflow');
    }
    // A Lathe run is labelled as before.
    expect(modelLabel({ modelType: 'mlp', params: {}, tags: {} })).toBe('mlp');
  });

  it('charts its losses first, or its first metrics when it logged no loss (it has no task)', () => {
    expect(defaultSelection(null, ['loss', 'val_loss', 'acc'])).toEqual(['loss', 'val_loss']);
    expect(defaultSelection(null, ['acc', 'f1', 'grad_norm', 'lr', 'recall'])).toEqual([
      'acc',
      'f1',
      'grad_norm',
      'lr',
    ]);
    expect(defaultSelection(null, [])).toEqual([]);
    expect(defaultSelection('binary', ['acc'])).toEqual([]);
  });
});
