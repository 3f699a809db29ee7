import { z } from 'zod';
import { IsoTime } from './common';
import { ColumnKind } from './data';
import { Task } from '../config/train-config';
import { LatheError } from './errors';

/** Model names are typed on the command line like dataset names: letters, digits, `_ . -`, no `@`. */
export const ModelName = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'use letters, digits, _ . - (no spaces or @)');

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
  inputs: z.array(z.object({ name: z.string(), type: z.string(), kind: ColumnKind })),
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

export const ModelVersion = z.object({
  id: z.string(),
  model: z.string(),
  version: z.number().int().positive(),
  runId: z.string(),
  stage: ModelStage,
  /** Aliases pointing at this version, sorted. */
  aliases: z.array(z.string()),
  signature: ModelSignature,
  lineage: ModelLineage,
  /** The run's final metrics. */
  metrics: z.record(z.string(), z.number()),
  createdAt: IsoTime,
  /** The OS user who registered it. */
  createdBy: z.string(),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

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

export const AuditAction = z.enum(['register', 'alias', 'unalias', 'stage', 'override', 'card']);
export type AuditAction = z.infer<typeof AuditAction>;

/**
 * One change to the registry: who (OS user), when, what and why. `details` by action — register:
 * `{ runId }`; alias: `{ alias, from, to }` (from null when new); unalias: `{ alias, from }`; stage:
 * `{ from, to }`; override: `{ of: 'alias' | 'stage', alias?, stage?, failures }`; card: `{}`.
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
