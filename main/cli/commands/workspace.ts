// `lathe init`, `gc`, `ui`, `demo` and `schema`: the workspace itself, its browser UI and the tour (the
// pipeline shipped with Lathe, run as `lathe pipeline run` runs one).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LatheError,
  alertRulesJsonSchema,
  expectationSuiteJsonSchema,
  featureSpecJsonSchema,
  gatePolicyJsonSchema,
  importSignatureJsonSchema,
  pipelineJsonSchema,
  trainConfigJsonSchema,
  transformJsonSchema,
} from '../../../shared/contract';
import { startHost } from '../../host/server';
import { packageRoot } from '../../version';
import { demoNext, demoPipelineFile, demoSettings, DEMO_MIN_ROWS } from '../demo';
import { invoke, num, strs, withSession, withStandingSession, type Command } from '../command';
import { formatBytes } from '../output';
import { followRun, humanPipelineRun } from './pipeline';

/** JSON Schemas of the files users write, by the name `lathe schema` takes. */
const SCHEMAS: Record<string, () => unknown> = {
  'train-config': trainConfigJsonSchema,
  'gate-policy': gatePolicyJsonSchema,
  'expectation-suite': expectationSuiteJsonSchema,
  transform: transformJsonSchema,
  'feature-spec': featureSpecJsonSchema,
  'onnx-signature': importSignatureJsonSchema,
  'alert-rules': alertRulesJsonSchema,
  pipeline: pipelineJsonSchema,
};

export const init: Command = {
  path: ['init'],
  summary: 'Create (or open) a workspace and print where it is.',
  positionals: [],
  flags: {},
  async run(ctx) {
    const existed = existsSync(join(ctx.workspaceDir, 'lathe.duckdb'));
    const info = await invoke(ctx, 'app:info', {});
    ctx.result(
      { ...info, created: !existed },
      () => `${existed ? 'Opened' : 'Created'} workspace ${info.workspace} (Lathe ${info.version})`,
    );
    return 0;
  },
};

/** Why gc removed a workspace-relative path, by the folder it was in. */
function whyRemoved(path: string): string {
  if (path.startsWith('packages/')) return 'the package of a model version that no longer exists';
  if (path.startsWith('captures/')) return 'no batch job names it';
  return 'no dataset version names it';
}

export const gc: Command = {
  path: ['gc'],
  summary:
    'Purge soft-deleted runs and remove artifact, dataset and capture files nothing references, and the packages of deleted model versions.',
  positionals: [],
  flags: {},
  async run(ctx) {
    const r = await invoke(ctx, 'workspace:gc', {});
    ctx.result(r, () =>
      [
        `Purged ${r.runsPurged} run(s), removed ${r.artifactsRemoved} artifact file(s), freed ${formatBytes(r.bytesFreed)}`,
        ...r.orphanFilesRemoved.map((p) => `Removed ${p}: ${whyRemoved(p)}`),
      ].join('\n'),
    );
    return 0;
  },
};

export const verify: Command = {
  path: ['workspace', 'verify'],
  summary:
    'Check the workspace without changing it: artifact hashes, files rows name, dataset files, aliases and their audit entries; exit 1 when anything is wrong.',
  positionals: [],
  flags: {},
  async run(ctx) {
    const r = await invoke(ctx, 'workspace:verify', {});
    const c = r.checked;
    ctx.result(r, () =>
      [
        `Checked ${c.blobs} artifact file(s), ${c.references} reference(s), ${c.datasetVersions} dataset version(s), ${c.captureFiles} capture file(s), ${c.modelVersions} model version(s), ${c.aliases} alias(es)`,
        ...(r.ok ? ['Nothing is wrong.'] : r.problems.map((p) => `${p.kind}: ${p.message}`)),
        ...r.warnings.map((w) => `warning: ${w.kind}: ${w.message}`),
      ].join('\n'),
    );
    return r.ok ? 0 : 1;
  },
};

export const ui: Command = {
  path: ['ui'],
  summary: 'Serve the Lathe UI on 127.0.0.1 for a browser; the workspace stays open until Ctrl-C.',
  positionals: [],
  flags: {
    port: { type: 'number', value: 'PORT', description: 'port (default 0: any free port)' },
  },
  async run(ctx) {
    const port = num(ctx, 'port') ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new LatheError('INVALID_INPUT', `--port: ${port} is not a port number`);
    await withSession(
      ctx,
      async ({ services }) => {
        const host = await startHost({
          services: services!,
          port,
          rendererDir: join(packageRoot(), 'out', 'renderer'),
        });
        services!.advertiseHost(host.url);
        // Alert rules run on their schedule while the UI is served.
        services!.startMonitoring();
        void services!.warmViews();
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
      },
      true,
    );
    return 0;
  },
};

export const demo: Command = {
  path: ['demo'],
  summary:
    'The tour: run the pipeline shipped with Lathe on the flights sample (vega-datasets, offline) — import January to March, validate, train, search, evaluate with slices, gate, register the champion, score April to June and monitor them — then say what each view shows. On a fresh temporary workspace unless --workspace; run again there, every step is cached.',
  positionals: [],
  flags: {
    rows: {
      type: 'number',
      value: 'N',
      description: `flights sampled from January to March for training (default 100000, at least ${DEMO_MIN_ROWS})`,
    },
    set: {
      type: 'string',
      value: 'NAME=VALUE',
      multiple: true,
      description:
        'override a parameter of the demo pipeline (trees, searchTrees, trials, monthRows, minAuc…; repeat for more)',
    },
  },
  async run(ctx) {
    // Bad flags are refused before a workspace (or a temporary folder) is made.
    const settings = demoSettings({ rows: num(ctx, 'rows'), set: strs(ctx, 'set') });
    const file = demoPipelineFile();
    const explicit = ctx.args.flags.workspace !== undefined || process.env.LATHE_HOME;
    const dir = explicit ? ctx.workspaceDir : mkdtempSync(join(tmpdir(), 'lathe-demo-'));
    const demoCtx = { ...ctx, workspaceDir: dir };
    const input = {
      file,
      set: settings(dir),
      force: [],
      trigger: 'demo' as const,
    };
    return withStandingSession(demoCtx, { command: 'lathe demo', quiet: true }, async (s) => {
      ctx.say(`Workspace ${dir}`);
      const r = await followRun(demoCtx, s, async (onId) => {
        const { id } = await s.api.invoke('pipeline:start', input);
        onId(id);
        ctx.say(`pipeline run ${id.slice(0, 8)} of ${input.file}`);
        return s.api.invoke('pipeline:wait', { id });
      });
      ctx.result({ workspace: dir, run: r }, () => `${humanPipelineRun(r)}\n\n${demoNext(r, dir)}`);
      return r.status === 'succeeded' ? 0 : r.status === 'cancelled' ? 130 : 1;
    });
  },
};

export const schema: Command = {
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
};
