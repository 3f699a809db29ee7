// describeIssues: zod's issues as `field.path: reason`, in Lathe's words rather than the library's.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues } from '../../../shared/contract';

const Step = z.discriminatedUnion('op', [
  z.object({ op: z.literal('impute'), value: z.number().optional() }),
  z.object({ op: z.literal('scale') }),
]);
const Config = z.object({
  target: z.string(),
  task: z.enum(['binary', 'multiclass', 'regression']),
  steps: z.array(Step).min(1),
  name: z.string().min(1).max(5),
  epochs: z.number().int().min(1).max(1000),
  rate: z.number().gt(0).lt(1),
});
const valid = { target: 'y', task: 'binary', steps: [{ op: 'scale' }], name: 'a', epochs: 1 };

function described(schema: z.ZodType, value: unknown, reportInput = false, source?: string) {
  const r = schema.safeParse(value, { reportInput });
  if (r.success) throw new Error('expected the value to be refused');
  return describeIssues(r.error, source);
}

describe('describeIssues', () => {
  it('says a missing field is required, naming its path', () => {
    const { target: _t, ...rest } = { ...valid, rate: 0.5 };
    expect(described(Config, rest, false, 'c.yaml')).toBe('c.yaml: target is required');
    expect(described(Config, { ...valid, rate: 0.5, steps: [{ op: 'impute', value: 'x' }] })).toBe(
      'steps.0.value: expected number, received string',
    );
  });

  it('prints no "(root)" for a value without a path', () => {
    expect(described(z.number().gt(0), 0, false, '--window')).toBe(
      '--window: must be greater than 0',
    );
    expect(described(z.number(), undefined)).toBe('a value is required');
  });

  it("words bounds of numbers, strings and arrays, keeping a schema's own message", () => {
    expect(
      described(Config, { ...valid, name: '', epochs: 0, rate: 1, steps: [] }).split('; '),
    ).toEqual([
      'steps: must not be empty',
      'name: must not be empty',
      'epochs: must be at least 1',
      'rate: must be less than 1',
    ]);
    expect(described(Config, { ...valid, name: 'longer', epochs: 5000, rate: 0.5 })).toBe(
      'name: must have at most 5 characters; epochs: must be at most 1000',
    );
    expect(described(z.string().min(1, 'name the target column'), '')).toBe(
      'name the target column',
    );
  });

  it("names a discriminated union's key, the value given when the parse reports it, and the options", () => {
    const bad = { ...valid, rate: 0.5, steps: [{ op: 'x' }] };
    expect(described(Config, bad, true)).toBe(
      "steps.0.op: unknown op 'x'; expected one of impute, scale",
    );
    expect(described(Config, bad)).toBe(
      'steps.0.op: unknown or missing op; expected one of impute, scale',
    );
    expect(described(Config, { ...bad, steps: [{}] }, true)).toBe(
      'steps.0.op: give one of impute, scale',
    );
    expect(described(Config, bad)).not.toMatch(/Invalid discriminator/);
  });

  it('lists the options of an enum, with the value given when reported', () => {
    expect(described(Config, { ...valid, rate: 0.5, task: 'sideways' })).toBe(
      'task: expected one of binary, multiclass, regression',
    );
    expect(described(Config, { ...valid, rate: 0.5, task: 'sideways' }, true)).toBe(
      "task: unknown value 'sideways'; expected one of binary, multiclass, regression",
    );
    // Left out, when the parse reports its input: required, and its choices.
    const { task: _task, ...noTask } = { ...valid, rate: 0.5 };
    expect(described(Config, noTask, true)).toBe(
      'task is required: one of binary, multiclass, regression',
    );
  });
});
