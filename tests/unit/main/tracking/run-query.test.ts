import { describe, expect, it } from 'vitest';
import {
  compileFilter,
  filterToSql,
  orderByToSql,
  parseFilter,
  parseOrderBy,
} from '../../../../main/tracking/run-query';
import { latheErrorOf } from '../../../helpers/errors';

describe('parseFilter', () => {
  it('parses comparisons of metrics, params (keys with dots), tags and attributes', () => {
    expect(parseFilter("metrics.val_auc > 0.8 and params.model.type = 'mlp'")).toEqual({
      kind: 'and',
      left: {
        kind: 'compare',
        field: { kind: 'metrics', key: 'val_auc' },
        op: '>',
        value: 0.8,
      },
      right: {
        kind: 'compare',
        field: { kind: 'params', key: 'model.type' },
        op: '=',
        value: 'mlp',
      },
    });
    expect(parseFilter("tags.team != 'x'")).toMatchObject({
      field: { kind: 'tags', key: 'team' },
      op: '!=',
    });
    expect(parseFilter('duration <= -1.5e3')).toMatchObject({
      field: { kind: 'attribute', name: 'duration' },
      op: '<=',
      value: -1500,
    });
    expect(parseFilter("name = 'it''s'")).toMatchObject({ value: "it's" });
  });

  it('binds and tighter than or, not tighter than and, and respects parentheses', () => {
    const e = parseFilter("status = 'a' or status = 'b' and not model = 'c'");
    expect(e).toMatchObject({
      kind: 'or',
      left: { kind: 'compare', value: 'a' },
      right: {
        kind: 'and',
        left: { kind: 'compare', value: 'b' },
        right: { kind: 'not', expr: { kind: 'compare', value: 'c' } },
      },
    });
    const p = parseFilter("(status = 'a' or status = 'b') AND model = 'c'");
    expect(p).toMatchObject({ kind: 'and', left: { kind: 'or' }, right: { value: 'c' } });
  });

  it('parses like, in and their negations', () => {
    expect(parseFilter("name like 'penguins-%'")).toEqual({
      kind: 'like',
      field: { kind: 'attribute', name: 'name' },
      pattern: 'penguins-%',
      negated: false,
    });
    expect(parseFilter("model in ('mlp', 'linear')")).toMatchObject({
      kind: 'in',
      values: ['mlp', 'linear'],
      negated: false,
    });
    expect(parseFilter('params.seed not in (1, 2)')).toMatchObject({
      kind: 'in',
      values: [1, 2],
      negated: true,
    });
  });

  it.each([
    ['metrics.val_auc > ', "position 19: expected a value after '>'"],
    ["metrics.val_auc > 0.8 and params.x = 'a' or", 'position 44: expected a field'],
    [
      'metrics.val_auc 0.8',
      "position 17: expected an operator (= != < <= > >= like in) after 'metrics.val_auc', found '0.8'",
    ],
    ["(status = 'a'", "position 14: expected ')' to close the '(' at position 1, found the end"],
    ["status = 'a' model = 'b'", "position 14: expected 'and', 'or' or the end, found 'model'"],
    ["colour = 'red'", "position 1: unknown field 'colour'"],
    ['metrics. > 1', "position 1: expected a key after 'metrics.'"],
    ["name = 'open", 'position 8: unterminated string'],
    ['status = "a"', "position 10: unexpected character '\"'"],
    ['model in (1,', "position 13: expected a value after ','"],
    ['name like 3', "position 11: expected a 'quoted pattern' after 'like'"],
    ['', 'position 1: expected a condition'],
  ])('rejects %j naming the position and what was expected', (input, message) => {
    const err = latheErrorOf(() => parseFilter(input));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain(`filter: ${message}`);
  });
});

describe('compileFilter', () => {
  it('passes every user string and key as a parameter, and numbers as exact DOUBLE text', () => {
    const q = filterToSql(
      "metrics.val_auc > 0.8 and params.model.type = 'mlp''; DROP TABLE runs; --' or tags.team in ('x', 'y')",
    );
    expect(q.sql).not.toContain('DROP');
    expect(q.sql).not.toContain('mlp');
    expect(q.sql).not.toContain('val_auc');
    expect(q.sql).toContain(`> '0.8'::DOUBLE`);
    expect(q.params).toEqual([
      'val_auc',
      'model.type',
      "mlp'; DROP TABLE runs; --",
      'team',
      'x',
      'team',
      'y',
    ]);
    expect(q.sql.split('?').length - 1).toBe(q.params.length);
  });

  it('compares params numerically against numbers and as text against strings', () => {
    expect(filterToSql('params.training.epochs >= 10').sql).toContain('TRY_CAST(');
    expect(filterToSql("params.training.epochs = '10'").sql).not.toContain('TRY_CAST(');
  });

  it('maps attributes to columns and rejects values of the wrong type', () => {
    expect(filterToSql("experiment = 'e'").sql).toContain('e.name = ?');
    expect(filterToSql("model = 'mlp'").sql).toContain('r.model_type = ?');
    expect(filterToSql("started >= '2026-01-01'")).toEqual({
      sql: 'coalesce(r.started_at >= CAST(? AS TIMESTAMP), false)',
      params: ['2026-01-01T00:00:00.000Z'],
    });
    expect(latheErrorOf(() => filterToSql("metrics.loss < 'low'")).message).toMatch(
      /metrics.loss is a number/,
    );
    expect(latheErrorOf(() => filterToSql('status = 3')).message).toMatch(/status is text/);
    expect(latheErrorOf(() => filterToSql("metrics.loss like 'a%'")).message).toMatch(
      /'like' needs text/,
    );
    expect(latheErrorOf(() => filterToSql("started > 'soon'")).message).toMatch(/not a date/);
  });

  it('makes a missing value false so not selects runs without it', () => {
    const q = compileFilter(parseFilter('not metrics.val_auc > 0.5'));
    expect(q.sql).toMatch(/^\(NOT coalesce\(/);
  });
});

describe('orderBy', () => {
  it('parses a field with an optional direction', () => {
    expect(parseOrderBy('metrics.val_auc desc')).toEqual({
      field: { kind: 'metrics', key: 'val_auc' },
      direction: 'desc',
    });
    expect(parseOrderBy('started')).toEqual({
      field: { kind: 'attribute', name: 'started' },
      direction: 'asc',
    });
  });

  it('compiles to parameterized ORDER BY terms with missing values last', () => {
    expect(orderByToSql('metrics.val_auc DESC').sql).toMatch(/ DESC NULLS LAST$/);
    expect(orderByToSql('params.model.hidden').params).toEqual(['model.hidden', 'model.hidden']);
    expect(orderByToSql('duration asc').params).toEqual([]);
  });

  it('rejects trailing words and unknown fields with positions', () => {
    expect(latheErrorOf(() => parseOrderBy('name sideways')).message).toBe(
      "order by: position 6: expected 'asc', 'desc' or the end, found 'sideways'",
    );
    expect(latheErrorOf(() => parseOrderBy('')).message).toMatch(
      /^order by: position 1: expected a field/,
    );
  });
});
