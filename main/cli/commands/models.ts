// `lathe models …`: the model registry from the command line.
import { resolve } from 'node:path';
import {
  notServable,
  describeMlflowEntry,
  ModelCard,
  parseModelRef,
  type AuditEntry,
  type ModelDetail,
  type ModelVersion,
  type ModelsHistoryOut,
} from '../../../shared/contract';
import { bool, givenStrs, invoke, str, withSession, type Command } from '../command';
import { loadConfigFile } from '../config-file';
import { formatBytes, formatValue, table } from '../output';
import { checkOutputPath, writeOutputFile } from '../output-file';

const REF = (what: string) => ({
  name: 'NAME[@VERSION|@ALIAS]',
  required: true,
  description: what,
});

const REASON_FLAGS = {
  reason: { type: 'string' as const, value: 'TEXT', description: 'why (kept in the audit log)' },
  override: {
    type: 'string' as const,
    value: 'REASON',
    description: 'promote even when a gate fails; the reason and the failures are audited',
  },
};

function humanVersion(v: ModelVersion): string {
  const l = v.lineage;
  const metrics = Object.entries(v.metrics)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, x]) => `${k}=${formatValue(x)}`)
    .join('  ');
  const source = v.source;
  return [
    `${v.model}@${v.version}  stage ${v.stage}${v.aliases.length ? `  aliases ${v.aliases.join(', ')}` : ''}`,
    `  ${source.kind === 'import' ? 'imported' : 'registered'} ${v.createdAt} by ${v.createdBy}`,
    ...(l
      ? [
          `  run ${l.runId} (${l.runName}, experiment ${l.experiment})`,
          `  data ${l.dataset}@${l.datasetVersion} (${l.datasetHash.slice(0, 12)})  config ${l.configHash.slice(0, 12)}${l.gitCommit ? `  git ${l.gitCommit}` : ''}`,
        ]
      : []),
    ...(source.kind === 'import'
      ? [
          `  source imported ONNX ${source.file} (${formatBytes(source.sizeBytes)}, sha256 ${source.sha256})`,
          `  signature ${source.signatureFile}: ${source.signature.inputs.map((i) => `${i.name} ← [${i.features.join(', ')}]`).join('; ')}; output ${source.signature.output.name} (${source.signature.output.kind})`,
        ]
      : []),
    ...(v.signature
      ? [
          `  inputs ${v.signature.inputs.map((i) => `${i.name}:${i.type}`).join(', ')}`,
          `  output ${v.signature.output.task} ${v.signature.output.target}${v.signature.output.classes ? ` [${v.signature.output.classes.join(', ')}]` : ''}`,
        ]
      : []),
    ...(notServable(v) ? [`  not servable: ${notServable(v)}`] : []),
    `  metrics ${metrics || 'none'}`,
  ].join('\n');
}

function humanModel(m: ModelDetail): string {
  const aliases = Object.entries(m.aliases)
    .map(([a, v]) => `${a}→${v}`)
    .join(', ');
  return `${m.name}${m.description ? ` — ${m.description}` : ''} (project ${m.project}, ${m.versionCount} version(s)${aliases ? `, ${aliases}` : ''})\n\n${table(
    ['version', 'stage', 'aliases', 'run', 'created', 'by', 'metrics'],
    m.versions.map((v) => [
      v.version,
      v.stage,
      v.aliases.join(', '),
      v.runId === null ? 'imported' : v.runId.slice(0, 8),
      v.createdAt.slice(0, 19).replace('T', ' '),
      v.createdBy,
      Object.entries(v.metrics)
        .filter(([k]) => k.startsWith('val_'))
        .map(([k, x]) => `${k}=${formatValue(x)}`)
        .join(' '),
    ]),
    80,
  )}`;
}

function describeEntry(e: AuditEntry): string {
  const d = e.details;
  switch (e.action) {
    case 'register':
      return `registered v${e.version} from ${typeof d.runId === 'string' ? `run ${d.runId}` : String(d.source)}`;
    case 'import':
      return `imported v${e.version} from ${String(d.file)} (sha256 ${String(d.sha256).slice(0, 12)}…)`;
    case 'alias':
      return d.from === null
        ? `alias ${String(d.alias)} → v${String(d.to)}`
        : `alias ${String(d.alias)} moved v${formatValue(d.from)} → v${String(d.to)}`;
    case 'unalias':
      return `alias ${String(d.alias)} removed (was v${String(d.from)})`;
    case 'stage':
      return `v${e.version} stage ${String(d.from)} → ${String(d.to)}`;
    case 'override':
      return `OVERRIDE of failed gates for v${e.version} (${String(d.of)} ${String(d.alias ?? d.stage)}): ${(d.failures as string[]).join('; ')}`;
    case 'card':
      return `v${e.version} model card edited`;
    case 'retrain':
      return `retraining ${String(d.retraining).slice(0, 8)} ${String(d.step)} ${String(d.status)}: ${String(d.message)}`;
    default:
      return describeMlflowEntry(e);
  }
}

function humanHistory(h: ModelsHistoryOut): string {
  const lines = h.entries.map(
    (e) =>
      `${e.at.slice(0, 19).replace('T', ' ')}  ${e.actor.padEnd(10)}  ${describeEntry(e)}${e.reason ? `  — ${e.reason}` : ''}`,
  );
  const timeline = `History of ${h.model}:\n${lines.map((l) => `  ${l}`).join('\n') || '  (empty)'}`;
  if (!h.state) return timeline;
  const s = h.state;
  return `${h.model} at ${s.at}:\n  aliases: ${
    s.aliases.map((a) => `${a.alias}→v${a.version}`).join(', ') || 'none'
  }\n  versions: ${
    s.versions.map((v) => `v${v.version} ${v.stage}`).join(', ') || 'none registered yet'
  }\n\n${timeline}`;
}

/** `lathe models …`, in the order `lathe --help` lists them. */
export const modelCommands: Command[] = [
  {
    path: ['models', 'register'],
    summary: "Register a finished run's model as the next version of model N (created when new).",
    positionals: [
      { name: 'RUN', required: true, description: 'run id (a unique prefix is enough)' },
    ],
    flags: {
      name: { type: 'string', value: 'N', required: true, description: 'the model name' },
      description: { type: 'string', value: 'D', description: "the model's description" },
    },
    async run(ctx) {
      const v = await invoke(ctx, 'models:register', {
        runId: ctx.args.positionals[0]!,
        name: str(ctx, 'name')!,
        ...givenStrs(ctx, 'description'),
      });
      ctx.result(v, () => `Registered ${v.model}@${v.version}\n${humanVersion(v)}`);
      return 0;
    },
  },
  {
    path: ['models', 'import'],
    summary:
      'Import an ONNX model trained elsewhere as the next version of model NAME (created when new), with its declared signature.',
    positionals: [{ name: 'NAME', required: true, description: 'the model name' }],
    flags: {
      onnx: { type: 'string', value: 'FILE.onnx', required: true, description: 'the ONNX file' },
      signature: {
        type: 'string',
        value: 'SIG.yaml',
        required: true,
        description:
          'YAML or JSON: task, target, classes, features (name, type, values), inputs (ONNX input ← features), output (name, kind)',
      },
      description: { type: 'string', value: 'D', description: "the model's description" },
      project: {
        type: 'string',
        value: 'P',
        description: 'the project of a new model (default: Default)',
      },
    },
    async run(ctx) {
      const v = await invoke(ctx, 'models:import', {
        name: ctx.args.positionals[0]!,
        // Absolute before they leave this process: the workspace owner may run in another folder.
        onnx: resolve(str(ctx, 'onnx')!),
        signature: resolve(str(ctx, 'signature')!),
        ...givenStrs(ctx, 'description', 'project'),
      });
      ctx.result(v, () => `Imported ${v.model}@${v.version}\n${humanVersion(v)}`);
      return 0;
    },
  },
  {
    path: ['models', 'list'],
    opensWorkspace: true,
    summary: 'Registered models with their latest version, aliases and stages.',
    positionals: [],
    flags: { project: { type: 'string', value: 'P', description: 'only this project' } },
    async run(ctx) {
      const project = str(ctx, 'project');
      const list = await invoke(ctx, 'models:list', project ? { project } : {});
      ctx.result(list, () =>
        list.length
          ? table(
              ['model', 'versions', 'latest', 'aliases', 'stages', 'project', 'description'],
              list.map((m) => [
                m.name,
                m.versionCount,
                m.latest ? `v${m.latest.version}` : '',
                Object.entries(m.aliases)
                  .map(([a, v]) => `${a}→${v}`)
                  .join(', '),
                Object.entries(m.stageCounts)
                  .filter(([st]) => st !== 'none')
                  .map(([st, n]) => `${n} ${st}`)
                  .join(', '),
                m.project,
                m.description,
              ]),
            )
          : 'No models registered yet: lathe models register RUN --name N',
      );
      return 0;
    },
  },
  {
    path: ['models', 'show'],
    opensWorkspace: true,
    summary: 'Show a model with its versions (NAME), or one version (NAME@VERSION, NAME@ALIAS).',
    positionals: [REF('the model, or one of its versions')],
    flags: {},
    async run(ctx) {
      const ref = ctx.args.positionals[0]!;
      if (parseModelRef(ref).kind === 'latest') {
        const m = await invoke(ctx, 'models:get', { ref });
        ctx.result(m, () => humanModel(m));
      } else {
        const v = await invoke(ctx, 'models:version', { ref });
        ctx.result(v, () => humanVersion(v));
      }
      return 0;
    },
  },
  {
    path: ['models', 'alias'],
    summary: 'Point ALIAS at a version (moving it from another); `champion` is a gated promotion.',
    positionals: [
      REF('the version (NAME alone: the latest)'),
      { name: 'ALIAS', required: true, description: 'e.g. champion, challenger' },
    ],
    flags: REASON_FLAGS,
    async run(ctx) {
      const [ref, alias] = ctx.args.positionals as [string, string];
      const v = await invoke(ctx, 'models:alias', {
        ref,
        alias,
        ...givenStrs(ctx, 'reason', 'override'),
      });
      ctx.result(v, () => `${v.model}@${alias} → v${v.version}`);
      return 0;
    },
  },
  {
    path: ['models', 'unalias'],
    summary: 'Remove an alias from a model.',
    positionals: [
      { name: 'NAME', required: true, description: 'the model' },
      { name: 'ALIAS', required: true, description: 'the alias to remove' },
    ],
    flags: { reason: REASON_FLAGS.reason },
    async run(ctx) {
      const [name, alias] = ctx.args.positionals as [string, string];
      const m = await invoke(ctx, 'models:unalias', {
        name,
        alias,
        ...givenStrs(ctx, 'reason'),
      });
      ctx.result(m, () => `Removed alias ${alias} from ${m.name}`);
      return 0;
    },
  },
  {
    path: ['models', 'stage'],
    summary:
      "Set a version's stage (none, staging, production, archived); `production` is a gated promotion.",
    positionals: [
      REF('the version'),
      { name: 'STAGE', required: true, description: 'none | staging | production | archived' },
    ],
    flags: {
      ...REASON_FLAGS,
      'archive-existing': {
        type: 'boolean',
        description: 'staging/production: archive the versions already in that stage',
      },
    },
    async run(ctx) {
      const [ref, stage] = ctx.args.positionals as [string, string];
      const v = await invoke(ctx, 'models:stage', {
        ref,
        stage: stage as 'none',
        ...givenStrs(ctx, 'reason', 'override'),
        ...(bool(ctx, 'archive-existing') ? { archiveExisting: true } : {}),
      });
      ctx.result(v, () => `${v.model}@${v.version} is now ${v.stage}`);
      return 0;
    },
  },
  {
    path: ['models', 'history'],
    opensWorkspace: true,
    summary:
      "A model's audit log (who, when, why); --at DATE: where each alias pointed and each stage then.",
    positionals: [{ name: 'NAME', required: true, description: 'the model' }],
    flags: {
      at: {
        type: 'string',
        value: 'DATE',
        description: 'YYYY-MM-DD (end of that day, UTC) or an ISO date-time',
      },
    },
    async run(ctx) {
      const at = str(ctx, 'at');
      const h = await invoke(ctx, 'models:history', {
        name: ctx.args.positionals[0]!,
        ...(at ? { at } : {}),
      });
      ctx.result(h, () => humanHistory(h));
      return 0;
    },
  },
  {
    path: ['models', 'card'],
    summary:
      "A version's model card as Markdown (--out FILE.md), or replace it from a YAML/JSON card (--set FILE).",
    positionals: [REF('the version')],
    flags: {
      out: { type: 'string', value: 'FILE.md', description: 'write the Markdown to this file' },
      set: {
        type: 'string',
        value: 'FILE',
        description:
          'a YAML or JSON card: intendedUse, trainingData, metrics, fairness, limitations, sections',
      },
    },
    async run(ctx) {
      const ref = ctx.args.positionals[0]!;
      const setFile = str(ctx, 'set');
      const given = str(ctx, 'out');
      const out = given === undefined ? undefined : checkOutputPath(given, { flag: '--out' });
      const card = setFile ? loadConfigFile(setFile, ModelCard, 'model card') : null;
      const r = await withSession(ctx, async (s) => {
        const saved = card
          ? await s.api.invoke('models:card:set', { ref, card })
          : await s.api.invoke('models:card:get', { ref });
        return { ...saved, markdown: await s.api.invoke('models:card:markdown', { ref }) };
      });
      if (out) {
        writeOutputFile(out, r.markdown, '--out');
      }
      ctx.result(out ? { ...r, out: resolve(out) } : r, () =>
        card || out
          ? `${card ? `Saved the model card of ${r.model}@${r.version}` : ''}${card && out ? '; ' : ''}${out ? `Wrote ${resolve(out)}` : ''}`
          : r.markdown.trimEnd(),
      );
      return 0;
    },
  },
  {
    path: ['models', 'compare'],
    opensWorkspace: true,
    summary: "Two versions' metrics side by side (better one marked).",
    positionals: [
      REF('the first version'),
      { name: 'NAME@B', required: true, description: 'the second version' },
    ],
    flags: {},
    async run(ctx) {
      const [a, b] = ctx.args.positionals as [string, string];
      const c = await invoke(ctx, 'models:compare', { a, b });
      ctx.result(c, () => {
        const head = [`metric`, `${c.a.model}@${c.a.version}`, `${c.b.model}@${c.b.version}`];
        const rows = c.metrics.map((m) => [
          m.key,
          m.a === null ? '—' : `${formatValue(m.a)}${m.better === 'a' ? ' *' : ''}`,
          m.b === null ? '—' : `${formatValue(m.b)}${m.better === 'b' ? ' *' : ''}`,
        ]);
        const on = (l: ModelVersion['lineage']) =>
          l ? `${l.dataset}@${l.datasetVersion}` : 'nothing (imported)';
        const data = c.sameData
          ? `both validated on ${on(c.a.lineage)}`
          : `validated on different data: ${on(c.a.lineage)} vs ${on(c.b.lineage)}`;
        return `Run metrics (* better; ${data})\n${table(head, rows, 40)}`;
      });
      return 0;
    },
  },
];
