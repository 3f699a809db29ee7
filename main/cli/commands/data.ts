// `lathe data …` and `lathe lineage`: datasets, their versions, profiles and expectation suites.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import {
  FileFormat,
  LatheError,
  TransformFile,
  TransformIn,
  type ImportOut,
  type Profile,
  type ValidationReport,
} from '../../../shared/contract';
import {
  bool,
  invoke,
  num,
  parseOrThrow,
  str,
  withSession,
  withStandingSession,
  SHORT_COMMAND_MS,
  type Command,
} from '../command';

/**
 * A big import owns the workspace for minutes: others go through its host (see withStandingSession),
 * which one over within SHORT_COMMAND_MS never starts.
 */
const IMPORT = { command: 'lathe data import', quiet: true, hostAfterMs: SHORT_COMMAND_MS };
import { loadConfigFile, loadSuite } from '../config-file';
import { lineageTree } from '../lineage-tree';
import { formatBytes, formatDuration, formatValue, table } from '../output';
import { importWith } from '../runners';

function humanImport(r: ImportOut): string {
  const v = r.version;
  return [
    `${r.reused ? 'Already imported' : 'Imported'} ${r.dataset}@${v.version}  (${v.hash.slice(0, 12)})`,
    `  ${v.rows.toLocaleString('en-US')} rows × ${v.columns.length} columns, ${formatBytes(v.sizeBytes)} Parquet, ${formatDuration(r.durationMs)}`,
    `  ${v.columns.map((c) => `${c.name}:${c.type}`).join(', ')}`,
  ].join('\n');
}

function humanProfile(p: Profile): string {
  const head = `${p.dataset}@${p.version}: ${p.rows.toLocaleString('en-US')} rows, ${p.columns.length} columns, ${p.duplicateRows} duplicate rows (profiled in ${formatDuration(p.durationMs)})`;
  const rows = p.columns.map((c) => [
    c.name,
    c.type,
    `${(c.nullRate * 100).toFixed(1)}%`,
    c.distinctCount,
    c.min,
    c.max,
    c.mean,
    c.std,
    c.quantiles?.p50 ?? null,
    c.topValues
      .slice(0, 3)
      .map((t) => `${formatValue(t.value)} (${t.count})`)
      .join(', '),
  ]);
  return `${head}\n\n${table(['column', 'type', 'nulls', 'distinct', 'min', 'max', 'mean', 'std', 'p50', 'top values'], rows, 32)}`;
}

function humanReport(r: ValidationReport): string {
  const head = `${r.success ? 'PASSED' : 'FAILED'}: ${r.dataset}@${r.version} against '${r.suiteName}' — ${r.results.length} expectations, ${r.errors} error(s), ${r.warnings} warning(s), ${r.rows.toLocaleString('en-US')} rows, ${formatDuration(r.durationMs)}`;
  const rows = r.results.map((x) => [
    x.index,
    x.passed ? 'pass' : x.severity === 'error' ? 'FAIL' : 'warn',
    x.type,
    x.column ?? '',
    x.failingRows ?? '',
    x.message,
  ]);
  const quarantine = r.quarantine
    ? `\nQuarantined ${r.quarantine.failing.rows} failing rows into ${r.quarantine.failing.dataset}@${r.quarantine.failing.version}; ${
        r.quarantine.clean
          ? `${r.quarantine.clean.rows} clean rows into ${r.quarantine.clean.dataset}@${r.quarantine.clean.version}`
          : 'no row passed'
      }`
    : '';
  return `${head}\n\n${table(['#', 'result', 'type', 'column', 'failing rows', 'detail'], rows, 90)}${quarantine}`;
}

export function humanProfileSummary(p: Profile): string {
  return `Profiled ${p.dataset}@${p.version}: ${p.rows.toLocaleString('en-US')} rows, ${p.columns.length} columns in ${formatDuration(p.durationMs)}`;
}

export const dataImport: Command = {
  path: ['data', 'import'],
  opensWorkspace: true,
  summary:
    'Import a CSV/TSV, Parquet, JSON or NDJSON file (or a DuckDB query over files) as a dataset version.',
  positionals: [
    {
      name: 'FILE',
      required: false,
      description: 'file or http(s) URL to import (omit with --sql)',
    },
  ],
  flags: {
    name: { type: 'string', value: 'NAME', required: true, description: 'dataset name' },
    format: {
      type: 'string',
      value: 'FORMAT',
      description: `force the reader: ${FileFormat.options.join(', ')}`,
    },
    project: { type: 'string', value: 'PROJECT', description: 'project (default: Default)' },
    sql: {
      type: 'string',
      value: 'QUERY',
      description: 'import a DuckDB SELECT over files, e.g. "SELECT * FROM \'a.parquet\'"',
    },
    'allow-schema-change': {
      type: 'boolean',
      description: 'add the version even when its columns differ from the latest version’s',
    },
    profile: { type: 'boolean', description: 'also profile the new version' },
    suite: {
      type: 'string',
      value: 'FILE',
      description: 'also validate the new version with this suite (exit code 1 when it fails)',
    },
  },
  async run(ctx) {
    const [file] = ctx.args.positionals;
    const sql = str(ctx, 'sql');
    if (!file && !sql)
      throw new LatheError('INVALID_INPUT', 'data import needs a FILE or --sql QUERY');
    if (file && sql) throw new LatheError('INVALID_INPUT', 'give either a FILE or --sql, not both');
    // The suite is read before anything is imported: a broken suite changes nothing.
    const suiteFile = str(ctx, 'suite');
    const suite = suiteFile ? loadSuite(suiteFile) : undefined;
    const name = str(ctx, 'name')!;
    const r = await withStandingSession(ctx, IMPORT, async (s) => {
      const imported = await importWith(s.api, ctx, {
        path: file,
        sql,
        name,
        project: str(ctx, 'project'),
        format: str(ctx, 'format'),
        allowSchemaChange: bool(ctx, 'allow-schema-change'),
        // A file's profile is computed by the import, from the Parquet file it has just written.
        profile: file ? bool(ctx, 'profile') : undefined,
      }).catch((err: unknown) => {
        if (err instanceof LatheError && err.details?.schemaChange)
          throw new LatheError(
            err.code,
            `${err.message} (--allow-schema-change adds it anyway)`,
            err.details,
          );
        throw err;
      });
      const ref = `${name}@${imported.version.version}`;
      // A file's profile came with the import; a query's profile and the validation read the new version
      // side by side, sharing the cores DuckDB leaves idle.
      const [profile, validation] = await Promise.all([
        imported.profile ??
          (ctx.args.flags.profile ? s.api.invoke('data:profile', { ref }) : undefined),
        suite ? s.api.invoke('data:validate', { ref, suite }) : undefined,
      ]);
      return {
        ...imported,
        ...(profile ? { profile } : {}),
        ...(validation ? { validation } : {}),
      };
    });
    ctx.result(r, () =>
      [
        humanImport(r),
        r.profile ? humanProfile(r.profile) : null,
        r.validation ? humanReport(r.validation) : null,
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    if (r.validation && !r.validation.success) return 1;
    return 0;
  },
};

export const dataList: Command = {
  path: ['data', 'list'],
  opensWorkspace: true,
  summary: 'List datasets with their latest version.',
  positionals: [],
  flags: {
    project: { type: 'string', value: 'PROJECT', description: 'only this project' },
    deleted: {
      type: 'boolean',
      description: 'list soft-deleted datasets instead (to restore one)',
    },
  },
  async run(ctx) {
    const deleted = bool(ctx, 'deleted');
    const list = await invoke(ctx, 'data:list', { project: str(ctx, 'project'), deleted });
    ctx.result(list, () =>
      list.length
        ? table(
            ['name', 'version', 'rows', 'columns', 'size', 'project', 'imported'],
            list.map((d) => [
              d.name,
              d.latest.version,
              d.latest.rows,
              d.latest.columns.length,
              formatBytes(d.latest.sizeBytes),
              d.project,
              d.latest.createdAt,
            ]),
          )
        : deleted
          ? 'No deleted datasets.'
          : 'No datasets yet. Import one: lathe data import FILE --name NAME',
    );
    return 0;
  },
};

export const dataVersions: Command = {
  path: ['data', 'versions'],
  opensWorkspace: true,
  summary: 'List the versions of a dataset, newest first.',
  positionals: [{ name: 'NAME', required: true, description: 'dataset name' }],
  flags: {},
  async run(ctx) {
    const versions = await invoke(ctx, 'data:versions', { name: ctx.args.positionals[0]! });
    ctx.result(versions, () =>
      table(
        ['version', 'hash', 'rows', 'columns', 'format', 'parents', 'source', 'imported'],
        versions.map((v) => [
          v.version,
          v.hash.slice(0, 12),
          v.rows,
          v.columns.length,
          v.format,
          v.parents.map((p) => `${p.dataset}@${p.version}`).join(', '),
          v.source,
          v.createdAt,
        ]),
        60,
      ),
    );
    return 0;
  },
};

export const dataTransform: Command = {
  path: ['data', 'transform'],
  summary:
    'Make a dataset version from parent versions with cleaning steps (YAML/JSON file) or a SELECT.',
  positionals: [],
  flags: {
    from: {
      type: 'string',
      value: 'NAME[@VERSION]',
      multiple: true,
      description: 'parent version; repeat for several (each is a view named by its dataset)',
    },
    name: {
      type: 'string',
      value: 'NAME',
      required: true,
      description: 'output dataset (a parent’s name adds a version to it)',
    },
    steps: {
      type: 'string',
      value: 'FILE',
      description: 'steps file, YAML or JSON (lathe schema transform)',
    },
    sql: { type: 'string', value: 'QUERY', description: 'a SELECT over the parents' },
    project: { type: 'string', value: 'PROJECT', description: 'project (default: Default)' },
  },
  async run(ctx) {
    const file = str(ctx, 'steps');
    const sql = str(ctx, 'sql');
    if (!file && !sql)
      throw new LatheError('INVALID_INPUT', 'data transform needs --steps FILE or --sql QUERY');
    if (file && sql)
      throw new LatheError('INVALID_INPUT', 'give either --steps FILE or --sql, not both');
    const spec = file
      ? loadConfigFile(file, TransformFile, 'steps')
      : { from: undefined, steps: [{ type: 'sql' as const, query: sql! }] };
    const from = (ctx.args.flags.from as string[] | undefined) ?? spec.from;
    if (!from?.length)
      throw new LatheError(
        'INVALID_INPUT',
        'data transform needs --from NAME[@VERSION] (or from: in the steps file)',
      );
    const name = str(ctx, 'name')!;
    const input = parseOrThrow(
      TransformIn,
      { name, from, steps: spec.steps, project: str(ctx, 'project') },
      'data transform',
    );
    const r = await withSession(ctx, (s) => {
      void ctx.io.interrupted.then(() => {
        ctx.say(`\ncancelling the transform into ${name}…`);
        void s.api.invoke('data:cancelImport', { name }).catch(() => undefined);
      });
      return s.api.invoke('data:transform', input);
    });
    ctx.result(r, () =>
      [
        `${r.reused ? 'Already made' : 'Made'} ${r.dataset}@${r.version.version}  (${r.version.hash.slice(0, 12)}) from ${r.version.parents.map((p) => `${p.dataset}@${p.version}`).join(', ')}`,
        `  ${r.version.source}`,
        `  ${r.version.rows.toLocaleString('en-US')} rows × ${r.version.columns.length} columns, ${formatBytes(r.version.sizeBytes)} Parquet, ${formatDuration(r.durationMs)}`,
        `  ${r.version.columns.map((c) => `${c.name}:${c.type}`).join(', ')}`,
      ].join('\n'),
    );
    return 0;
  },
};

export const lineage: Command = {
  path: ['lineage'],
  opensWorkspace: true,
  summary:
    'Show where a run or dataset version comes from: source files, versions and their parents, runs.',
  positionals: [
    {
      name: 'ID',
      required: true,
      description: 'run id (a unique prefix is enough) or dataset NAME[@VERSION]',
    },
  ],
  flags: {},
  async run(ctx) {
    const graph = await invoke(ctx, 'lineage:get', { id: ctx.args.positionals[0]! });
    ctx.result(graph, () => lineageTree(graph));
    return 0;
  },
};

export const dataProfile: Command = {
  path: ['data', 'profile'],
  opensWorkspace: true,
  summary:
    'Profile a dataset version: per-column statistics, quantiles, top values, histograms, duplicates.',
  positionals: [
    {
      name: 'NAME[@VERSION]',
      required: true,
      description: 'dataset (latest version unless @N or @hash)',
    },
  ],
  flags: {},
  async run(ctx) {
    const p = await invoke(ctx, 'data:profile', { ref: ctx.args.positionals[0]! });
    ctx.result(p, () => humanProfile(p));
    return 0;
  },
};

export const dataPreview: Command = {
  path: ['data', 'preview'],
  opensWorkspace: true,
  summary: 'Print rows of a dataset version.',
  positionals: [{ name: 'NAME[@VERSION]', required: true, description: 'dataset' }],
  flags: {
    offset: { type: 'number', value: 'N', description: 'first row (default 0)' },
    limit: {
      type: 'number',
      value: 'N',
      description: 'rows to print (default 20, at most 5000)',
    },
  },
  async run(ctx) {
    const p = await invoke(ctx, 'data:preview', {
      ref: ctx.args.positionals[0]!,
      offset: num(ctx, 'offset') ?? 0,
      limit: num(ctx, 'limit') ?? 20,
    });
    ctx.result(
      p,
      () =>
        `${table(
          p.columns.map((c) => c.name),
          p.rows,
          24,
        )}\n(rows ${p.offset}–${p.offset + p.rows.length - 1} of ${p.total})`,
    );
    return 0;
  },
};

export const dataSuggest: Command = {
  path: ['data', 'suggest'],
  summary: 'Draft an expectation suite from a version’s profile (edit it, then run data validate).',
  positionals: [{ name: 'NAME[@VERSION]', required: true, description: 'dataset' }],
  flags: {
    out: {
      type: 'string',
      value: 'FILE',
      description: 'also write the suite to FILE (.yaml or .json)',
    },
  },
  async run(ctx) {
    const r = await invoke(ctx, 'data:suggest', { ref: ctx.args.positionals[0]! });
    const out = str(ctx, 'out');
    if (out) {
      const file = resolve(out);
      writeFileSync(
        file,
        /\.json$/i.test(file) ? `${JSON.stringify(r.suite, null, 2)}\n` : stringifyYaml(r.suite),
      );
      ctx.say(`wrote ${file}`);
    }
    ctx.result(r, () => stringifyYaml(r.suite).trimEnd());
    return 0;
  },
};

export const dataValidate: Command = {
  path: ['data', 'validate'],
  opensWorkspace: true,
  summary:
    'Check a version against an expectation suite; exit code 1 when an error-severity expectation fails.',
  positionals: [{ name: 'NAME[@VERSION]', required: true, description: 'dataset' }],
  flags: {
    suite: {
      type: 'string',
      value: 'FILE',
      description: 'expectation suite (YAML or JSON); default: the one saved with the dataset',
    },
    quarantine: {
      type: 'boolean',
      description: 'write failing rows and clean rows as separate versions',
    },
  },
  async run(ctx) {
    const file = str(ctx, 'suite');
    const report = await invoke(ctx, 'data:validate', {
      ref: ctx.args.positionals[0]!,
      ...(file ? { suite: loadSuite(file) } : {}),
      quarantine: bool(ctx, 'quarantine'),
    });
    ctx.result(report, () => humanReport(report));
    return report.success ? 0 : 1;
  },
};

const DATASET_NAME = { name: 'NAME', required: true, description: 'dataset name' };

export const dataRename: Command = {
  path: ['data', 'rename'],
  summary: 'Rename a dataset; its versions, runs and reports follow it.',
  positionals: [DATASET_NAME, { name: 'NEW_NAME', required: true, description: 'the new name' }],
  flags: {},
  async run(ctx) {
    const [name, to] = ctx.args.positionals as [string, string];
    const r = await invoke(ctx, 'data:rename', { name, to });
    ctx.result(r, () => `Renamed dataset ${r.previous} to ${r.name}`);
    return 0;
  },
};

export const dataDelete: Command = {
  path: ['data', 'delete'],
  summary:
    'Soft-delete a dataset (hidden until restored); refused while runs or registered models use it.',
  positionals: [DATASET_NAME],
  flags: {},
  async run(ctx) {
    const r = await invoke(ctx, 'data:delete', { name: ctx.args.positionals[0]! });
    ctx.result(r, () =>
      r.changed
        ? `Deleted dataset ${r.name}; restore with lathe data restore ${r.name}`
        : `Dataset ${r.name} was already deleted`,
    );
    return 0;
  },
};

export const dataRestore: Command = {
  path: ['data', 'restore'],
  summary: 'Restore a soft-deleted dataset.',
  positionals: [DATASET_NAME],
  flags: {},
  async run(ctx) {
    const r = await invoke(ctx, 'data:restore', { name: ctx.args.positionals[0]! });
    ctx.result(r, () =>
      r.changed ? `Restored dataset ${r.name}` : `Dataset ${r.name} was not deleted`,
    );
    return 0;
  },
};

export const dataSuite: Command = {
  path: ['data', 'suite'],
  summary:
    'Show the expectation suite saved with a dataset, or save one (--save FILE); data validate uses it.',
  positionals: [DATASET_NAME],
  flags: {
    save: {
      type: 'string',
      value: 'FILE',
      description: 'save this suite (YAML or JSON) with the dataset',
    },
  },
  async run(ctx) {
    const name = ctx.args.positionals[0]!;
    const file = str(ctx, 'save');
    const r = file
      ? await invoke(ctx, 'data:suite:save', { name, suite: loadSuite(file) })
      : await invoke(ctx, 'data:suite:get', { name });
    ctx.result(r, () =>
      r.suite
        ? `Saved with ${r.dataset} (${r.updatedAt ?? ''}):\n${stringifyYaml(r.suite).trimEnd()}`
        : `No suite is saved with ${r.dataset}: lathe data suite ${r.dataset} --save FILE`,
    );
    return 0;
  },
};
