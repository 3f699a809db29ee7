import { describe, expect, it } from 'vitest';
import type { TransformDraft } from '../../../../renderer/views/Data/transform-model';
import {
  NO_STEPS,
  checkTransformForm,
  currentErrors,
} from '../../../../renderer/views/Data/transform-form';

const draft = (over: Partial<TransformDraft>): TransformDraft => ({
  name: 'people_clean',
  from: 'people',
  mode: 'steps',
  text: 'steps:\n  - type: drop\n    columns: [notes]\n',
  project: 'Default',
  ...over,
});

describe('the transform form', () => {
  it('asks for a step when none is written, instead of the schema message', () => {
    for (const text of ['', '  \n', '# nothing yet\n', 'steps:\n', 'steps: []\n', '[]']) {
      const r = checkTransformForm(draft({ text }));
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.errors.text).toBe(NO_STEPS);
      expect(r.errors.steps).toBeUndefined();
      expect(JSON.stringify(r.errors)).not.toContain('expected array');
    }
  });

  it('still lists the problems of steps that are written, and names empty fields', () => {
    const r = checkTransformForm(
      draft({ name: '', from: ' ', text: 'steps:\n  - type: drop\n    columns: []\n' }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.text).toBe('the steps are not valid, see below');
    expect(r.errors.steps?.map((e) => e.path)).toEqual(['steps.0.columns']);
    expect(r.errors.name).toBe('name the output dataset');
    expect(r.errors.from).toContain('name at least one parent dataset');
    expect(checkTransformForm(draft({ mode: 'sql', text: ' ' }))).toMatchObject({
      ok: false,
      errors: { text: 'give a SELECT over the parents' },
    });
    expect(checkTransformForm(draft({})).ok).toBe(true);
  });

  it("drops a field's error once that field changes, and keeps the others", () => {
    const checked = draft({ name: '', from: '', text: '' });
    const r = checkTransformForm(checked);
    if (r.ok) throw new Error('expected errors');
    expect(Object.keys(currentErrors(r.errors, checked, checked)).sort()).toEqual([
      'from',
      'name',
      'text',
    ]);
    // Opening a dataset fills the From box: its error goes, the others stay.
    const opened = { ...checked, from: 'flights_q1' };
    expect(currentErrors(r.errors, checked, opened)).toEqual({
      name: r.errors.name,
      text: NO_STEPS,
    });
    expect(currentErrors(r.errors, checked, { ...opened, name: 'x', text: 'steps:' })).toEqual({});
    expect(currentErrors(r.errors, null, checked)).toEqual({});
  });
});
