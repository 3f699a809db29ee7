import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';
import {
  draftFor,
  errorField,
  formatFitted,
  parseSpecText,
  specToYaml,
  yamlForCopy,
} from '../../../renderer/views/Features/feature-spec-text';

describe('formatFitted', () => {
  it('flattens nested stats into dotted key=value entries with compact numbers', () => {
    expect(
      formatFitted({
        fill: 3.20654,
        clip: { lo: -0.5, hi: 6.7 },
        scale: { center: 12.345678, scale: 1 },
      }),
    ).toEqual(['fill=3.207', 'clip.lo=-0.5', 'clip.hi=6.7', 'scale.center=12.35', 'scale.scale=1']);
  });

  it('cuts long lists after six items and keeps strings and empty objects readable', () => {
    expect(formatFitted({ bucketize: { cuts: [1, 2, 3, 4, 5, 6, 7, 8] } })).toEqual([
      'bucketize.cuts=[1, 2, 3, 4, 5, 6, … +2]',
    ]);
    expect(formatFitted({ categories: ['rain', 'sun'], fill: 'sun', extra: {} })).toEqual([
      'categories=[rain, sun]',
      'fill=sun',
      'extra={}',
    ]);
    expect(formatFitted({})).toEqual([]);
  });
});

describe('parseSpecText', () => {
  it('accepts YAML and JSON and fills the schema defaults', () => {
    const yaml = parseSpecText(
      'groups:\n  - columns: [wind]\n    steps:\n      - op: clip\n        method: iqr\n',
    );
    expect(yaml.ok && yaml.spec.groups[0]?.steps[0]).toEqual({
      op: 'clip',
      method: 'iqr',
      factor: 1.5,
      lower: 0.01,
      upper: 0.99,
    });
    const json = parseSpecText('{"derived":[{"op":"ratio","columns":["a","b"]}]}');
    expect(json.ok && json.spec.derived).toHaveLength(1);
  });

  it('names the field of each schema error', () => {
    const r = parseSpecText(
      'groups:\n  - columns: [wind]\n    steps: [{ op: clip, method: tukey }]\n',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path)).toContain('groups.0.steps.0.method');
  });

  it('reports syntax errors and empty specs instead of throwing', () => {
    const syntax = parseSpecText('groups: [');
    expect(!syntax.ok && syntax.errors[0]?.path).toBe('(syntax)');
    const empty = parseSpecText('# nothing yet\n');
    expect(!empty.ok && empty.errors[0]?.message).toContain('empty');
    const none = parseSpecText('groups: []\n');
    expect(!none.ok && none.errors[0]?.path).toBe('groups');
  });

  it('writes one line per column list, step and derived feature', () => {
    const r = parseSpecText(
      'groups:\n  - columns: [a, b]\n    steps: [{ op: impute, strategy: median }, { op: scale, method: standard }]\nderived:\n  - { op: lag, column: a, time: t, lags: [1, 7] }\n',
    );
    if (!r.ok) throw new Error('expected a valid spec');
    expect(specToYaml(r.spec)).toBe(
      [
        'groups:',
        '  - columns: [ a, b ]',
        '    steps:',
        '      - { op: impute, strategy: median, indicator: false }',
        '      - { op: scale, method: standard }',
        'derived:',
        '  - { op: lag, column: a, time: t, lags: [ 1, 7 ] }',
        '',
      ].join('\n'),
    );
  });

  it('round-trips the YAML the editor starts from', () => {
    const r = parseSpecText(
      'groups:\n  - columns: [a]\n    steps: [{ op: scale, method: robust }]\n',
    );
    if (!r.ok) throw new Error('expected a valid spec');
    expect(parseSpecText(specToYaml(r.spec))).toEqual(r);
  });
});

describe('yamlForCopy', () => {
  it('keeps YAML as written (comments too) and turns JSON into YAML', () => {
    const yaml = '# mine\ngroups: []\n';
    expect(yamlForCopy(yaml)).toBe(yaml);
    expect(yamlForCopy('{"groups":[{"columns":["a"]}]}')).toBe(
      'groups:\n  - columns:\n      - a\n',
    );
    expect(yamlForCopy('{ broken')).toBe('{ broken');
  });
});

describe('errorField', () => {
  it('finds the spec field a host error starts with', () => {
    expect(errorField("groups.0.columns.0: column 'x' is not in the dataset")).toBe(
      'groups.0.columns.0',
    );
    expect(errorField('derived.1: two features would both be named')).toBe('derived.1');
    expect(errorField("target: column 'y' is not in dataset 'w'")).toBeNull();
  });
});

describe('features routes', () => {
  it('parses and builds #/features and #/features/<dataset>', () => {
    expect(parseRoute('#/features')).toEqual({ view: 'features', dataset: null });
    expect(parseRoute('#/features/my%20data')).toEqual({ view: 'features', dataset: 'my data' });
    expect(routeHref({ view: 'features', dataset: 'my data' })).toBe('#/features/my%20data');
    expect(routeHref({ view: 'features', dataset: null })).toBe('#/features');
  });
});

describe('draftFor', () => {
  it('gives the default spec only for the target it was drafted for', () => {
    const spec = { groups: [{ columns: ['delayed', 'hour'] }] };
    // Drafted with no target, the spec uses `delayed`: with `delayed` picked it is not the default.
    expect(draftFor({ out: spec, target: '' }, 'delayed')).toBeNull();
    expect(draftFor({ out: spec, target: '' }, '')).toBe(spec);
    expect(draftFor({ out: spec, target: 'delayed' }, 'delayed')).toBe(spec);
    expect(draftFor(null, '')).toBeNull();
  });
});
