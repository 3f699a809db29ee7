// MLflow's search grammars (issue 15): what each search accepts, the clauses it makes, MLflow's error
// messages for what it refuses, page tokens and max_results; and a property: printed clauses parse back
// to the same clauses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../../../../shared/contract';
import {
  decodePageToken,
  encodePageToken,
  maxResults,
  parseFilter,
  parseOrderBy,
  printFilter,
  printOrderTerm,
  SEARCH_LIMITS,
  viewType,
  type Clause,
  type Comparator,
  type Grammar,
  type OrderTerm,
} from '../../../../main/mlflow/search-filter';

/** The message of the INVALID_INPUT error `f` throws (fails when it throws nothing or something else). */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(LatheError);
    expect((err as LatheError).code).toBe('INVALID_INPUT');
    return (err as LatheError).message;
  }
  throw new Error('expected an INVALID_INPUT error, got none');
}

const runs = (filter: string) => parseFilter('runs', filter);

describe('runs filter', () => {
  it('parses comparisons on metrics, params, tags and attributes joined by AND in any case', () => {
    expect(
      runs(
        "metrics.rmse < 1 and params.model_class = 'lr' AND tags.team != \"vision\" And attributes.status = 'FINISHED'",
      ),
    ).toEqual([
      { type: 'metric', key: 'rmse', comparator: '<', value: 1 },
      { type: 'parameter', key: 'model_class', comparator: '=', value: 'lr' },
      { type: 'tag', key: 'team', comparator: '!=', value: 'vision' },
      { type: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' },
    ]);
  });

  it("accepts MLflow's entity aliases and attribute aliases", () => {
    expect(
      runs(
        "metric.a >= 1 and param.b = 'x' and parameters.c = 'y' and tag.d = 'z' and attr.run_name = 'n' and run.user_id = 'u'",
      ).map((c) => [c.type, c.key]),
    ).toEqual([
      ['metric', 'a'],
      ['parameter', 'b'],
      ['parameter', 'c'],
      ['tag', 'd'],
      ['attribute', 'run_name'],
      ['attribute', 'user_id'],
    ]);
    expect(runs('attributes.created > 5 and Created <= 6').map((c) => c.key)).toEqual([
      'start_time',
      'start_time',
    ]);
    expect(runs("`Run name` = 'a' and attributes.\"run name\" LIKE 'b%'")).toEqual([
      { type: 'attribute', key: 'run_name', comparator: '=', value: 'a' },
      { type: 'attribute', key: 'run_name', comparator: 'LIKE', value: 'b%' },
    ]);
    expect(runs("status = 'RUNNING'")).toEqual([
      { type: 'attribute', key: 'status', comparator: '=', value: 'RUNNING' },
    ]);
  });

  it('reads keys with any characters in backticks or double quotes, and dotted keys bare', () => {
    expect(
      runs(
        "metrics.`my key` > 1 and params.\"model class\" = 'x' and `metrics`.plain > 2 and tags.\"a.b\" = 'v' and tags.mlflow.runName = 'r' and tags.`it``s` = 'q'",
      ).map((c) => [c.type, c.key]),
    ).toEqual([
      ['metric', 'my key'],
      ['parameter', 'model class'],
      ['metric', 'plain'],
      ['tag', 'a.b'],
      ['tag', 'mlflow.runName'],
      ['tag', 'it`s'],
    ]);
  });

  it('reads numbers in every form and strings with doubled quotes', () => {
    expect(
      runs('metrics.x > -1.5e-3 and metrics.y < .5 and metrics.z = 1e999').map((c) => c.value),
    ).toEqual([-0.0015, 0.5, Infinity]);
    expect(runs("tags.x = 'it''s' and tags.y = ''").map((c) => c.value)).toEqual(["it's", '']);
  });

  it('reads LIKE / ILIKE in any case, IN and NOT IN lists on run_id and datasets', () => {
    expect(
      runs(
        "tags.x like '%a' and tags.y ILike 'A%' and attributes.run_id IN ('abc1', 'ABC', 'def2') and run_id not in ('x9') and datasets.name IN ('d1', 'D2') and datasets.context = 'train'",
      ),
    ).toEqual([
      { type: 'tag', key: 'x', comparator: 'LIKE', value: '%a' },
      { type: 'tag', key: 'y', comparator: 'ILIKE', value: 'A%' },
      // MLflow drops run ids with upper-case letters (its MySQL workaround)
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['abc1', 'def2'] },
      { type: 'attribute', key: 'run_id', comparator: 'NOT IN', value: ['x9'] },
      { type: 'dataset', key: 'name', comparator: 'IN', value: ['d1', 'D2'] },
      { type: 'dataset', key: 'context', comparator: '=', value: 'train' },
    ]);
  });

  it('takes an empty or blank filter as no condition', () => {
    expect(runs('')).toEqual([]);
    expect(parseFilter('runs', undefined)).toEqual([]);
    expect(runs('   ')).toEqual([]);
  });

  it("refuses what MLflow refuses, with MLflow's messages", () => {
    const cases: [string, string][] = [
      ['metrics.a > 1 OR metrics.b < 2', "Invalid clause(s) in filter string: 'OR'"],
      ['(metrics.a > 1)', "Invalid clause(s) in filter string: '(metrics.a > 1)'"],
      ['metrics.a > 1 metrics.b < 2', "Invalid clause(s) in filter string: 'metrics.b'"],
      [
        "foo.x = 'a'",
        "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
      ],
      ["metrics.a = 'x'", "Expected numeric value type for metric. Found 'x'"],
      [
        'params.a = abc',
        'Parameter value is either not quoted or unidentified quote types used for string value abc. Use either single or double quotes.',
      ],
      [
        'params.a = 1',
        "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 1",
      ],
      [
        "params.a IN ('x')",
        "Expected a quoted string value for parameter (e.g. 'my-value'). Got value ('x')",
      ],
      ['tags.a = 2', "Expected a quoted string value for tag (e.g. 'my-value'). Got value 2"],
      [
        'metrics.a LIKE 1',
        "Invalid comparator 'LIKE' not one of '{'!=', '<', '<=', '=', '>', '>='}'",
      ],
      ['metrics.a <> 1', "Invalid comparator '<>' not one of '{'!=', '<', '<=', '=', '>', '>='}'"],
      ["params.a > 'x'", "Invalid comparator '>' not one of '{'!=', '=', 'ILIKE', 'LIKE'}'"],
      [
        "attributes.status IN ('A')",
        "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
      ],
      [
        "attributes.start_time > 'x'",
        "Expected numeric value type for numeric attribute: start_time. Found 'x'",
      ],
      ['attributes.status = 1', 'Expected a quoted string value for attributes. Got value 1'],
      [
        'run_id IN ()',
        'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
      ],
      [
        'run_id IN (1, 2)',
        'While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1, 2)',
      ],
      [
        "datasets.foo = 'x'",
        "Invalid dataset key 'foo' specified. Valid keys are '{'context', 'digest', 'name'}'",
      ],
      ['datasets.name = 1', 'Expected a quoted string value for dataset attributes. Got value 1'],
    ];
    for (const [filter, message] of cases)
      expect(
        refusal(() => runs(filter)),
        filter,
      ).toBe(message);
    expect(refusal(() => runs("attributes.foo = 'a'"))).toMatch(
      /^Invalid attribute key 'foo' specified\. Valid keys are '\{'Created', 'Run Name', .*'user_id'\}'$/,
    );
    expect(refusal(() => runs('metrics.a > 1 and'))).toMatch(
      /expected a comparison after the last 'AND'/,
    );
    expect(refusal(() => runs("tags.a = 'open"))).toMatch(
      /unterminated quoted text at position 10/,
    );
    expect(refusal(() => runs('metrics.a ~ 1'))).toMatch(/unexpected character '~' at position 11/);
    expect(refusal(() => runs('metrics.val-loss > 1'))).toMatch(
      /unexpected character '-' at position 12; quote a key with special characters, e\.g\. metrics\.`val-loss`$/,
    );
    expect(refusal(() => runs("params.model.type-x = 'a'"))).toMatch(
      /e\.g\. params\.`model\.type-x`$/,
    );
    expect(refusal(() => runs('metrics.a'))).toMatch(/Expected a comparison .* after 'metrics\.a'/);
    expect(refusal(() => runs("run_id = ('a')"))).toMatch(/Expected value token found '\('/);
  });
});

describe('runs order_by', () => {
  it('reads an identifier and an optional ASC/DESC in any case', () => {
    expect(
      parseOrderBy('runs', [
        'metrics.acc DESC',
        'params.lr',
        'attributes.end_time asc',
        'metrics.`a b` desc',
        'tags."x.y"',
      ]),
    ).toEqual([
      { type: 'metric', key: 'acc', ascending: false },
      { type: 'parameter', key: 'lr', ascending: true },
      { type: 'attribute', key: 'end_time', ascending: true },
      { type: 'metric', key: 'a b', ascending: false },
      { type: 'tag', key: 'x.y', ascending: true },
    ]);
    expect(parseOrderBy('runs', ['created desc'])).toEqual([
      { type: 'attribute', key: 'start_time', ascending: false },
    ]);
  });

  it("refuses bad clauses with MLflow's messages", () => {
    expect(refusal(() => parseOrderBy('runs', ['metrics.a up']))).toBe(
      "Invalid ordering key in order_by clause 'metrics.a up'.",
    );
    expect(refusal(() => parseOrderBy('runs', ['metrics.a DESC x']))).toBe(
      "Invalid order_by clause 'metrics.a DESC x'. Could not be parsed.",
    );
    expect(refusal(() => parseOrderBy('runs', ['']))).toBe(
      "Invalid order_by clause ''. Could not be parsed.",
    );
    expect(refusal(() => parseOrderBy('runs', ['metrics.a', 'metric.a DESC']))).toBe(
      "`order_by` contains duplicate fields: ['metrics.a', 'metric.a DESC']",
    );
    expect(refusal(() => parseOrderBy('runs', ['start_time', 'created DESC']))).toMatch(
      /^`order_by` contains duplicate fields/,
    );
    expect(refusal(() => parseOrderBy('runs', ['datasets.name']))).toBe(
      "Invalid identifier type 'dataset'",
    );
    // shlex splits it as MLflow does: 'name' is then read as the direction
    expect(refusal(() => parseOrderBy('runs', ['attributes.run name']))).toBe(
      "Invalid ordering key in order_by clause 'attributes.run name'.",
    );
  });
});

describe('experiments, registered models and model versions', () => {
  it('experiments: name, creation/update times and tags; only attribute/tag/tags prefixes', () => {
    expect(
      parseFilter(
        'experiments',
        "name LIKE 'a%' AND tags.team = 'x' AND creation_time > 5 AND attribute.last_update_time <= 9",
      ),
    ).toEqual([
      { type: 'attribute', key: 'name', comparator: 'LIKE', value: 'a%' },
      { type: 'tag', key: 'team', comparator: '=', value: 'x' },
      { type: 'attribute', key: 'creation_time', comparator: '>', value: 5 },
      { type: 'attribute', key: 'last_update_time', comparator: '<=', value: 9 },
    ]);
    const e = (f: string) => refusal(() => parseFilter('experiments', f));
    expect(e("attributes.name = 'x'")).toBe(
      "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')",
    );
    expect(e("name IN ('a')")).toBe(
      "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
    );
    expect(e("tags.x > 'a'")).toBe('Invalid comparator for tag: >');
    expect(e("name > 'a'")).toBe('Invalid comparator for string attribute: >');
    expect(e("creation_time LIKE 'a'")).toBe(
      "Expected numeric value type for numeric attribute: creation_time. Found 'a'",
    );
    expect(e('creation_time LIKE 1')).toBe('Invalid comparator for numeric attribute: LIKE');
    expect(e("name = 'a' OR name = 'b'")).toBe('Invalid clause(s) in filter string: OR');
    expect(e("lifecycle_stage = 'active'")).toBe(
      "Invalid attribute key 'lifecycle_stage' specified. Valid keys are '{'creation_time', 'last_update_time', 'name'}'",
    );
    expect(parseOrderBy('experiments', ['experiment_id DESC', 'name'])).toEqual([
      { type: 'attribute', key: 'experiment_id', ascending: false },
      { type: 'attribute', key: 'name', ascending: true },
    ]);
    expect(refusal(() => parseOrderBy('experiments', ['tags.x']))).toBe(
      'Invalid order_by entity: tag',
    );
  });

  it('registered models: name and tags; order by name or timestamp', () => {
    expect(parseFilter('registered-models', "name ILIKE '%foo%' and tags.`stage x` = 'y'")).toEqual(
      [
        { type: 'attribute', key: 'name', comparator: 'ILIKE', value: '%foo%' },
        { type: 'tag', key: 'stage x', comparator: '=', value: 'y' },
      ],
    );
    const m = (f: string) => refusal(() => parseFilter('registered-models', f));
    expect(m("run_id = 'x'")).toBe(
      "Invalid attribute key 'run_id' specified. Valid keys are '{'name'}'",
    );
    expect(m('name = 1')).toBe(
      'Expected a quoted string value or a list of quoted string values for attributes. Got value 1',
    );
    expect(m("name IN ('a')")).toBe(
      "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
    );
    expect(m("name > 'a'")).toBe('Invalid comparator for attribute: >');
    expect(parseOrderBy('registered-models', ['timestamp DESC', 'name'])).toEqual([
      { type: 'attribute', key: 'last_updated_timestamp', ascending: false },
      { type: 'attribute', key: 'name', ascending: true },
    ]);
    expect(refusal(() => parseOrderBy('registered-models', ['foo']))).toBe(
      "Invalid order by key 'foo' specified. Valid keys are '{'name', 'timestamp'}'",
    );
    expect(
      refusal(() =>
        parseOrderBy('registered-models', ['timestamp', 'last_updated_timestamp DESC']),
      ),
    ).toBe("`order_by` contains duplicate fields: ['timestamp', 'last_updated_timestamp DESC']");
  });

  it('model versions: name, run_id IN, version_number, source_path and tags', () => {
    expect(
      parseFilter(
        'model-versions',
        "name = 'm' and run_id IN ('abc', 'XYZ') and version_number >= 2 and version_number != '3' and source_path LIKE 'runs:/%' and tags.x = 'y'",
      ),
    ).toEqual([
      { type: 'attribute', key: 'name', comparator: '=', value: 'm' },
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['abc'] },
      { type: 'attribute', key: 'version_number', comparator: '>=', value: 2 },
      { type: 'attribute', key: 'version_number', comparator: '!=', value: 3 },
      { type: 'attribute', key: 'source_path', comparator: 'LIKE', value: 'runs:/%' },
      { type: 'tag', key: 'x', comparator: '=', value: 'y' },
    ]);
    const v = (f: string) => refusal(() => parseFilter('model-versions', f));
    expect(v("run_id NOT IN ('a')")).toBe('Invalid comparator for attribute: NOT IN');
    expect(v("name IN ('a')")).toBe(
      "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
    );
    expect(v('name = 1')).toBe(
      "Only the '{'creation_timestamp', 'last_updated_timestamp', 'version_number'}' attributes support comparison with numeric values.",
    );
    expect(v('version_number LIKE 1')).toBe(
      'Invalid comparator for attribute version_number: LIKE',
    );
    expect(v("version_number = 'abc'")).toBe(
      "Expected a number for attribute version_number, got 'abc'",
    );
    expect(v("stage = 'x'")).toMatch(/^Invalid attribute key 'stage' specified/);
    expect(
      parseOrderBy('model-versions', ['version_number ASC', 'creation_timestamp DESC']),
    ).toEqual([
      { type: 'attribute', key: 'version_number', ascending: true },
      { type: 'attribute', key: 'creation_timestamp', ascending: false },
    ]);
    expect(refusal(() => parseOrderBy('model-versions', ['tags.x']))).toMatch(
      /^Invalid order by key 'x' specified\. Valid keys are \{/,
    );
  });
});

describe('page tokens, max_results and view types', () => {
  it("writes MLflow's token (base64 of Python's json.dumps) and reads it back", () => {
    // base64.b64encode(json.dumps({"offset": 1000}).encode()) in Python
    expect(encodePageToken(1000)).toBe('eyJvZmZzZXQiOiAxMDAwfQ==');
    expect(decodePageToken('eyJvZmZzZXQiOiAxMDAwfQ==')).toBe(1000);
    expect(decodePageToken(encodePageToken(7))).toBe(7);
    expect(decodePageToken(undefined)).toBe(0);
    expect(decodePageToken('')).toBe(0);
    // the offset as a string, as some clients echo it
    expect(decodePageToken(Buffer.from('{"offset": "40"}').toString('base64'))).toBe(40);
  });

  it("refuses a bad token with MLflow's messages", () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(refusal(() => decodePageToken('not base64!'))).toBe(
      'Invalid page token, could not base64-decode',
    );
    expect(refusal(() => decodePageToken(b64('hello')))).toBe(
      "Invalid page token, decoded value='hello'",
    );
    expect(refusal(() => decodePageToken(b64('{"offset": 0}')))).toBe(
      'Invalid page token, parsed value={"offset": 0}',
    );
    expect(refusal(() => decodePageToken(b64('{"page": 2}')))).toMatch(/^Invalid page token/);
    expect(refusal(() => decodePageToken(b64('{"offset": -5}')))).toBe(
      'Invalid page token, not stringable -5',
    );
    expect(refusal(() => decodePageToken(b64('{"offset": 1.5}')))).toMatch(/not stringable 1.5/);
  });

  it('checks max_results against each search limit', () => {
    expect(maxResults(undefined, SEARCH_LIMITS.runs)).toBe(1000);
    expect(maxResults('20', SEARCH_LIMITS.runs)).toBe(20);
    expect(maxResults(50000, SEARCH_LIMITS.runs)).toBe(50000);
    expect(refusal(() => maxResults(0, SEARCH_LIMITS.runs))).toBe(
      "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer",
    );
    expect(refusal(() => maxResults(50001, SEARCH_LIMITS.runs))).toBe(
      "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000",
    );
    expect(refusal(() => maxResults(1001, SEARCH_LIMITS.registeredModels))).toMatch(
      /must be at most 1000$/,
    );
    expect(maxResults(undefined, SEARCH_LIMITS.registeredModels)).toBe(100);
    expect(maxResults(undefined, SEARCH_LIMITS.modelVersions)).toBe(10000);
    expect(refusal(() => maxResults('ten', SEARCH_LIMITS.runs))).toMatch(/Invalid value ten/);
  });

  it('reads a view type by name or proto number', () => {
    expect(viewType(undefined)).toBe('ACTIVE_ONLY');
    expect(viewType('deleted_only')).toBe('DELETED_ONLY');
    expect(viewType(3)).toBe('ALL');
    expect(refusal(() => viewType('SOME'))).toMatch(/view_type/);
  });
});

// ---- property: print then parse gives the same clauses ----------------------------------------------

const SEED = 1515;

const key = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][\w.]{0,10}$/),
  fc.constantFrom(
    'my key',
    'a`b',
    'a"b',
    "it's",
    'and',
    'OR',
    '1e5',
    '.x',
    'x.',
    'précision',
    '損失',
  ),
  fc.string({ minLength: 1, maxLength: 10 }),
);
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("it's", '%a_', "''", '\\'));
const number = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 0.1, 5e-324, 1e21, -1.7976931348623157e308, Infinity, -Infinity),
);
const runId = fc.stringMatching(/^[a-f][0-9a-f]{0,31}$/);
const numericOp = fc.constantFrom<Comparator[]>('=', '!=', '<', '<=', '>', '>=');
const stringOp = fc.constantFrom<Comparator[]>('=', '!=', 'LIKE', 'ILIKE');
const list = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 1, maxLength: 4 });

const runClause: fc.Arbitrary<Clause> = fc.oneof(
  fc.record({ type: fc.constant('metric' as const), key, comparator: numericOp, value: number }),
  fc.record({
    type: fc.constantFrom('parameter' as const, 'tag' as const),
    key,
    comparator: stringOp,
    value: text,
  }),
  fc.record({
    type: fc.constant('attribute' as const),
    key: fc.constantFrom(
      'status',
      'run_name',
      'user_id',
      'artifact_uri',
      'run_id',
      'lifecycle_stage',
    ),
    comparator: stringOp,
    value: text,
  }),
  fc.record({
    type: fc.constant('attribute' as const),
    key: fc.constant('run_id'),
    comparator: fc.constantFrom('IN' as const, 'NOT IN' as const),
    value: list(runId),
  }),
  fc.record({
    type: fc.constant('attribute' as const),
    key: fc.constantFrom('start_time', 'end_time'),
    comparator: numericOp,
    value: number,
  }),
  fc.record({
    type: fc.constant('dataset' as const),
    key: fc.constantFrom('name', 'digest', 'context'),
    comparator: fc.constantFrom('IN' as const, 'NOT IN' as const),
    value: list(text),
  }),
  fc.record({
    type: fc.constant('dataset' as const),
    key: fc.constantFrom('name', 'digest', 'context'),
    comparator: stringOp,
    value: text,
  }),
);
const tagClause = fc.record({
  type: fc.constant('tag' as const),
  key,
  comparator: stringOp,
  value: text,
});
const experimentClause: fc.Arbitrary<Clause> = fc.oneof(
  tagClause,
  fc.record({
    type: fc.constant('attribute' as const),
    key: fc.constant('name'),
    comparator: stringOp,
    value: text,
  }),
  fc.record({
    type: fc.constant('attribute' as const),
    key: fc.constantFrom('creation_time', 'last_update_time'),
    comparator: numericOp,
    value: number,
  }),
);
const modelClause: fc.Arbitrary<Clause> = fc.oneof(
  tagClause,
  fc.record({
    type: fc.constant('attribute' as const),
    key: fc.constant('name'),
    comparator: stringOp,
    value: text,
  }),
);
const versionClause: fc.Arbitrary<Clause> = fc.oneof(
  tagClause,
  fc.record({
    type: fc.constant('attribute' as const),
    key: fc.constantFrom('name', 'run_id', 'source_path'),
    comparator: stringOp,
    value: text,
  }),
  fc.record({
    type: fc.constant('attribute' as const),
    key: fc.constant('run_id'),
    comparator: fc.constant('IN' as const),
    value: list(runId),
  }),
  fc.record({
    type: fc.constant('attribute' as const),
    key: fc.constant('version_number'),
    comparator: numericOp,
    value: number,
  }),
);

const CLAUSES: [Grammar, fc.Arbitrary<Clause>][] = [
  ['runs', runClause],
  ['experiments', experimentClause],
  ['registered-models', modelClause],
  ['model-versions', versionClause],
];

describe('printing', () => {
  for (const [grammar, clause] of CLAUSES)
    it(`${grammar}: a printed filter parses back to the same clauses`, () => {
      fc.assert(
        fc.property(fc.array(clause, { maxLength: 5 }), (clauses) => {
          const printed = printFilter(grammar, clauses);
          expect(parseFilter(grammar, printed), printed).toEqual(clauses);
        }),
        { seed: SEED, numRuns: 300 },
      );
    });

  it('runs: a printed order term parses back to the same term', () => {
    const term: fc.Arbitrary<OrderTerm> = fc.oneof(
      fc.record({
        type: fc.constantFrom('metric' as const, 'parameter' as const, 'tag' as const),
        key,
        ascending: fc.boolean(),
      }),
      fc.record({
        type: fc.constant('attribute' as const),
        key: fc.constantFrom('start_time', 'end_time', 'status', 'run_name', 'run_id', 'user_id'),
        ascending: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(term, (t) => {
        expect(parseOrderBy('runs', [printOrderTerm('runs', t)])).toEqual([t]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
