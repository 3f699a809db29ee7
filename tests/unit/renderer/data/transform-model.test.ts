import { describe, expect, it } from 'vitest';
import { TransformIn } from '../../../../shared/contract';
import {
  checkTransform,
  parentRefs,
  type TransformDraft,
} from '../../../../renderer/views/Data/transform-model';
import { checkQueryImport } from '../../../../renderer/views/Data/query-import-form';

const draft = (over: Partial<TransformDraft>): TransformDraft => ({
  name: 'people_clean',
  from: 'people',
  mode: 'steps',
  text: 'steps:\n  - type: drop\n    columns: [notes]\n  - type: filter\n    where: age > 30\n',
  project: 'Default',
  ...over,
});

describe('transform form view-model', () => {
  it('reads parent refs split by commas or spaces, dropping blanks and repeats', () => {
    expect(parentRefs(' a, b@2  a ,,c ')).toEqual(['a', 'b@2', 'c']);
    expect(parentRefs('   ')).toEqual([]);
  });

  it('builds data:transform input from YAML steps that the channel accepts', () => {
    const r = checkTransform(draft({}));
    expect(r).toEqual({
      ok: true,
      input: {
        name: 'people_clean',
        from: ['people'],
        steps: [
          { type: 'drop', columns: ['notes'] },
          { type: 'filter', where: 'age > 30' },
        ],
        project: 'Default',
      },
    });
    if (r.ok) expect(TransformIn.safeParse(r.input).success).toBe(true);
  });

  it('accepts a bare list of steps, and takes from: of a steps file when From is empty', () => {
    const bare = checkTransform(draft({ text: '- type: dedupe\n' }));
    expect(bare.ok && bare.input.steps).toEqual([{ type: 'dedupe' }]);
    const file = checkTransform(
      draft({ from: '', text: 'from: [a, b@2]\nsteps:\n  - type: dedupe\n' }),
    );
    expect(file.ok && file.input.from).toEqual(['a', 'b@2']);
  });

  it('makes one sql step of a query, as lathe data transform --sql does', () => {
    const r = checkTransform(draft({ mode: 'sql', text: '  SELECT * FROM people  ' }));
    expect(r.ok && r.input.steps).toEqual([{ type: 'sql', query: 'SELECT * FROM people' }]);
  });

  it('reports each bad field: name, parents, and the YAML by path', () => {
    const r = checkTransform(
      draft({
        name: 'bad name',
        from: 'ok, x@@1',
        text: 'steps:\n  - type: drop\n    columns: []\n',
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.name).toMatch(/"bad name": use letters/);
    expect(r.errors.from).toBe('"x@@1": expected NAME or NAME@VERSION');
    expect(r.errors.steps).toEqual([
      { path: 'steps.0.columns', message: 'name at least one column' },
    ]);
  });

  it('reports a YAML syntax error, an unknown step type, empty fields and an empty query', () => {
    const syntax = checkTransform(draft({ text: 'steps: [' }));
    expect(!syntax.ok && syntax.errors.steps?.[0]?.path).toBe('(syntax)');
    const unknown = checkTransform(draft({ text: '- type: explode\n' }));
    expect(!unknown.ok && unknown.errors.steps?.[0]?.path).toBe('steps.0.type');
    const empty = checkTransform(draft({ name: ' ', from: '', mode: 'sql', text: ' ' }));
    expect(!empty.ok && empty.errors).toEqual({
      name: 'name the output dataset',
      from: 'name at least one parent dataset (NAME or NAME@VERSION)',
      sql: 'give a SELECT over the parents',
    });
  });
});

describe('query import check', () => {
  it('needs a query and a valid dataset name', () => {
    expect(checkQueryImport("SELECT * FROM 'a.csv'", 'a')).toEqual({});
    expect(checkQueryImport(' ', '')).toEqual({
      sql: "give a SELECT over files, e.g. SELECT * FROM 'data.csv'",
      name: 'name the dataset',
    });
    expect(checkQueryImport('SELECT 1', 'a b').name).toMatch(/^"a b": use letters/);
  });
});
