// The rows of a retraining: the champion's held-out rows (the challenger is evaluated on exactly these),
// the challenger's training rows (new rows that are not among them, optionally after the champion's own
// training rows), and new rows from captured predictions joined with their actuals.
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError, type Run } from '../../shared/contract';
import type { DataService, ResolvedVersion } from '../data/data-service';
import type { Engine } from '../data/engine';
import { applySplit, type SplitRule } from '../data/splits';
import { captureRelation, captureTableOf, readingCaptures } from '../serve/capture';
import { ident, literal, type Database } from '../workspace/db';

const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

const ref = (v: { dataset: string; version: number }) => `${v.dataset}@${v.version}`;

/** The rows of a version with their file row number as `__row`, as training and evaluation read them. */
const rowsOf = (v: ResolvedVersion, target: string) =>
  `(SELECT * EXCLUDE (file_row_number), file_row_number AS __row FROM read_parquet(${literal(
    v.storagePath,
  )}, file_row_number = true) WHERE ${ident(target)} IS NOT NULL)`;

export interface RetrainRows {
  /** The champion's held-out rows as a dataset version: what both models are evaluated on. */
  holdout: ResolvedVersion;
  /** The challenger's training data, and what it is made of. */
  training: ResolvedVersion;
  /** New rows set aside because they equal one of the held-out rows. */
  setAside: number;
  /** Rows of the champion's own data kept for training (combine). */
  oldRows: number;
}

/**
 * Splits the champion's dataset version by its run's recorded split rule (split.json) exactly as its
 * evaluation did — the test rows, else the validation rows — and records them as a version of
 * `<dataset>_holdout`. The challenger trains on the new rows minus any equal to a held-out row (compared
 * on the columns both have), after the champion's non-held-out rows when `combine`; a version of
 * `<dataset>_retrain` unless that is just the new version unchanged.
 */
export async function retrainRows(
  deps: { engine: Engine; data: DataService },
  args: {
    champion: Run;
    rule: SplitRule;
    newData: ResolvedVersion;
    combine: boolean;
    jobId: string;
  },
): Promise<RetrainRows> {
  const { engine, data } = deps;
  const { champion, rule, newData, combine } = args;
  const target = champion.config.target;
  const old = await data.resolve(`${champion.lineage.dataset}@${champion.lineage.datasetVersion}`);
  const project = champion.project;
  for (const [v, what] of [
    [newData, 'the new data'],
    [old, "the champion's data"],
  ] as const)
    if (!v.columns.some((c) => c.name === target))
      throw new LatheError(
        'COLUMN_NOT_FOUND',
        `${ref(v)} (${what}) has no column '${target}', the champion's target`,
        { dataset: ref(v), column: target },
      );
  const which = rule.testFraction > 0 ? 'test' : 'valid';
  const table = `retrain_${args.jobId.replace(/[^A-Za-z0-9]/g, '')}`;
  try {
    await applySplit(engine, { table, from: rowsOf(old, target), rule, target, row: '__row' });
    const holdout = await deriveVersion(data, {
      name: `${old.dataset}_holdout`,
      project,
      select: `(SELECT * EXCLUDE (__row, __split) FROM ${table} WHERE __split = ${literal(which)} ORDER BY __row)`,
      hash: sha256({ holdout: old.hash, rule, which, target }),
      parents: [old],
      transform: { retrain: 'holdout', run: champion.id, rule, rows: which },
      source: `${ref(old)} → the ${which === 'test' ? 'test' : 'validation'} rows of run ${champion.id}`,
    });
    const common = newData.columns
      .map((c) => c.name)
      .filter((c) => old.columns.some((x) => x.name === c));
    const matches = common
      .map((c) => `h.${ident(c)}::VARCHAR IS NOT DISTINCT FROM n.${ident(c)}::VARCHAR`)
      .join(' AND ');
    const fresh = `(SELECT n.* FROM ${rowsOf(newData, target)} n WHERE NOT EXISTS (
        SELECT 1 FROM ${table} h WHERE h.__split = ${literal(which)} AND ${matches || 'false'}))`;
    const [counts = {}] = await engine.all(
      `SELECT (SELECT count(*) FROM ${rowsOf(newData, target)}) AS total, (SELECT count(*) FROM ${fresh}) AS kept,
              (SELECT count(*) FROM ${table} WHERE __split <> ${literal(which)}) AS old`,
    );
    const setAside = Number(counts.total) - Number(counts.kept);
    const oldRows = combine ? Number(counts.old) : 0;
    if (Number(counts.kept) + oldRows === 0)
      throw new LatheError(
        'INVALID_INPUT',
        `${ref(newData)} has no rows to train on: every row with a ${target} is one of the champion's held-out rows`,
        { dataset: ref(newData) },
      );
    const unchanged = !combine && setAside === 0;
    const training = unchanged
      ? newData
      : await deriveVersion(data, {
          name: `${old.dataset}_retrain`,
          project,
          select: combine
            ? `(SELECT * EXCLUDE (__src, __row) FROM (
                 SELECT 0 AS __src, * EXCLUDE (__split) FROM ${table} WHERE __split <> ${literal(which)}
                 UNION ALL BY NAME SELECT 1 AS __src, * FROM ${fresh}) ORDER BY __src, __row)`
            : `(SELECT * EXCLUDE (__row) FROM ${fresh} ORDER BY __row)`,
          hash: sha256({ retrain: newData.hash, holdout: holdout.hash, combine, old: old.hash }),
          parents: combine ? [old, newData] : [newData],
          transform: { retrain: 'training', run: champion.id, combine, holdout: ref(holdout) },
          source: `${combine ? `${ref(old)} (its training rows) + ` : ''}${ref(newData)} minus the champion's held-out rows`,
        });
    return { holdout, training, setAside, oldRows };
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

async function deriveVersion(
  data: DataService,
  input: Parameters<DataService['deriveVersion']>[0],
): Promise<ResolvedVersion> {
  const out = await data.deriveVersion(input);
  return data.resolve(ref({ dataset: out.dataset, version: out.version.version }));
}

/**
 * The captured predictions of a version that have an actual, as a table of the signature's inputs and
 * the target (typed as in the champion's data), imported as a version of `<dataset>_captured`.
 * INVALID_INPUT when nothing is captured or no captured row has a label yet.
 */
export async function capturedVersion(
  deps: { db: Database; data: DataService; tmpDir: string; workspaceDir: string },
  args: { model: string; versionId: string; label: string; champion: Run; old: ResolvedVersion },
): Promise<ResolvedVersion> {
  const { db, data } = deps;
  const { model, champion, old } = args;
  const target = champion.config.target;
  const capture = await captureTableOf(db, args.versionId);
  if (!capture)
    throw new LatheError(
      'INVALID_INPUT',
      `${args.label} has no captured predictions: serve it or score a batch with lathe predict first`,
      { model },
    );
  const inputs = capture.columns.inputs;
  const type = old.columns.find((c) => c.name === target)?.type ?? 'VARCHAR';
  const tmp = join(deps.tmpDir, `retrain-captured-${randomBytes(6).toString('hex')}.parquet`);
  const select = `SELECT ${inputs.map((i) => `c.${ident(i.name)}`).join(', ')}, TRY_CAST(a.target AS ${type}) AS ${ident(target)}
    FROM ${await captureRelation(db, deps.workspaceDir, capture)} c JOIN actuals a ON a.model = ${literal(model)} AND a.row_id = c._row_id
    ORDER BY c._at, c._row_id`;
  try {
    await readingCaptures(db, deps.workspaceDir, [capture], async () => {
      const [{ n = 0 } = {}] = await db.all(`SELECT count(*) AS n FROM (${select})`);
      if (Number(n) === 0)
        throw new LatheError(
          'INVALID_INPUT',
          `no captured prediction of ${args.label} has an actual yet: join labels with lathe monitor actuals ${model} first`,
          { model },
        );
      await db.run(`COPY (${select}) TO ${literal(tmp)} (FORMAT parquet)`);
    });
    const out = await data.importFile({
      path: tmp,
      name: `${old.dataset}_captured`,
      project: champion.project,
      format: 'parquet',
    });
    return data.resolve(ref({ dataset: out.dataset, version: out.version.version }));
  } finally {
    rmSync(tmp, { force: true });
  }
}
