// Reference sketches of a version's inputs and prediction, stored once when it is registered or imported.
//
// Per input: row and null counts, distinct count, quantiles, a 20-bin view histogram, and what drift
// computes on. Numeric inputs keep every distinct value with its count when there are at most
// LOSSLESS_MAX of them (a reference of up to 1,000 rows always does: exact tests run on its values);
// otherwise SKETCH_POINTS equal-depth blocks, each kept as its mean and row count. Moving each value to
// its block's mean shifts the CDF by at most one block (1/SKETCH_POINTS = 1e-4) anywhere, so KS and every
// binned share (PSI, KL, JS, Hellinger bins) are within 1e-4 of the exact ones per edge, and the
// Wasserstein distance moves by at most (max − min) / SKETCH_POINTS: within 1e-3 of the reference's std
// when its range spans up to 10 of them (tests/unit/main/monitor/reference.test.ts checks both).
// Categorical inputs keep their CATEGORY_MAX most frequent categories and the rest as `other`.
import {
  servableSignature,
  LatheError,
  type Distribution,
  type ModelSignature,
  type ModelVersion,
  type ReferenceFeature,
  type ReferenceOut,
  type Run,
} from '../../shared/contract';
import type { DataService } from '../data/data-service';
import type { Engine } from '../data/engine';
import { applySplit, type SplitRule } from '../data/splits';
import { stddevSql } from '../data/sql-stats';
// Types only: the trainer's module loads tfjs, which monitoring must not.
import type { ValidPredictions, ValidPredictionsPath } from '../train/trainer';
import type { RegisterDraft, RegisterWrite } from '../registry/registration';
import type { ArtifactStore } from '../workspace/artifacts';
import {
  ident,
  literal,
  sqlInteger,
  sqlNumber,
  text,
  type Database,
  type Sql,
} from '../workspace/db';
import { numberList, stringList, type CategoryCounts, type NumericPoints } from './drift-sql';

/** Distinct values a numeric reference keeps exactly. */
export const LOSSLESS_MAX = 10_000;
/** Equal-depth blocks of a larger numeric reference. */
export const SKETCH_POINTS = 10_000;
/** Categories kept per categorical input (the rest count as other). */
export const CATEGORY_MAX = 10_000;
/** Rows up to which a reference counts as exact (Evidently's default tests then are KS and chi-square). */
export const EXACT_ROWS = 1_000;

/** The artifact of a run's validation predictions (main/train/trainer.ts; tsc checks the name). */
const VALID_PREDICTIONS: ValidPredictionsPath = 'monitor/valid-predictions.json';

const QUANTILES = [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1];
const VIEW_BINS = 20;
const VIEW_CATEGORIES = 20;

/** One stored input (or the prediction): the summary the view shows and what drift computes on. */
export interface StoredFeature {
  feature: string;
  kind: 'numeric' | 'categorical';
  /** Rows, nulls included. */
  rows: number;
  nulls: number;
  distinct: number;
  exact: boolean;
  distribution: Distribution;
  numeric?: NumericPoints & { mean: number; std: number; quantiles: { p: number; v: number }[] };
  categorical?: CategoryCounts & { keys: string[] };
}

export interface StoredReference {
  source: { dataset: string; split: 'train' | 'all' };
  rows: number;
  createdAt: string;
  features: StoredFeature[];
  prediction: StoredFeature | null;
}

export interface ReferenceStore {
  /**
   * Computes the reference of a run's model about to be registered (the rows and split it trained on)
   * and returns the write that stores it in the registration's own transaction, so a registered version
   * always has it, whenever the process stops; null when the run kept no split to compute it from.
   */
  prepare(draft: RegisterDraft): Promise<RegisterWrite | null>;
  /** The stored reference of a version, by id. */
  get(version: ModelVersion): Promise<ReferenceOut>;
  /** Sets (replaces) a version's reference from a dataset version. */
  setFrom(version: ModelVersion, dataRef: string): Promise<ReferenceOut>;
  /** The stored reference with what drift computes on; NOT_FOUND naming `lathe monitor reference` when none. */
  stored(version: ModelVersion): Promise<StoredReference>;
}

const n = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v ?? 0));

/** The kind drift treats an input as, or null for inputs it does not compare (dates, other). */
export function driftKind(kind: string): 'numeric' | 'categorical' | null {
  if (kind === 'numeric') return 'numeric';
  if (kind === 'categorical' || kind === 'boolean') return 'categorical';
  return null;
}

/** Summarizes column `x` of relation `src` (nulls kept) as a stored feature. */
export async function summarize(
  engine: Pick<Engine, 'all'>,
  src: string,
  feature: string,
  kind: 'numeric' | 'categorical',
): Promise<StoredFeature> {
  if (kind === 'numeric') {
    const [s = {}] = await engine.all(
      `SELECT count(*) AS total, count(x) AS n, min(x) AS mn, max(x) AS mx, avg(x) AS mean, ${stddevSql('x', 'pop')} AS sd,
         count(DISTINCT x) AS d, quantile_cont(x, ${numberList(QUANTILES)}) AS q FROM ${src}`,
    );
    const rows = n(s.total);
    const count = n(s.n);
    const distinct = n(s.d);
    const [mn, mx] = [n(s.mn), n(s.mx)];
    const lossless = distinct <= LOSSLESS_MAX;
    const points = count
      ? await engine.all(
          lossless
            ? `SELECT x AS v, count(*)::DOUBLE AS c FROM ${src} WHERE x IS NOT NULL GROUP BY x ORDER BY x`
            : `SELECT avg(x) AS v, count(*)::DOUBLE AS c FROM (
                 SELECT x, floor((row_number() OVER (ORDER BY x) - 1) * ${sqlInteger(SKETCH_POINTS)} / ${sqlInteger(count)}) AS blk
                 FROM ${src} WHERE x IS NOT NULL) GROUP BY blk ORDER BY blk`,
        )
      : [];
    // Values more than ~1.8e308 apart overflow mx − mn: bin them halved (exact but for subnormals).
    const half = Number.isFinite(mx - mn) ? 1 : 0.5;
    const width = mx > mn ? (mx * half - mn * half) / VIEW_BINS : 1;
    const scaled = half === 1 ? 'x' : `(x * ${sqlNumber(half)})`;
    const view = count
      ? await engine.all(
          `SELECT least(${sqlInteger(VIEW_BINS - 1)}, floor((${scaled} - ${sqlNumber(mn * half)}) / ${sqlNumber(width)}))::INT AS b, count(*) AS c
           FROM ${src} WHERE x IS NOT NULL GROUP BY b`,
        )
      : [];
    const counts = new Array<number>(VIEW_BINS).fill(0);
    for (const r of view) counts[n(r.b)] = n(r.c);
    return {
      feature,
      kind,
      rows,
      nulls: rows - count,
      distinct,
      exact: count <= EXACT_ROWS,
      distribution: {
        kind: 'numeric',
        edges: Array.from({ length: VIEW_BINS + 1 }, (_, i) => (mn * half + i * width) / half),
        counts,
      },
      numeric: {
        n: count,
        min: mn,
        max: mx,
        mean: n(s.mean),
        std: n(s.sd),
        distinct,
        lossless,
        values: points.map((r) => n(r.v)),
        weights: points.map((r) => n(r.c)),
        quantiles: count ? (s.q as unknown[]).map((v, i) => ({ p: QUANTILES[i]!, v: n(v) })) : [],
      },
    };
  }
  const [s = {}] = await engine.all(
    `SELECT count(*) AS total, count(x) AS n, count(DISTINCT x) AS d FROM ${src}`,
  );
  const top = await engine.all(
    `SELECT x::VARCHAR AS k, count(*) AS c FROM ${src} WHERE x IS NOT NULL GROUP BY 1
     ORDER BY c DESC, k LIMIT ${sqlInteger(CATEGORY_MAX)}`,
  );
  const rows = n(s.total);
  const count = n(s.n);
  const keys = top.map((r) => text(r.k));
  const counts = top.map((r) => n(r.c));
  const other = count - counts.reduce((a, b) => a + b, 0);
  const shown = keys.slice(0, VIEW_CATEGORIES);
  const shownCounts = counts.slice(0, VIEW_CATEGORIES);
  const rest = count - shownCounts.reduce((a, b) => a + b, 0);
  return {
    feature,
    kind,
    rows,
    nulls: rows - count,
    distinct: n(s.d),
    exact: count <= EXACT_ROWS,
    distribution: {
      kind: 'categorical',
      categories: rest > 0 ? [...shown, '(other)'] : shown,
      counts: rest > 0 ? [...shownCounts, rest] : shownCounts,
    },
    categorical: { n: count, keys, counts, other },
  };
}

/** The summary a channel returns: never the points. */
function publicFeature(f: StoredFeature): ReferenceFeature {
  return {
    feature: f.feature,
    kind: f.kind,
    rows: f.rows,
    nullRate: f.rows ? f.nulls / f.rows : 0,
    exact: f.exact,
    distinct: f.distinct,
    distribution: f.distribution,
  };
}

export function createReferenceStore(deps: {
  db: Database;
  engine: Engine;
  data: DataService;
  artifacts: ArtifactStore;
  getRun(id: string): Promise<Run>;
}): ReferenceStore {
  const { db, engine, data, artifacts } = deps;
  let seq = 0;

  const readArtifact = async (run: Run, path: string): Promise<Buffer | null> => {
    const a = run.artifacts.find((x) => x.path === path);
    return a ? artifacts.read(a.sha256) : null;
  };

  /** Summaries of a signature's inputs over `from` (a relation of the dataset's rows). */
  async function inputs(signature: ModelSignature, from: string, columns: string[]) {
    const out: StoredFeature[] = [];
    for (const input of signature.inputs) {
      const kind = driftKind(input.kind);
      if (!kind || !columns.includes(input.name)) continue;
      const x =
        kind === 'numeric' ? `${ident(input.name)}::DOUBLE` : `${ident(input.name)}::VARCHAR`;
      out.push(await summarize(engine, `(SELECT ${x} AS x FROM ${from})`, input.name, kind));
    }
    return out;
  }

  async function predictionOf(run: Run): Promise<StoredFeature | null> {
    const bytes = await readArtifact(run, VALID_PREDICTIONS);
    if (!bytes) return null;
    const p = JSON.parse(bytes.toString('utf8')) as ValidPredictions;
    if (!p.scores.length) return null;
    if (p.task === 'multiclass' && p.predicted && p.classes) {
      const labels = p.predicted.map((i) => p.classes![i] ?? String(i));
      return summarize(
        engine,
        `(SELECT unnest(${stringList(labels)}) AS x)`,
        'prediction',
        'categorical',
      );
    }
    return summarize(
      engine,
      `(SELECT unnest(${numberList(p.scores)}) AS x)`,
      'prediction',
      'numeric',
    );
  }

  async function save(
    sql: Sql,
    version: { id: string; model: string; version: number },
    ref: StoredReference,
  ): Promise<void> {
    await sql.run(
      `INSERT OR REPLACE INTO monitor_references (version_id, model, version, created_at, reference)
       VALUES (?, ?, ?, ?::TIMESTAMP, ?)`,
      [version.id, version.model, version.version, ref.createdAt, JSON.stringify(ref)],
    );
  }

  function publicOf(version: ModelVersion, ref: StoredReference): ReferenceOut {
    return {
      model: version.model,
      version: version.version,
      source: ref.source,
      rows: ref.rows,
      createdAt: ref.createdAt,
      features: ref.features.map(publicFeature),
      prediction: ref.prediction ? publicFeature(ref.prediction) : null,
    };
  }

  /** Runs `work` over a scratch table of the engine, dropped after. */
  async function withTable<T>(work: (table: string) => Promise<T>): Promise<T> {
    const table = `monitor_ref_${process.pid}_${++seq}`;
    try {
      return await work(table);
    } finally {
      await engine.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }

  async function stored(version: ModelVersion): Promise<StoredReference> {
    const row = await db.one(`SELECT reference FROM monitor_references WHERE version_id = ?`, [
      version.id,
    ]);
    if (!row) {
      const ref = `${version.model}@${version.version}`;
      throw new LatheError(
        'NOT_FOUND',
        `${ref} has no monitoring reference${version.runId === null ? ' (an imported model keeps none of its training data)' : ''}; set one with \`lathe monitor reference ${ref} --data DATASET\``,
        { ref },
      );
    }
    return JSON.parse(text(row.reference)) as StoredReference;
  }

  return {
    async prepare({ runId, dataset, signature }) {
      const run = await deps.getRun(runId);
      const splitBytes = await readArtifact(run, 'split.json');
      if (!splitBytes) return null;
      const rule = JSON.parse(splitBytes.toString('utf8')) as SplitRule;
      const resolved = await data.resolve(dataset);
      const target = ident(run.config.target);
      const file = `read_parquet(${literal(resolved.storagePath)}, file_row_number = true)`;
      const ref = await withTable(async (table) => {
        // The rows and split the run trained on: training.ts reads the same rows the same way.
        await applySplit(engine, {
          table,
          from: `(SELECT * EXCLUDE (file_row_number), file_row_number AS __row FROM ${file} WHERE ${target} IS NOT NULL)`,
          rule,
          target: run.config.target,
          row: '__row',
        });
        const from = `(SELECT * FROM ${table} WHERE __split = 'train')`;
        const [c = {}] = await engine.all(`SELECT count(*) AS n FROM ${from}`);
        return {
          source: { dataset, split: 'train' as const },
          rows: n(c.n),
          createdAt: new Date().toISOString(),
          features: await inputs(
            signature,
            from,
            resolved.columns.map((x) => x.name),
          ),
          prediction: await predictionOf(run),
        };
      });
      return (sql, version) => save(sql, version, ref);
    },

    async get(version) {
      return publicOf(version, await stored(version));
    },

    async setFrom(version, dataRef) {
      const resolved = await data.resolve(dataRef);
      const names = resolved.columns.map((c) => c.name);
      const signature = servableSignature(version);
      const missing = signature.inputs
        .filter((i) => driftKind(i.kind) && !names.includes(i.name))
        .map((i) => i.name);
      if (missing.length) {
        throw new LatheError(
          'COLUMN_NOT_FOUND',
          `dataset ${resolved.dataset}@${resolved.version} lacks input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} of ${version.model}@${version.version}`,
          { data: dataRef },
        );
      }
      const from = `read_parquet(${literal(resolved.storagePath)})`;
      const [c = {}] = await engine.all(`SELECT count(*) AS n FROM ${from}`);
      const previous = await stored(version).catch(() => null);
      const ref: StoredReference = {
        source: { dataset: `${resolved.dataset}@${resolved.version}`, split: 'all' },
        rows: n(c.n),
        createdAt: new Date().toISOString(),
        features: await inputs(signature, from, names),
        prediction: previous?.prediction ?? null,
      };
      await save(db, version, ref);
      return publicOf(version, ref);
    },

    stored,
  };
}
