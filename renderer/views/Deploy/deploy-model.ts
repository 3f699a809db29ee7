// Pure logic of the Deploy view: version choices, form checks and the server status line.
import type { ModelDetail, ModelSignature, ServerStatus } from '../../../shared/contract';

export interface VersionOption {
  /** What channels take: `NAME@ALIAS` (the server keeps the alias) or `NAME@VERSION`. */
  ref: string;
  label: string;
}

/**
 * The aliases of a model (champion first, with the version each points at), then its versions, newest
 * first, labelled with their aliases and stage.
 */
export function versionOptions(detail: Pick<ModelDetail, 'name' | 'versions'>): VersionOption[] {
  const aliases = detail.versions
    .flatMap((v) => v.aliases.map((alias) => ({ alias, version: v.version })))
    .sort((a, b) =>
      a.alias === 'champion' ? -1 : b.alias === 'champion' ? 1 : a.alias.localeCompare(b.alias),
    )
    .map(({ alias, version }) => ({
      ref: `${detail.name}@${alias}`,
      label: `@${alias} (now v${version})`,
    }));
  const versions = [...detail.versions]
    .sort((a, b) => b.version - a.version)
    .map((v) => {
      // An alias may be named like the stage (`staging`): it shows once.
      const tags = [...new Set([...v.aliases, ...(v.stage !== 'none' ? [v.stage] : [])])];
      return {
        ref: `${detail.name}@${v.version}`,
        label: `v${v.version}${tags.length ? ` (${tags.join(', ')})` : ''}`,
      };
    });
  return [...aliases, ...versions];
}

/**
 * What to preselect: the champion alias (a server then follows it on restart), else the production
 * version, else the newest.
 */
export function defaultRef(detail: Pick<ModelDetail, 'name' | 'versions'>): string | null {
  if (detail.versions.some((v) => v.aliases.includes('champion'))) return `${detail.name}@champion`;
  const pick =
    detail.versions.find((v) => v.aliases.includes('champion')) ??
    detail.versions.find((v) => v.stage === 'production') ??
    [...detail.versions].sort((a, b) => b.version - a.version)[0];
  return pick ? `${detail.name}@${pick.version}` : null;
}

/** The port field: empty or 0 picks a free port; otherwise an integer 1–65535. */
export function parsePort(text: string): { port: number } | { error: string } {
  const t = text.trim();
  if (t === '') return { port: 0 };
  if (!/^\d+$/.test(t)) return { error: `port "${t}" is not a whole number` };
  const port = Number(t);
  if (port > 65535) return { error: `port ${port} is over 65535` };
  return { port };
}

/** The URL predictions are posted to. */
export function predictUrl(s: Pick<ServerStatus, 'url' | 'model'>): string {
  return `${s.url}/v1/models/${encodeURIComponent(s.model)}/predict`;
}

/** `0.3 req/s`, `12 req/s`: one decimal under 10. */
export function formatRate(rate: number): string {
  return `${rate < 10 ? rate.toFixed(1) : Math.round(rate).toLocaleString('en-US')} req/s`;
}

/** `p50 1.2 ms · p99 4.0 ms`, or '' before the first successful prediction. */
export function formatLatency(s: Pick<ServerStatus, 'p50Ms' | 'p99Ms'>): string {
  if (s.p50Ms === undefined || s.p99Ms === undefined) return '';
  const ms = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
  return `p50 ${ms(s.p50Ms)} · p99 ${ms(s.p99Ms)}`;
}

/** What blocks the batch form, or null when it can be submitted. */
export function batchProblem(f: {
  ref: string | null;
  input: string;
  output: string;
}): string | null {
  if (!f.ref) return 'choose a model version';
  if (!f.input.trim()) return 'give an input file or glob';
  if (!f.output.trim()) return 'give an output file';
  if (!/\.(csv|parquet)$/i.test(f.output.trim()))
    return `output ${f.output.trim()} must end in .csv or .parquet`;
  return null;
}

/**
 * Whether a batch job's progress (named by its output as the host resolved it: absolute) is of the output
 * typed in the form, which may be relative to the host's folder (`scores.csv`, `./out/scores.csv`).
 */
export function isBatchOutput(progressName: string, typed: string): boolean {
  const want = typed.trim().replace(/^\.[/\\]/, '');
  if (!want) return false;
  if (progressName === want) return true;
  return progressName.endsWith(`/${want}`) || progressName.endsWith(`\\${want}`);
}

/** What a server row says about its reference: the alias it was started on, and whether it moved. */
export function refNote(s: Pick<ServerStatus, 'ref' | 'refNow' | 'model' | 'version'>): string {
  const alias = s.ref && s.ref !== `${s.model}@${s.version}` ? s.ref : null;
  if (!alias) return '';
  if (s.refNow === undefined) return `via ${alias}`;
  return s.refNow === null
    ? `${alias} no longer exists`
    : `${alias} is now v${s.refNow}: restart to follow`;
}

type Input = ModelSignature['inputs'][number];

/** One field of the request panel, from one signature input. */
export interface RequestField {
  name: string;
  /** number: a number box; boolean: true/false; select: the input's known values; text: free text. */
  control: 'number' | 'boolean' | 'select' | 'text';
  /** The choices of a select, as text. */
  options?: string[];
  hint: string;
}

/** The request panel's fields: one per input of the version's signature, typed by its kind. */
export function requestFields(inputs: readonly Input[]): RequestField[] {
  return inputs.map((i) => {
    const hint = `${i.kind} (${i.type})`;
    if (i.values?.length)
      return { name: i.name, control: 'select', options: i.values.map(String), hint };
    if (i.kind === 'numeric') return { name: i.name, control: 'number', hint };
    if (i.kind === 'boolean') return { name: i.name, control: 'boolean', hint };
    return { name: i.name, control: 'text', hint };
  });
}

/**
 * The JSON record of the panel's values: numbers as numbers, booleans as booleans, a select's value in
 * its declared type, an empty field as null (the model imputes it). A value that is not a number is
 * reported by field name.
 */
export function recordOf(
  inputs: readonly Input[],
  values: Readonly<Record<string, string>>,
): { record: Record<string, unknown> } | { errors: Record<string, string> } {
  const record: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const i of inputs) {
    const text = (values[i.name] ?? '').trim();
    if (text === '') record[i.name] = null;
    else if (i.values?.length) record[i.name] = i.values.find((v) => String(v) === text) ?? text;
    else if (i.kind === 'numeric') {
      const n = Number(text);
      if (Number.isFinite(n)) record[i.name] = n;
      else errors[i.name] = `${i.name}: "${text}" is not a number`;
    } else if (i.kind === 'boolean') record[i.name] = text === 'true';
    else record[i.name] = text;
  }
  return Object.keys(errors).length ? { errors } : { record };
}

/** A shell word in single quotes. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The curl line that sends the same request; with the API key header (read from $LATHE_API_KEY, never
 * the key itself) when the server needs one.
 */
export function curlLine(url: string, body: unknown, keyRequired: boolean): string {
  return [
    'curl -X POST',
    shellQuote(url),
    "-H 'content-type: application/json'",
    ...(keyRequired ? ['-H "Authorization: Bearer $LATHE_API_KEY"'] : []),
    '-d',
    shellQuote(JSON.stringify(body)),
  ].join(' ');
}
