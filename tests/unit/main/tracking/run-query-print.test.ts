// Property tests (issue 13): the run query language prints and parses back to the same query.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../../../../shared/contract';
import {
  ATTRIBUTES,
  compileFilter,
  parseFilter,
  parseOrderBy,
  printFilter,
  printOrderBy,
  printValue,
  type CmpOp,
  type Expr,
  type Field,
  type OrderBy,
  type Value,
} from '../../../../main/tracking/run-query';

const SEED = 1313;

/** Keys of every shape: plain (dots, dashes, slashes, colons), and any text with spaces, quotes, unicode. */
const key = fc.oneof(
  fc.stringMatching(/^[\w.\-/:]{1,12}$/),
  fc.constantFrom(
    'val auc',
    'it\'s "quoted"',
    '""',
    "''",
    'précision',
    '損失',
    '😀',
    'and',
    'not',
    ' leading',
    'a."b',
    'metrics.x',
    '-1',
    '1e5',
  ),
  fc.string({ minLength: 1, maxLength: 10 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
);

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ kind: fc.constantFrom('metrics' as const, 'params' as const, 'tags' as const), key }),
  fc.record({ kind: fc.constant('attribute' as const), name: fc.constantFrom(...ATTRIBUTES) }),
);

/** Numbers of every magnitude: -0, 17-digit doubles, subnormals, the largest doubles, past 2^53, ±∞. */
const number = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer(),
  fc.constantFrom(
    0,
    -0,
    0.17055522598064407,
    0.1,
    -1e-7,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    2 ** 53 + 2,
    -(2 ** 63),
    1e21,
    123456789012345680000,
    Infinity,
    -Infinity,
  ),
);
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom("it's", "''", "'", '"', 'O\'Brien "x"', 'line\nbreak', '%_', 'and', '-0', '1e5'),
);
const value: fc.Arbitrary<Value> = fc.oneof(number, text);
const op = fc.constantFrom<CmpOp>('=', '!=', '<', '<=', '>', '>=');

const { expr } = fc.letrec<{ expr: Expr; leaf: Expr }>((tie) => ({
  leaf: fc.oneof(
    fc.record({ kind: fc.constant('compare' as const), field, op, value }),
    fc.record({ kind: fc.constant('like' as const), field, pattern: text, negated: fc.boolean() }),
    fc.record({
      kind: fc.constant('in' as const),
      field,
      values: fc.array(value, { minLength: 1, maxLength: 4 }),
      negated: fc.boolean(),
    }),
  ),
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.record({
      kind: fc.constantFrom('and' as const, 'or' as const),
      left: tie('expr'),
      right: tie('expr'),
    }),
    fc.record({ kind: fc.constant('not' as const), expr: tie('expr') }),
  ),
}));

const orderBy: fc.Arbitrary<OrderBy> = fc.record({
  field,
  direction: fc.constantFrom('asc' as const, 'desc' as const),
});

/** The same query written differently: case of keywords and heads, spacing, `<>`, extra parentheses. */
function variant(e: Expr, rnd: () => number): string {
  const sp = () => (rnd() < 0.3 ? '  ' : rnd() < 0.5 ? '\t' : ' ');
  const kw = (w: string) => (rnd() < 0.5 ? w.toUpperCase() : w);
  const f = (q: Expr): string => {
    const body = (() => {
      switch (q.kind) {
        case 'and':
        case 'or':
          return `(${f(q.left)})${sp()}${kw(q.kind)}${sp()}(${f(q.right)})`;
        case 'not':
          return `${kw('not')}${sp()}(${f(q.expr)})`;
        default: {
          const printed = printFilter(q);
          return q.kind === 'compare' && q.op === '!=' && rnd() < 0.5
            ? printed.replace(' != ', '<>')
            : printed;
        }
      }
    })();
    return rnd() < 0.2 ? `(${sp()}${body}${sp()})` : body;
  };
  return f(e);
}

describe('the run query language prints and parses back', () => {
  it('parse(print(q)) equals q for random queries', () => {
    let nodes = 0;
    fc.assert(
      fc.property(expr, (q) => {
        const text = printFilter(q);
        expect(parseFilter(text)).toEqual(q);
        nodes += text.length;
      }),
      { seed: SEED, numRuns: 2000 },
    );
    expect(nodes).toBeGreaterThan(10_000);
  });

  it('parse(print(o)) equals o for random orders', () => {
    fc.assert(
      fc.property(orderBy, (o) => {
        expect(parseOrderBy(printOrderBy(o))).toEqual(o);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('print(parse(s)) is stable for the same query written in other ways', () => {
    fc.assert(
      fc.property(expr, fc.integer(), (q, salt) => {
        let state = salt >>> 0 || 1;
        const rnd = () => (state = (state * 48271) % 2147483647) / 2147483647;
        const s = variant(q, rnd);
        const once = printFilter(parseFilter(s));
        expect(parseFilter(s)).toEqual(q);
        expect(printFilter(parseFilter(once))).toBe(once);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('any text either parses to a query that prints stably or is refused with INVALID_INPUT', () => {
    const predicate = fc.constantFrom(
      'metrics.x = 1',
      'params."a b" != \'s\'',
      "name like 'p%'",
      "tags.t in (1, -0, 'x')",
      'duration >= 1e999',
      'metrics.y < 0.17055522598064407',
    );
    const joint = fc.constantFrom('and', 'or', 'AND NOT', 'or (', ') and');
    const junk = fc.constantFrom('not', '(', ')', ',', '<>', "'", '"', 'tags.', 'in', 'like', '');
    const pieces = fc.oneof(
      { weight: 3, arbitrary: predicate },
      { weight: 3, arbitrary: joint },
      { weight: 1, arbitrary: junk },
    );
    let parsed = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(pieces, { maxLength: 12 }).map((p) => p.join(' ')),
          fc.string(),
        ),
        (s) => {
          let q: Expr;
          try {
            q = parseFilter(s);
          } catch (err) {
            expect(err).toBeInstanceOf(LatheError);
            expect((err as LatheError).code).toBe('INVALID_INPUT');
            return;
          }
          parsed++;
          const once = printFilter(q);
          expect(parseFilter(once)).toEqual(q);
          expect(printFilter(parseFilter(once))).toBe(once);
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
    expect(parsed).toBeGreaterThan(20);
  });

  it('prints the awkward cases as a user would write them', () => {
    expect(printValue(-0)).toBe('-0');
    expect(printValue(0.17055522598064407)).toBe('0.17055522598064407');
    expect(printValue(1e21)).toBe('1e+21');
    expect(printValue(Infinity)).toBe('1e999');
    expect(printValue("it's")).toBe("'it''s'");
    expect(parseFilter('metrics.x > -0')).toMatchObject({ value: -0 });
    expect(Object.is((parseFilter('metrics.x > -0') as { value: number }).value, -0)).toBe(true);
    expect(
      printFilter(
        parseFilter(`metrics."val ""auc""" >= 0.5 and (params.a = 1 or not tags."é" in ('x'))`),
      ),
    ).toBe(`metrics."val ""auc""" >= 0.5 and (params.a = 1 or not tags."é" in ('x'))`);
    expect(parseFilter('METRICS."val auc" = 1')).toEqual({
      kind: 'compare',
      field: { kind: 'metrics', key: 'val auc' },
      op: '=',
      value: 1,
    });
    expect(printFilter(parseFilter('(a.b = 1)'.replace('a.b', 'metrics.a')))).toBe('metrics.a = 1');
  });

  it('refuses quoted keys that are empty, unterminated or not right after metrics./params./tags.', () => {
    const refusal = (s: string) => {
      try {
        parseFilter(s);
      } catch (err) {
        return (err as LatheError).message;
      }
      return 'parsed';
    };
    expect(refusal('metrics."" = 1')).toContain(
      "expected a key inside the quotes after 'metrics.'",
    );
    expect(refusal('metrics."val = 1')).toContain(
      'position 9: unterminated name (a closing " is missing)',
    );
    expect(refusal('name."x" = 1')).toContain('a quoted key follows metrics., params. or tags.');
    expect(refusal('metrics.a."x" = 1')).toContain(
      'a quoted key follows metrics., params. or tags.',
    );
  });

  it('compiles numbers as exact DOUBLE text and keys and strings as parameters', () => {
    const c = compileFilter(
      parseFilter(`metrics."val auc" = 0.17055522598064407 and params.p in (-0, 1e999, 'x')`),
    );
    expect(c.sql).toContain(`= '0.17055522598064407'::DOUBLE`);
    expect(c.sql).toContain(`= '-0.0'::DOUBLE`);
    expect(c.sql).toContain(`= 'Infinity'::DOUBLE`);
    expect(c.params).toEqual(['val auc', 'p', 'p', 'p', 'x']);
  });
});
