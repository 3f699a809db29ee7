// lathe monitor drift, lathe monitor reference.
import {
  DriftIn,
  DriftMethod,
  LatheError,
  type DriftOut,
  type ReferenceOut,
} from '../../../shared/contract';
import { formatNumber, formatPercent } from '../../../shared/format';
import {
  givenStrs,
  invoke,
  num,
  parseOrThrow,
  str,
  strs,
  type Command,
  type Ctx,
} from '../command';
import { table } from '../output';
import { checkOutputPath, writeOutputFile } from '../output-file';

const REF = {
  name: 'NAME[@VERSION|@ALIAS]',
  required: true,
  description: 'the model version whose reference is the baseline',
};

/** `--window hour|day|week|N`. */
function windowOf(ctx: Ctx): DriftIn['window'] {
  const w = str(ctx, 'window');
  if (w === undefined) return undefined;
  if (/^\d+$/.test(w) && Number(w) > 0) return Number(w);
  if (w === 'hour' || w === 'day' || w === 'week') return w;
  throw new LatheError('INVALID_INPUT', `--window: '${w}' is not hour, day, week or a row count`, {
    field: 'window',
  });
}

/** `--rows FROM:TO`: captured rows by position, TO exclusive. */
function rowsOf(ctx: Ctx): DriftIn['rows'] {
  const r = str(ctx, 'rows');
  if (r === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(r);
  if (!m || Number(m[2]) <= Number(m[1]))
    throw new LatheError(
      'INVALID_INPUT',
      `--rows: '${r}' is not FROM:TO (row positions from 0, TO past the last row read and above FROM)`,
      { field: 'rows' },
    );
  return { from: Number(m[1]), to: Number(m[2]) };
}

/** `--method col=psi` (repeatable) and `--threshold col=0.2` / `--threshold 0.2` (every column). */
function perColumn(ctx: Ctx) {
  const methods: Record<string, DriftMethod> = {};
  for (const m of strs(ctx, 'method')) {
    const [col, name] = m.split('=');
    const parsed = DriftMethod.safeParse(name);
    if (!col || !parsed.success) {
      throw new LatheError(
        'INVALID_INPUT',
        `--method: '${m}' is not COLUMN=METHOD with METHOD one of ${DriftMethod.options.join(', ')}`,
        { field: 'method' },
      );
    }
    methods[col] = parsed.data;
  }
  const thresholds: Record<string, number> = {};
  for (const t of strs(ctx, 'threshold')) {
    const [col, value] = t.includes('=') ? t.split('=') : ['*', t];
    const x = Number(value);
    if (!col || !(x > 0 && Number.isFinite(x))) {
      throw new LatheError('INVALID_INPUT', `--threshold: '${t}' is not [COLUMN=]POSITIVE_NUMBER`, {
        field: 'threshold',
      });
    }
    thresholds[col] = x;
  }
  return {
    ...(Object.keys(methods).length ? { methods } : {}),
    ...(Object.keys(thresholds).length ? { thresholds } : {}),
  };
}

function humanDrift(d: DriftOut): string {
  const rows = [...d.features, ...(d.prediction ? [d.prediction] : [])].map((f) => [
    f.feature,
    f.method,
    formatNumber(f.statistic),
    f.pValue === undefined ? '' : formatNumber(f.pValue),
    formatNumber(f.threshold),
    f.drifted ? 'DRIFT' : f.warn ? 'warn' : 'ok',
  ]);
  const head = `${d.model}@${d.version} against its reference (${d.reference.rows} rows${d.reference.exact ? ', exact tests' : ''}); current: ${d.current.kind} ${d.current.source}, ${d.current.rows} rows`;
  const verdict = `${d.datasetDrift ? 'Dataset drift' : 'No dataset drift'}: ${formatPercent(d.driftShare)} of features drifted (threshold ${formatPercent(d.shareThreshold)})`;
  // Windows of N rows say which rows (--rows A:B reads one again): their times may all be one.
  const byRows = d.windows.some((w) => w.firstRow !== undefined);
  const windows = d.windows.length
    ? `\n\n${table(
        [...(byRows ? ['rows A:B'] : []), 'start', 'end', 'rows', 'drift share', 'dataset drift'],
        d.windows.map((w) => [
          ...(byRows ? [`${w.firstRow ?? ''}:${(w.firstRow ?? 0) + w.rows}`] : []),
          w.start,
          w.end,
          w.rows,
          formatPercent(w.driftShare),
          w.datasetDrift ? 'yes' : 'no',
        ]),
      )}`
    : '';
  return `${head}\n\n${table(['feature', 'method', 'statistic', 'p-value', 'threshold', 'verdict'], rows)}\n\n${verdict}${windows}`;
}

function humanReference(r: ReferenceOut): string {
  return `${r.model}@${r.version} reference from ${r.source.dataset} (${r.source.split === 'train' ? 'training split' : 'all rows'}), ${r.rows} rows, ${r.createdAt}\n\n${table(
    ['feature', 'kind', 'rows', 'nulls', 'distinct', 'exact'],
    [...r.features, ...(r.prediction ? [r.prediction] : [])].map((f) => [
      f === r.prediction ? `${f.feature} (validation rows)` : f.feature,
      f.kind,
      f.rows,
      formatPercent(f.nullRate),
      f.distinct,
      f.exact ? 'yes' : 'sketch',
    ]),
  )}`;
}

export const driftCommands: Command[] = [
  {
    path: ['monitor', 'drift'],
    opensWorkspace: true,
    summary:
      "Drift of current data (captured predictions, one batch job, or a dataset version) against a version's stored reference, per feature and for the prediction.",
    positionals: [REF],
    flags: {
      data: { type: 'string', value: 'DATASET[@V]', description: 'compare a dataset version' },
      batch: {
        type: 'string',
        value: 'ID',
        description:
          "compare one batch job's captured rows (its id or 8+ leading characters, as lathe predict list NAME shows it)",
      },
      from: { type: 'string', value: 'TIME', description: 'captured rows from this time (ISO)' },
      to: { type: 'string', value: 'TIME', description: 'captured rows before this time (ISO)' },
      rows: {
        type: 'string',
        value: 'FROM:TO',
        description:
          'captured rows FROM to TO (excluded) in the order they were captured: the window of N rows k is k·N:(k+1)·N',
      },
      window: {
        type: 'string',
        value: 'hour|day|week|N',
        description: 'also cut captured rows into windows by time or every N rows',
      },
      method: {
        type: 'string',
        value: 'COL=METHOD',
        multiple: true,
        description: `a column's method (${DriftMethod.options.join(', ')}); repeatable`,
      },
      threshold: {
        type: 'string',
        value: '[COL=]X',
        multiple: true,
        description: "a column's threshold, or every column's; repeatable",
      },
      share: {
        type: 'number',
        value: 'S',
        description: 'share of drifted features that makes dataset drift (default 0.5)',
      },
      html: { type: 'string', value: 'FILE', description: 'also write a standalone HTML report' },
    },
    async run(ctx) {
      const from = str(ctx, 'from');
      const to = str(ctx, 'to');
      const share = num(ctx, 'share');
      if (share !== undefined && !(share > 0 && share <= 1))
        throw new LatheError('INVALID_INPUT', `--share ${share}: expected 0 < S <= 1`, {
          field: 'share',
          value: share,
        });
      const input = parseOrThrow(
        DriftIn,
        {
          ref: ctx.args.positionals[0]!,
          ...givenStrs(ctx, 'data', 'batch'),
          ...(from || to ? { range: { ...(from ? { from } : {}), ...(to ? { to } : {}) } } : {}),
          ...(rowsOf(ctx) ? { rows: rowsOf(ctx) } : {}),
          ...(windowOf(ctx) !== undefined ? { window: windowOf(ctx) } : {}),
          ...perColumn(ctx),
          ...(share !== undefined ? { shareThreshold: share } : {}),
        },
        'monitor drift',
      );
      const givenHtml = str(ctx, 'html');
      const html =
        givenHtml === undefined ? undefined : checkOutputPath(givenHtml, { flag: '--html' });
      const d = await invoke(ctx, 'monitor:drift', input);
      if (html) {
        const page = await invoke(ctx, 'monitor:driftHtml', input);
        writeOutputFile(html, page.html, '--html');
        ctx.say(`Wrote ${html}`);
      }
      ctx.result(d, () => humanDrift(d));
      return 0;
    },
  },
  {
    path: ['monitor', 'reference'],
    summary:
      "A version's stored reference (per input and the prediction), or set it from a dataset version with --data.",
    positionals: [{ ...REF, description: 'the model version' }],
    flags: {
      data: {
        type: 'string',
        value: 'DATASET[@V]',
        description: "set (replace) the reference from this dataset version's rows",
      },
    },
    async run(ctx) {
      const r = await invoke(ctx, 'monitor:reference', {
        ref: ctx.args.positionals[0]!,
        ...givenStrs(ctx, 'data'),
      });
      ctx.result(r, () => humanReference(r));
      return 0;
    },
  },
];
