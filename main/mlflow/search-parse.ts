// The text side of MLflow's search grammars (mlflow/utils/search_utils.py): a filter is comparisons joined
// by AND (`metrics.rmse < 1 and params."model class" = 'lr' and attributes.run_id IN ('a', 'b')`), an
// order_by entry is one identifier with an optional ASC/DESC. MLflow tokenizes with sqlparse; this is a
// small hand-written tokenizer for the same language, so clauses come out as MLflow's parsed dicts
// ({type, key, comparator, value}) before each grammar (runs, experiments, registered models, model
// versions) checks them against its own keys and comparators in search-filter.ts. Page tokens are MLflow's:
// base64 of the JSON `{"offset": N}`.
import { LatheError } from '../../shared/contract';

/** A part of a dotted identifier: `metrics`, `"my key"`, `` `my key` ``. */
interface NamePart {
  text: string;
  quote: '"' | '`' | null;
}

type Token =
  | { type: 'name'; parts: NamePart[]; raw: string; pos: number }
  | { type: 'number'; value: number; raw: string; pos: number }
  | { type: 'string'; value: string; raw: string; pos: number }
  | { type: 'op'; raw: string; pos: number }
  | { type: 'punct'; raw: '(' | ')' | ','; pos: number }
  | { type: 'end'; raw: ''; pos: number };

/** A comparison's right side as written: a number, a quoted string, a bare word, or a list. */
export type RawValue =
  | { kind: 'number'; value: number; raw: string }
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'bare'; raw: string }
  | { kind: 'list'; values: RawValue[]; raw: string };

/** One comparison as written, before a grammar gives its identifier a meaning. */
export interface RawComparison {
  /** The identifier's parts split at dots outside quotes. */
  parts: NamePart[];
  identifier: string;
  /** Upper-cased: `=`, `!=`, `<`, `LIKE`, `ILIKE`, `IN`, `NOT IN`, … (also invalid ones like `<>`). */
  comparator: string;
  value: RawValue;
}

/** INVALID_INPUT (the MLflow face answers INVALID_PARAMETER_VALUE) with MLflow's wording where it has one. */
export function invalid(message: string): never {
  throw new LatheError('INVALID_INPUT', message);
}

/** A value as Python's repr writes it, for messages that quote MLflow's (`'a'`, `['a', 'b']`). */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') {
    const q = value.includes("'") && !value.includes('"') ? '"' : "'";
    return `${q}${value.replace(/\\/g, '\\\\').split(q).join(`\\${q}`)}${q}`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return String(value);
}

/** A set of names as Python prints one, sorted so the message is stable: `{'a', 'b'}`. */
export function pySet(values: Iterable<string>): string {
  return `{${[...values].sort().map(pyRepr).join(', ')}}`;
}

const WORD_START = /[\p{L}_]/u;
const WORD = /^[\p{L}\p{N}_$]+/u;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

/** The text quoted at input[start] (quote char doubled inside it); `end` is just past the closing quote. */
function quotedText(input: string, start: number, context: string): { value: string; end: number } {
  const q = input[start]!;
  let value = '';
  let j = start + 1;
  for (;;) {
    if (j >= input.length)
      invalid(
        `Invalid ${context} '${input}': unterminated quoted text at position ${start + 1} (a closing ${q} is missing)`,
      );
    if (input[j] === q) {
      if (input[j + 1] === q) {
        value += q;
        j += 2;
        continue;
      }
      return { value, end: j + 1 };
    }
    value += input[j];
    j++;
  }
}

function tokenize(input: string, context: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    const pos = i + 1;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: 'punct', raw: c, pos });
      i++;
      continue;
    }
    const op = /^(?:==|!=|<>|<=|>=|=|<|>)/.exec(input.slice(i));
    if (op) {
      tokens.push({ type: 'op', raw: op[0], pos });
      i += op[0].length;
      continue;
    }
    if (c === "'") {
      const { value, end } = quotedText(input, i, context);
      tokens.push({ type: 'string', value, raw: input.slice(i, end), pos });
      i = end;
      continue;
    }
    const num = NUMBER.exec(input.slice(i));
    if (num && !WORD_START.test(input[i + num[0].length] ?? '')) {
      tokens.push({ type: 'number', value: Number(num[0]), raw: num[0], pos });
      i += num[0].length;
      continue;
    }
    if (c === '"' || c === '`' || WORD_START.test(c)) {
      // A dotted name: parts are words or quoted texts, joined by dots with nothing between.
      const parts: NamePart[] = [];
      let j = i;
      for (;;) {
        const ch = input[j];
        if (ch === '"' || ch === '`') {
          const { value, end } = quotedText(input, j, context);
          parts.push({ text: value, quote: ch });
          j = end;
        } else {
          const word = WORD.exec(input.slice(j));
          if (!word) break;
          parts.push({ text: word[0], quote: null });
          j += word[0].length;
        }
        if (input[j] !== '.') break;
        const next = input[j + 1];
        if (next === undefined || !(next === '"' || next === '`' || WORD.test(next))) break;
        j++;
      }
      tokens.push({ type: 'name', parts, raw: input.slice(i, j), pos });
      i = j;
      continue;
    }
    // `metrics.val-loss`: a key with special characters must be quoted, as MLflow's docs say.
    const prev = tokens[tokens.length - 1];
    let hint = '';
    if (prev?.type === 'name' && prev.pos + prev.raw.length === pos) {
      const whole = prev.raw + input.slice(i).split(/[\s=!<>]/)[0]!;
      const dot = whole.indexOf('.');
      hint = `; quote a key with special characters, e.g. ${
        dot < 0 ? `\`${whole}\`` : `${whole.slice(0, dot)}.\`${whole.slice(dot + 1)}\``
      }`;
    }
    invalid(`Invalid ${context} '${input}': unexpected character '${c}' at position ${pos}${hint}`);
  }
  tokens.push({ type: 'end', raw: '', pos: input.length + 1 });
  return tokens;
}

const isWord = (t: Token, word: string): boolean =>
  t.type === 'name' &&
  t.parts.length === 1 &&
  t.parts[0]!.quote === null &&
  t.parts[0]!.text.toUpperCase() === word;

const shown = (t: Token): string => (t.type === 'end' ? 'the end' : `'${t.raw}'`);

export interface FilterParseOptions {
  /** MLflow's runs grammar quotes each invalid clause in its message; the others do not. */
  quoteInvalidClauses: boolean;
}

/**
 * Splits a filter into comparisons joined by AND (any case). OR, parentheses around clauses and other
 * SQL are refused the way MLflow refuses them: "Invalid clause(s) in filter string: 'OR'".
 */
export function parseComparisons(
  filter: string,
  options: FilterParseOptions = { quoteInvalidClauses: true },
): RawComparison[] {
  if (!filter.trim()) return [];
  const tokens = tokenize(filter, 'filter');
  let i = 0;
  const peek = () => tokens[i]!;
  const next = () => tokens[i++]!;
  const invalidClause = (t: Token): never => {
    const text = t.type === 'punct' && t.raw === '(' ? filter.slice(t.pos - 1) : t.raw;
    invalid(
      `Invalid clause(s) in filter string: ${options.quoteInvalidClauses ? `'${text}'` : text}`,
    );
  };
  const expectValue = (): RawValue => {
    const t = next();
    if (t.type === 'number') return { kind: 'number', value: t.value, raw: t.raw };
    if (t.type === 'string') return { kind: 'string', value: t.value, raw: t.raw };
    if (t.type === 'name') {
      // A double-quoted word is a string value (sqlparse reads it as an identifier MLflow unquotes).
      if (t.parts.length === 1 && t.parts[0]!.quote === '"')
        return { kind: 'string', value: t.parts[0]!.text, raw: t.raw };
      return { kind: 'bare', raw: t.raw };
    }
    return invalid(
      `Invalid comparison clause in filter '${filter}'. Expected value token found ${shown(t)}`,
    );
  };
  const expectList = (): RawValue => {
    const open = next();
    if (open.type !== 'punct' || open.raw !== '(')
      invalid(
        `Invalid comparison clause in filter '${filter}'. Expected a list like ('a', 'b') after IN, found ${shown(open)}`,
      );
    const values: RawValue[] = [];
    if (peek().type === 'punct' && peek().raw === ')') {
      next();
      return { kind: 'list', values, raw: filter.slice(open.pos - 1, peek().pos - 1).trim() };
    }
    for (;;) {
      values.push(expectValue());
      const t = next();
      if (t.type === 'punct' && t.raw === ',') continue;
      if (t.type === 'punct' && t.raw === ')') {
        return { kind: 'list', values, raw: filter.slice(open.pos - 1, t.pos) };
      }
      invalid(
        `While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list: found ${shown(t)}`,
      );
    }
  };
  const comparisons: RawComparison[] = [];
  for (;;) {
    const left = next();
    if (left.type !== 'name' || isWord(left, 'AND') || isWord(left, 'OR') || isWord(left, 'NOT'))
      invalidClause(left);
    const ident = left as Extract<Token, { type: 'name' }>;
    const t = peek();
    let comparator: string;
    let value: RawValue;
    if (t.type === 'op') {
      next();
      comparator = t.raw;
      value = expectValue();
    } else if (isWord(t, 'LIKE') || isWord(t, 'ILIKE')) {
      next();
      comparator = t.raw.toUpperCase();
      value = expectValue();
    } else if (isWord(t, 'IN')) {
      next();
      comparator = 'IN';
      value = expectList();
    } else if (isWord(t, 'NOT') && isWord(tokens[i + 1]!, 'IN')) {
      i += 2;
      comparator = 'NOT IN';
      value = expectList();
    } else {
      return invalid(
        `Invalid comparison clause in filter '${filter}'. Expected a comparison (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN) after '${ident.raw}', found ${shown(t)}`,
      );
    }
    comparisons.push({ parts: ident.parts, identifier: ident.raw, comparator, value });
    const after = next();
    if (after.type === 'end') return comparisons;
    if (!isWord(after, 'AND')) invalidClause(after);
    if (peek().type === 'end')
      invalid(`Invalid filter '${filter}': expected a comparison after the last 'AND'`);
  }
}

/** An order_by entry: its identifier's parts and the direction (ascending unless DESC). */
export interface RawOrderBy {
  parts: NamePart[];
  identifier: string;
  ascending: boolean;
}

/** Parses `IDENTIFIER [ASC|DESC]` as MLflow's _parse_order_by_string does. */
export function parseOrderByClause(orderBy: string): RawOrderBy {
  const cannot = (): never => invalid(`Invalid order_by clause '${orderBy}'. Could not be parsed.`);
  let tokens: Token[];
  try {
    tokens = tokenize(orderBy, 'order_by clause');
  } catch {
    return cannot();
  }
  const [ident, dir, end] = tokens;
  if (!ident || ident.type !== 'name') return cannot();
  if (dir!.type === 'end') return { parts: ident.parts, identifier: ident.raw, ascending: true };
  if (end!.type !== 'end') return cannot();
  if (isWord(dir!, 'ASC') || isWord(dir!, 'DESC'))
    return { parts: ident.parts, identifier: ident.raw, ascending: isWord(dir!, 'ASC') };
  return invalid(`Invalid ordering key in order_by clause '${orderBy}'.`);
}

/**
 * Splits an identifier as MLflow does (`identifier.split(".", 1)`): no dot means an attribute of the
 * searched thing; otherwise the entity before the first dot and the key after it (quotes removed).
 */
export function splitIdentifier(
  parts: NamePart[],
  identifier: string,
): { entity: string | null; key: string } {
  if (parts.length === 1) return { entity: null, key: parts[0]!.text };
  const rest = parts.slice(1);
  if (rest.length > 1 && rest.some((p) => p.quote !== null))
    invalid(
      `Invalid identifier '${identifier}'. Columns should be specified as 'attribute.<key>', 'metric.<key>', 'tag.<key>', 'dataset.<key>', or 'param.'.`,
    );
  return { entity: parts[0]!.text, key: rest.map((p) => p.text).join('.') };
}

// ---- page tokens --------------------------------------------------------------------------------------

/** MLflow's page token: base64 of `{"offset": N}` (json.dumps spacing), opaque to clients. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }).replace(':', ': '), 'utf8').toString('base64');
}

/**
 * The offset a page token names (0 without one). A token that is not base64 of a JSON object with a
 * positive integer offset is refused with MLflow's messages.
 */
export function decodePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  const compact = token.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1)
    invalid('Invalid page token, could not base64-decode');
  const decoded = Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString(
    'utf8',
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    return invalid(`Invalid page token, decoded value=${pyRepr(decoded)}`);
  }
  const offset =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>).offset
      : undefined;
  if (!offset) return invalid(`Invalid page token, parsed value=${decoded}`);
  const n = typeof offset === 'number' ? offset : typeof offset === 'string' ? Number(offset) : NaN;
  if (!Number.isSafeInteger(n) || n < 0)
    invalid(`Invalid page token, not stringable ${JSON.stringify(offset)}`);
  return n;
}

// ---- printing -----------------------------------------------------------------------------------------

const PLAIN_NAME = /^[\p{L}_][\p{L}\p{N}_$]*$/u;
const PLAIN_DOTTED = /^[\p{L}\p{N}_$]+(?:\.[\p{L}\p{N}_$]+)*$/u;

/** A key as filter text: bare when the tokenizer reads it back whole, else in backticks (doubled inside). */
export function printKey(key: string, position: 'after-dot' | 'alone'): string {
  const plain = position === 'alone' ? PLAIN_NAME : PLAIN_DOTTED;
  const bare =
    plain.test(key) && !['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE'].includes(key.toUpperCase());
  return bare ? key : `\`${key.split('`').join('``')}\``;
}

/** A string value as a single-quoted literal (quotes doubled inside). */
export const printString = (value: string): string => `'${value.split("'").join("''")}'`;

/** A number in shortest round-trip form that the tokenizer reads back as the same double. */
export function printNumber(value: number): string {
  if (Number.isNaN(value)) throw new RangeError('a search filter cannot hold NaN');
  if (value === Infinity) return '1e999';
  if (value === -Infinity) return '-1e999';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}
