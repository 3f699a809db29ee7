import { z } from 'zod';
import { IsoTime } from './common';
import { ProjectName } from './projects';
import { ColumnKind } from './data';
import { Task } from '../config/train-config';
import { LatheError } from './errors';

/** Model names are typed on the command line like dataset names: letters, digits, `_ . -`, no `@`. */
export const ModelName = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
    'use letters A-Z, digits, _ . - (no spaces, accents or @)',
  );

/** Alias names: lower-case, starting with a letter (so never all digits, which would read as a version). */
export const AliasName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(
    /^[a-z][a-z0-9_-]*$/,
    'an alias starts with a lower-case letter and uses a-z, 0-9, _ and - (e.g. champion)',
  );

/** The alias whose move is a promotion (like setting stage `production`). */
export const CHAMPION = 'champion';

/** A parsed model reference: `NAME` (latest version), `NAME@3` (version 3) or `NAME@champion` (an alias). */
export type ModelRefParts =
  | { name: string; kind: 'latest' }
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'alias'; alias: string };

/** Why `ref` is not a model reference, or null when it is one. */
function modelRefProblem(ref: string): string | null {
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const named = ModelName.safeParse(name);
  if (!named.success) return `model name '${name}': ${named.error.issues[0]!.message}`;
  if (at < 0) return null;
  const tail = ref.slice(at + 1);
  if (/^\d+$/.test(tail)) return Number(tail) >= 1 ? null : `version '${tail}' must be 1 or more`;
  const alias = AliasName.safeParse(tail);
  return alias.success ? null : `alias '${tail}': ${alias.error.issues[0]!.message}`;
}

/** Parses `NAME`, `NAME@3` or `NAME@alias`; throws INVALID_INPUT naming the part that is wrong. */
export function parseModelRef(ref: string): ModelRefParts {
  const problem = modelRefProblem(ref);
  if (problem)
    throw new LatheError('INVALID_INPUT', `model reference '${ref}': ${problem}`, { ref });
  const at = ref.indexOf('@');
  if (at < 0) return { name: ref, kind: 'latest' };
  const name = ref.slice(0, at);
  const tail = ref.slice(at + 1);
  return /^\d+$/.test(tail)
    ? { name, kind: 'version', version: Number(tail) }
    : { name, kind: 'alias', alias: tail };
}

/** A model reference as channels take it: `NAME`, `NAME@VERSION` or `NAME@ALIAS`. */
export const ModelRef = z.string().superRefine((ref, ctx) => {
  const problem = modelRefProblem(ref);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const ModelStage = z.enum(['none', 'staging', 'production', 'archived']);
export type ModelStage = z.infer<typeof ModelStage>;

/** What a model takes and returns: the raw columns its feature spec reads, and its output. */
export const ModelSignature = z.object({
  inputs: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      kind: ColumnKind,
      /** The only values the input accepts (an imported model's declared categories); absent: any. */
      values: z.array(z.union([z.string(), z.number()])).optional(),
    }),
  ),
  output: z.object({
    task: Task,
    /** The target column the model predicts. */
    target: z.string(),
    /** Class labels in the model's output order (classification). */
    classes: z.array(z.string()).optional(),
  }),
});
export type ModelSignature = z.infer<typeof ModelSignature>;

/** Where a version came from: its run, the exact data version and the hashes that reproduce it. */
export const ModelLineage = z.object({
  runId: z.string(),
  runName: z.string(),
  experiment: z.string(),
  dataset: z.string(),
  datasetVersion: z.number().int(),
  datasetHash: z.string(),
  configHash: z.string(),
  featureSpecHash: z.string().nullable(),
  gitCommit: z.string().nullable(),
});
export type ModelLineage = z.infer<typeof ModelLineage>;

/** A feature an imported model reads: one field of a prediction request, one column of a batch input. */
export const ImportFeature = z
  .object({
    name: z.string().min(1, 'a feature needs a name'),
    type: z.enum(['number', 'string', 'boolean']),
    /**
     * The values the feature may take. Required for strings (their categories: batch prediction encodes
     * them by position); for numbers, any other value is refused with 422.
     */
    values: z
      .array(z.union([z.string(), z.number()]))
      .min(1, 'list at least one value')
      .optional(),
  })
  .strict();
export type ImportFeature = z.infer<typeof ImportFeature>;

/**
 * One input of the ONNX graph and the features it takes, in order: a tensor of shape [N, k] (one float
 * matrix, as torch exports) or, with one feature, [N, 1] or [N] (one tensor per column, as skl2onnx makes).
 */
export const ImportGraphInput = z
  .object({
    name: z.string().min(1, 'the ONNX input name is required'),
    features: z.array(z.string().min(1)).min(1, 'an input takes at least one feature'),
  })
  .strict();

/** What an imported model's prediction output holds. */
export const ImportOutputKind = z.enum(['probabilities', 'logits', 'labels', 'value']);
export type ImportOutputKind = z.infer<typeof ImportOutputKind>;

/**
 * The declared signature of an ONNX model trained elsewhere (`lathe models import --signature FILE`):
 * its task, its features, how they map onto the graph inputs, and which output holds the prediction —
 * class probabilities [N, C] (or [N] / [N, 1] for P(classes[1]) of a binary model), logits (softmax, or
 * a sigmoid for one binary logit), labels (class indices or names) or a regression value.
 */
export const ImportSignature = z
  .object({
    task: Task,
    /** What the model predicts (shown in the card and the OpenAPI document); default `prediction`. */
    target: z.string().min(1).default('prediction'),
    /** Class labels in the order of the model's output (classification). */
    classes: z.array(z.string().min(1)).min(2, 'list at least two classes').optional(),
    features: z.array(ImportFeature).min(1, 'declare at least one feature'),
    inputs: z.array(ImportGraphInput).min(1, 'map the features onto at least one ONNX input'),
    output: z
      .object({
        /** The ONNX output holding the prediction. */
        name: z.string().min(1, 'the ONNX output name is required'),
        kind: ImportOutputKind,
      })
      .strict(),
  })
  .strict()
  .superRefine((sig, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const features = new Map<string, ImportFeature>();
    sig.features.forEach((f, i) => {
      if (features.has(f.name))
        issue(['features', i, 'name'], `feature '${f.name}' is declared twice`);
      features.set(f.name, f);
      if (f.type === 'string' && !f.values)
        issue(
          ['features', i, 'values'],
          `string feature '${f.name}' needs its values (categories)`,
        );
      if (f.type === 'boolean' && f.values)
        issue(['features', i, 'values'], `boolean feature '${f.name}' takes no values`);
      f.values?.forEach((v, j) => {
        if (typeof v !== (f.type === 'string' ? 'string' : 'number'))
          issue(['features', i, 'values', j], `expected a ${f.type}, got ${JSON.stringify(v)}`);
      });
    });
    const used = new Map<string, number>();
    const inputNames = new Set<string>();
    sig.inputs.forEach((input, i) => {
      if (inputNames.has(input.name))
        issue(['inputs', i, 'name'], `ONNX input '${input.name}' is mapped twice`);
      inputNames.add(input.name);
      input.features.forEach((name, j) => {
        const f = features.get(name);
        if (!f) issue(['inputs', i, 'features', j], `'${name}' is not a declared feature`);
        if (used.has(name))
          issue(['inputs', i, 'features', j], `feature '${name}' already feeds another input`);
        used.set(name, i);
      });
      const strings = input.features.filter((n) => features.get(n)?.type === 'string');
      if (strings.length && strings.length !== input.features.length)
        issue(['inputs', i, 'features'], `input '${input.name}' mixes string and numeric features`);
    });
    sig.features.forEach((f, i) => {
      if (!used.has(f.name))
        issue(
          ['features', i, 'name'],
          `feature '${f.name}' feeds no ONNX input (list it in inputs)`,
        );
    });
    const classification = sig.task !== 'regression';
    if (classification && !sig.classes)
      issue(['classes'], `a ${sig.task} model needs its class labels, in output order`);
    if (!classification && sig.classes) issue(['classes'], 'a regression model has no classes');
    if (sig.task === 'binary' && sig.classes && sig.classes.length !== 2)
      issue(['classes'], `a binary model has two classes, not ${sig.classes.length}`);
    if (sig.classes && new Set(sig.classes).size !== sig.classes.length)
      issue(['classes'], 'class labels must be distinct');
    if (classification && sig.output.kind === 'value')
      issue(['output', 'kind'], `a ${sig.task} model's output is probabilities, logits or labels`);
    if (!classification && sig.output.kind !== 'value')
      issue(['output', 'kind'], "a regression model's output kind is value");
  });
export type ImportSignature = z.infer<typeof ImportSignature>;

/**
 * Where a version's model comes from: a run of this workspace, an ONNX file trained elsewhere, or an
 * MLflow source (model-versions/create) that holds no ONNX model Lathe can serve: such a version is listed,
 * aliased and staged like any other but cannot be served, batch-scored or exported (see notServable).
 */
export const VersionSource = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('mlflow'),
    /** The source URI as MLflow's client gave it (runs:/…, mlflow-artifacts:/…, models:/…, any URI). */
    uri: z.string(),
    /** The run_id it was given with, if any. */
    runId: z.string().nullable(),
    /** Why Lathe found no ONNX model there. */
    reason: z.string(),
  }),
  z.object({ kind: z.literal('run') }),
  z.object({
    kind: z.literal('import'),
    /** The ONNX file as given to the import. */
    file: z.string(),
    /** The signature file as given to the import. */
    signatureFile: z.string(),
    /** sha256 of the ONNX file (its artifact in the workspace store). */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    sizeBytes: z.number().int().nonnegative(),
    signature: ImportSignature,
  }),
]);
export type VersionSource = z.infer<typeof VersionSource>;

export const ModelVersion = z.object({
  id: z.string(),
  model: z.string(),
  version: z.number().int().positive(),
  /** The run whose model this is; null for an imported model. */
  runId: z.string().nullable(),
  stage: ModelStage,
  /** Aliases pointing at this version, sorted. */
  aliases: z.array(z.string()),
  /** What it takes and returns; null for a version with no ONNX model (source kind `mlflow`). */
  signature: ModelSignature.nullable(),
  /** The run's lineage; null for an imported model (see `source`). */
  lineage: ModelLineage.nullable(),
  source: VersionSource,
  /** The run's final metrics (none for an imported model). */
  metrics: z.record(z.string(), z.number()),
  createdAt: IsoTime,
  /** The OS user who registered it. */
  createdBy: z.string(),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

/**
 * Why a version cannot be served (no ONNX model, and where it came from), or null when it can: serving,
 * batch prediction and export refuse it with this message.
 */
export function notServable(v: Pick<ModelVersion, 'model' | 'version' | 'source'>): string | null {
  if (v.source.kind !== 'mlflow') return null;
  return `${v.model}@${v.version} cannot be served: it has no ONNX model (source ${v.source.uri}${
    v.source.runId ? `, run ${v.source.runId}` : ''
  }: ${v.source.reason}); register a version whose source holds an MLflow model with the onnx flavor, or a Lathe run`;
}

/** The signature of a servable version; INVALID_INPUT with notServable's message otherwise. */
export function servableSignature(
  v: Pick<ModelVersion, 'model' | 'version' | 'signature'> & { source?: VersionSource },
): ModelSignature {
  const why = v.source ? notServable({ ...v, source: v.source }) : null;
  if (why !== null || v.signature === null)
    throw new LatheError('INVALID_INPUT', why ?? `${v.model}@${v.version} has no signature`, {
      model: v.model,
      version: v.version,
      reason: 'not-servable',
    });
  return v.signature;
}

export const Model = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  project: z.string(),
  createdAt: IsoTime,
  versionCount: z.number().int().nonnegative(),
  latest: ModelVersion.nullable(),
  /** alias → version number. */
  aliases: z.record(z.string(), z.number().int()),
  /** How many versions are in each stage. */
  stageCounts: z.record(z.string(), z.number().int()),
});
export type Model = z.infer<typeof Model>;

export const ModelDetail = Model.extend({ versions: z.array(ModelVersion) });
export type ModelDetail = z.infer<typeof ModelDetail>;

export const AuditAction = z.enum([
  'register',
  'import',
  'alias',
  'unalias',
  'stage',
  'override',
  'card',
  'retrain',
  'create',
  'rename',
  'describe',
  'tag',
  'delete',
]);
export type AuditAction = z.infer<typeof AuditAction>;

/**
 * One change to the registry: who (OS user), when, what and why. `details` by action — register:
 * `{ runId }`; import: `{ file, sha256 }`; alias: `{ alias, from, to }` (from null when new); unalias: `{ alias, from }`; stage:
 * `{ from, to }`; override: `{ of: 'alias' | 'stage', alias?, stage?, failures }`; card: `{}`;
 * retrain (one step of a retraining, main/monitor/retrain.ts): `{ retraining, step, status, message }`.
 * Through MLflow's registry API (main/mlflow/registry-service.ts): create (a model with no version yet):
 * `{ description, tags }`; rename: `{ from, to }`; describe: `{ from, to }` (of the model, or of a version
 * when `version` is set); tag: `{ key, from, to }` (to null: deleted); delete (of a version, or the whole
 * model when `version` is null): `{ versions: [{ version, stage, runId, source, aliases }] }`.
 * A rollback is an alias entry with `rollback: true`.
 */
export const AuditEntry = z.object({
  id: z.string(),
  at: IsoTime,
  actor: z.string(),
  action: AuditAction,
  model: z.string(),
  version: z.number().int().nullable(),
  details: z.record(z.string(), z.unknown()),
  reason: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** One line for the entries MLflow's registry API writes (create, rename, describe, tag, delete). */
export function describeMlflowEntry(e: AuditEntry): string {
  const d = e.details;
  const what = e.version === null ? 'model' : `v${e.version}`;
  const quote = (x: unknown) => (x === null || x === undefined ? 'none' : JSON.stringify(x));
  switch (e.action) {
    case 'create':
      return `model created${typeof d.description === 'string' && d.description ? ` (${d.description})` : ''}`;
    case 'rename':
      return `renamed ${String(d.from)} → ${String(d.to)}`;
    case 'describe':
      return `${what} description ${quote(d.to)}`;
    case 'tag':
      return d.to === null
        ? `${what} tag ${String(d.key)} deleted (was ${quote(d.from)})`
        : `${what} tag ${String(d.key)} = ${quote(d.to)}`;
    case 'delete':
      return e.version === null
        ? `model deleted with ${Array.isArray(d.versions) ? d.versions.length : 0} version(s)`
        : `v${e.version} deleted`;
    default:
      return e.action;
  }
}

/** A model card: Markdown text per section, generated from the run on registration, then editable. */
export const ModelCard = z.object({
  intendedUse: z.string(),
  trainingData: z.string(),
  metrics: z.string(),
  fairness: z.string(),
  limitations: z.string(),
  /** Further sections a user adds, in order. */
  sections: z.array(
    z.object({ title: z.string().min(1, 'a section needs a title'), body: z.string() }),
  ),
});
export type ModelCard = z.infer<typeof ModelCard>;

export const ModelCardOut = z.object({
  model: z.string(),
  version: z.number().int(),
  card: ModelCard,
  /** False while the card is the generated one. */
  edited: z.boolean(),
  updatedAt: IsoTime.nullable(),
  updatedBy: z.string().nullable(),
});
export type ModelCardOut = z.infer<typeof ModelCardOut>;

/** A reason a user gives for a change; blank is refused so the audit log never holds an empty why. */
const Reason = z.string().trim().min(1, 'give a reason (it is kept in the audit log)').max(2000);

export const ModelsRegisterIn = z.object({
  runId: z.string().min(1, 'a run id is required'),
  name: ModelName,
  description: z.string().max(5000).optional(),
});
export type ModelsRegisterIn = z.input<typeof ModelsRegisterIn>;

export const ModelsImportIn = z.object({
  name: ModelName,
  /** The ONNX file (absolute, or relative to the workspace owner's working folder). */
  onnx: z.string().min(1, 'an ONNX file is required'),
  /** The signature file (YAML or JSON, ImportSignature). */
  signature: z.string().min(1, 'a signature file is required'),
  description: z.string().max(5000).optional(),
  /** The project of a new model; default `Default`. An existing model keeps its own. */
  project: ProjectName.optional(),
});
export type ModelsImportIn = z.input<typeof ModelsImportIn>;

export const ModelsListIn = z.object({ project: z.string().optional() });
export const ModelRefIn = z.object({ ref: ModelRef });

export const ModelsAliasIn = z.object({
  ref: ModelRef,
  alias: AliasName,
  reason: Reason.optional(),
  /** Moves the alias even when a promotion gate fails; the reason is audited as an override. */
  override: Reason.optional(),
});
export type ModelsAliasIn = z.input<typeof ModelsAliasIn>;

export const ModelsUnaliasIn = z.object({
  name: ModelName,
  alias: AliasName,
  reason: Reason.optional(),
});

export const ModelsStageIn = z.object({
  ref: ModelRef,
  stage: ModelStage,
  reason: Reason.optional(),
  override: Reason.optional(),
  /**
   * Moving to staging or production: every other version of the model in that stage moves to archived
   * (each move audited), so the stage holds this version alone.
   */
  archiveExisting: z.boolean().optional(),
});
export type ModelsStageIn = z.input<typeof ModelsStageIn>;

export const ModelsHistoryIn = z.object({
  name: ModelName,
  /**
   * An instant (ISO date-time) or a day (`YYYY-MM-DD`, meaning the end of that day, UTC): the answer then
   * also says where each alias pointed and each version's stage at that instant.
   */
  at: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'not a date: use YYYY-MM-DD or an ISO date-time')
    .optional(),
});
export type ModelsHistoryIn = z.input<typeof ModelsHistoryIn>;

export const RegistryState = z.object({
  at: IsoTime,
  aliases: z.array(z.object({ alias: z.string(), version: z.number().int() })),
  /** Versions registered by then, with their stage. */
  versions: z.array(z.object({ version: z.number().int(), stage: ModelStage })),
});
export type RegistryState = z.infer<typeof RegistryState>;

export const ModelsHistoryOut = z.object({
  model: z.string(),
  /** Oldest first. */
  entries: z.array(AuditEntry),
  /** With `at`: the registry as it was then, replayed from the audit log. */
  state: RegistryState.nullable(),
});
export type ModelsHistoryOut = z.infer<typeof ModelsHistoryOut>;

export const ModelCardSetIn = z.object({ ref: ModelRef, card: ModelCard });
export type ModelCardSetIn = z.input<typeof ModelCardSetIn>;

export const ModelsCompareIn = z.object({ a: ModelRef, b: ModelRef });

/** One metric for both versions; `better` is the side with the better value (lower for losses). */
export const ComparedMetric = z.object({
  key: z.string(),
  a: z.number().nullable(),
  b: z.number().nullable(),
  better: z.enum(['a', 'b']).nullable(),
});
export type ComparedMetric = z.infer<typeof ComparedMetric>;

export const ModelsCompareOut = z.object({
  a: ModelVersion,
  b: ModelVersion,
  /** Both runs' final (validation) metrics, side by side. */
  metrics: z.array(ComparedMetric),
  /** Whether both were validated on the same dataset version (same content hash). */
  sameData: z.boolean(),
  /**
   * Both versions scored on one held-out dataset by the evaluation service, when it is wired in
   * (RegistryDeps.evaluatePair); null otherwise.
   */
  evaluation: z
    .object({
      dataset: z.string(),
      datasetVersion: z.number().int(),
      split: z.string(),
      metrics: z.array(ComparedMetric),
    })
    .nullable(),
});
export type ModelsCompareOut = z.infer<typeof ModelsCompareOut>;

/** JSON Schema of an ONNX import signature file, for editor completion (`lathe schema onnx-signature`). */
export function importSignatureJsonSchema(): unknown {
  return z.toJSONSchema(ImportSignature, { io: 'input' });
}
