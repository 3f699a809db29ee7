/** Human output helpers: tables, sizes, durations and a progress bar on stderr. */
import {
  formatBytes as formatBytesIn,
  formatDecimal,
  formatDuration as formatDurationIn,
} from '../../shared/format';

/** Sizes as the CLI prints them: `52.0 KB`. */
export function formatBytes(n: number): string {
  return formatBytesIn(n, 'cli');
}

/** Durations as the CLI prints them: `850ms`, `2.5s`, `2m5s`. */
export function formatDuration(ms: number): string {
  return formatDurationIn(ms, 'cli');
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    return Number.isInteger(v) ? String(v) : formatDecimal(v, 1e7);
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** A plain text table with a header row; long cells are cut. */
export function table(header: string[], rows: unknown[][], maxWidth = 40): string {
  const cells = [header, ...rows.map((r) => r.map((c) => formatValue(c)))].map((r) =>
    r.map((c) => (c.length > maxWidth ? `${c.slice(0, maxWidth - 1)}…` : c)),
  );
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r, ri) => {
      const line = r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
      return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

/** A progress bar redrawn in place on a TTY; on a pipe, one line per 10% so logs stay short. */
export function createProgress(stream: NodeJS.WriteStream, enabled: boolean) {
  let lastDecile = -1;
  return {
    update(fraction: number, text: string) {
      if (!enabled) return;
      const f = Math.max(0, Math.min(1, fraction));
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round(f * width);
        stream.write(
          `\r\x1b[2K[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${text}`,
        );
      } else {
        const decile = Math.floor(f * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`${(f * 100).toFixed(0).padStart(3)}% ${text}\n`);
        }
      }
    },
    done() {
      if (enabled && stream.isTTY) stream.write('\r\x1b[2K');
    },
  };
}
