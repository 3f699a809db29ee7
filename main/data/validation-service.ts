import {
  ExpectationSuite,
  LatheError,
  type SavedSuite,
  type ValidationReport,
} from '../../shared/contract';
import { createHash } from 'node:crypto';
import { ident, literal, type Database } from '../workspace/db';
import { isIntegerType } from './column-kind';
import { iso, newId } from '../workspace/projects';
import type { DataService } from './data-service';
import type { Engine } from './engine';
import { suggestSuite, type ExactBounds } from './suggest';
import { evaluateSuite, suiteHash } from './validate';

export interface ValidationService {
  /** A draft suite from a version's profile. */
  suggest(ref: string): Promise<ExpectationSuite>;
  /**
   * Evaluates a suite (by default the one saved with the dataset) on a version and stores the report
   * with it.
   */
  validate(
    ref: string,
    suite: ExpectationSuite | undefined,
    quarantine: boolean,
  ): Promise<ValidationReport>;
  /** The suite saved with a dataset, or nulls. */
  savedSuite(name: string): Promise<SavedSuite>;
  /** Saves a suite with a dataset, replacing the one saved before. */
  saveSuite(name: string, suite: ExpectationSuite): Promise<SavedSuite>;
  /** Stored reports of a version, newest first. */
  reports(ref: string): Promise<ValidationReport[]>;
}

export function createValidationService(deps: {
  db: Database;
  engine: Engine;
  data: DataService;
}): ValidationService {
  const { db, engine, data } = deps;
  const savedSuite = async (name: string): Promise<SavedSuite> => {
    const v = await data.resolve(name);
    const row = await db.one<{ suite: string; updated_at: unknown }>(
      `SELECT s.suite::VARCHAR AS suite, s.updated_at FROM dataset_suites s
       JOIN dataset_versions v ON v.dataset_id = s.dataset_id WHERE v.id = ?`,
      [v.id],
    );
    return {
      dataset: v.dataset,
      suite: row ? ExpectationSuite.parse(JSON.parse(String(row.suite))) : null,
      updatedAt: row ? iso(row.updated_at) : null,
    };
  };
  return {
    savedSuite,

    async saveSuite(name, suite) {
      const v = await data.resolve(name);
      await db.run(
        `INSERT OR REPLACE INTO dataset_suites
         SELECT dataset_id, ?, now() FROM dataset_versions WHERE id = ?`,
        [JSON.stringify(suite), v.id],
      );
      return savedSuite(name);
    },

    async suggest(ref) {
      const v = await data.resolve(ref);
      const profile = await data.profile(ref);
      // The profile carries integers as doubles, which round past 2^53: read those columns' exact range as
      // text, so the suggested range holds on the data it came from.
      const wide = profile.columns.filter(
        (c) =>
          isIntegerType(c.type) &&
          [c.min, c.max].some((x) => typeof x === 'number' && !Number.isSafeInteger(x)),
      );
      const exact: ExactBounds = new Map();
      if (wide.length) {
        const [row = {}] = await engine.all(
          `SELECT ${wide
            .map(
              (c, i) =>
                `min(${ident(c.name)})::VARCHAR AS lo${i}, max(${ident(c.name)})::VARCHAR AS hi${i}`,
            )
            .join(', ')} FROM read_parquet(${literal(v.storagePath)})`,
        );
        wide.forEach((c, i) => {
          const [min, max] = [row[`lo${i}`], row[`hi${i}`]];
          if (typeof min === 'string' && typeof max === 'string') exact.set(c.name, { min, max });
        });
      }
      return suggestSuite(profile, exact);
    },

    async validate(ref, given, quarantine) {
      const started = Date.now();
      const v = await data.resolve(ref);
      const suite = given ?? (await savedSuite(v.dataset)).suite;
      if (!suite)
        throw new LatheError(
          'INVALID_INPUT',
          `no expectation suite given and none is saved with dataset '${v.dataset}'`,
          { ref },
        );
      const evaluated = await evaluateSuite(engine, v.storagePath, v.columns, suite);
      const failed = evaluated.results.filter((r) => !r.passed);
      const hash = suiteHash(suite);
      let quarantined: ValidationReport['quarantine'] = null;
      const condition = evaluated.quarantineCondition;
      if (quarantine && condition) {
        // Rows breaking a row-level error expectation, and the rest: two new versions naming their parent.
        const derive = async (which: 'failing' | 'clean', where: string, rows: number) => {
          if (rows === 0) return null;
          const name = `${v.dataset}_${which === 'failing' ? 'quarantine' : 'clean'}`;
          const out = await data.deriveVersion({
            name,
            project,
            select: `(SELECT * FROM read_parquet(${literal(v.storagePath)}) WHERE ${where})`,
            hash: createHash('sha256')
              .update(JSON.stringify({ parent: v.hash, suite: hash, which }))
              .digest('hex'),
            parents: [v],
            transform: { validate: { suite: suite.name, suiteHash: hash }, rows: which },
            source: `${v.dataset}@${v.version} → ${which === 'failing' ? 'rows failing' : 'rows passing'} '${suite.name}'`,
          });
          return { dataset: name, version: out.version.version, rows: out.version.rows };
        };
        const project = (await data.list()).find((d) => d.name === v.dataset)?.project ?? 'Default';
        const [{ n = 0 } = {}] = await engine.all(
          `SELECT count(*) AS n FROM read_parquet(${literal(v.storagePath)}) WHERE ${condition}`,
        );
        const failing = Number(n);
        const f = await derive('failing', condition, failing);
        const clean = await derive(
          'clean',
          `NOT coalesce(${condition}, false)`,
          evaluated.rows - failing,
        );
        quarantined = f ? { failing: f, clean } : null;
      }
      const report: ValidationReport = {
        id: newId(),
        dataset: v.dataset,
        version: v.version,
        versionId: v.id,
        suiteName: suite.name,
        suiteHash: hash,
        success: !failed.some((r) => r.severity === 'error'),
        errors: failed.filter((r) => r.severity === 'error').length,
        warnings: failed.filter((r) => r.severity === 'warn').length,
        rows: evaluated.rows,
        columns: v.columns.map((c) => c.name),
        results: evaluated.results,
        quarantine: quarantined,
        createdAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
      };
      await db.run('INSERT INTO validation_reports VALUES (?, ?, ?, ?, ?, ?, ?::TIMESTAMP)', [
        report.id,
        v.id,
        report.suiteHash,
        JSON.stringify(suite),
        JSON.stringify(report),
        report.success,
        report.createdAt,
      ]);
      return report;
    },

    async reports(ref) {
      const v = await data.resolve(ref);
      const rows = await db.all<{ report: string; created_at: unknown }>(
        'SELECT report, created_at FROM validation_reports WHERE version_id = ? ORDER BY created_at DESC, id',
        [v.id],
      );
      return rows.map((r) => ({
        ...(JSON.parse(r.report) as ValidationReport),
        createdAt: iso(r.created_at),
      }));
    },
  };
}
