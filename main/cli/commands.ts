import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  FileFormat,
  ImportIn,
  ImportQueryIn,
  LatheError,
  TransformFile,
  TransformIn,
  describeIssues,
  expectationSuiteJsonSchema,
  featureSpecJsonSchema,
  trainConfigJsonSchema,
  gatePolicyJsonSchema,
  GatePolicy,
  transformJsonSchema,
  importSignatureJsonSchema,
  type ValidationReport,
  type ImportOut,
  type LatheApi,
  type Profile,
  type Run,
  type TrainConfig,
  type TuneOut,
  type EvaluationReport,
  type FamilyReport,
  defaultSearchMetric,
} from '../../shared/contract';
import { stringify as stringifyYaml } from 'yaml';
import { startHost } from '../host/server';
import { packageRoot } from '../version';
import { UsageError, type CommandSpec, type ParsedArgs } from './args';
import { loadConfigFile, loadSuite, loadTrainConfig } from './config-file';
import { lineageTree } from './lineage-tree';
import { openSession, type Session } from './context';
import { createProgress, formatBytes, formatDuration, formatValue, table } from './output';
import { familyColumns, familyHeader, familyRow, familySummary } from './family-output';
import { gitCommitOf } from './git-source';
import { modelCommands } from './models-commands';
import { serveCommands } from './serve-commands';

/** JSON Schemas of the files users write, by the name `lathe schema` takes. */
const SCHEMAS: Record<string, () => unknown> = {
  'train-config': trainConfigJsonSchema,
  'gate-policy': gatePolicyJsonSchema,
  'expectation-suite': expectationSuiteJsonSchema,
  transform: transformJsonSchema,
  'feature-spec': featureSpecJsonSchema,
  'onnx-signature': importSignatureJsonSchema,
};

/** One or more run ids, as delete, restore and compare take them. */
const RUN_IDS = {
  name: 'ID',
  required: true,
  variadic: true,
  description: 'run ids (unique prefixes are enough)',
};

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Resolves on Ctrl-C / SIGTERM. */
  interrupted: Promise<void>;
}

export interface Ctx {
  args: ParsedArgs;
  json: boolean;
  workspaceDir: string;
  io: Io;
  /** Prints the command's result: JSON on stdout with --json, else the human text. */
  result(value: unknown, human: () => string): void;
  /** Progress and notes for people: stderr, silent with --json. */
  say(message: string): void;
}

export interface Command extends CommandSpec {
  run(ctx: Ctx): Promise<number>;
}

const str = (ctx: Ctx, name: string) => ctx.args.flags[name] as string | undefined;
const numFlag = (ctx: Ctx, name: string) => ctx.args.flags[name] as number | undefined;

async function withSession<T>(
  ctx: Ctx,
  work: (s: Session) => Promise<T>,
  requireOwner = false,
): Promise<T> {
  const session = await openSession(ctx.workspaceDir, { requireOwner, say: (m) => ctx.say(m) });
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

function parseOrThrow<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: import('zod').ZodError };
  },
  value: unknown,
  what: string,
): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new LatheError('INVALID_INPUT', describeIssues(r.error, what));
  return r.data;
}

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

function humanTags(r: Run): string {
  const tags = Object.entries(r.tags);
  return `Tags of run ${r.id.slice(0, 8)} (${r.name}):${tags.length ? '' : ' none'}\n${tags
    .map(([k, v]) => `  ${k} = ${v}`)
    .join('\n')}`.trimEnd();
}

/** Sets (or with null, removes) the gate policy of --project with the audited --reason. */
async function setPolicy(ctx: Ctx, policy: GatePolicy | null): Promise<number> {
  const out = await withSession(ctx, (s) =>
    s.api.invoke('gates:set', {
      project: str(ctx, 'project') ?? 'Default',
      policy,
      ...(str(ctx, 'reason') ? { reason: str(ctx, 'reason') } : {}),
    }),
  );
  ctx.result(out, () => humanPolicy(out));
  return 0;
}

function humanPolicy(out: { project: string; policy: GatePolicy | null }): string {
  if (!out.policy) return `Project ${out.project} has no gate policy: promotions are not checked.`;
  return `Gate policy of project ${out.project}:\n${stringifyYaml(out.policy).trimEnd()}`;
}

/** An evaluation for people: metrics beside the baseline, then the worst slices, fairness and gates. */
function humanEvaluation(e: EvaluationReport): string {
  const keys = Object.keys(e.metrics).filter((k) => e.metrics[k] !== null);
  const lines = [
    `Evaluation ${e.id.slice(0, 8)} of run ${e.runId.slice(0, 8)} (${e.runName})${e.model ? ` = ${e.model.name}@${e.model.version}` : ''}`,
    `  ${e.rows} rows of ${e.dataset} (${e.split})`,
    ...e.notes.map((n) => `  note: ${n}`),
    table(
      ['metric', 'model', `baseline: ${e.baseline.kind}`],
      keys.map((k) => [k, e.metrics[k], e.baseline.metrics[k] ?? '']),
    ),
  ];
  if (e.slices.length) {
    lines.push('Worst slices:');
    lines.push(
      table(
        ['column', 'segment', 'rows', e.slices[0]!.metric, 'vs overall'],
        e.slices.slice(0, 8).map((s) => [s.column, s.segment, s.count, s.value, s.delta]),
      ),
    );
  }
  for (const f of e.fairness) {
    lines.push(
      `Fairness by ${f.column}: demographic parity difference ${formatValue(f.demographicParityDifference)}, disparate impact ${formatValue(f.disparateImpactRatio)}, equal opportunity difference ${formatValue(f.equalOpportunityDifference)}, equalized odds difference ${formatValue(f.equalizedOddsDifference)}`,
    );
  }
  if (e.importance.length)
    lines.push(
      `Importance: ${e.importance
        .slice(0, 8)
        .map((i) => `${i.column} ${formatValue(i.mean)} ± ${formatValue(i.std)}`)
        .join(', ')}`,
    );
  if (e.learningCurve?.length)
    lines.push(
      `Learning curve (${e.learningCurve[0]!.metric}): ${e.learningCurve
        .map((p) => `${p.rows} rows ${formatValue(p.value)}`)
        .join(', ')}`,
    );
  for (const g of e.gates)
    lines.push(
      `  ${g.passed ? 'pass' : 'FAIL'}  ${g.description} (observed ${formatValue(g.observed)})`,
    );
  if (e.passed !== null) lines.push(e.passed ? 'All gates pass.' : 'A gate failed.');
  return lines.join('\n');
}

function humanRun(r: Run): string {
  const metrics = Object.entries(r.metrics)
    .map(([k, v]) => `  ${k.padEnd(16)} ${formatValue(v)}`)
    .join('\n');
  return [
    `Run ${r.id}  ${r.name}  [${r.status}]${r.error ? `: ${r.error}` : ''}`,
    `  experiment ${r.experiment}, dataset ${r.dataset}, ${r.task} ${r.modelType}, backend ${r.backend ?? '?'}, ${r.durationMs !== null ? formatDuration(r.durationMs) : 'running'}`,
    `  lineage: dataset ${r.lineage.datasetHash.slice(0, 12)}, config ${r.lineage.configHash.slice(0, 12)}, seed ${r.lineage.seed}, Lathe ${r.lineage.latheVersion}`,
    ...(r.warnings.length ? ['Warnings:', ...r.warnings.map((w) => `  ! ${w}`)] : []),
    'Metrics:',
    metrics || '  (none)',
    'Artifacts:',
    r.artifacts
      .map(
        (a) =>
          `  ${a.path.padEnd(24)} ${formatBytes(a.sizeBytes)}  sha256:${a.sha256.slice(0, 12)}`,
      )
      .join('\n') || '  (none)',
  ].join('\n');
}

async function importWith(
  api: LatheApi,
  ctx: Ctx,
  input: { path?: string; sql?: string; name: string; project?: string; format?: string },
): Promise<ImportOut> {
  const bar = createProgress(ctx.io.stderr, !ctx.json);
  const off = api.on('data:progress', (p) => {
    if (p.op !== 'import' || p.name !== input.name) return;
    bar.update(
      p.fraction,
      `${p.message}${p.etaMs !== undefined ? ` ETA ${formatDuration(p.etaMs)}` : ''}`,
    );
  });
  void ctx.io.interrupted.then(() => {
    ctx.say(`\ncancelling the import into ${input.name}…`);
    void api.invoke('data:cancelImport', { name: input.name }).catch(() => undefined);
  });
  try {
    if (input.sql) {
      return await api.invoke(
        'data:importQuery',
        parseOrThrow(
          ImportQueryIn,
          { sql: input.sql, name: input.name, project: input.project },
          'data import',
        ),
      );
    }
    const parsed = parseOrThrow(
      ImportIn,
      {
        // Absolute before it leaves this process: the workspace owner may run in another folder.
        path:
          input.path === undefined || /^https?:\/\//i.test(input.path)
            ? input.path
            : resolve(input.path),
        name: input.name,
        project: input.project,
        format: input.format,
      },
      'data import',
    );
    return await api.invoke('data:import', parsed);
  } finally {
    off();
    bar.done();
  }
}

/**
 * Trains with a live progress bar; Ctrl-C cancels the run (recorded as cancelled). With `resumeId`,
 * continues that stopped run from its checkpoint (runs:resume) instead.
 */
async function trainWith(
  api: LatheApi,
  ctx: Ctx,
  config: TrainConfig | null,
  resumeId?: string,
  gitCommit?: string,
): Promise<Run> {
  const bar = createProgress(ctx.io.stderr, !ctx.json);
  let runId: string | undefined;
  const off = api.on('train:progress', (p) => {
    runId ??= p.runId;
    if (p.runId !== runId) return;
    const m = Object.entries(p.metrics)
      .map(([k, v]) => `${k} ${formatValue(v)}`)
      .join(' ');
    bar.update(
      p.fraction,
      `epoch ${p.epoch}/${p.epochs} loss ${formatValue(p.loss)} val_loss ${formatValue(p.valLoss)} ${m} ETA ${formatDuration(p.etaMs)}`,
    );
  });
  const offStatus = api.on('run:status', (s) => {
    if (s.status === 'running') runId ??= s.runId;
  });
  void ctx.io.interrupted.then(() => {
    if (runId) {
      ctx.say(`\ncancelling run ${runId}…`);
      void api.invoke('train:cancel', { id: runId }).catch(() => undefined);
    }
  });
  try {
    if (resumeId !== undefined) return await api.invoke('runs:resume', { id: resumeId });
    return await api.invoke('train:run', { config: config!, ...(gitCommit ? { gitCommit } : {}) });
  } finally {
    off();
    offStatus();
    bar.done();
  }
}

/**
 * Runs a search (`tune:run`) or a cross-validation (`train:run`) with a live table: a row per trial or
 * fold as it ends (stderr, silent with --json) and a line on the running ones. Ctrl-C cancels the parent,
 * which stops its children.
 */
async function familyWith(
  api: LatheApi,
  ctx: Ctx,
  config: TrainConfig,
  gitCommit: string | undefined,
): Promise<TuneOut> {
  const metric = config.search?.metric ?? defaultSearchMetric(config.task);
  const columns = familyColumns(config, metric);
  let total = 0;
  const bar = createProgress(ctx.io.stderr, !ctx.json);
  let parentId: string | undefined;
  let header = false;
  const running = new Map<string, number>();
  let ended = 0;
  const offChild = api.on('run:child', (e) => {
    parentId ??= e.parentId;
    if (e.parentId !== parentId) return;
    total = e.total;
    if (e.status === 'running') running.set(e.runId, 0);
    else {
      running.delete(e.runId);
      ended++;
      bar.done();
      if (!header) ctx.say(familyHeader(columns));
      header = true;
      ctx.say(familyRow(columns, e));
    }
  });
  const offProgress = api.on('train:progress', (p) => {
    if (!running.has(p.runId)) return;
    running.set(p.runId, p.fraction);
    const share = [...running.values()].reduce((a, b) => a + b, 0);
    bar.update(
      (ended + share) / total,
      `${ended}/${total} ${config.search ? 'trials' : 'folds'} done, ${running.size} running`,
    );
  });
  void ctx.io.interrupted.then(() => {
    if (parentId) {
      ctx.say(`\ncancelling ${config.search ? 'search' : 'cross-validation'} ${parentId}…`);
      void api.invoke('train:cancel', { id: parentId }).catch(() => undefined);
    }
  });
  const input = { config, ...(gitCommit ? { gitCommit } : {}) };
  try {
    if (config.search) return await api.invoke('tune:run', input);
    const run = await api.invoke('train:run', input);
    const report = run.artifacts.find((a) => a.path === 'cv-report.json');
    return { run, report: report ? await readReport(api, run.id) : null };
  } finally {
    offChild();
    offProgress();
    bar.done();
  }
}

/** A family run's report, from the run record (works through a host as well as in process). */
async function readReport(api: LatheApi, runId: string): Promise<FamilyReport | null> {
  const out = await api.invoke('runs:report', { id: runId });
  return out.report;
}

const exitFor = (run: Run) =>
  run.status === 'finished' ? 0 : run.status === 'cancelled' ? 130 : 1;

export const commands: Command[] = [
  {
    path: ['init'],
    summary: 'Create (or open) a workspace and print where it is.',
    positionals: [],
    flags: {},
    async run(ctx) {
      const existed = existsSync(join(ctx.workspaceDir, 'lathe.duckdb'));
      const info = await withSession(ctx, (s) => s.api.invoke('app:info', {}), true);
      ctx.result(
        { ...info, created: !existed },
        () =>
          `${existed ? 'Opened' : 'Created'} workspace ${info.workspace} (Lathe ${info.version})`,
      );
      return 0;
    },
  },
  {
    path: ['data', 'import'],
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
      if (file && sql)
        throw new LatheError('INVALID_INPUT', 'give either a FILE or --sql, not both');
      // The suite is read before anything is imported: a broken suite changes nothing.
      const suiteFile = str(ctx, 'suite');
      const suite = suiteFile ? loadSuite(suiteFile) : undefined;
      const name = str(ctx, 'name')!;
      const r = await withSession(ctx, async (s) => {
        const imported = await importWith(s.api, ctx, {
          path: file,
          sql,
          name,
          project: str(ctx, 'project'),
          format: str(ctx, 'format'),
        });
        const ref = `${name}@${imported.version.version}`;
        // Both read the new version only: side by side they share the cores DuckDB leaves idle.
        const [profile, validation] = await Promise.all([
          ctx.args.flags.profile ? s.api.invoke('data:profile', { ref }) : undefined,
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
  },
  {
    path: ['data', 'list'],
    summary: 'List datasets with their latest version.',
    positionals: [],
    flags: { project: { type: 'string', value: 'PROJECT', description: 'only this project' } },
    async run(ctx) {
      const list = await withSession(ctx, (s) =>
        s.api.invoke('data:list', { project: str(ctx, 'project') }),
      );
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
          : 'No datasets yet. Import one: lathe data import FILE --name NAME',
      );
      return 0;
    },
  },
  {
    path: ['data', 'versions'],
    summary: 'List the versions of a dataset, newest first.',
    positionals: [{ name: 'NAME', required: true, description: 'dataset name' }],
    flags: {},
    async run(ctx) {
      const versions = await withSession(ctx, (s) =>
        s.api.invoke('data:versions', { name: ctx.args.positionals[0]! }),
      );
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
  },
  {
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
  },
  {
    path: ['lineage'],
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
      const graph = await withSession(ctx, (s) =>
        s.api.invoke('lineage:get', { id: ctx.args.positionals[0]! }),
      );
      ctx.result(graph, () => lineageTree(graph));
      return 0;
    },
  },
  {
    path: ['data', 'profile'],
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
      const p = await withSession(ctx, (s) =>
        s.api.invoke('data:profile', { ref: ctx.args.positionals[0]! }),
      );
      ctx.result(p, () => humanProfile(p));
      return 0;
    },
  },
  {
    path: ['data', 'preview'],
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
      const p = await withSession(ctx, (s) =>
        s.api.invoke('data:preview', {
          ref: ctx.args.positionals[0]!,
          offset: numFlag(ctx, 'offset') ?? 0,
          limit: numFlag(ctx, 'limit') ?? 20,
        }),
      );
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
  },
  {
    path: ['data', 'suggest'],
    summary:
      'Draft an expectation suite from a version’s profile (edit it, then run data validate).',
    positionals: [{ name: 'NAME[@VERSION]', required: true, description: 'dataset' }],
    flags: {
      out: {
        type: 'string',
        value: 'FILE',
        description: 'also write the suite to FILE (.yaml or .json)',
      },
    },
    async run(ctx) {
      const r = await withSession(ctx, (s) =>
        s.api.invoke('data:suggest', { ref: ctx.args.positionals[0]! }),
      );
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
  },
  {
    path: ['data', 'validate'],
    summary:
      'Check a version against an expectation suite; exit code 1 when an error-severity expectation fails.',
    positionals: [{ name: 'NAME[@VERSION]', required: true, description: 'dataset' }],
    flags: {
      suite: {
        type: 'string',
        value: 'FILE',
        required: true,
        description: 'expectation suite (YAML or JSON)',
      },
      quarantine: {
        type: 'boolean',
        description: 'write failing rows and clean rows as separate versions',
      },
    },
    async run(ctx) {
      const suite = loadSuite(str(ctx, 'suite')!);
      const report = await withSession(ctx, (s) =>
        s.api.invoke('data:validate', {
          ref: ctx.args.positionals[0]!,
          suite,
          quarantine: ctx.args.flags.quarantine === true,
        }),
      );
      ctx.result(report, () => humanReport(report));
      return report.success ? 0 : 1;
    },
  },
  {
    path: ['train'],
    summary: 'Train a model from a YAML or JSON config; prints the finished run record.',
    positionals: [],
    flags: {
      config: {
        type: 'string',
        value: 'FILE',
        required: true,
        description: 'train config (YAML or JSON)',
      },
    },
    async run(ctx) {
      const file = str(ctx, 'config')!;
      const config = loadTrainConfig(file);
      if (config.search) {
        throw new LatheError(
          'INVALID_CONFIG',
          `${file}: search: this config searches hyperparameters; run it with lathe tune --config ${file}`,
          { file, field: 'search' },
        );
      }
      const gitCommit = gitCommitOf(file) ?? undefined;
      if (config.crossValidation && config.crossValidation.fold === undefined) {
        const out = await withSession(ctx, (s) => familyWith(s.api, ctx, config, gitCommit));
        ctx.result(out.run, () => familySummary(out.run, out.report));
        return exitFor(out.run);
      }
      const run = await withSession(ctx, (s) =>
        trainWith(s.api, ctx, config, undefined, gitCommit),
      );
      ctx.result(run, () => humanRun(run));
      return exitFor(run);
    },
  },
  {
    path: ['tune'],
    summary:
      'Search hyperparameters: trials of a config with a search space, several at once, with a live table; prints the best trial.',
    positionals: [],
    flags: {
      config: {
        type: 'string',
        value: 'FILE',
        required: true,
        description: 'train config (YAML or JSON) with a `search:` section',
      },
      trials: { type: 'number', value: 'N', description: 'run N trials (overrides search.trials)' },
      parallel: {
        type: 'number',
        value: 'N',
        description: 'train N trials at once (default: CPU cores)',
      },
      strategy: {
        type: 'string',
        value: 'NAME',
        description: 'grid, random or tpe (overrides search.strategy)',
      },
    },
    async run(ctx) {
      const file = str(ctx, 'config')!;
      const overrides = {
        trials: numFlag(ctx, 'trials'),
        parallel: numFlag(ctx, 'parallel'),
        strategy: str(ctx, 'strategy'),
      };
      const config = loadTrainConfig(file, (raw) => {
        const search = raw.search;
        if (typeof search !== 'object' || search === null) {
          throw new LatheError(
            'INVALID_CONFIG',
            `${file}: search: the config has no search space; add a search: section with a space to tune`,
            { file, field: 'search' },
          );
        }
        for (const [k, v] of Object.entries(overrides))
          if (v !== undefined) (search as Record<string, unknown>)[k] = v;
      });
      const out = await withSession(ctx, (s) =>
        familyWith(s.api, ctx, config, gitCommitOf(file) ?? undefined),
      );
      ctx.result(out, () => familySummary(out.run, out.report));
      return exitFor(out.run);
    },
  },
  {
    path: ['runs', 'list'],
    summary: 'List runs, newest first.',
    positionals: [],
    flags: {
      experiment: { type: 'string', value: 'NAME', description: 'only this experiment' },
      project: { type: 'string', value: 'NAME', description: 'only this project' },
      limit: { type: 'number', value: 'N', description: 'at most N runs (default 1000)' },
      filter: {
        type: 'string',
        value: 'QUERY',
        description:
          'only runs matching QUERY, e.g. "metrics.val_auc > 0.8 and params.model.type = \'mlp\'"',
      },
      'order-by': {
        type: 'string',
        value: 'FIELD',
        description:
          "sort by an attribute, metrics.<key> or params.<key>, e.g. 'metrics.val_auc desc'",
      },
      deleted: { type: 'boolean', description: 'also list soft-deleted runs' },
    },
    async run(ctx) {
      const runs = await withSession(ctx, (s) =>
        s.api.invoke('runs:list', {
          experiment: str(ctx, 'experiment'),
          project: str(ctx, 'project'),
          limit: numFlag(ctx, 'limit') ?? 1000,
          filter: str(ctx, 'filter'),
          orderBy: str(ctx, 'order-by'),
          deleted: ctx.args.flags.deleted === true,
        }),
      );
      const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))]
        .filter((k) => k.startsWith('val_') && k !== 'val_loss')
        .sort();
      ctx.result(runs, () =>
        runs.length
          ? table(
              ['id', 'name', 'status', 'dataset', 'model', 'backend', 'duration', ...keys],
              runs.map((r) => [
                r.id.slice(0, 8),
                r.name,
                r.deletedAt ? `${r.status} (deleted)` : r.status,
                r.dataset,
                r.modelType,
                r.backend,
                r.durationMs !== null ? formatDuration(r.durationMs) : '',
                ...keys.map((k) => r.metrics[k] ?? null),
              ]),
            )
          : str(ctx, 'filter')
            ? 'No runs match the filter.'
            : 'No runs yet. Train one: lathe train --config FILE',
      );
      return 0;
    },
  },
  {
    path: ['runs', 'compare'],
    summary:
      'Compare runs side by side: params (differences marked) and final metrics (best marked).',
    positionals: [
      {
        name: 'ID',
        required: true,
        variadic: true,
        description: 'two or more run ids (unique prefixes are enough)',
      },
    ],
    flags: {
      'only-differences': { type: 'boolean', description: 'show only the params that differ' },
    },
    async run(ctx) {
      const r = await withSession(ctx, (s) =>
        s.api.invoke('runs:compare', { ids: ctx.args.positionals }),
      );
      const only = ctx.args.flags['only-differences'] === true;
      ctx.result(only ? { ...r, params: r.params.filter((p) => p.differs) } : r, () => {
        const header = ['', ...r.runs.map((run) => `${run.name} (${run.id.slice(0, 8)})`)];
        const params = r.params
          .filter((p) => !only || p.differs)
          .map((p) => [`${p.differs ? '≠ ' : '  '}${p.key}`, ...p.values.map((v) => v ?? '—')]);
        const metrics = r.metrics.map((m) => [
          `  ${m.key}`,
          ...m.values.map((v, i) =>
            v === null ? '—' : `${formatValue(v)}${i === m.best ? ' *' : ''}`,
          ),
        ]);
        return `Params${only ? ' (differences only)' : ' (≠ differs)'}\n${table(header, params, 28)}\n\nMetrics (* best)\n${table(header, metrics, 28)}`;
      });
      return 0;
    },
  },
  {
    path: ['runs', 'delete'],
    summary: 'Soft-delete runs: hidden from lists until restored; `lathe gc` purges them for good.',
    positionals: [RUN_IDS],
    flags: {},
    async run(ctx) {
      const r = await withSession(ctx, (s) =>
        s.api.invoke('runs:delete', { ids: ctx.args.positionals }),
      );
      ctx.result(
        r,
        () =>
          `Deleted ${r.deleted} run(s); restore with lathe runs restore ID, purge with lathe gc`,
      );
      return 0;
    },
  },
  {
    path: ['runs', 'restore'],
    summary: 'Bring soft-deleted runs back.',
    positionals: [RUN_IDS],
    flags: {},
    async run(ctx) {
      const r = await withSession(ctx, (s) =>
        s.api.invoke('runs:restore', { ids: ctx.args.positionals }),
      );
      ctx.result(r, () => `Restored ${r.restored} run(s)`);
      return 0;
    },
  },
  {
    path: ['eval'],
    summary:
      "Evaluate a run's model (or a registered NAME@version|alias) on its held-out rows or another dataset version: every metric, the baseline, slices, fairness, importance and gates.",
    positionals: [
      {
        name: 'RUN|NAME@VERSION',
        required: true,
        description:
          'a run id (prefix) or a registered model version or alias, e.g. churn@champion',
      },
    ],
    flags: {
      data: {
        type: 'string',
        value: 'NAME[@VERSION]',
        description: "evaluate on every row of this dataset version instead of the run's test rows",
      },
      sensitive: {
        type: 'string',
        value: 'COLUMN',
        multiple: true,
        description: 'a sensitive column for the fairness report (repeatable)',
      },
      slice: {
        type: 'string',
        value: 'COLUMN',
        multiple: true,
        description:
          "slice the errors by this column (repeatable; default: the run's input columns)",
      },
      repeats: {
        type: 'number',
        value: 'N',
        description: 'permutation importance repeats per column (default 5; 0 skips it)',
      },
      html: {
        type: 'string',
        value: 'FILE',
        description: 'also write the self-contained HTML report to FILE',
      },
      'learning-curve': {
        type: 'string',
        value: 'FRACTIONS',
        description:
          'train again on these shares of the training rows, e.g. 0.1,0.25,0.5,1, and score each (slow)',
      },
    },
    async run(ctx) {
      const list = (name: string) => (ctx.args.flags[name] as string[] | undefined) ?? [];
      const report = await withSession(ctx, async (s) => {
        const r = await s.api.invoke('eval:run', {
          target: ctx.args.positionals[0]!,
          ...(str(ctx, 'data') ? { data: str(ctx, 'data') } : {}),
          sensitive: list('sensitive'),
          ...(list('slice').length ? { slices: list('slice') } : {}),
          ...(str(ctx, 'learning-curve')
            ? {
                learningCurve: str(ctx, 'learning-curve')!
                  .split(',')
                  .map((x) => Number(x.trim())),
              }
            : {}),
          ...(numFlag(ctx, 'repeats') !== undefined
            ? { importanceRepeats: numFlag(ctx, 'repeats') }
            : {}),
        });
        const html = str(ctx, 'html');
        if (html) {
          const { html: page } = await s.api.invoke('eval:html', { id: r.id });
          writeFileSync(resolve(html), page);
          ctx.say(`wrote ${resolve(html)}`);
        }
        return r;
      });
      ctx.result(report, () => humanEvaluation(report));
      return report.passed === false ? 1 : 0;
    },
  },
  {
    path: ['gates', 'set'],
    summary:
      "Set a project's gate policy from a YAML or JSON file (lathe schema gate-policy): what an evaluation must show before a promotion.",
    positionals: [],
    flags: {
      file: { type: 'string', value: 'FILE', required: true, description: 'the gate policy' },
      project: { type: 'string', value: 'NAME', description: 'the project (default: Default)' },
      reason: { type: 'string', value: 'TEXT', description: 'why, for the audit log' },
    },
    run: (ctx) => setPolicy(ctx, loadConfigFile(str(ctx, 'file')!, GatePolicy, 'gate policy')),
  },
  {
    path: ['gates', 'show'],
    summary: "Print a project's gate policy.",
    positionals: [],
    flags: {
      project: { type: 'string', value: 'NAME', description: 'the project (default: Default)' },
    },
    async run(ctx) {
      const out = await withSession(ctx, (s) =>
        s.api.invoke('gates:get', { project: str(ctx, 'project') ?? 'Default' }),
      );
      ctx.result(out, () => humanPolicy(out));
      return 0;
    },
  },
  {
    path: ['gates', 'clear'],
    summary: "Remove a project's gate policy (promotions are then unchecked).",
    positionals: [],
    flags: {
      project: { type: 'string', value: 'NAME', description: 'the project (default: Default)' },
      reason: { type: 'string', value: 'TEXT', description: 'why, for the audit log' },
    },
    run: (ctx) => setPolicy(ctx, null),
  },
  {
    path: ['gc'],
    summary:
      'Purge soft-deleted runs and remove artifact files no run or dataset version references.',
    positionals: [],
    flags: {},
    async run(ctx) {
      const r = await withSession(ctx, (s) => s.api.invoke('workspace:gc', {}));
      ctx.result(
        r,
        () =>
          `Purged ${r.runsPurged} run(s), removed ${r.artifactsRemoved} artifact file(s), freed ${formatBytes(r.bytesFreed)}`,
      );
      return 0;
    },
  },
  {
    path: ['runs', 'resume'],
    summary:
      'Continue an interrupted (or cancelled, or failed) run from its last epoch checkpoint, under the same id; Ctrl-C cancels.',
    positionals: [
      { name: 'ID', required: true, description: 'run id (a unique prefix is enough)' },
    ],
    flags: {},
    async run(ctx) {
      const run = await withSession(ctx, (s) =>
        trainWith(s.api, ctx, null, ctx.args.positionals[0] ?? ''),
      );
      ctx.result(run, () => humanRun(run));
      return exitFor(run);
    },
  },
  {
    path: ['runs', 'show'],
    summary: 'Show one run: params, metrics, lineage and artifacts.',
    positionals: [
      { name: 'ID', required: true, description: 'run id (a unique prefix is enough)' },
    ],
    flags: {},
    async run(ctx) {
      const run = await withSession(ctx, (s) =>
        s.api.invoke('runs:get', { id: ctx.args.positionals[0]! }),
      );
      ctx.result(
        run,
        () =>
          `${humanRun(run)}\nParams:\n${Object.entries(run.params)
            .map(([k, v]) => `  ${k.padEnd(28)} ${v}`)
            .join('\n')}`,
      );
      return 0;
    },
  },
  {
    path: ['runs', 'tag'],
    summary: 'Set tags on a run (KEY=VALUE; an existing key is overwritten) and delete others.',
    positionals: [
      { name: 'ID', required: true, description: 'run id (a unique prefix is enough)' },
      { name: 'KEY=VALUE', required: false, variadic: true, description: 'tags to set' },
    ],
    flags: {
      delete: { type: 'string', value: 'KEY', multiple: true, description: 'a tag to remove' },
    },
    async run(ctx) {
      const [id, ...pairs] = ctx.args.positionals;
      const del = (ctx.args.flags.delete as string[] | undefined) ?? [];
      if (!pairs.length && !del.length)
        throw new UsageError('give at least one KEY=VALUE to set or --delete KEY to remove');
      const set: Record<string, string> = {};
      for (const pair of pairs) {
        const eq = pair.indexOf('=');
        if (eq < 0) throw new UsageError(`tag '${pair}' is not KEY=VALUE`);
        set[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      const run = await withSession(ctx, (s) =>
        s.api.invoke('runs:update', { id: id!, tags: { set, delete: del } }),
      );
      ctx.result(run, () => humanTags(run));
      return 0;
    },
  },
  {
    path: ['runs', 'note'],
    summary:
      "Replace a run's notes (markdown) with TEXT or the contents of a file; '' clears them.",
    positionals: [
      { name: 'ID', required: true, description: 'run id (a unique prefix is enough)' },
    ],
    flags: {
      text: { type: 'string', value: 'TEXT', description: 'the notes' },
      file: { type: 'string', value: 'PATH', description: 'read the notes from this file' },
    },
    async run(ctx) {
      const text = str(ctx, 'text');
      const file = str(ctx, 'file');
      if ((text === undefined) === (file === undefined))
        throw new UsageError('give exactly one of --text TEXT or --file PATH');
      let notes = text ?? '';
      if (file !== undefined) {
        try {
          notes = readFileSync(resolve(file), 'utf8');
        } catch (err) {
          throw new LatheError(
            'INVALID_INPUT',
            `cannot read notes file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
            { file },
          );
        }
      }
      const run = await withSession(ctx, (s) =>
        s.api.invoke('runs:update', { id: ctx.args.positionals[0]!, notes }),
      );
      ctx.result(
        run,
        () =>
          `Notes of run ${run.id.slice(0, 8)} (${run.name}): ${(run.notes ?? '').length} characters`,
      );
      return 0;
    },
  },
  {
    path: ['runs', 'rename'],
    summary: 'Rename a run.',
    positionals: [
      { name: 'ID', required: true, description: 'run id (a unique prefix is enough)' },
      { name: 'NAME', required: true, description: 'the new name' },
    ],
    flags: {},
    async run(ctx) {
      const [id, name] = ctx.args.positionals;
      const run = await withSession(ctx, (s) =>
        s.api.invoke('runs:update', { id: id!, name: name! }),
      );
      ctx.result(run, () => `Renamed run ${run.id.slice(0, 8)} to ${run.name}`);
      return 0;
    },
  },
  {
    path: ['ui'],
    summary:
      'Serve the Lathe UI on 127.0.0.1 for a browser; the workspace stays open until Ctrl-C.',
    positionals: [],
    flags: {
      port: { type: 'number', value: 'PORT', description: 'port (default 0: any free port)' },
    },
    async run(ctx) {
      const port = numFlag(ctx, 'port') ?? 0;
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new LatheError('INVALID_INPUT', `--port: ${port} is not a port number`);
      const session = await openSession(ctx.workspaceDir, {
        requireOwner: true,
        say: (m) => ctx.say(m),
      });
      const services = session.services!;
      try {
        const host = await startHost({
          services,
          port,
          rendererDir: join(packageRoot(), 'out', 'renderer'),
        });
        services.advertiseHost(host.url);
        if (ctx.json)
          ctx.io.stdout.write(
            `${JSON.stringify({ url: host.url, workspace: ctx.workspaceDir, pid: process.pid })}\n`,
          );
        else
          ctx.io.stderr.write(
            `Lathe UI: ${host.url}\nworkspace ${ctx.workspaceDir} — press Ctrl-C to stop\n`,
          );
        await ctx.io.interrupted;
        await host.close();
      } finally {
        await session.close();
      }
      return 0;
    },
  },
  {
    path: ['demo'],
    summary:
      'Import the flights sample (vega-datasets), profile it, train a delay model and print its metrics.',
    positionals: [],
    flags: {
      rows: {
        type: 'number',
        value: 'N',
        description: 'flights sampled for training (default 100000)',
      },
      epochs: { type: 'number', value: 'N', description: 'training epochs (default 8)' },
    },
    async run(ctx) {
      const { runDemo } = await import('./demo');
      const explicit = ctx.args.flags.workspace !== undefined || process.env.LATHE_HOME;
      const dir = explicit ? ctx.workspaceDir : mkdtempSync(join(tmpdir(), 'lathe-demo-'));
      const result = await runDemo(
        { ...ctx, workspaceDir: dir },
        {
          rows: numFlag(ctx, 'rows') ?? 100_000,
          epochs: numFlag(ctx, 'epochs') ?? 8,
          importWith,
          trainWith,
          withSession,
        },
      );
      ctx.result(
        result,
        () =>
          `${humanProfileSummary(result.profile)}\n\n${humanRun(result.run)}\n\nWorkspace: ${dir}`,
      );
      return exitFor(result.run);
    },
  },
  ...modelCommands(withSession),
  ...serveCommands,
  {
    path: ['schema'],
    summary: 'Print the JSON Schema of a config file format, for editor completion.',
    positionals: [{ name: 'KIND', required: true, description: Object.keys(SCHEMAS).join(' | ') }],
    flags: {},
    async run(ctx) {
      const kind = ctx.args.positionals[0]!;
      const schema = SCHEMAS[kind];
      if (!schema) {
        throw new LatheError(
          'INVALID_INPUT',
          `unknown schema '${kind}' (known: ${Object.keys(SCHEMAS).join(', ')})`,
        );
      }
      ctx.io.stdout.write(`${JSON.stringify(schema(), null, 2)}\n`);
      return 0;
    },
  },
];

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

function humanProfileSummary(p: Profile): string {
  return `Profiled ${p.dataset}@${p.version}: ${p.rows.toLocaleString('en-US')} rows, ${p.columns.length} columns in ${formatDuration(p.durationMs)}`;
}

export type { Session };
export { importWith, trainWith, withSession };
