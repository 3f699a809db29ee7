import {
  LatheError,
  type FeatureSpec,
  type FeaturePreviewOut,
  type Task,
} from '../../shared/contract';
import type { DataService, ResolvedVersion } from '../data/data-service';
import type { Engine } from '../data/engine';
import { ident, literal, sqlInteger, toPlain } from '../workspace/db';
import { specColumns } from './check';
import { defaultFeatureSpec } from './default-spec';
import { fitFeatureSpec } from './fit';
import { compileFeatureSql } from './sql';

/** Rows a preview fits on: the first 200,000 of the version, 80% of them by a seeded hash. */
const PREVIEW_ROWS = 200_000;

export interface FeatureService {
  /** The spec training would build for a version when the config gives none. */
  defaultSpec(
    ref: string,
    target?: string,
  ): Promise<{ spec: FeatureSpec; dropped: { column: string; reason: string }[] }>;
  /** Fits a spec on a sample of a version and returns the first transformed rows with feature docs. */
  preview(input: {
    ref: string;
    spec: FeatureSpec;
    target?: string;
    task?: Task;
    limit: number;
  }): Promise<FeaturePreviewOut>;
}

function sampleOf(v: ResolvedVersion, target?: string): string {
  return `(SELECT * EXCLUDE (file_row_number), file_row_number AS __row,
      CASE WHEN md5_number_lower('preview:' || file_row_number::VARCHAR) % 5 < 4 THEN 'train' ELSE 'valid' END AS __split
    FROM read_parquet(${literal(v.storagePath)}, file_row_number = true)
    WHERE file_row_number < ${sqlInteger(PREVIEW_ROWS)}${target ? ` AND ${ident(target)} IS NOT NULL` : ''})`;
}

export function createFeatureService(deps: { data: DataService; engine: Engine }): FeatureService {
  const { data, engine } = deps;
  const checkTarget = (v: ResolvedVersion, target?: string) => {
    if (target && !v.columns.some((c) => c.name === target)) {
      throw new LatheError(
        'COLUMN_NOT_FOUND',
        `target: column '${target}' is not in dataset '${v.dataset}'`,
        { field: 'target' },
      );
    }
  };
  return {
    async defaultSpec(ref, target) {
      const v = await data.resolve(ref);
      checkTarget(v, target);
      return defaultFeatureSpec(engine, {
        from: sampleOf(v, target),
        trainWhere: `__split = 'train'`,
        columns: v.columns,
        features: v.columns.map((c) => c.name).filter((c) => c !== target),
      });
    },

    async preview({ ref, spec, target, task, limit }) {
      const v = await data.resolve(ref);
      checkTarget(v, target);
      const from = sampleOf(v, target);
      let classes: string[] = [];
      if (target && task && task !== 'regression') {
        classes = (
          await engine.all(`SELECT DISTINCT ${ident(target)}::VARCHAR AS v FROM ${from} ORDER BY 1`)
        ).map((r) => String(toPlain(r.v)));
      }
      const fitted = await fitFeatureSpec(spec, {
        engine,
        from,
        columns: v.columns,
        split: '__split',
        row: '__row',
        ...(target && task ? { target: { column: target, task, classes } } : {}),
      });
      const sql = compileFeatureSql(fitted, from, { keep: ['__row'], rowOrder: '__row' });
      const outRows = await engine.all(
        `SELECT * FROM (${sql}) ORDER BY __row LIMIT ${sqlInteger(limit)}`,
      );
      const inputColumns = [...new Set(specColumns(spec))];
      const inRows = await engine.all(
        `SELECT ${inputColumns.map(ident).join(', ')} FROM ${from} ORDER BY __row LIMIT ${sqlInteger(limit)}`,
      );
      return {
        outputs: fitted.outputs,
        docs: fitted.docs,
        rows: outRows.map((r) => fitted.outputs.map((o) => Number(toPlain(r[o]) ?? 0))),
        inputs: {
          columns: inputColumns,
          rows: inRows.map((r) => inputColumns.map((c) => toPlain(r[c]))),
        },
        specHash: fitted.specHash,
        trainRows: fitted.trainRows,
      };
    },
  };
}
