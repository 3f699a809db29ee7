// Pure logic of the Deploy view: version choices, form checks and the server status line.
import type { ModelDetail, ServerStatus } from '../../../shared/contract';

export interface VersionOption {
  /** What channels take: `NAME@VERSION`. */
  ref: string;
  label: string;
}

/** The versions of a model, newest first, labelled with their aliases and stage. */
export function versionOptions(detail: Pick<ModelDetail, 'name' | 'versions'>): VersionOption[] {
  return [...detail.versions]
    .sort((a, b) => b.version - a.version)
    .map((v) => {
      const tags = [...v.aliases, ...(v.stage !== 'none' ? [v.stage] : [])];
      return {
        ref: `${detail.name}@${v.version}`,
        label: `v${v.version}${tags.length ? ` (${tags.join(', ')})` : ''}`,
      };
    });
}

/** The version to preselect: the champion, else the production one, else the newest. */
export function defaultRef(detail: Pick<ModelDetail, 'name' | 'versions'>): string | null {
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
