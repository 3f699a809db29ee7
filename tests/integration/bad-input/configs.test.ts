// Config files with every field wrong in turn, generated from the zod schemas: for each field the schema
// declares (walked through its JSON Schema, into the objects a full valid config holds), a value of the
// wrong type in its place. Each is refused through the CLI (the file) and the host (the payload) with an
// error naming the field's path, no stack, and the workspace unchanged.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertRules,
  ExpectationSuite,
  FeatureSpec,
  GatePolicy,
  TrainConfig,
} from '../../../shared/contract';
import { contractClient, penguinsConfig, withServices } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';
import { cliFace, hostFace, seedWorkspace, type CliFace, type HostFace } from './corpus';

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

type Path = (string | number)[];

/** The object schemas `s` may be (its own properties, allOf parts merged, the union branch `value` fits). */
function propertiesOf(s: JsonSchema, value: unknown): Record<string, JsonSchema> {
  const own = { ...(s.properties ?? {}) };
  for (const part of s.allOf ?? []) Object.assign(own, propertiesOf(part, value));
  const branches = s.anyOf ?? s.oneOf;
  if (branches && value && typeof value === 'object') {
    const keys = Object.keys(value);
    const fit = branches.find((b) => {
      const props = propertiesOf(b, value);
      return Object.keys(props).length > 0 && keys.every((k) => k in props);
    });
    if (fit) Object.assign(own, propertiesOf(fit, value));
  }
  return own;
}

/**
 * Every field path of `schema`, walked with a valid `value`: each property the schema declares at each
 * object the value holds (optional ones it leaves out too), and the first item of its arrays.
 */
function fieldPaths(schema: JsonSchema, value: unknown, path: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    if (value.length && schema.items) out.push(...fieldPaths(schema.items, value[0], [...path, 0]));
    for (const branch of schema.anyOf ?? []) {
      if (branch.items && value.length)
        out.push(...fieldPaths(branch.items, value[0], [...path, 0]));
    }
    return out;
  }
  if (!value || typeof value !== 'object') return out;
  const record = value as Record<string, unknown>;
  for (const [key, sub] of Object.entries(propertiesOf(schema, value))) {
    out.push([...path, key]);
    if (record[key] !== undefined) out.push(...fieldPaths(sub, record[key], [...path, key]));
  }
  return out;
}

const setAt = (value: unknown, path: Path, replacement: unknown): unknown => {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (
    Array.isArray(value) ? [...(value as unknown[])] : { ...(value as Record<string, unknown>) }
  ) as Record<string | number, unknown>;
  copy[head!] = setAt(copy[head!], rest, replacement);
  return copy;
};

const WRONG: unknown[] = [{ wrong: [1] }, 'wrong', 12345, true, [7]];

interface ConfigCase {
  kind: string;
  field: string;
  value: unknown;
  /** Where the schema reports it: the field, or inside it (a union's discriminator). */
  issue: string;
  /** The whole config with the field wrong. */
  config: unknown;
}

/** One case per field: the first wrong-typed value the schema refuses at that very field. */
function casesFor(kind: string, schema: z.ZodType, base: unknown): ConfigCase[] {
  expect(schema.safeParse(base).success, `the ${kind} base is valid`).toBe(true);
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const cases: ConfigCase[] = [];
  for (const path of fieldPaths(json, base)) {
    const field = path.join('.');
    const tried = WRONG.map((value) => {
      const config = setAt(base, path, value);
      const parsed = schema.safeParse(config);
      const issues = parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
      return { value, config, issues };
    });
    const exact = tried.find((c) => c.issues.includes(field));
    const inside = tried.find((c) => c.issues.some((i) => i.startsWith(`${field}.`)));
    if (exact) cases.push({ kind, field, value: exact.value, config: exact.config, issue: field });
    else if (inside) {
      const issue = inside.issues.find((i) => i.startsWith(`${field}.`))!;
      cases.push({ kind, field, value: inside.value, config: inside.config, issue });
    }
  }
  return cases;
}

const t = tempDir('lathe-bad-configs-');
let cli: CliFace;
let host: HostFace;
const all: ConfigCase[] = [];
const cliCases: ConfigCase[] = [];

/** How each kind reaches each face. */
const faces: Record<
  string,
  { cli: (file: string) => string[]; channel: string; body: (config: unknown) => unknown }
> = {
  'train config': {
    cli: (file) => ['train', '--config', file],
    channel: 'train:run',
    body: (config) => ({ config }),
  },
  'feature spec': {
    // The CLI reads a spec file the train config names; the host takes it inline.
    cli: (file) => {
      const config = join(t.dir, `${file.split('/').pop()}.train.json`);
      writeFileSync(config, JSON.stringify({ ...penguinsConfig(), featureSpec: file }));
      return ['train', '--config', config];
    },
    channel: 'train:run',
    body: (spec) => ({ config: { ...penguinsConfig(), featureSpec: spec } }),
  },
  'expectation suite': {
    cli: (file) => ['data', 'suite', 'penguins', '--save', file],
    channel: 'data:suite:save',
    body: (suite) => ({ name: 'penguins', suite }),
  },
  'gate policy': {
    cli: (file) => ['gates', 'set', '--file', file],
    channel: 'gates:set',
    body: (policy) => ({ project: 'Default', policy }),
  },
  'alert rules': {
    cli: (file) => ['monitor', 'rules', '--set', file],
    channel: 'monitor:rules:set',
    body: (rules) => ({ rules }),
  },
};

const label = (c: ConfigCase) => `${c.kind} ${c.field} = ${JSON.stringify(c.value)}`;
/** The host names a payload field by its path inside the input. */
const hostPrefix: Record<string, string> = {
  'train config': 'config.',
  'feature spec': 'config.featureSpec.',
  'expectation suite': 'suite.',
  'gate policy': 'policy.',
  'alert rules': 'rules.',
};

beforeAll(async () => {
  const seedDir = join(t.dir, 'seed');
  await seedWorkspace(seedDir);
  const { spec, suite } = await withServices(seedDir, async (s) => {
    const api = contractClient(() => s);
    return {
      spec: (await api.call('features:default', { ref: 'penguins', target: 'Species' })).spec,
      suite: (await api.call('data:suggest', { ref: 'penguins' })).suite,
    };
  });
  const train = {
    ...penguinsConfig({
      model: { type: 'mlp', hidden: [4], dropout: 0.1, l2: 0.001 },
      training: {
        epochs: 3,
        batchSize: 32,
        learningRate: 0.01,
        validationFraction: 0.25,
        earlyStopping: { patience: 2 },
        lrSchedule: { type: 'step', every: 2, factor: 0.5 },
      },
    }),
    split: { method: 'stratified', testFraction: 0.2 },
    name: 'a run',
    experiment: 'an experiment',
  };
  const gates = {
    metrics: [{ metric: 'accuracy', min: 0.5 }],
    fairness: [{ column: 'Sex', metric: 'demographic_parity_difference', max: 0.2 }],
    baseline: { metric: 'accuracy', margin: 0 },
    champion: { test: 'bootstrap', alpha: 0.05, iterations: 1000 },
    segments: [{ column: 'Island', segment: 'Biscoe', min: 0.5 }],
  };
  const rules = {
    schedule: '*/5 * * * *',
    rules: [
      {
        name: 'drift',
        model: 'penguin-model',
        version: 1,
        signal: 'feature_drift',
        feature: 'Island',
        above: 0.2,
        window: '1d',
        severity: 'warning',
        cooldown: '1h',
        webhook: 'http://127.0.0.1:9/hook',
        minRows: 10,
      },
    ],
    retrain: [{ model: 'penguin-model', schedule: '0 3 * * 1', combine: true, promote: false }],
  };
  all.push(
    ...casesFor('train config', TrainConfig, train),
    ...casesFor('feature spec', FeatureSpec, spec),
    ...casesFor('expectation suite', ExpectationSuite, suite),
    ...casesFor('gate policy', GatePolicy, gates),
    ...casesFor('alert rules', AlertRules, rules),
  );
  cli = await cliFace(seedDir, t.dir, 3);
  host = await hostFace(seedDir, join(t.dir, 'host'));
  // The CLI reads every kind of file through one loader: it gets one case per top-level field of each
  // kind (a process each); the host gets every case.
  const seen = new Set<string>();
  for (const c of all) {
    const key = `${c.kind} ${c.field.split('.')[0]}`;
    if (!seen.has(key)) {
      seen.add(key);
      cliCases.push(c);
    }
  }
  await cli.runAll(
    cliCases.map((c, i) => {
      const file = join(t.dir, `case-${i}.json`);
      writeFileSync(file, JSON.stringify(c.config));
      return { label: label(c), args: faces[c.kind]!.cli(file) };
    }),
  );
}, 150_000);

afterAll(async () => {
  await host?.close();
  t.remove();
});

describe('configs with every field wrong in turn (generated from the zod schemas)', () => {
  it('covers every kind with a case per field', () => {
    const count = (kind: string) => all.filter((c) => c.kind === kind).length;
    console.log(
      `[configs] ${all.length} cases (${cliCases.length} through the CLI): ${Object.keys(faces)
        .map((k) => `${k} ${count(k)}`)
        .join(', ')}`,
    );
    for (const kind of Object.keys(faces)) expect(count(kind), kind).toBeGreaterThanOrEqual(3);
    for (const field of ['model.hidden', 'training.epochs', 'split.testFraction', 'seed'])
      expect(
        all.some((c) => c.kind === 'train config' && c.field === field),
        field,
      ).toBe(true);
  });

  it('the CLI refuses one per top-level field of each kind, naming the file and the field', () => {
    for (const c of cliCases) {
      const err = cli.failure(label(c));
      expect(err.code, label(c)).toBe('INVALID_CONFIG');
      expect(err.message, label(c)).toContain(`${c.issue}:`);
      expect(err.message, label(c)).toMatch(/case-\d+\.json/);
    }
  });

  it('the host refuses each, naming the field by its path in the payload', async () => {
    for (const c of all) {
      const f = faces[c.kind]!;
      const err = await host.fail(await host.invoke(f.channel, f.body(c.config)), label(c));
      expect(err.code, label(c)).toBe('INVALID_INPUT');
      expect(err.status).toBe(400);
      expect(err.message, label(c)).toContain(`${hostPrefix[c.kind]}${c.issue}:`);
    }
  });
});
