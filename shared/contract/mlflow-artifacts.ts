// MLflow's artifacts proxy (mlflow/protos/mlflow_artifacts.proto, `mlflow server --serve-artifacts`):
// the host maps /api/2.0/mlflow-artifacts/artifacts/<path> onto these channels. A path is relative to the
// proxy's root: `<experiment>/<run>/artifacts[/<file or folder>]`, the tail of a run's artifact_uri
// `mlflow-artifacts:/<experiment>/<run>/artifacts`.
import { z } from 'zod';

/** A proxy path: `<experiment>/<run>/artifacts[/...]`; the service refuses `..`, `.` and empty segments. */
const ProxyPath = z.string().max(4096, 'path: at most 4096 characters');

export const MlflowArtifactPutIn = z.object({
  /** Where the file goes: `<experiment>/<run>/artifacts/<relative path of the file>`. */
  path: ProxyPath.min(1, 'path is required'),
  /** The uploaded bytes, already on disk in the workspace's uploads folder (moved into the store). */
  file: z.string().min(1, 'file is required'),
});
export type MlflowArtifactPutIn = z.input<typeof MlflowArtifactPutIn>;

export const MlflowArtifactPathIn = z.object({
  path: ProxyPath.min(1, 'path is required'),
});
export type MlflowArtifactPathIn = z.input<typeof MlflowArtifactPathIn>;

export const MlflowArtifactListIn = z.object({
  /** The folder to list; absent or empty: the root (the experiments with MLflow runs). */
  path: ProxyPath.optional(),
});
export type MlflowArtifactListIn = z.input<typeof MlflowArtifactListIn>;

/** MLflow's FileInfo: `path` is the entry's name inside the listed folder; folders have no size. */
export const MlflowFileInfo = z.object({
  path: z.string(),
  is_dir: z.boolean(),
  file_size: z.number().int().nonnegative().optional(),
});
export type MlflowFileInfo = z.infer<typeof MlflowFileInfo>;

/** ListArtifacts.Response: `files` is left out when the folder is empty, as proto JSON does. */
export const MlflowArtifactListOut = z.object({ files: z.array(MlflowFileInfo).optional() });
export type MlflowArtifactListOut = z.infer<typeof MlflowArtifactListOut>;

/** A stored artifact the host streams: its file in the content-addressed store. */
export const MlflowArtifactGetOut = z.object({
  path: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  file: z.string(),
});
export type MlflowArtifactGetOut = z.infer<typeof MlflowArtifactGetOut>;

export const MlflowArtifactEmpty = z.object({});

/** The channels of the artifacts proxy, spread into the channel map in index.ts. */
export const mlflowArtifactChannels = {
  /** UploadArtifact: stores an uploaded file as a run artifact (content-addressed; replaces that path). */
  'mlflow:artifacts:put': { input: MlflowArtifactPutIn, output: MlflowArtifactEmpty },
  /** DownloadArtifact: the stored file of one artifact; NOT_FOUND for a folder or a missing path. */
  'mlflow:artifacts:get': { input: MlflowArtifactPathIn, output: MlflowArtifactGetOut },
  /** ListArtifacts: the entries of a folder (names only, MLflow's FileInfo). */
  'mlflow:artifacts:list': { input: MlflowArtifactListIn, output: MlflowArtifactListOut },
  /** DeleteArtifact: removes the artifact or every artifact under the folder (the blobs stay for gc). */
  'mlflow:artifacts:delete': { input: MlflowArtifactPathIn, output: MlflowArtifactEmpty },
} as const;
