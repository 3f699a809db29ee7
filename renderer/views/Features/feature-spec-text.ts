import { Document, isMap, isSeq, parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { FeatureSpec } from '../../../shared/contract';
import { formatNumber } from '../../lib/format';
import { readYamlText, textProblems, type TextProblem } from '../../lib/yaml-text';

export type ParsedSpec = { ok: true; spec: FeatureSpec } | { ok: false; errors: TextProblem[] };

/** Parses the editor's text (YAML, or JSON, which is YAML too) against the FeatureSpec schema. */
export function parseSpecText(text: string): ParsedSpec {
  const read = readYamlText(text);
  if (!read.ok) return read;
  if (read.raw === null || read.raw === undefined)
    return {
      ok: false,
      errors: [{ path: '(root)', message: 'the spec is empty: write groups: or derived:' }],
    };
  const r = FeatureSpec.safeParse(read.raw);
  return r.success ? { ok: true, spec: r.data } : { ok: false, errors: textProblems(r.error) };
}

/**
 * The editor's text for a spec: block style for the structure, one line per column list, step and derived
 * feature (`- { op: scale, method: standard }`), so a step is added or removed by editing one line.
 */
export function specToYaml(spec: FeatureSpec): string {
  const doc = new Document(spec);
  const root = doc.contents;
  if (!isMap(root)) return doc.toString();
  const groups = root.get('groups', true);
  if (isSeq(groups))
    for (const group of groups.items) {
      if (!isMap(group)) continue;
      for (const key of ['columns', 'steps']) {
        const seq = group.get(key, true);
        if (!isSeq(seq)) continue;
        if (key === 'columns') seq.flow = true;
        else for (const step of seq.items) if (isMap(step)) step.flow = true;
      }
    }
  const derived = root.get('derived', true);
  if (isSeq(derived)) for (const d of derived.items) if (isMap(d)) d.flow = true;
  return doc.toString({ lineWidth: 0 });
}

/** What "Copy YAML" puts on the clipboard: the text as written, or YAML when it was written as JSON. */
export function yamlForCopy(text: string): string {
  if (!text.trim().startsWith('{')) return text;
  try {
    return stringifyYaml(parseYaml(text));
  } catch {
    return text;
  }
}

const MAX_LIST = 6;

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, MAX_LIST).map(formatValue).join(', ');
    return `[${shown}${value.length > MAX_LIST ? `, … +${value.length - MAX_LIST}` : ''}]`;
  }
  return JSON.stringify(value);
}

/**
 * A feature's fitted statistics as compact `key=value` entries: nested objects flatten to dotted keys
 * (`scale.center=12.3`), long lists are cut after six items.
 */
export function formatFitted(fitted: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(fitted).flatMap(([key, value]) => {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const nested = formatFitted(value as Record<string, unknown>, name);
      return nested.length ? nested : [`${name}={}`];
    }
    return [`${name}=${formatValue(value)}`];
  });
}

/**
 * The default spec if it was drafted for `target`, else null: a draft for the previous target may use
 * this one as a feature, so it is neither shown nor previewed with it (the host refuses that pair).
 */
export function draftFor<T>(draft: { out: T; target: string } | null, target: string): T | null {
  return draft && draft.target === target ? draft.out : null;
}

/** The spec field a host error names (`groups.0.columns.0: column 'x' …`), or null. */
export function errorField(message: string): string | null {
  const m = /^((?:groups|derived)(?:\.[\w]+)*):\s/.exec(message);
  return m?.[1] ?? null;
}
