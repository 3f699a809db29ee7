// The run query language: `metrics.val_auc > 0.8 and params.model.type = 'mlp'`, parsed into a tree and
// compiled to a parameterized DuckDB WHERE clause over the runs tables. User strings, and the keys of
// metrics, params and tags, only ever travel as `?` parameters; numbers are written with sqlNumber (a
// bound JS number is typed INTEGER/BIGINT when whole, which overflows past 2^63, and a bare literal is
// read as DECIMAL). A key that is not a plain name is double-quoted: metrics."val auc", params."a""b".
// printFilter/printOrderBy write a tree back as text that parses to the same tree.
import { LatheError } from '../../shared/contract';
import { sqlNumber, type SqlParam } from '../workspace/db';

export type Value = string | number;
export type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export const ATTRIBUTES = [
  'name',
  'status',
  'experiment',
  'dataset',
  'task',
  'model',
  'backend',
  'started',
  'duration',
] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

export type Field =
  { kind: 'metrics' | 'params' | 'tags'; key: string } | { kind: 'attribute'; name: Attribute };

export type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'compare'; field: Field; op: CmpOp; value: Value }
  | { kind: 'like'; field: Field; pattern: string; negated: boolean }
  | { kind: 'in'; field: Field; values: Value[]; negated: boolean };

export interface OrderBy {
  field: Field;
  direction: 'asc' | 'desc';
}

/** A compiled fragment: SQL with `?` placeholders and their values, in order. */
export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

type Token =
  | { type: 'ident'; text: string; pos: number; quotedKey?: string }
  | { type: 'number'; value: number; text: string; pos: number }
  | { type: 'string'; value: string; text: string; pos: number }
  | { type: 'op'; text: CmpOp; pos: number }
  | { type: 'punct'; text: '(' | ')' | ','; pos: number }
  | { type: 'end'; text: ''; pos: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'like', 'in', 'asc', 'desc']);

function fail(what: string, pos: number, message: string): never {
  throw new LatheError('INVALID_INPUT', `${what}: position ${pos}: ${message}`, {
    position: pos,
  });
}

function describe(t: Token): string {
  if (t.type === 'end') return 'the end';
  return `'${t.text}'`;
}

/** The text quoted at input[start] (' or "), the quote doubled inside it; `end` is just past it. */
function quoted(input: string, start: number, what: string): { value: string; end: number } {
  const q = input[start]!;
  let value = '';
  let j = start + 1;
  for (;;) {
    if (j >= input.length)
      fail(
        what,
        start + 1,
        `unterminated ${q === "'" ? 'string' : 'name'} (a closing ${q} is missing)`,
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

/** Splits a query into tokens; positions are 1-based character columns. */
function tokenize(input: string, what: string): Token[] {
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
      tokens.push({ type: 'punct', text: c, pos });
      i++;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '<>') {
      tokens.push({ type: 'op', text: two === '<>' ? '!=' : two, pos });
      i += 2;
      continue;
    }
    if (c === '<' || c === '>' || c === '=') {
      tokens.push({ type: 'op', text: c, pos });
      i++;
      continue;
    }
    if (c === "'") {
      const { value, end } = quoted(input, i, what);
      tokens.push({ type: 'string', value, text: input.slice(i, end), pos });
      i = end;
      continue;
    }
    const num = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(input.slice(i));
    if (num) {
      tokens.push({ type: 'number', value: Number(num[0]), text: num[0], pos });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][\w.\-/:]*/.exec(input.slice(i));
    if (ident) {
      const after = i + ident[0].length;
      if (ident[0].endsWith('.') && input[after] === '"') {
        // metrics."any key": the key is the quoted text
        const { value, end } = quoted(input, after, what);
        tokens.push({ type: 'ident', text: input.slice(i, end), pos, quotedKey: value });
        i = end;
        continue;
      }
      tokens.push({ type: 'ident', text: ident[0], pos });
      i = after;
      continue;
    }
    fail(what, pos, `unexpected character '${c}'`);
  }
  tokens.push({ type: 'end', text: '', pos: input.length + 1 });
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly what: string,
  ) {}

  peek(): Token {
    return this.tokens[this.i]!;
  }
  next(): Token {
    return this.tokens[this.i++]!;
  }
  previous(): Token | undefined {
    return this.tokens[this.i - 1];
  }
  isKeyword(word: string): boolean {
    const t = this.peek();
    return t.type === 'ident' && t.text.toLowerCase() === word;
  }
  fail(message: string, at: Token = this.peek()): never {
    fail(this.what, at.pos, message);
  }
  after(): string {
    const p = this.previous();
    return p ? ` after '${p.text}'` : '';
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.type !== 'end') this.fail(`expected 'and', 'or' or the end, found ${describe(t)}`);
  }

  or(): Expr {
    let left = this.and();
    while (this.isKeyword('or')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  and(): Expr {
    let left = this.unary();
    while (this.isKeyword('and')) {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  unary(): Expr {
    if (this.isKeyword('not')) {
      this.next();
      return { kind: 'not', expr: this.unary() };
    }
    const t = this.peek();
    if (t.type === 'punct' && t.text === '(') {
      this.next();
      const expr = this.or();
      const close = this.peek();
      if (close.type !== 'punct' || close.text !== ')')
        this.fail(`expected ')' to close the '(' at position ${t.pos}, found ${describe(close)}`);
      this.next();
      return expr;
    }
    return this.predicate();
  }

  field(): Field {
    const t = this.peek();
    if (t.type !== 'ident' || KEYWORDS.has(t.text.toLowerCase()))
      this.fail(
        `expected a field (metrics.<key>, params.<key>, tags.<key> or one of ${ATTRIBUTES.join(', ')})${this.after()}, found ${describe(t)}`,
      );
    this.next();
    const dot = t.text.indexOf('.');
    const head = (dot < 0 ? t.text : t.text.slice(0, dot)).toLowerCase();
    if (t.quotedKey !== undefined) {
      if (
        (head !== 'metrics' && head !== 'params' && head !== 'tags') ||
        dot !== t.text.indexOf('."')
      )
        this.fail(
          `a quoted key follows metrics., params. or tags. directly, e.g. metrics."val auc"`,
          t,
        );
      if (!t.quotedKey) this.fail(`expected a key inside the quotes after '${head}.'`, t);
      return { kind: head, key: t.quotedKey };
    }
    if (head === 'metrics' || head === 'params' || head === 'tags') {
      const key = dot < 0 ? '' : t.text.slice(dot + 1);
      if (!key) this.fail(`expected a key after '${head}.', e.g. ${head}.val_auc`, t);
      return { kind: head, key };
    }
    if (dot < 0 && (ATTRIBUTES as readonly string[]).includes(head))
      return { kind: 'attribute', name: head as Attribute };
    return this.fail(
      `unknown field '${t.text}'; expected metrics.<key>, params.<key>, tags.<key> or one of ${ATTRIBUTES.join(', ')}`,
      t,
    );
  }

  value(): Value {
    const t = this.peek();
    if (t.type === 'number' || t.type === 'string') {
      this.next();
      return t.value;
    }
    return this.fail(
      `expected a value${this.after()} (a number or a 'quoted string'), found ${describe(t)}`,
    );
  }

  predicate(): Expr {
    const field = this.field();
    let negated = false;
    if (this.isKeyword('not')) {
      this.next();
      negated = true;
      if (!this.isKeyword('like') && !this.isKeyword('in'))
        this.fail(`expected 'like' or 'in' after 'not', found ${describe(this.peek())}`);
    }
    if (this.isKeyword('like')) {
      this.next();
      const t = this.peek();
      if (t.type !== 'string')
        this.fail(`expected a 'quoted pattern' after 'like', found ${describe(t)}`);
      this.next();
      return { kind: 'like', field, pattern: t.value, negated };
    }
    if (this.isKeyword('in')) {
      this.next();
      const open = this.peek();
      if (open.type !== 'punct' || open.text !== '(')
        this.fail(`expected '(' after 'in', found ${describe(open)}`);
      this.next();
      const values = [this.value()];
      for (;;) {
        const t = this.peek();
        if (t.type === 'punct' && t.text === ',') {
          this.next();
          values.push(this.value());
          continue;
        }
        if (t.type === 'punct' && t.text === ')') {
          this.next();
          break;
        }
        this.fail(`expected ',' or ')' in the 'in' list, found ${describe(t)}`);
      }
      return { kind: 'in', field, values, negated };
    }
    const op = this.peek();
    if (op.type !== 'op')
      this.fail(
        `expected an operator (= != < <= > >= like in)${this.after()}, found ${describe(op)}`,
      );
    this.next();
    return { kind: 'compare', field, op: op.text, value: this.value() };
  }

  orderBy(): OrderBy {
    const field = this.field();
    let direction: 'asc' | 'desc' = 'asc';
    if (this.isKeyword('asc') || this.isKeyword('desc'))
      direction = this.next().text.toLowerCase() as 'asc' | 'desc';
    const t = this.peek();
    if (t.type !== 'end') this.fail(`expected 'asc', 'desc' or the end, found ${describe(t)}`);
    return { field, direction };
  }
}

/** Parses a filter; throws INVALID_INPUT naming the position and what was expected. */
export function parseFilter(input: string): Expr {
  const parser = new Parser(tokenize(input, 'filter'), 'filter');
  if (parser.peek().type === 'end') parser.fail('expected a condition, e.g. metrics.val_auc > 0.8');
  const expr = parser.or();
  parser.expectEnd();
  return expr;
}

/** Parses `FIELD [asc|desc]` (ascending by default). */
export function parseOrderBy(input: string): OrderBy {
  return new Parser(tokenize(input, 'order by'), 'order by').orderBy();
}

type FieldType = 'number' | 'string' | 'time';

const ATTRIBUTE_SQL: Record<Attribute, { sql: string; type: FieldType }> = {
  name: { sql: 'r.name', type: 'string' },
  status: { sql: 'r.status', type: 'string' },
  experiment: { sql: 'e.name', type: 'string' },
  dataset: { sql: 'd.name', type: 'string' },
  task: { sql: 'r.task', type: 'string' },
  model: { sql: 'r.model_type', type: 'string' },
  backend: { sql: 'r.backend', type: 'string' },
  started: { sql: 'r.started_at', type: 'time' },
  duration: { sql: "date_diff('millisecond', r.started_at, r.ended_at)", type: 'number' },
};

/** SQL of a field over `runs r`, `experiments e`, `dataset_versions v`, `datasets d`. */
function fieldSql(field: Field): SqlFragment & { type: FieldType | 'text' } {
  switch (field.kind) {
    case 'metrics':
      // The latest value of the key, as the run summary reports it.
      return {
        sql: '(SELECT value FROM latest_metrics WHERE run_id = r.id AND key = ?)',
        params: [field.key],
        type: 'number',
      };
    case 'params':
    case 'tags':
      // Stored as text: compared as numbers against numbers, as text against strings.
      return {
        sql: `(SELECT value FROM ${field.kind} WHERE run_id = r.id AND key = ?)`,
        params: [field.key],
        type: 'text',
      };
    default:
      return { ...ATTRIBUTE_SQL[field.name], params: [] };
  }
}

export function fieldName(field: Field): string {
  return field.kind === 'attribute' ? field.name : `${field.kind}.${field.key}`;
}

/** The SQL of a field and a value, made comparable: `[left, right]`. */
function operands(field: Field, value: Value): [SqlFragment, SqlFragment] {
  const f = fieldSql(field);
  const left = { sql: f.sql, params: f.params };
  if (f.type === 'text') {
    return typeof value === 'number'
      ? [{ sql: `TRY_CAST(${f.sql} AS DOUBLE)`, params: f.params }, numberSql(value)]
      : [left, { sql: '?', params: [value] }];
  }
  if (f.type === 'number' && typeof value !== 'number')
    throw new LatheError(
      'INVALID_INPUT',
      `filter: ${fieldName(field)} is a number; compare it with a number, not '${value}'`,
    );
  if (f.type === 'string' && typeof value !== 'string')
    throw new LatheError(
      'INVALID_INPUT',
      `filter: ${fieldName(field)} is text; quote the value: '${value}'`,
    );
  if (f.type === 'time') {
    if (typeof value !== 'string')
      throw new LatheError(
        'INVALID_INPUT',
        `filter: ${fieldName(field)} is a time; give it as a quoted ISO date, e.g. '2026-01-31'`,
      );
    if (Number.isNaN(Date.parse(value)))
      throw new LatheError('INVALID_INPUT', `filter: '${value}' is not a date or time`);
    return [left, { sql: 'CAST(? AS TIMESTAMP)', params: [new Date(value).toISOString()] }];
  }
  return [left, typeof value === 'number' ? numberSql(value) : { sql: '?', params: [value] }];
}

/** A number as exact DOUBLE SQL text. */
const numberSql = (value: number): SqlFragment => ({ sql: sqlNumber(value), params: [] });

const join = (parts: SqlFragment[], sep: string): SqlFragment => ({
  sql: parts.map((p) => p.sql).join(sep),
  params: parts.flatMap((p) => p.params),
});

/**
 * Compiles a parsed filter to a boolean SQL expression. A missing metric, param or tag makes a condition
 * false (never NULL), so `not` selects the runs without it.
 */
export function compileFilter(expr: Expr): SqlFragment {
  switch (expr.kind) {
    case 'and':
    case 'or': {
      const inner = join(
        [compileFilter(expr.left), compileFilter(expr.right)],
        ` ${expr.kind.toUpperCase()} `,
      );
      return { sql: `(${inner.sql})`, params: inner.params };
    }
    case 'not': {
      const inner = compileFilter(expr.expr);
      return { sql: `(NOT ${inner.sql})`, params: inner.params };
    }
    case 'compare': {
      const [l, r] = operands(expr.field, expr.value);
      const op = expr.op === '!=' ? '<>' : expr.op;
      return {
        sql: `coalesce(${l.sql} ${op} ${r.sql}, false)`,
        params: [...l.params, ...r.params],
      };
    }
    case 'like': {
      const f = fieldSql(expr.field);
      if (f.type === 'number' || f.type === 'time')
        throw new LatheError(
          'INVALID_INPUT',
          `filter: 'like' needs text; ${fieldName(expr.field)} is a ${f.type}`,
        );
      return {
        sql: `coalesce(${f.sql} ${expr.negated ? 'NOT ' : ''}LIKE ?, false)`,
        params: [...f.params, expr.pattern],
      };
    }
    case 'in': {
      const parts = expr.values.map((v) => {
        const [l, r] = operands(expr.field, v);
        return { sql: `${l.sql} = ${r.sql}`, params: [...l.params, ...r.params] };
      });
      const any = join(parts, ' OR ');
      return {
        sql: `${expr.negated ? 'NOT ' : ''}coalesce(${any.sql}, false)`,
        params: any.params,
      };
    }
  }
}

/** Parses and compiles a filter in one step. */
export function filterToSql(input: string): SqlFragment {
  return compileFilter(parseFilter(input));
}

/** ORDER BY terms (without the keyword): missing values sort last; params sort numerically when they are numbers. */
export function orderByToSql(input: string): SqlFragment {
  const { field, direction } = parseOrderBy(input);
  const f = fieldSql(field);
  const dir = direction.toUpperCase();
  if (f.type === 'text')
    return {
      sql: `TRY_CAST(${f.sql} AS DOUBLE) ${dir} NULLS LAST, ${f.sql} ${dir} NULLS LAST`,
      params: [...f.params, ...f.params],
    };
  return { sql: `${f.sql} ${dir} NULLS LAST`, params: f.params };
}

// ---- printing --------------------------------------------------------------------------------------

/** A key the tokenizer reads unquoted after `metrics.` (the ident pattern, minus its first letter). */
const PLAIN_KEY = /^[\w.\-/:]+$/;

const quote = (text: string, q: "'" | '"') => `${q}${text.split(q).join(q + q)}${q}`;

/** A field as query text: `metrics.val_auc`, `params."learning rate"`, `started`. */
export function printField(field: Field): string {
  if (field.kind === 'attribute') return field.name;
  return PLAIN_KEY.test(field.key)
    ? `${field.kind}.${field.key}`
    : `${field.kind}.${quote(field.key, '"')}`;
}

/**
 * A value as query text: strings quoted, numbers in shortest round-trip form (so a 17-digit double keeps
 * its exact value), -0 as `-0`, and ±Infinity (what `1e999` parses to) as `±1e999`.
 */
export function printValue(value: Value): string {
  if (typeof value === 'string') return quote(value, "'");
  if (Number.isNaN(value)) throw new RangeError('a run query cannot hold NaN');
  if (value === Infinity) return '1e999';
  if (value === -Infinity) return '-1e999';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

const PRECEDENCE = { or: 1, and: 2 } as const;

/**
 * A filter as query text that parses back to the same tree: parentheses only where precedence (not over
 * and over or) and left-to-right grouping need them.
 */
export function printFilter(expr: Expr, context = 0): string {
  switch (expr.kind) {
    case 'and':
    case 'or': {
      const p = PRECEDENCE[expr.kind];
      const text = `${printFilter(expr.left, p)} ${expr.kind} ${printFilter(expr.right, p + 1)}`;
      return context > p ? `(${text})` : text;
    }
    case 'not':
      return `not ${printFilter(expr.expr, 3)}`;
    case 'compare':
      return `${printField(expr.field)} ${expr.op} ${printValue(expr.value)}`;
    case 'like':
      return `${printField(expr.field)} ${expr.negated ? 'not ' : ''}like ${printValue(expr.pattern)}`;
    case 'in':
      return `${printField(expr.field)} ${expr.negated ? 'not ' : ''}in (${expr.values.map(printValue).join(', ')})`;
  }
}

/** An order as query text: `metrics.val_auc desc`. */
export function printOrderBy(order: OrderBy): string {
  return `${printField(order.field)} ${order.direction}`;
}
