// MLflow's four search grammars over the parsed text of search-parse.ts: which entities (metrics., params.,
// tags., attributes., datasets.), which attribute keys, which comparators and which value types each search
// accepts, with MLflow's error messages (mlflow/utils/search_utils.py: SearchUtils, SearchExperimentsUtils,
// SearchModelUtils, SearchModelVersionUtils, and the checks of the SQLAlchemy stores). The result is a list
// of typed clauses, joined by AND, and a list of order terms; printFilter/printOrderBy write them back as
// text that parses to the same clauses.
import {
  invalid,
  parseComparisons,
  parseOrderByClause,
  printKey,
  printNumber,
  printString,
  pyRepr,
  pySet,
  splitIdentifier,
  type RawComparison,
  type RawValue,
} from './search-parse';

export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** What a clause compares: MLflow's identifier types. */
export type ClauseType = 'metric' | 'parameter' | 'tag' | 'attribute' | 'dataset';

/**
 * One comparison, as MLflow's parser returns it ({type, key, comparator, value}), with aliases resolved
 * (`created` is `start_time`, `Run name` is `run_name`) and values typed: numbers for metrics and numeric
 * attributes, strings otherwise, a list of strings for IN / NOT IN.
 */
export interface Clause {
  type: ClauseType;
  key: string;
  comparator: Comparator;
  value: number | string | string[];
}

/** An order_by entry. */
export interface OrderTerm {
  type: ClauseType;
  key: string;
  ascending: boolean;
}

export type Grammar = 'runs' | 'experiments' | 'registered-models' | 'model-versions';

const NUMERIC_COMPARATORS: readonly Comparator[] = ['>', '>=', '!=', '=', '<', '<='];
const STRING_COMPARATORS: readonly Comparator[] = ['!=', '=', 'LIKE', 'ILIKE'];
const STRING_ATTRIBUTE_COMPARATORS: readonly Comparator[] = [...STRING_COMPARATORS, 'IN', 'NOT IN'];

// ---- runs -------------------------------------------------------------------------------------------

const RUN_IDENTIFIERS = ['metric', 'parameter', 'tag', 'attribute', 'dataset'] as const;
const RUN_IDENTIFIER_ALIASES: Record<string, ClauseType> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'parameter',
  parameters: 'parameter',
  param: 'parameter',
  params: 'parameter',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attr: 'attribute',
  attributes: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/**
 * The run attributes a filter may compare (RunInfo's searchable attributes plus MLflow's aliases).
 * `lifecycle_stage` ('active' | 'deleted') is Lathe's addition; MLflow selects it with run_view_type.
 */
export const RUN_STRING_ATTRIBUTES = [
  'artifact_uri',
  'lifecycle_stage',
  'run_id',
  'run_name',
  'status',
  'user_id',
] as const;
export const RUN_NUMERIC_ATTRIBUTES = ['end_time', 'start_time'] as const;
export type RunAttribute =
  (typeof RUN_STRING_ATTRIBUTES)[number] | (typeof RUN_NUMERIC_ATTRIBUTES)[number];
const RUN_ATTRIBUTE_ALIASES: Record<string, RunAttribute> = {
  created: 'start_time',
  Created: 'start_time',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
};
const RUN_SEARCH_KEYS = [
  ...RUN_STRING_ATTRIBUTES,
  ...RUN_NUMERIC_ATTRIBUTES,
  ...Object.keys(RUN_ATTRIBUTE_ALIASES),
];
const RUN_ORDER_KEYS = [...RUN_STRING_ATTRIBUTES, ...RUN_NUMERIC_ATTRIBUTES, 'created', 'Created'];
const DATASET_KEYS = ['name', 'digest', 'context'];

const isNumericRunAttribute = (key: string) =>
  (RUN_NUMERIC_ATTRIBUTES as readonly string[]).includes(key);

// ---- values -----------------------------------------------------------------------------------------

function notQuoted(raw: string): never {
  return invalid(
    `Parameter value is either not quoted or unidentified quote types used for string value ${raw}. Use either single or double quotes.`,
  );
}

/** The strings of an IN list (each quoted); MLflow drops run ids with upper-case letters. */
function listValues(value: Extract<RawValue, { kind: 'list' }>, runIds: boolean): string[] {
  if (value.values.length === 0)
    invalid(
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    );
  const strings = value.values.map((v) =>
    v.kind === 'string'
      ? v.value
      : invalid(
          `While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ${value.raw}`,
        ),
  );
  // Python's str.islower(): at least one cased character and none upper-case (MLflow's run_id IN).
  return runIds ? strings.filter((s) => s === s.toLowerCase() && s !== s.toUpperCase()) : strings;
}

function checkComparator(
  comparator: string,
  valid: readonly Comparator[],
  message: (c: string) => string,
): Comparator {
  if (!(valid as readonly string[]).includes(comparator)) invalid(message(comparator));
  return comparator as Comparator;
}

const notOneOf = (valid: readonly string[]) => (c: string) =>
  `Invalid comparator '${c}' not one of '${pySet(valid)}'`;

/** A string value (single- or double-quoted) or MLflow's error for a bare word / other token. */
function stringValue(value: RawValue, otherwise: () => never): string {
  if (value.kind === 'string') return value.value;
  if (value.kind === 'bare') return notQuoted(value.raw);
  return otherwise();
}

// ---- runs filter ------------------------------------------------------------------------------------

function runClause(c: RawComparison): Clause {
  const { entity, key: rawKey } = splitIdentifier(c.parts, c.identifier);
  let type: ClauseType = 'attribute';
  if (entity !== null) {
    const t = RUN_IDENTIFIER_ALIASES[entity];
    if (!t)
      invalid(`Invalid entity type '${entity}'. Valid values are ${pyRepr([...RUN_IDENTIFIERS])}`);
    type = t;
  }
  let key = rawKey;
  if (type === 'attribute') {
    if (!RUN_SEARCH_KEYS.includes(key))
      invalid(
        `Invalid attribute key '${key}' specified. Valid keys are '${pySet(RUN_SEARCH_KEYS)}'`,
      );
    key = RUN_ATTRIBUTE_ALIASES[key] ?? key;
  }
  if (type === 'dataset' && !DATASET_KEYS.includes(key))
    invalid(`Invalid dataset key '${key}' specified. Valid keys are '${pySet(DATASET_KEYS)}'`);
  const v = c.value;
  switch (type) {
    case 'metric': {
      if (v.kind !== 'number') invalid(`Expected numeric value type for metric. Found ${v.raw}`);
      const comparator = checkComparator(
        c.comparator,
        NUMERIC_COMPARATORS,
        notOneOf(NUMERIC_COMPARATORS),
      );
      return { type, key, comparator, value: v.value };
    }
    case 'parameter':
    case 'tag': {
      const value = stringValue(v, () =>
        invalid(`Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${v.raw}`),
      );
      const comparator = checkComparator(
        c.comparator,
        STRING_COMPARATORS,
        notOneOf(STRING_COMPARATORS),
      );
      return { type, key, comparator, value };
    }
    case 'attribute': {
      if (isNumericRunAttribute(key)) {
        if (v.kind !== 'number')
          invalid(`Expected numeric value type for numeric attribute: ${key}. Found ${v.raw}`);
        const comparator = checkComparator(
          c.comparator,
          NUMERIC_COMPARATORS,
          notOneOf(NUMERIC_COMPARATORS),
        );
        return { type, key, comparator, value: v.value };
      }
      let value: string | string[];
      if (v.kind === 'list') {
        if (key !== 'run_id')
          invalid(
            "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
          );
        value = listValues(v, true);
      } else {
        value = stringValue(v, () =>
          invalid(`Expected a quoted string value for attributes. Got value ${v.raw}`),
        );
      }
      const comparator = checkComparator(
        c.comparator,
        STRING_ATTRIBUTE_COMPARATORS,
        notOneOf(STRING_ATTRIBUTE_COMPARATORS),
      );
      listMatchesComparator(comparator, value, c);
      return { type, key, comparator, value };
    }
    case 'dataset': {
      const value =
        v.kind === 'list'
          ? listValues(v, false)
          : stringValue(v, () =>
              invalid(`Expected a quoted string value for dataset attributes. Got value ${v.raw}`),
            );
      const comparator = checkComparator(
        c.comparator,
        STRING_ATTRIBUTE_COMPARATORS,
        notOneOf(STRING_ATTRIBUTE_COMPARATORS),
      );
      listMatchesComparator(comparator, value, c);
      return { type, key, comparator, value };
    }
  }
}

/** IN / NOT IN take a list and the other comparators a single value. */
function listMatchesComparator(
  comparator: Comparator,
  value: string | string[],
  c: RawComparison,
): void {
  const isList = Array.isArray(value);
  const wantsList = comparator === 'IN' || comparator === 'NOT IN';
  if (isList !== wantsList)
    invalid(
      wantsList
        ? `Invalid comparison clause: ${comparator} needs a list of quoted strings, e.g. ${c.identifier} ${comparator} ('a', 'b')`
        : `Invalid comparison clause: '${c.comparator}' compares ${c.identifier} with one quoted string, not a list`,
    );
}

// ---- experiments, registered models, model versions -------------------------------------------------

/** The entity of an experiment/registry identifier: attribute (no prefix or `attribute.`) or tag. */
function simpleEntity(entity: string | null): 'attribute' | 'tag' {
  if (entity === null || entity === 'attribute') return 'attribute';
  if (entity === 'tag' || entity === 'tags') return 'tag';
  return invalid(
    `Invalid entity type '${entity}'. Valid entity types are ('attribute', 'tag', 'tags')`,
  );
}

const EXPERIMENT_SEARCH_KEYS = ['name', 'creation_time', 'last_update_time'];
const EXPERIMENT_ORDER_KEYS = ['name', 'experiment_id', 'creation_time', 'last_update_time'];
const EXPERIMENT_NUMERIC = ['creation_time', 'last_update_time'];

function experimentClause(c: RawComparison): Clause {
  const { entity, key } = splitIdentifier(c.parts, c.identifier);
  const type = simpleEntity(entity);
  const v = c.value;
  if (type === 'tag') {
    const value = stringValue(v, () =>
      invalid(`Expected a quoted string value for tag (e.g. 'my-value'). Got value ${v.raw}`),
    );
    const comparator = checkComparator(
      c.comparator,
      STRING_COMPARATORS,
      (x) => `Invalid comparator for tag: ${x}`,
    );
    return { type, key, comparator, value };
  }
  if (!EXPERIMENT_SEARCH_KEYS.includes(key))
    invalid(
      `Invalid attribute key '${key}' specified. Valid keys are '${pySet(EXPERIMENT_SEARCH_KEYS)}'`,
    );
  if (EXPERIMENT_NUMERIC.includes(key)) {
    if (v.kind !== 'number')
      invalid(`Expected numeric value type for numeric attribute: ${key}. Found ${v.raw}`);
    const comparator = checkComparator(
      c.comparator,
      NUMERIC_COMPARATORS,
      (x) => `Invalid comparator for numeric attribute: ${x}`,
    );
    return { type, key, comparator, value: v.value };
  }
  if (v.kind === 'list')
    invalid("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
  const value = stringValue(v, () =>
    invalid(`Expected a quoted string value for attributes. Got value ${v.raw}`),
  );
  const comparator = checkComparator(
    c.comparator,
    STRING_COMPARATORS,
    (x) => `Invalid comparator for string attribute: ${x}`,
  );
  return { type, key, comparator, value };
}

function registryTagClause(c: RawComparison, key: string): Clause {
  const v = c.value;
  const value = stringValue(v, () =>
    invalid(`Expected a quoted string value for tag (e.g. 'my-value'). Got value ${v.raw}`),
  );
  const comparator = checkComparator(
    c.comparator,
    STRING_COMPARATORS,
    (x) => `Invalid comparator for tag: ${x}`,
  );
  return { type: 'tag', key, comparator, value };
}

const listOrString = (v: RawValue, key: string): string | string[] => {
  if (v.kind === 'list') {
    if (key !== 'run_id')
      invalid(
        "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
      );
    return listValues(v, true);
  }
  return stringValue(v, () =>
    invalid(
      `Expected a quoted string value or a list of quoted string values for attributes. Got value ${v.raw}`,
    ),
  );
};

function registeredModelClause(c: RawComparison): Clause {
  const { entity, key } = splitIdentifier(c.parts, c.identifier);
  if (simpleEntity(entity) === 'tag') return registryTagClause(c, key);
  if (key !== 'name')
    invalid(`Invalid attribute key '${key}' specified. Valid keys are '${pySet(['name'])}'`);
  const value = listOrString(c.value, key);
  const comparator = checkComparator(
    c.comparator,
    STRING_COMPARATORS,
    (x) => `Invalid comparator for attribute: ${x}`,
  );
  return { type: 'attribute', key, comparator, value };
}

const VERSION_SEARCH_KEYS = ['name', 'version_number', 'run_id', 'source_path'];
const VERSION_NUMERIC = ['version_number', 'creation_timestamp', 'last_updated_timestamp'];
const VERSION_ORDER_KEYS = [
  'name',
  'version_number',
  'creation_timestamp',
  'last_updated_timestamp',
];

function modelVersionClause(c: RawComparison): Clause {
  const { entity, key } = splitIdentifier(c.parts, c.identifier);
  if (simpleEntity(entity) === 'tag') return registryTagClause(c, key);
  if (!VERSION_SEARCH_KEYS.includes(key))
    invalid(
      `Invalid attribute key '${key}' specified. Valid keys are '${pySet(VERSION_SEARCH_KEYS)}'`,
    );
  const v = c.value;
  if (VERSION_NUMERIC.includes(key)) {
    let value: number;
    if (v.kind === 'number') value = v.value;
    else {
      // MLflow compares the integer column with a quoted number too ('3'); anything else matches nothing
      // there, and is refused here.
      const text = listOrString(v, key) as string;
      value = /^\s*-?\d+(\.\d+)?\s*$/.test(text)
        ? Number(text)
        : invalid(`Expected a number for attribute ${key}, got ${pyRepr(text)}`);
    }
    const comparator = checkComparator(
      c.comparator,
      NUMERIC_COMPARATORS,
      (x) => `Invalid comparator for attribute ${key}: ${x}`,
    );
    return { type: 'attribute', key, comparator, value };
  }
  if (v.kind === 'number')
    invalid(
      `Only the '${pySet(VERSION_NUMERIC)}' attributes support comparison with numeric values.`,
    );
  const value = listOrString(v, key);
  const comparator = checkComparator(
    c.comparator,
    [...STRING_COMPARATORS, 'IN'],
    (x) => `Invalid comparator for attribute: ${x}`,
  );
  if (comparator === 'IN' && key !== 'run_id')
    invalid(`Invalid comparator for attribute: ${comparator}`);
  listMatchesComparator(comparator, value, c);
  return { type: 'attribute', key, comparator, value };
}

const CLAUSE: Record<Grammar, (c: RawComparison) => Clause> = {
  runs: runClause,
  experiments: experimentClause,
  'registered-models': registeredModelClause,
  'model-versions': modelVersionClause,
};

/** Parses a filter of one of MLflow's searches; throws INVALID_INPUT with MLflow's message. */
export function parseFilter(grammar: Grammar, filter: string | undefined | null): Clause[] {
  if (!filter) return [];
  return parseComparisons(filter, { quoteInvalidClauses: grammar === 'runs' }).map(CLAUSE[grammar]);
}

// ---- order_by ---------------------------------------------------------------------------------------

const duplicate = (orderBy: readonly string[]): never =>
  invalid(`\`order_by\` contains duplicate fields: ${pyRepr([...orderBy])}`);

function runOrderTerm(text: string): OrderTerm {
  const { parts, identifier, ascending } = parseOrderByClause(text);
  const { entity, key: rawKey } = splitIdentifier(parts, identifier);
  let type: ClauseType = 'attribute';
  if (entity !== null) {
    const t = RUN_IDENTIFIER_ALIASES[entity];
    if (!t)
      invalid(`Invalid entity type '${entity}'. Valid values are ${pyRepr([...RUN_IDENTIFIERS])}`);
    type = t;
  }
  let key = rawKey;
  if (type === 'attribute') {
    if (!RUN_ORDER_KEYS.includes(key))
      invalid(
        `Invalid attribute key '${key}' specified. Valid keys are '${pySet(RUN_ORDER_KEYS)}'`,
      );
    key = RUN_ATTRIBUTE_ALIASES[key] ?? key;
  }
  if (type === 'dataset') invalid(`Invalid identifier type '${type}'`);
  return { type, key, ascending };
}

function experimentOrderTerm(text: string): OrderTerm {
  const { parts, identifier, ascending } = parseOrderByClause(text);
  const { entity, key } = splitIdentifier(parts, identifier);
  const type = simpleEntity(entity);
  if (type === 'attribute' && !EXPERIMENT_ORDER_KEYS.includes(key))
    invalid(
      `Invalid attribute key '${key}' specified. Valid keys are '${pySet(EXPERIMENT_ORDER_KEYS)}'`,
    );
  if (type !== 'attribute') invalid(`Invalid order_by entity: ${type}`);
  return { type, key, ascending };
}

const MODEL_ORDER_KEYS: Record<string, string> = {
  name: 'name',
  timestamp: 'last_updated_timestamp',
  last_updated_timestamp: 'last_updated_timestamp',
  // Accepted by MLflow's file store (SearchModelUtils), not its SQL store; harmless to accept.
  creation_timestamp: 'creation_timestamp',
};

function registeredModelOrderTerm(text: string): OrderTerm {
  const { parts, ascending } = parseOrderByClause(text);
  const token = parts.length === 1 ? parts[0]!.text : null;
  const key = token === null ? undefined : MODEL_ORDER_KEYS[token];
  if (!key)
    invalid(
      `Invalid order by key '${parts.map((p) => p.text).join('.')}' specified. Valid keys are '${pySet(['name', 'timestamp'])}'`,
    );
  return { type: 'attribute', key, ascending };
}

function modelVersionOrderTerm(text: string): OrderTerm {
  const { parts, identifier, ascending } = parseOrderByClause(text);
  const { entity, key } = splitIdentifier(parts, identifier);
  const type = simpleEntity(entity);
  if (type === 'attribute' && !VERSION_ORDER_KEYS.includes(key))
    invalid(
      `Invalid attribute key '${key}' specified. Valid keys are '${pySet(VERSION_ORDER_KEYS)}'`,
    );
  if (type !== 'attribute')
    invalid(`Invalid order by key '${key}' specified. Valid keys are ${pySet(VERSION_ORDER_KEYS)}`);
  return { type, key, ascending };
}

const ORDER_TERM: Record<Grammar, (text: string) => OrderTerm> = {
  runs: runOrderTerm,
  experiments: experimentOrderTerm,
  'registered-models': registeredModelOrderTerm,
  'model-versions': modelVersionOrderTerm,
};

/**
 * Parses an order_by list. A field named twice is refused (MLflow's runs and registry searches do;
 * its experiment search lets the first win, and so does this).
 */
export function parseOrderBy(
  grammar: Grammar,
  orderBy: readonly string[] | undefined,
): OrderTerm[] {
  const terms: OrderTerm[] = [];
  for (const text of orderBy ?? []) {
    const term = ORDER_TERM[grammar](text);
    if (terms.some((t) => t.type === term.type && t.key === term.key)) {
      if (grammar === 'experiments') continue;
      duplicate(orderBy!);
    }
    terms.push(term);
  }
  return terms;
}

// ---- printing ---------------------------------------------------------------------------------------

const PREFIX: Record<ClauseType, string> = {
  metric: 'metrics',
  parameter: 'params',
  tag: 'tags',
  attribute: 'attributes',
  dataset: 'datasets',
};

/** An identifier as text for `grammar`: `metrics.rmse`, `` tags.`a b` ``, `name`. */
export function printIdentifier(grammar: Grammar, type: ClauseType, key: string): string {
  if (type === 'attribute' && grammar !== 'runs') return printKey(key, 'alone');
  if (type === 'tag' && grammar !== 'runs') return `tags.${printKey(key, 'after-dot')}`;
  return `${PREFIX[type]}.${printKey(key, 'after-dot')}`;
}

function printValue(value: Clause['value']): string {
  if (typeof value === 'number') return printNumber(value);
  if (typeof value === 'string') return printString(value);
  return `(${value.map(printString).join(', ')})`;
}

/** Clauses as filter text that parses back to the same clauses. */
export function printFilter(grammar: Grammar, clauses: readonly Clause[]): string {
  return clauses
    .map((c) => `${printIdentifier(grammar, c.type, c.key)} ${c.comparator} ${printValue(c.value)}`)
    .join(' AND ');
}

/** An order term as an order_by entry. */
export function printOrderTerm(grammar: Grammar, term: OrderTerm): string {
  const key =
    grammar === 'registered-models' ? term.key : printIdentifier(grammar, term.type, term.key);
  return `${key} ${term.ascending ? 'ASC' : 'DESC'}`;
}
