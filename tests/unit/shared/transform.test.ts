import { describe, expect, it } from 'vitest';
import {
  Transform,
  TransformFile,
  TransformIn,
  describeStep,
  describeIssues,
  transformJsonSchema,
} from '../../../shared/contract';

describe('transform steps', () => {
  it('accepts every step kind and summarizes it', () => {
    const t = Transform.parse({
      from: ['flights@2', 'airports'],
      steps: [
        { type: 'sql', query: 'SELECT * FROM flights JOIN airports USING (code)' },
        { type: 'drop', columns: ['a', 'b'] },
        { type: 'rename', mapping: { delay: 'delay_min' } },
        { type: 'cast', column: 'x', to: 'DECIMAL(10, 2)' },
        { type: 'filter', where: 'x > 0' },
        { type: 'dedupe' },
        { type: 'dedupe', columns: ['id'] },
      ],
    });
    expect(t.steps.map(describeStep)).toEqual([
      'sql(SELECT * FROM flights JOIN airports USI…)',
      'drop(a, b)',
      'rename(delay → delay_min)',
      'cast(x → DECIMAL(10, 2))',
      'filter(x > 0)',
      'dedupe',
      'dedupe(id)',
    ]);
  });

  it('names the field of a bad step', () => {
    const bad = (steps: unknown) => {
      const r = TransformIn.safeParse({ name: 'out', from: ['a'], steps });
      if (r.success) throw new Error('parsed');
      return describeIssues(r.error);
    };
    expect(bad([{ type: 'cast', column: 'x', to: 'INT; DROP TABLE t' }])).toMatch(
      /^steps\.0\.to: expected a DuckDB type/,
    );
    expect(bad([{ type: 'drop', columns: [] }])).toMatch(
      /^steps\.0\.columns: name at least one column/,
    );
    expect(bad([{ type: 'rename', mapping: {} }])).toMatch(
      /^steps\.0\.mapping: map at least one column/,
    );
    expect(bad([{ type: 'filter', where: 'x > 0', extra: 1 }])).toMatch(/^steps\.0: .*extra/);
    expect(bad([])).toMatch(/^steps: give at least one step/);
    expect(
      TransformIn.safeParse({ name: 'out', from: [], steps: [{ type: 'dedupe' }] }).success,
    ).toBe(false);
  });

  it('exports the steps file as JSON Schema', () => {
    const schema = transformJsonSchema() as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual(['from', 'steps']);
    expect(schema.required).toEqual(['steps']);
    expect(TransformFile.parse({ steps: [{ type: 'dedupe' }] }).from).toBeUndefined();
  });
});
