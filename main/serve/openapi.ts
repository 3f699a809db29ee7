// The request contract of the prediction server, generated from a model's signature: a zod schema that
// validates each record (naming every bad field) and an OpenAPI 3.1 document describing the same shapes.
//
// Unknown fields are IGNORED, not rejected: clients often send whole rows (ids, the target, timestamps)
// and the model reads only its signature's inputs, so extra keys are dropped before scoring.
import { z } from 'zod';
import type { ModelSignature } from '../../shared/contract';
import { classValues, EXPLAIN_FIELD } from '../../shared/contract/serve';

type Input = ModelSignature['inputs'][number];

/** The JSON types an input accepts, by column kind (null always: the fitted spec imputes missing values). */
export function jsonTypesOf(input: Input): ('number' | 'string' | 'boolean' | 'null')[] {
  switch (input.kind) {
    case 'numeric':
      return ['number', 'null'];
    case 'boolean':
      return ['boolean', 'number', 'null'];
    case 'categorical':
      return ['string', 'number', 'null'];
    default:
      return ['string', 'number', 'null'];
  }
}

/**
 * Whether an input reads an empty (or blank) string as missing: numbers and booleans, where it cannot be a
 * value. A CSV row's empty cell is missing in training and batch prediction (DuckDB reads it as NULL), so
 * the same row sent as JSON with "" scores the same, imputed, instead of failing.
 */
export const blankIsMissing = (input: Input): boolean =>
  input.kind === 'numeric' || input.kind === 'boolean';

function fieldSchema(input: Input): z.ZodType {
  const types = jsonTypesOf(input);
  const blank = blankIsMissing(input);
  const expected = `${types.join(' or ')}${blank ? ' ("" for null)' : ''}`;
  // Declared values (imported models): anything else is refused rather than scored as unknown.
  const allowed = input.values ? new Set<string | number>(input.values) : null;
  return z.unknown().transform((raw, ctx) => {
    const v = blank && typeof raw === 'string' && raw.trim() === '' ? null : raw;
    const t = v === null ? 'null' : typeof v;
    if (!(types as readonly string[]).includes(t)) {
      const got = t === 'string' ? `the string ${JSON.stringify(String(v).slice(0, 40))}` : t;
      ctx.addIssue({ code: 'custom', message: `expected ${expected} (${input.kind}), got ${got}` });
    } else if (t === 'number' && !Number.isFinite(v)) {
      ctx.addIssue({ code: 'custom', message: 'expected a finite number' });
    } else if (allowed && v !== null && !allowed.has(v as string | number)) {
      const shown = input.values!.slice(0, 10).map((x) => JSON.stringify(x));
      ctx.addIssue({
        code: 'custom',
        message: `expected one of ${shown.join(', ')}${input.values!.length > 10 ? ', …' : ''}, got ${JSON.stringify(v)}`,
      });
    }
    return v;
  });
}

/** One record: every signature input must be present (null for missing); other keys are dropped. */
export function recordSchema(signature: ModelSignature): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const input of signature.inputs) shape[input.name] = fieldSchema(input);
  return z.object(shape).strip();
}

export interface FieldError {
  field: string;
  message: string;
}

export type ParsedRequest =
  | { ok: true; records: Record<string, unknown>[]; single: boolean; explain: boolean }
  | { ok: false; status: 422; error: string; fields: FieldError[] };

/**
 * Validates a predict body: one record object, `{"records": [...]}` or a bare array. Field paths name
 * the record when there are several (`records[3].age`). `"explain": true` beside `records`, or in a
 * single record (unless `explain` is one of the model's inputs, `explainIsInput`), asks for
 * explanations.
 */
export function parsePredictBody(
  schema: z.ZodType<Record<string, unknown>>,
  body: unknown,
  maxBatch: number,
  options: { explainIsInput?: boolean } = {},
): ParsedRequest {
  let items: unknown[];
  let single = false;
  let explain: unknown = false;
  if (Array.isArray(body)) items = body;
  else if (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as { records?: unknown }).records)
  ) {
    items = (body as { records: unknown[] }).records;
    explain = (body as { [EXPLAIN_FIELD]?: unknown })[EXPLAIN_FIELD] ?? false;
  } else if (typeof body === 'object' && body !== null) {
    items = [body];
    single = true;
    if (!options.explainIsInput)
      explain = (body as { [EXPLAIN_FIELD]?: unknown })[EXPLAIN_FIELD] ?? false;
  } else
    return {
      ok: false,
      status: 422,
      error: 'the body must be a record object, {"records": [...]} or an array of records',
      fields: [{ field: '(body)', message: `got ${body === null ? 'null' : typeof body}` }],
    };
  if (typeof explain !== 'boolean')
    return {
      ok: false,
      status: 422,
      error: `invalid input: ${EXPLAIN_FIELD}`,
      fields: [
        {
          field: EXPLAIN_FIELD,
          message: `expected true or false, got ${explain === null ? 'null' : typeof explain}`,
        },
      ],
    };
  if (items.length === 0)
    return {
      ok: false,
      status: 422,
      error: 'no records',
      fields: [{ field: 'records', message: 'empty' }],
    };
  if (items.length > maxBatch)
    return {
      ok: false,
      status: 422,
      error: `too many records: ${items.length} (limit ${maxBatch})`,
      fields: [{ field: 'records', message: `at most ${maxBatch} records per request` }],
    };
  const records: Record<string, unknown>[] = [];
  const fields: FieldError[] = [];
  items.forEach((item, i) => {
    const prefix = single ? '' : `records[${i}].`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      fields.push({ field: single ? '(body)' : `records[${i}]`, message: 'expected an object' });
      return;
    }
    const r = schema.safeParse(item);
    if (r.success) records.push(r.data);
    else
      for (const issue of r.error.issues) {
        const missing = issue.code === 'invalid_type' || !(String(issue.path[0]) in item);
        fields.push({
          field: `${prefix}${issue.path.map(String).join('.')}`,
          message: missing ? 'required (send null when unknown)' : issue.message,
        });
      }
  });
  if (fields.length)
    return {
      ok: false,
      status: 422,
      error: `invalid input: ${fields
        .map((f) => f.field)
        .slice(0, 5)
        .join(', ')}${fields.length > 5 ? ', …' : ''}`,
      fields,
    };
  return { ok: true, records, single, explain };
}

/** An OpenAPI 3.1 document for the served models. */
export function openApiDocument(
  models: {
    name: string;
    version: number;
    signature: ModelSignature;
    /** Whether the model answers `explain` (a tree model). */
    explains?: boolean;
  }[],
  serverVersion: string,
): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {
    Error: {
      type: 'object',
      required: ['error', 'code'],
      properties: {
        error: { type: 'string' },
        code: {
          type: 'string',
          description:
            'INVALID_INPUT, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED, REQUEST_TIMEOUT, PAYLOAD_TOO_LARGE, RATE_LIMITED, CANCELLED, GATE_FAILED, INTERNAL …',
        },
        request_id: { type: 'string' },
        fields: {
          type: 'array',
          items: {
            type: 'object',
            required: ['field', 'message'],
            properties: { field: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  };
  for (const m of models) {
    const sig = m.signature;
    const key = m.name.replace(/[^A-Za-z0-9_.-]/g, '_');
    const out = sig.output;
    const predictionType =
      out.task === 'regression'
        ? { type: 'number' }
        : out.classes && classValues(out.classes).every((c) => typeof c === 'number')
          ? { type: 'integer', enum: classValues(out.classes) }
          : { type: 'string', enum: out.classes };
    schemas[`${key}_Record`] = {
      type: 'object',
      required: sig.inputs.map((i) => i.name),
      additionalProperties: true,
      description: sig.inputs.some((i) => i.name === EXPLAIN_FIELD)
        ? 'Extra properties are ignored.'
        : 'Extra properties are ignored, except `explain` (true: add TreeSHAP contributions to the prediction; tree models only).',
      properties: Object.fromEntries(
        sig.inputs.map((i) => [
          i.name,
          {
            type: jsonTypesOf(i),
            description: `${i.kind} (${i.type})${blankIsMissing(i) ? '; "" is read as null' : ''}`,
            ...(i.values ? { enum: [...i.values, null] } : {}),
          },
        ]),
      ),
    };
    const perFeature = { type: 'object', additionalProperties: { type: 'number' } };
    const multiclass = out.task === 'multiclass';
    const prediction = {
      type: 'object',
      required: ['prediction'],
      properties: {
        prediction: predictionType,
        ...(out.task !== 'regression'
          ? { probabilities: { type: 'object', additionalProperties: { type: 'number' } } }
          : {}),
        ...(m.explains
          ? {
              contributions: {
                ...(multiclass ? { type: 'object', additionalProperties: perFeature } : perFeature),
                description: `With "explain": true: each feature's TreeSHAP contribution to the score${
                  multiclass ? ', per class (its logit)' : ''
                }, in ${
                  out.task === 'regression'
                    ? `the units of ${out.target}`
                    : out.task === 'binary'
                      ? `log-odds of ${out.classes?.[1] ?? 'the second class'}`
                      : 'logits'
                }; base + the contributions = the score${out.task === 'regression' ? ' (the prediction)' : ''}.`,
              },
              base: {
                ...(multiclass
                  ? { type: 'object', additionalProperties: { type: 'number' } }
                  : { type: 'number' }),
                description:
                  'With "explain": true: the score with no feature known (the expected value over the training rows).',
              },
            }
          : {}),
      },
    };
    const explainField = {
      type: 'boolean',
      default: false,
      description: m.explains
        ? 'Add TreeSHAP contributions to each prediction.'
        : 'Explanations need a tree model (gbdt): true is refused with 400 by this model.',
    };
    schemas[`${key}_Response`] = {
      type: 'object',
      required: ['model', 'version', 'request_id', 'predictions'],
      properties: {
        model: { type: 'string' },
        version: { type: 'integer' },
        request_id: { type: 'string' },
        prediction: { ...predictionType, description: 'Present when one record was sent.' },
        predictions: { type: 'array', items: prediction },
      },
    };
    const ref = { $ref: `#/components/schemas/${key}_Record` };
    const err = (d: string) => ({
      description: d,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    });
    paths[`/v1/models/${encodeURIComponent(m.name)}/predict`] = {
      post: {
        summary: `Predict ${out.target} with ${m.name} (version ${m.version}, ${out.task})`,
        operationId: `predict_${key}`,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                oneOf: [
                  ref,
                  { type: 'array', items: ref },
                  {
                    type: 'object',
                    required: ['records'],
                    properties: { records: { type: 'array', items: ref }, explain: explainField },
                  },
                ],
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'Predictions, one per record in order',
            content: {
              'application/json': { schema: { $ref: `#/components/schemas/${key}_Response` } },
            },
          },
          '400': err(
            'Body is not JSON, or `explain` asked of a model that is not a tree model (code INVALID_INPUT, field explain)',
          ),
          '401': err('Missing or unknown API key'),
          '403': err('The key may not use this model'),
          '408': err('The body did not arrive within the body timeout'),
          '409': err('The model refused the request in its current state (CANCELLED, GATE_FAILED)'),
          '413': err('Body too large'),
          '422': err('Invalid fields (each named in `fields`)'),
          '429': err('Rate limit: see Retry-After'),
          '500': err('The model failed (code INTERNAL, no details)'),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Lathe prediction server', version: serverVersion },
    paths: {
      ...paths,
      '/health': { get: { summary: 'Process is up', responses: { '200': { description: 'up' } } } },
      '/ready': {
        get: {
          summary: 'Models loaded',
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text' } } },
      },
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}
