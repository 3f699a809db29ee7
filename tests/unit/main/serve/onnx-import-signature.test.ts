import { describe, expect, it } from 'vitest';
import { ImportSignature } from '../../../../shared/contract';
import { modelSignatureOf, importedFittedSpec } from '../../../../main/serve/onnx-import';
import { createRowTransformer } from '../../../../main/features/row';
import { parsePredictBody, recordSchema } from '../../../../main/serve/openapi';

const good = {
  task: 'multiclass',
  classes: ['a', 'b', 'c'],
  features: [
    { name: 'x', type: 'number' },
    { name: 'color', type: 'string', values: ['red', 'blue'] },
    { name: 'ok', type: 'boolean' },
  ],
  inputs: [
    { name: 'num', features: ['x', 'ok'] },
    { name: 'color_in', features: ['color'] },
  ],
  output: { name: 'probs', kind: 'probabilities' },
};

/** The issues of a signature as `path: message`. */
const issues = (value: unknown) => {
  const r = ImportSignature.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('ImportSignature', () => {
  it('accepts a mixed per-column and matrix mapping and defaults the target', () => {
    expect(issues(good)).toEqual([]);
    expect(ImportSignature.parse(good).target).toBe('prediction');
  });

  it('names the field of every inconsistency', () => {
    expect(issues({ ...good, output: undefined })).toEqual([expect.stringMatching(/^output: /)]);
    expect(issues({ ...good, extra: 1 })).toEqual([expect.stringMatching(/extra/)]);
    expect(
      issues({
        ...good,
        inputs: [
          { name: 'num', features: ['x', 'nope'] },
          { name: 'num', features: ['color', 'x'] },
        ],
      }),
    ).toEqual([
      "inputs.0.features.1: 'nope' is not a declared feature",
      "inputs.1.name: ONNX input 'num' is mapped twice",
      "inputs.1.features.1: feature 'x' already feeds another input",
      "inputs.1.features: input 'num' mixes string and numeric features",
      "features.2.name: feature 'ok' feeds no ONNX input (list it in inputs)",
    ]);
    expect(issues({ ...good, classes: undefined })).toEqual([
      'classes: a multiclass model needs its class labels, in output order',
    ]);
    expect(issues({ ...good, task: 'regression' })).toEqual([
      'classes: a regression model has no classes',
      "output.kind: a regression model's output kind is value",
    ]);
    expect(
      issues({
        ...good,
        features: [
          { name: 'x', type: 'number', values: [1, 'two'] },
          { name: 'color', type: 'string' },
          { name: 'ok', type: 'boolean', values: [1] },
        ],
      }),
    ).toEqual([
      'features.0.values.1: expected a number, got "two"',
      "features.1.values: string feature 'color' needs its values (categories)",
      "features.2.values: boolean feature 'ok' takes no values",
    ]);
  });
});

describe('an imported signature as the server and the feature executors read it', () => {
  const sig = ImportSignature.parse(good);

  it('refuses values outside the declared ones with 422, naming the field', () => {
    const schema = recordSchema(modelSignatureOf(sig));
    const r = parsePredictBody(schema, { x: 1, color: 'green', ok: true }, 10);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.fields).toEqual([
      { field: 'color', message: 'expected one of "red", "blue", got "green"' },
    ]);
    expect(parsePredictBody(schema, { x: 1, color: null, ok: false }, 10).ok).toBe(true);
  });

  it('passes numbers and booleans through and encodes strings by position', () => {
    const row = createRowTransformer(importedFittedSpec(sig, 'f'.repeat(64)));
    expect([...row({ x: 2.5, color: 'blue', ok: true })]).toEqual([2.5, 1, 1]);
    expect([...row({ x: null, color: 'green', ok: false })]).toEqual([0, -1, 0]);
  });
});
