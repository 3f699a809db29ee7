// Captured predictions as monitoring reads them: per version, its rows, time span and sources; Docker log
// segments ingested into the capture tables (by content: the same segment twice counts once); service
// health per window from serve_health.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import {
  LatheError,
  parseModelRef,
  type CaptureSource,
  type CapturesOut,
  type HealthIn,
  type HealthOut,
  type IngestOut,
  type ModelVersion,
} from '../../shared/contract';
import type { RegistryStore } from '../registry/registry-store';
import {
  addCaptureSource,
  captureRelation,
  captureTableOf,
  ensureCaptureTable,
  histogramQuantile,
  mergeHistogram,
  readingCaptures,
  type CaptureTable,
  type LatencyHistogram,
  type SegmentKind,
} from '../serve/capture';
import { ident, literal, text, textOrNull, type Database } from '../workspace/db';
import { checkRange, utcMs } from './time-bound';

export interface CaptureService {
  /** Versions of `model` with captured rows (count, time span, whether a reference is stored) and every source. */
  captures(model: string): Promise<CapturesOut>;
  /**
   * Imports the segment files in `dir` (or the one file `dir` names) into the capture tables. Each segment
   * is reported: ingested, already (same sha256 as one ingested before: not counted again) or skipped
   * with the reason (still being written, unreadable, not a segment, unknown model version).
   */
  ingest(dir: string): Promise<IngestOut>;
  /** Requests, rows, error rates and latency percentiles per window (and version) of a served model. */
  health(input: z.output<typeof HealthIn>): Promise<HealthOut>;
}

const ISO = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ')`;

type Segment = IngestOut['segments'][number];

/** Window start (epoch ms, UTC) of a minute: the hour, the day, or the week from Monday. */
function windowStart(minute: number, unit: 'hour' | 'day' | 'week'): number {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  if (unit === 'hour') return minute - (minute % HOUR);
  const day = minute - (minute % DAY);
  if (unit === 'day') return day;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
}
const WINDOW_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

interface HealthMinute {
  minute: number;
  version: number;
  status: number;
  requests: number;
  rows: number;
  latency: LatencyHistogram;
}

interface HealthAcc {
  start: number;
  end: number;
  version: number;
  requests: number;
  rows: number;
  errors4xx: number;
  errors5xx: number;
  /** Latency of successful (2xx) requests, as ServerStatus p50Ms/p99Ms are. */
  latency: LatencyHistogram;
}

function add(acc: HealthAcc, m: HealthMinute) {
  acc.requests += m.requests;
  acc.rows += m.rows;
  if (m.status >= 500) acc.errors5xx += m.requests;
  else if (m.status >= 400) acc.errors4xx += m.requests;
  else mergeHistogram(acc.latency, m.latency);
}

function windowOut(a: HealthAcc): HealthOut['windows'][number] {
  const p = (q: number) => histogramQuantile(a.latency, q);
  const p50 = p(0.5);
  return {
    start: new Date(a.start).toISOString(),
    end: new Date(a.end).toISOString(),
    version: a.version,
    requests: a.requests,
    rows: a.rows,
    errors4xx: a.errors4xx,
    errors5xx: a.errors5xx,
    errorRate: a.requests ? (a.errors4xx + a.errors5xx) / a.requests : 0,
    latencyMs: p50 === null ? null : { p50, p95: p(0.95)!, p99: p(0.99)! },
  };
}

/**
 * Cuts health minutes (sorted by minute) into windows per version: calendar hours, days or weeks (UTC),
 * or runs of whole minutes holding at least `n` requests each (the last run may hold fewer).
 */
export function healthWindows(
  minutes: HealthMinute[],
  window: 'hour' | 'day' | 'week' | number,
): HealthOut['windows'] {
  const open = new Map<string, HealthAcc>();
  const done: HealthAcc[] = [];
  const fresh = (start: number, end: number, version: number): HealthAcc => ({
    start,
    end,
    version,
    requests: 0,
    rows: 0,
    errors4xx: 0,
    errors5xx: 0,
    latency: {},
  });
  for (const m of minutes) {
    if (typeof window === 'number') {
      const key = String(m.version);
      let acc = open.get(key);
      // A minute is never split: its statuses all go to the window it opens or continues.
      if (acc && acc.requests >= window && m.minute >= acc.end) {
        done.push(acc);
        acc = undefined;
      }
      if (!acc) open.set(key, (acc = fresh(m.minute, m.minute + 60_000, m.version)));
      acc.end = Math.max(acc.end, m.minute + 60_000);
      add(acc, m);
    } else {
      const start = windowStart(m.minute, window);
      const key = `${start}\t${m.version}`;
      let acc = open.get(key);
      if (!acc) open.set(key, (acc = fresh(start, start + WINDOW_MS[window], m.version)));
      add(acc, m);
    }
  }
  return [...done, ...open.values()]
    .sort((a, b) => a.start - b.start || a.version - b.version)
    .map(windowOut);
}

export function createCaptureService(deps: {
  db: Database;
  registry: RegistryStore;
  /** The workspace folder, where batch jobs' capture files are. */
  workspaceDir: string;
}): CaptureService {
  const { db, registry } = deps;

  /**
   * The segment file's model version(s) and line count, read by DuckDB (records carry `_model` and
   * `_version`, health rows `model` and `version`); throws when it is not JSON lines.
   */
  const segmentHead = async (file: string, kind: SegmentKind) => {
    const [m, v] = kind === 'health' ? ['model', 'version'] : ['_model', '_version'];
    return db.all<{ model: string | null; version: number | null; n: number }>(
      `SELECT ${m} AS model, ${v} AS version, count(*)::BIGINT AS n
       FROM read_json(${literal(file)}, format = 'newline_delimited', columns = {${m}: 'VARCHAR', ${v}: 'INTEGER'})
       GROUP BY ALL`,
    );
  };

  /** The INSERT of a health segment's rows into serve_health. */
  const healthInsert = (file: string) =>
    `INSERT INTO serve_health (minute, model, version, status, requests, "rows", latency)
     SELECT minute, model, version, status, requests, "rows", latency
     FROM read_json(${literal(file)}, format = 'newline_delimited', columns = {minute: 'TIMESTAMP', model: 'VARCHAR', version: 'INTEGER', status: 'INTEGER', requests: 'BIGINT', "rows": 'BIGINT', latency: 'JSON'})`;

  /** The INSERT of a segment's records into its capture table, from the file, typed as the table is. */
  const segmentInsert = (t: CaptureTable, file: string, source: string) => {
    const { inputs } = t.columns;
    const struct = inputs.map((i) => `${ident(i.name)} ${i.type}`).join(', ');
    const columns = [
      "_at: 'TIMESTAMP'",
      "_row_id: 'VARCHAR'",
      "_role: 'VARCHAR'",
      "_latency_ms: 'DOUBLE'",
      ...(inputs.length ? [`inputs: ${literal(`STRUCT(${struct})`)}`] : []),
      "_prediction: 'VARCHAR'",
      "_score: 'DOUBLE'",
      "_probabilities: 'DOUBLE[]'",
    ];
    const names = [
      '_at',
      '_row_id',
      '_source',
      '_role',
      '_latency_ms',
      ...inputs.map((i) => i.name),
      '_prediction',
      '_score',
      '_probabilities',
    ];
    const values = [
      '_at',
      '_row_id',
      literal(source),
      '_role',
      '_latency_ms',
      ...inputs.map((i) => `inputs.${ident(i.name)}`),
      '_prediction',
      '_score',
      '_probabilities',
    ];
    return `INSERT INTO ${ident(t.table)} (${names.map(ident).join(', ')})
      SELECT ${values.join(', ')}
      FROM read_json(${literal(file)}, format = 'newline_delimited', columns = {${columns.join(', ')}})`;
  };

  /** A records segment's rows into the version's capture table, with its source, in one transaction. */
  const ingestRecords = async (v: ModelVersion, file: string, sha256: string, rows: number) => {
    const table = await ensureCaptureTable(db, v);
    await db.tx(async (sql) => {
      const source = await addCaptureSource(sql, {
        kind: 'segment',
        model: v.model,
        version: v.version,
        rows,
        detail: file,
      });
      await sql.run(segmentInsert(table, file, source));
      await sql.run('INSERT INTO capture_segments VALUES (?, ?, ?, ?, ?::TIMESTAMP)', [
        sha256,
        file,
        source,
        rows,
        new Date().toISOString(),
      ]);
    });
  };

  const ingestOne = async (file: string): Promise<Segment> => {
    const skipped = (reason: string, extra: Partial<Segment> = {}): Segment => ({
      file,
      sha256: '',
      status: 'skipped',
      rows: 0,
      model: null,
      version: null,
      reason,
      ...extra,
    });
    if (file.endsWith('.partial'))
      return skipped('still being written by the server (.partial); ingest it once it is renamed');
    const kind: SegmentKind = file.endsWith('.health.ndjson') ? 'health' : 'records';
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      return skipped(`unreadable: ${(err as Error).message}`);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // A health segment's row names no capture source: its source_id is `health:<model>@<version>`.
    const seen = await db.one<{ rows: number; model: string; version: number; source: string }>(
      `SELECT g."rows", s.model, s.version, g.source_id AS source
       FROM capture_segments g LEFT JOIN capture_sources s ON s.id = g.source_id WHERE g.sha256 = ?`,
      [sha256],
    );
    if (seen) {
      const health = /^health:(.+)@(\d+)$/.exec(text(seen.source));
      return {
        file,
        sha256,
        status: 'already',
        kind: health ? 'health' : 'records',
        rows: Number(seen.rows),
        model: health ? health[1]! : textOrNull(seen.model),
        version: health ? Number(health[2]) : seen.version === null ? null : Number(seen.version),
      };
    }
    let head;
    try {
      head = await segmentHead(file, kind);
    } catch (err) {
      return skipped(`not a segment file: ${(err as Error).message.split('\n')[0]}`, { sha256 });
    }
    if (head.length === 0) return skipped('empty: no records', { sha256 });
    if (head.length > 1)
      return skipped(
        `holds records of several model versions (${head.map((h) => `${h.model}@${h.version}`).join(', ')}); a segment holds one`,
        { sha256 },
      );
    const { model, version } = head[0]!;
    if (model === null || version === null)
      return skipped(
        `not a segment file: lines without ${kind === 'health' ? 'model and version' : '_model and _version'}`,
        { sha256 },
      );
    const rows = Number(head[0]!.n);
    const named = { sha256, model, version: Number(version), kind };
    let v: ModelVersion;
    try {
      v = await registry.version(`${model}@${version}`);
    } catch (err) {
      if (err instanceof LatheError && err.code === 'NOT_FOUND')
        return skipped(`unknown model version ${model}@${version}: ${err.message}`, named);
      throw err;
    }
    try {
      if (kind === 'health')
        await db.tx(async (sql) => {
          await sql.run(healthInsert(file));
          await sql.run('INSERT INTO capture_segments VALUES (?, ?, ?, ?, ?::TIMESTAMP)', [
            sha256,
            file,
            `health:${v.model}@${v.version}`,
            rows,
            new Date().toISOString(),
          ]);
        });
      else await ingestRecords(v, file, sha256, rows);
    } catch (err) {
      return skipped(
        `cannot be read as ${model}@${version}: ${(err as Error).message.split('\n')[0]}`,
        named,
      );
    }
    return { file, status: 'ingested', rows, ...named };
  };

  return {
    async captures(model) {
      const detail = await registry.get(model);
      const tables = await db.all<{ version_id: string }>(
        'SELECT version_id FROM capture_tables WHERE model = ? ORDER BY version',
        [detail.name],
      );
      const withReference = new Set(
        (
          await db.all<{ version_id: string }>(
            'SELECT version_id FROM monitor_references WHERE model = ?',
            [detail.name],
          )
        ).map((r) => text(r.version_id)),
      );
      const spans = new Map<string, { from: string | null; to: string | null; rows: number }>();
      const versions: CapturesOut['versions'] = [];
      for (const t of tables) {
        const mv = detail.versions.find((x) => x.id === t.version_id);
        if (!mv) continue;
        const table = (await captureTableOf(db, mv.id))!;
        const relation = await captureRelation(db, deps.workspaceDir, table);
        const bySource = await readingCaptures(db, deps.workspaceDir, [table], () =>
          db.all<{ source: string; n: number; from: string; to: string }>(
            `SELECT _source AS source, count(*)::BIGINT AS n, ${ISO('min(_at)')} AS "from", ${ISO('max(_at)')} AS "to"
             FROM ${relation} c GROUP BY _source`,
          ),
        );
        for (const s of bySource)
          spans.set(text(s.source), { from: s.from, to: s.to, rows: Number(s.n) });
        const rows = bySource.reduce((n, s) => n + Number(s.n), 0);
        if (rows === 0) continue;
        versions.push({
          version: mv.version,
          aliases: mv.aliases,
          rows,
          from: bySource.map((s) => s.from).sort()[0]!,
          to: bySource
            .map((s) => s.to)
            .sort()
            .at(-1)!,
          hasReference: withReference.has(mv.id),
        });
      }
      const sources = await db.all<{
        id: string;
        kind: CaptureSource['kind'];
        version: number;
        rows: number;
        rate: number;
        detail: string;
      }>(
        `SELECT id, kind, version, "rows", rate, detail FROM capture_sources WHERE model = ?
         ORDER BY started_at, id`,
        [detail.name],
      );
      return {
        model: detail.name,
        versions,
        sources: sources.map((s) => ({
          id: s.id,
          kind: s.kind,
          model: detail.name,
          version: Number(s.version),
          from: spans.get(s.id)?.from ?? null,
          to: spans.get(s.id)?.to ?? null,
          // The table's own count: a running server brings its source's count up to date every few seconds.
          rows: spans.get(s.id)?.rows ?? Number(s.rows),
          rate: Number(s.rate),
          detail: s.detail,
        })),
      };
    },

    async ingest(dir) {
      const path = resolve(dir);
      let files: string[];
      try {
        files = statSync(path).isDirectory()
          ? readdirSync(path, { withFileTypes: true })
              .filter((e) => e.isFile())
              .map((e) => join(path, e.name))
              .sort()
          : [path];
      } catch (err) {
        throw new LatheError(
          'FILE_NOT_FOUND',
          `ingest ${dir}: no such folder or file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
          { file: dir },
        );
      }
      const segments: Segment[] = [];
      for (const f of files) segments.push(await ingestOne(f));
      return {
        segments,
        rows: segments
          .filter((s) => s.status === 'ingested' && s.kind === 'records')
          .reduce((n, s) => n + s.rows, 0),
      };
    },

    async health({ ref, window, range }) {
      const parts = parseModelRef(ref);
      const detail = await registry.get(parts.name);
      const version = parts.kind === 'latest' ? null : (await registry.version(ref)).version;
      checkRange(range);
      const where = ['model = ?'];
      const params: (string | number)[] = [detail.name];
      if (version !== null) {
        where.push('version = ?');
        params.push(version);
      }
      for (const [bound, op] of [
        [range?.from, '>='],
        [range?.to, '<'],
      ] as const) {
        if (bound === undefined) continue;
        where.push(`minute ${op} epoch_ms(?::BIGINT)`);
        params.push(utcMs(bound, op === '>=' ? 'range.from' : 'range.to'));
      }
      const rows = await db.all<{
        minute: number;
        version: number;
        status: number;
        requests: number;
        rows: number;
        latency: string;
      }>(
        `SELECT epoch_ms(minute) AS minute, version, status, requests, "rows", latency::VARCHAR AS latency
         FROM serve_health WHERE ${where.join(' AND ')} ORDER BY minute, version, status`,
        params,
      );
      const minutes: HealthMinute[] = rows.map((r) => ({
        minute: Number(r.minute),
        version: Number(r.version),
        status: Number(r.status),
        requests: Number(r.requests),
        rows: Number(r.rows),
        latency: JSON.parse(text(r.latency)) as LatencyHistogram,
      }));
      return { model: detail.name, windows: healthWindows(minutes, window) };
    },
  };
}
