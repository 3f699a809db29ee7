// Model packages (see types.ts): a registered model version written as a folder that predicts without the
// workspace — model.onnx (onnx-export.ts; onnx-trees.ts for a gradient-boosted run), fitted.json,
// target.json and package.json.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  servableSignature,
  FittedFeatureSpec,
  LatheError,
  ModelLineage,
  ModelSignature,
  VersionSource,
  type ModelVersion,
  type Run,
} from '../../shared/contract';
import type { StoredTarget } from '../evaluate/predict';
import { GBDT_MODEL_PATH } from '../train/gbdt/tree-model';
import type { ArtifactStore } from '../workspace/artifacts';
import { exportOnnx } from './onnx-export';
import { exportTreesOnnx, GbdtModelFile } from './onnx-trees';
import { importedFittedSpec, importedTarget, learnsMissing } from './onnx-import';
import { PACKAGE_GBDT } from './explain';
import type { PackageMeta } from './types';
import { makeDirs } from '../workspace/make-dirs';

export const PACKAGE_FILES = {
  onnx: 'model.onnx',
  fitted: 'fitted.json',
  target: 'target.json',
  meta: 'package.json',
} as const;

/** package.json of a model package. */
export const PackageMetaSchema = z.object({
  format: z.literal('lathe-model-package'),
  formatVersion: z.literal(1),
  model: z.string().min(1),
  version: z.number().int().positive(),
  runId: z.string().min(1).nullable(),
  signature: ModelSignature,
  lineage: ModelLineage.nullable(),
  source: VersionSource.optional(),
  onnxSha256: z.string().regex(/^[0-9a-f]{64}$/),
  modelType: z.enum(['linear', 'mlp', 'gbdt']).optional(),
  gbdtSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  producer: z.string().optional(),
  createdAt: z.string(),
}) satisfies z.ZodType<PackageMeta>;

/** target.json as training writes it (main/train/trainer.ts). */
export const StoredTargetSchema = z.union([
  z.object({
    task: z.enum(['binary', 'multiclass']),
    column: z.string(),
    kind: z.literal('classes'),
    classes: z.array(z.string()).min(2),
  }),
  z.object({
    task: z.literal('regression'),
    column: z.string(),
    kind: z.literal('regression'),
    mean: z.number(),
    std: z.number(),
  }),
]) satisfies z.ZodType<StoredTarget>;

/** The fitted spec of a package, with the features the model kept when training selected some. */
export type PackageFitted = FittedFeatureSpec;

export interface ModelPackageInput {
  /** The registered version to package. */
  version: ModelVersion;
  /** The run behind it (`version.runId`): its artifact list names the files. Null for an imported model. */
  run: Run | null;
  /** The workspace's artifact store, which holds the run's files. */
  artifacts: ArtifactStore;
  /** The folder to write; created when missing. Files of an earlier package there are replaced. */
  dir: string;
  /** Recorded as the ONNX producer version. */
  latheVersion: string;
}

export interface ModelPackage {
  dir: string;
  meta: PackageMeta;
  files: string[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function runFile(input: ModelPackageInput, run: Run, path: string): Promise<Buffer> {
  const a = run.artifacts.find((x) => x.path === path);
  if (!a)
    throw new LatheError(
      'NOT_FOUND',
      `run ${run.id} (${input.version.model}@${input.version.version}) has no artifact ${path}`,
      { path },
    );
  return input.artifacts.read(a.sha256);
}

function parseJson<T>(bytes: Buffer, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new LatheError('CORRUPT_FILE', `${what} is not JSON: ${(err as Error).message}`, {
      file: what,
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LatheError(
      'CORRUPT_FILE',
      `${what}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
      { file: what },
    );
  }
  return parsed.data;
}

/** Writes bytes to a temporary name beside `path` and renames it into place. */
function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes the package of a registered model version: the ONNX model exported from the run's tfjs model, the
 * run's fitted feature spec and target, and package.json — or, for an imported model, its ONNX file with a
 * fitted spec and target drawn from its declared signature. Each file is renamed into place whole and
 * package.json comes last, so a folder with a package.json holds a complete package.
 */
export async function writeModelPackage(input: ModelPackageInput): Promise<ModelPackage> {
  const { version, run } = input;
  const source = version.source;
  const signature = servableSignature(version);
  let onnx: Uint8Array;
  // A gradient-boosted version's trees, kept beside model.onnx for explanations (explain.ts).
  let gbdtBytes: Buffer | null = null;
  let fittedBytes: Uint8Array | string;
  let targetBytes: Uint8Array | string;
  if (source.kind === 'import') {
    // The imported file as it was given (its sha256 checked), with a fitted spec and target that pass
    // the declared features through (onnx-import.ts).
    onnx = await input.artifacts.read(source.sha256).catch((err: unknown) => {
      throw new LatheError(
        'NOT_FOUND',
        `${version.model}@${version.version}: the imported ONNX file (sha256 ${source.sha256}) is missing from the workspace: ${(err as Error).message}`,
        { sha256: source.sha256 },
      );
    });
    if (sha256(onnx) !== source.sha256)
      throw new LatheError(
        'CORRUPT_FILE',
        `${version.model}@${version.version}: the stored ONNX file does not match its sha256 ${source.sha256}`,
        { sha256: source.sha256 },
      );
    const missing = learnsMissing(onnx) ? ('nan' as const) : undefined;
    fittedBytes = JSON.stringify(
      importedFittedSpec(source.signature, source.sha256, missing ? { missing } : {}),
      null,
      2,
    );
    targetBytes = JSON.stringify(importedTarget(source.signature), null, 2);
  } else {
    if (!run || run.id !== version.runId)
      throw new LatheError(
        'INVALID_INPUT',
        `run ${run?.id ?? '(none)'} is not the run of ${version.model}@${version.version} (${version.runId})`,
      );
    fittedBytes = await runFile(input, run, 'features/fitted.json');
    targetBytes = await runFile(input, run, 'target.json');
    const target = parseJson(
      Buffer.from(targetBytes),
      StoredTargetSchema,
      `target.json of run ${run.id}`,
    );
    const fitted = parseJson(
      Buffer.from(fittedBytes),
      FittedFeatureSpec,
      `features/fitted.json of run ${run.id}`,
    );
    const metadata = { model: version.model, version: String(version.version), runId: run.id };
    if (run.artifacts.some((a) => a.path === GBDT_MODEL_PATH)) {
      // A gradient-boosted run: its trees as ai.onnx.ml tree ensembles (onnx-trees.ts).
      const what = `${GBDT_MODEL_PATH} of run ${run.id}`;
      gbdtBytes = await runFile(input, run, GBDT_MODEL_PATH);
      const model = parseJson(gbdtBytes, GbdtModelFile, what);
      const inputs = fitted.selection?.kept ?? fitted.outputs;
      if (inputs.join('\n') !== model.features.join('\n'))
        throw new LatheError(
          'CORRUPT_FILE',
          `${what}: its features (${model.features.join(', ')}) are not the fitted spec's model inputs (${inputs.join(', ')})`,
          { file: what },
        );
      try {
        onnx = exportTreesOnnx({ model, target, producerVersion: input.latheVersion, metadata });
      } catch (err) {
        throw new LatheError(
          'CORRUPT_FILE',
          `${what}: ${(err as Error).message.replace(/^\[OnnxTrees\] /, '')}`,
          { file: what },
        );
      }
    } else
      onnx = exportOnnx({
        modelJson: (await runFile(input, run, 'model/model.json')).toString('utf8'),
        weights: await runFile(input, run, 'model/weights.bin'),
        target,
        producerVersion: input.latheVersion,
        metadata,
      });
  }
  const meta: PackageMeta = {
    format: 'lathe-model-package',
    formatVersion: 1,
    model: version.model,
    version: version.version,
    runId: version.runId,
    signature,
    lineage: version.lineage,
    ...(source.kind === 'import' ? { source } : {}),
    onnxSha256: sha256(onnx),
    ...(run && source.kind !== 'import' ? { modelType: run.config.model.type } : {}),
    ...(gbdtBytes ? { gbdtSha256: sha256(gbdtBytes) } : {}),
    producer: input.latheVersion,
    createdAt: new Date().toISOString(),
  };
  makeDirs(input.dir);
  // An earlier package.json goes first: a crash mid-write must not leave it vouching for new files.
  rmSync(join(input.dir, PACKAGE_FILES.meta), { force: true });
  writeAtomic(join(input.dir, PACKAGE_FILES.onnx), onnx);
  writeAtomic(join(input.dir, PACKAGE_FILES.fitted), fittedBytes);
  writeAtomic(join(input.dir, PACKAGE_FILES.target), targetBytes);
  if (gbdtBytes) writeAtomic(join(input.dir, PACKAGE_GBDT), gbdtBytes);
  else rmSync(join(input.dir, PACKAGE_GBDT), { force: true });
  writeAtomic(join(input.dir, PACKAGE_FILES.meta), JSON.stringify(meta, null, 2) + '\n');
  return {
    dir: input.dir,
    meta,
    files: [...Object.values(PACKAGE_FILES), ...(gbdtBytes ? [PACKAGE_GBDT] : [])],
  };
}

export interface LoadedPackage {
  meta: PackageMeta;
  fitted: PackageFitted;
  target: StoredTarget;
  onnx: Uint8Array;
}

function readPackageFile(dir: string, name: string): Buffer {
  const path = join(dir, name);
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LatheError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'CORRUPT_FILE',
      code === 'ENOENT'
        ? `${path} is missing: not a model package (write one with writeModelPackage)`
        : `${path} cannot be read: ${(err as Error).message}`,
      { file: path },
    );
  }
}

/** Reads and checks a package folder: package.json (zod), the ONNX file's sha256, fitted.json, target.json. */
export function readModelPackage(dir: string): LoadedPackage {
  const metaPath = join(dir, PACKAGE_FILES.meta);
  const meta = parseJson(readPackageFile(dir, PACKAGE_FILES.meta), PackageMetaSchema, metaPath);
  const onnx = readPackageFile(dir, PACKAGE_FILES.onnx);
  const digest = sha256(onnx);
  if (digest !== meta.onnxSha256)
    throw new LatheError(
      'CORRUPT_FILE',
      `${join(dir, PACKAGE_FILES.onnx)}: sha256 ${digest} does not match package.json (${meta.onnxSha256})`,
      { file: join(dir, PACKAGE_FILES.onnx) },
    );
  const fitted = parseJson(
    readPackageFile(dir, PACKAGE_FILES.fitted),
    FittedFeatureSpec,
    join(dir, PACKAGE_FILES.fitted),
  );
  const target = parseJson(
    readPackageFile(dir, PACKAGE_FILES.target),
    StoredTargetSchema,
    join(dir, PACKAGE_FILES.target),
  );
  return { meta, fitted, target, onnx };
}
