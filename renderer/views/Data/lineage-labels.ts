/** What a lineage node says in its box: a short label and id, and the whole of both in its tooltip. */
import type { LineageNode } from '../../../shared/contract';

/** Characters of the 12px monospace label that fit in a node, beside its padding. */
export const LABEL_CHARS = 23;

const KIND_LABEL: Record<LineageNode['kind'], string> = {
  file: 'file',
  query: 'query',
  version: 'version',
  run: 'run',
};

/** `s` cut at the end to `n` characters, an ellipsis last. */
export const cutEnd = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * `s` cut in the middle to `n` characters: the start and the longer end kept, since names that share
 * a prefix differ at the end (`flights_q…gbdt-2-trial4`, a file's extension).
 */
export function cutMiddle(s: string, n: number): string {
  if (s.length <= n) return s;
  const head = Math.ceil((n - 1) * 0.4);
  return `${s.slice(0, head)}…${s.slice(s.length - (n - 1 - head))}`;
}

/** The label in the box: a file's last path segment, a query on one line, a name cut in the middle. */
export function shortLabel(n: LineageNode): string {
  if (n.kind === 'file')
    return cutMiddle(n.label.split(/[\\/]/).filter(Boolean).pop() ?? n.label, LABEL_CHARS);
  if (n.kind === 'query') return cutEnd(n.label.replace(/\s+/g, ' '), LABEL_CHARS);
  return cutMiddle(n.label, LABEL_CHARS);
}

/**
 * The short id a node shows: a run's id (as everywhere else in the app, not its config hash), or the
 * content hash of a file or version; eight characters.
 */
export function shortId(n: LineageNode): string | null {
  if (n.kind === 'run') return n.id.slice(0, 8);
  return n.hash ? n.hash.slice(0, 8) : null;
}

/** The line above the label: kind, status and short id. */
export function kindLine(n: LineageNode): string {
  const id = shortId(n);
  return [KIND_LABEL[n.kind], n.status, id].filter(Boolean).join(' · ');
}

/** The tooltip: the whole label, and the ids the box shortens, named. */
export function nodeTitle(n: LineageNode): string {
  const lines = [n.label];
  if (n.kind === 'run') {
    lines.push(`run ${n.id}`);
    if (n.hash) lines.push(`config hash ${n.hash}`);
  } else if (n.hash) lines.push(`hash ${n.hash}`);
  return lines.join('\n');
}
