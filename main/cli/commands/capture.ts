// lathe monitor ingest, lathe monitor health, lathe monitor captures.
import { resolve } from 'node:path';
import { LatheError, type WindowSpec } from '../../../shared/contract';
import { invoke, str, type Command, type Ctx } from '../command';
import { table } from '../output';

/** --window: hour, day, week or a positive whole number of requests. */
function windowOf(ctx: Ctx): WindowSpec | undefined {
  const raw = str(ctx, 'window');
  if (raw === undefined) return undefined;
  if (raw === 'hour' || raw === 'day' || raw === 'week') return raw;
  if (/^\d+$/.test(raw) && Number(raw) > 0) return Number(raw);
  throw new LatheError(
    'INVALID_INPUT',
    `--window ${raw}: expected hour, day, week or a number of requests (e.g. 1000)`,
    { window: raw },
  );
}

const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;

export const captureCommands: Command[] = [
  {
    path: ['monitor', 'captures'],
    opensWorkspace: true,
    summary:
      'What is captured for a model: per version its rows, time span and whether a reference is stored; every source (server session, batch job, segment).',
    positionals: [{ name: 'NAME', required: true, description: 'the model' }],
    flags: {},
    async run(ctx) {
      const r = await invoke(ctx, 'monitor:captures', { model: ctx.args.positionals[0]! });
      ctx.result(r, () =>
        r.versions.length === 0 && r.sources.length === 0
          ? `Nothing captured for ${r.model} yet.`
          : [
              `Captured predictions of ${r.model}:`,
              table(
                ['version', 'aliases', 'rows', 'from', 'to', 'reference'],
                r.versions.map((v) => [
                  v.version,
                  v.aliases.join(', '),
                  v.rows,
                  v.from ?? '',
                  v.to ?? '',
                  v.hasReference ? 'yes' : 'no',
                ]),
              ),
              'Sources:',
              table(
                ['kind', 'version', 'rows', 'rate', 'from', 'to', 'detail'],
                r.sources.map((s) => [
                  s.kind,
                  s.version,
                  s.rows,
                  s.rate,
                  s.from ?? '',
                  s.to ?? '',
                  s.detail,
                ]),
                60,
              ),
            ].join('\n'),
      );
      return 0;
    },
  },
  {
    path: ['monitor', 'ingest'],
    summary:
      'Import the capture log segments an exported Docker server wrote (its LATHE_LOG_DIR) into the workspace; a segment ingested before (same sha256) counts once, unknown or unreadable ones are skipped and named.',
    positionals: [
      {
        name: 'DIR',
        required: true,
        description: 'a folder of segment files, or one segment file',
      },
    ],
    flags: {},
    async run(ctx) {
      // Absolute before it leaves this process: the workspace owner may run in another folder.
      const r = await invoke(ctx, 'monitor:ingest', { dir: resolve(ctx.args.positionals[0]!) });
      const count = (s: string) => r.segments.filter((x) => x.status === s).length;
      ctx.result(r, () =>
        [
          `Ingested ${r.rows} rows from ${count('ingested')} segment(s); ${count('already')} already ingested, ${count('skipped')} skipped.`,
          ...r.segments
            .filter((s) => s.status !== 'ingested')
            .map(
              (s) =>
                `  ${s.status}: ${s.file}${s.status === 'already' ? ` (${s.rows} rows, counted once)` : ` — ${s.reason ?? ''}`}`,
            ),
        ].join('\n'),
      );
      return 0;
    },
  },
  {
    path: ['monitor', 'health'],
    opensWorkspace: true,
    summary:
      'Service health of a served model per window: requests, rows, 4xx/5xx error rate, latency p50/p95/p99 (from each minute’s histogram).',
    positionals: [
      {
        name: 'NAME[@VERSION]',
        required: true,
        description: 'the model (every version) or one version or alias',
      },
    ],
    flags: {
      window: {
        type: 'string',
        value: 'hour|day|week|N',
        description: 'calendar windows (UTC), or runs of N requests (default hour)',
      },
      from: { type: 'string', value: 'ISO', description: 'from this time (inclusive)' },
      to: { type: 'string', value: 'ISO', description: 'until this time (exclusive)' },
    },
    async run(ctx) {
      const window = windowOf(ctx);
      const from = str(ctx, 'from');
      const to = str(ctx, 'to');
      const r = await invoke(ctx, 'monitor:health', {
        ref: ctx.args.positionals[0]!,
        ...(window !== undefined ? { window } : {}),
        ...(from !== undefined || to !== undefined
          ? { range: { ...(from ? { from } : {}), ...(to ? { to } : {}) } }
          : {}),
      });
      ctx.result(r, () =>
        r.windows.length === 0
          ? `No served requests recorded for ${r.model}.`
          : table(
              [
                'start',
                'version',
                'requests',
                'rows',
                '4xx',
                '5xx',
                'error rate',
                'p50',
                'p95',
                'p99',
              ],
              r.windows.map((w) => [
                w.start,
                w.version,
                w.requests,
                w.rows,
                w.errors4xx,
                w.errors5xx,
                `${(w.errorRate * 100).toFixed(1)}%`,
                w.latencyMs ? ms(w.latencyMs.p50) : '',
                w.latencyMs ? ms(w.latencyMs.p95) : '',
                w.latencyMs ? ms(w.latencyMs.p99) : '',
              ]),
            ),
      );
      return 0;
    },
  },
];
