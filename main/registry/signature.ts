import {
  FittedFeatureSpec,
  LatheError,
  Task,
  type ColumnInfo,
  type ModelSignature,
  type Run,
} from '../../shared/contract';
import { z } from 'zod';
import type { ArtifactStore } from '../workspace/artifacts';

/**
 * The artifacts a run must have to be registered: the model (a network's model.json and weights.bin,
 * or a gradient-boosted tree ensemble's gbdt.json), its fitted feature spec and its target.
 */
export const MODEL_ARTIFACTS = [
  'model/model.json',
  'model/weights.bin',
  'features/fitted.json',
  'target.json',
] as const;
export const GBDT_MODEL_ARTIFACTS = [
  'model/gbdt.json',
  'features/fitted.json',
  'target.json',
] as const;

/** The model artifacts a run must have, by the type of model its config trains. */
export function modelArtifacts(run: { config: Pick<Run['config'], 'model'> }): readonly string[] {
  return run.config.model.type === 'gbdt' ? GBDT_MODEL_ARTIFACTS : MODEL_ARTIFACTS;
}

/** What training stores in `target.json` (main/train/trainer.ts). */
const TargetFile = z.object({
  task: Task,
  column: z.string(),
  classes: z.array(z.string()).optional(),
});

/** A run's stored JSON artifact, parsed with `schema`; errors name the run and the file. */
export async function readRunJson<T>(
  artifacts: ArtifactStore,
  run: Run,
  path: string,
  schema: z.ZodType<T>,
): Promise<T> {
  const a = run.artifacts.find((x) => x.path === path);
  if (!a) throw new LatheError('NOT_FOUND', `run ${run.id} has no artifact ${path}`, { path });
  let value: unknown;
  try {
    value = JSON.parse((await artifacts.read(a.sha256)).toString('utf8'));
  } catch (err) {
    throw new LatheError(
      'CORRUPT_FILE',
      `artifact ${path} of run ${run.id} cannot be read: ${(err as Error).message}`,
      { path },
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new LatheError(
      'CORRUPT_FILE',
      `artifact ${path} of run ${run.id} is not what training writes: ${parsed.error.issues[0]?.message ?? ''}`,
      { path },
    );
  return parsed.data;
}

export interface RunModelFiles {
  fitted: FittedFeatureSpec;
  target: z.infer<typeof TargetFile>;
}

export async function readModelFiles(artifacts: ArtifactStore, run: Run): Promise<RunModelFiles> {
  return {
    fitted: await readRunJson(artifacts, run, 'features/fitted.json', FittedFeatureSpec),
    target: await readRunJson(artifacts, run, 'target.json', TargetFile),
  };
}

/**
 * The signature of a run's model: the raw columns its fitted feature spec reads (only those behind the
 * features the model kept, when training selected features), in the dataset's column order with the
 * dataset's types, and the task, target and classes it predicts.
 */
export function signatureOf(files: RunModelFiles, columns: ColumnInfo[]): ModelSignature {
  const { fitted, target } = files;
  const kept = fitted.selection ? new Set(fitted.selection.kept) : null;
  const sources = new Set<string>();
  for (const doc of fitted.docs)
    if (!kept || kept.has(doc.name)) for (const s of doc.sources) sources.add(s);
  if (!kept) for (const c of fitted.columns) sources.add(c.source);
  const known = columns.filter((c) => sources.has(c.name));
  const unknown = [...sources]
    .filter((s) => !columns.some((c) => c.name === s))
    .sort()
    .map((name) => ({ name, type: 'UNKNOWN', kind: 'other' as const }));
  return {
    inputs: [...known.map((c) => ({ name: c.name, type: c.type, kind: c.kind })), ...unknown],
    output: {
      task: target.task,
      target: target.column,
      ...(target.task !== 'regression' && target.classes ? { classes: target.classes } : {}),
    },
  };
}
