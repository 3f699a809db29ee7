import { describe, expect, it } from 'vitest';
import { openApiDocument, parsePredictBody, recordSchema } from '../../../../main/serve/openapi';
import type { ModelSignature } from '../../../../shared/contract';

const sig: ModelSignature = {
  inputs: [
    { name: 'age', type: 'DOUBLE', kind: 'numeric' },
    { name: 'city', type: 'VARCHAR', kind: 'categorical' },
    { name: 'member', type: 'BOOLEAN', kind: 'boolean' },
  ],
  output: { task: 'binary', target: 'churn', classes: ['no', 'yes'] },
};
const schema = recordSchema(sig);

describe('predict body schema from a signature', () => {
  it('accepts numbers and null for numeric, strings/numbers/null for categorical, and drops unknown keys', () => {
    const r = parsePredictBody(schema, { age: 3, city: 'Oslo', member: true, extra: 'x' }, 10);
    expect(r).toEqual({
      ok: true,
      single: true,
      explain: false,
      records: [{ age: 3, city: 'Oslo', member: true }],
    });
    const n = parsePredictBody(schema, [{ age: null, city: 7, member: null }], 10);
    expect(n.ok && n.single).toBe(false);
    expect(n.ok && n.records).toEqual([{ age: null, city: 7, member: null }]);
  });

  it('reads a blank string as null for numbers and booleans, and keeps it for categories', () => {
    const r = parsePredictBody(schema, [{ age: '', city: '', member: '  ' }], 10);
    expect(r.ok && r.records).toEqual([{ age: null, city: '', member: null }]);
  });

  it('names every bad field and why', () => {
    const r = parsePredictBody(
      schema,
      {
        records: [
          { age: 'abc', city: {}, member: 1 },
          { city: 'x', member: 0 },
        ],
      },
      10,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(422);
    const byField = Object.fromEntries(r.fields.map((f) => [f.field, f.message]));
    expect(byField['records[0].age']).toMatch(/expected number or null.*"abc"/);
    expect(byField['records[0].city']).toMatch(
      /expected string or number or null \(categorical\), got object/,
    );
    expect(byField['records[1].age']).toMatch(/required/);
    expect(Object.keys(byField)).toHaveLength(3);
  });

  it('names the field without a prefix for a single record, and refuses non-finite numbers', () => {
    const r = parsePredictBody(schema, { age: 'x', city: 'a', member: true }, 10);
    expect(!r.ok && r.fields.map((f) => f.field)).toEqual(['age']);
    expect(!r.ok && r.fields[0]!.message).toContain('got the string "x"');
    const inf = parsePredictBody(schema, { age: Infinity, city: 'a', member: true }, 10);
    expect(!inf.ok && inf.fields[0]!.message).toMatch(/finite/);
  });

  it('enforces the batch limit and refuses empty batches and non-objects', () => {
    const rec = { age: 1, city: 'a', member: false };
    const over = parsePredictBody(schema, Array(11).fill(rec), 10);
    expect(!over.ok && over.error).toContain('limit 10');
    expect(parsePredictBody(schema, Array(10).fill(rec), 10).ok).toBe(true);
    expect(parsePredictBody(schema, [], 10).ok).toBe(false);
    expect(parsePredictBody(schema, 5, 10).ok).toBe(false);
    expect(parsePredictBody(schema, [5], 10)).toMatchObject({
      ok: false,
      fields: [{ field: 'records[0]' }],
    });
  });

  it('describes each input with its JSON type in OpenAPI 3.1', () => {
    const doc = openApiDocument([{ name: 'churn', version: 2, signature: sig }], '1.0') as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties: Record<string, { type: string[] }> }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/models/churn/predict');
    const props = doc.components.schemas.churn_Record!.properties;
    expect(props.age!.type).toEqual(['number', 'null']);
    expect(props.city!.type).toEqual(['string', 'number', 'null']);
    expect(props.member!.type).toEqual(['boolean', 'number', 'null']);
    const described = props as unknown as Record<string, { description: string }>;
    expect(described.age!.description).toBe('numeric (DOUBLE); "" is read as null');
    expect(described.city!.description).toBe('categorical (VARCHAR)');
  });
});
