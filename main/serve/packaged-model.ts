// From a registry reference to a model package on disk: resolves `NAME@alias`, writes the version's
// package into the workspace's packages/<model>@<version> folder (reused when complete, of the same run
// or file and written by this Lathe) and loads a Predictor over it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { servableSignature, type ModelVersion } from '../../shared/contract';
import type { RegistryStore } from '../registry/registry-store';
import type { TrackingStore } from '../tracking/tracking-store';
import type { ArtifactStore } from '../workspace/artifacts';
import { latheVersion } from '../version';
import { writeModelPackage } from './package';
import { loadPredictor } from './predictor';
import type { Predictor } from './types';

export interface PackageDeps {
  registry: Pick<RegistryStore, 'version'>;
  tracking: Pick<TrackingStore, 'get'>;
  artifacts: ArtifactStore;
  /** The workspace's tmp folder. */
  tmpDir: string;
  /** The workspace's packages folder (WorkspacePaths.packages): packages are cached there. */
  packagesDir: string;
}

/** Writes the package of `ref` into `dir` (or the workspace cache) and returns its folder and version. */
export async function packageOf(
  deps: PackageDeps,
  ref: string,
  dir?: string,
): Promise<{ dir: string; version: ModelVersion }> {
  const version = await deps.registry.version(ref);
  // A version with no ONNX model (registered through MLflow from elsewhere) is refused, naming its source.
  servableSignature(version);
  const target = dir ?? join(deps.packagesDir, `${version.model}@${version.version}`);
  const metaFile = join(target, 'package.json');
  const cached =
    dir === undefined &&
    existsSync(metaFile) &&
    (() => {
      try {
        const m = JSON.parse(readFileSync(metaFile, 'utf8')) as {
          runId?: string | null;
          version?: number;
          onnxSha256?: string;
          modelType?: string;
          producer?: string;
        };
        // The cache outlives the process, and so a Lathe upgrade: another Lathe's export is redone.
        if (m.producer !== latheVersion()) return false;
        // An imported version is its file: the cache holds it when the sha256 matches.
        if (version.source.kind === 'import')
          return (
            m.runId === null &&
            m.version === version.version &&
            m.onnxSha256 === version.source.sha256
          );
        // A package written before packages recorded their model type has no gbdt.json even for a
        // tree model: written again, so it explains.
        return (
          m.runId === version.runId && m.version === version.version && m.modelType !== undefined
        );
      } catch {
        return false;
      }
    })();
  if (!cached) {
    const run = version.runId === null ? null : await deps.tracking.get(version.runId);
    await writeModelPackage({
      version,
      run,
      artifacts: deps.artifacts,
      dir: target,
      latheVersion: latheVersion(),
    });
  }
  return { dir: target, version };
}

/** The Predictor of a registry reference, through its package. */
export async function predictorOf(deps: PackageDeps, ref: string): Promise<Predictor> {
  return loadPredictor((await packageOf(deps, ref)).dir);
}
