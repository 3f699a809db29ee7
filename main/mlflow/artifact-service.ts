// MLflow's artifacts proxy over Lathe's content-addressed store: the files a client logs to a run's
// `mlflow-artifacts:/<experiment>/<run>/artifacts` become rows of the run's `artifacts` table, so the run
// page lists them and `lathe gc` keeps their blobs, as for any run.
import { existsSync, rmSync } from 'node:fs';
import {
  LatheError,
  type MlflowArtifactGetOut,
  type MlflowArtifactListOut,
  type MlflowFileInfo,
} from '../../shared/contract';
import type { ArtifactStore } from '../workspace/artifacts';
import type { Database } from '../workspace/db';
import { isInside } from '../workspace/paths';

export const MLFLOW_ARTIFACTS_SCHEME = 'mlflow-artifacts:/';

/** The artifact_uri MLflow's clients get for a run: its files go through the proxy under this root. */
export const mlflowArtifactUri = (experimentId: string, runId: string): string =>
  `${MLFLOW_ARTIFACTS_SCHEME}${experimentId}/${runId}/artifacts`;

export interface MlflowArtifactService {
  /** Moves `file` (in the uploads folder) into the store as the run artifact that `path` names. */
  put(path: string, file: string): Promise<Record<string, never>>;
  /** The stored file of the artifact `path` names; NOT_FOUND for a folder or nothing. */
  get(path: string): Promise<MlflowArtifactGetOut>;
  /** The entries of the folder `path` names (names only, as MLflow's proxy answers). */
  list(path: string | undefined): Promise<MlflowArtifactListOut>;
  /** Removes the artifact or folder `path` names from its run (the blobs stay until `lathe gc`). */
  remove(path: string): Promise<Record<string, never>>;
}

/** The segments of a proxy path; `..`, `.`, empty segments, backslashes and NULs are refused. */
export function proxySegments(path: string): string[] {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return [];
  const segments = trimmed.split('/');
  const bad = segments.find(
    (s) => s === '' || s === '.' || s === '..' || /[\\\0]/.test(s) || /^[A-Za-z]:$/.test(s),
  );
  if (bad !== undefined || path.startsWith('/'))
    throw new LatheError(
      'INVALID_INPUT',
      `Invalid path: ${JSON.stringify(path)} (a relative path without '..', '.' or empty segments)`,
      { path },
    );
  return segments;
}

interface RunRef {
  runId: string;
  /** The path inside the run's artifacts ('' for the run's root). */
  rel: string;
}

interface ArtifactRow {
  [k: string]: unknown;
  path: string;
  sha256: string;
  size_bytes: number | bigint;
}

export function createMlflowArtifactService(deps: {
  db: Database;
  artifacts: ArtifactStore;
  /** Only files in this folder are taken in (the host streams uploads there). */
  uploadsDir: string;
}): MlflowArtifactService {
  const { db, artifacts } = deps;

  /** The run a path of at least `<experiment>/<run>/artifacts` names, or NOT_FOUND. */
  const runOf = async (path: string, segments: string[]): Promise<RunRef> => {
    const [experimentId, runId, root, ...rest] = segments;
    if (root !== 'artifacts' || experimentId === undefined || runId === undefined)
      throw new LatheError(
        'NOT_FOUND',
        `${JSON.stringify(path)} is not a run's artifact path (<experiment>/<run>/artifacts/...)`,
        { path },
      );
    const run = await db.one<{ id: string }>(
      `SELECT id FROM runs WHERE id = ? AND (artifact_uri = ? OR (artifact_uri IS NULL AND experiment_id = ?))`,
      [runId, mlflowArtifactUri(experimentId, runId), experimentId],
    );
    if (!run)
      throw new LatheError(
        'NOT_FOUND',
        `Run '${runId}' of experiment '${experimentId}' not found (artifact path ${JSON.stringify(path)})`,
        { path, runId },
      );
    return { runId, rel: rest.join('/') };
  };

  const rowsUnder = (runId: string, rel: string) =>
    db.all<ArtifactRow>(
      rel === ''
        ? 'SELECT path, sha256, size_bytes FROM artifacts WHERE run_id = ? ORDER BY path'
        : `SELECT path, sha256, size_bytes FROM artifacts WHERE run_id = ? AND (path = ? OR starts_with(path, ?)) ORDER BY path`,
      rel === '' ? [runId] : [runId, rel, `${rel}/`],
    );

  /** Entries one level under `prefix` ('' or ending in '/') among `names`: folders first seen win. */
  const entriesOf = (
    prefix: string,
    items: { name: string; size?: number }[],
  ): MlflowArtifactListOut => {
    const seen = new Map<string, MlflowFileInfo>();
    for (const item of items) {
      if (!item.name.startsWith(prefix)) continue;
      const tail = item.name.slice(prefix.length);
      const slash = tail.indexOf('/');
      const entry = slash === -1 ? tail : tail.slice(0, slash);
      if (entry === '' || seen.has(entry)) continue;
      seen.set(
        entry,
        slash === -1 && item.size !== undefined
          ? { path: entry, is_dir: false, file_size: item.size }
          : { path: entry, is_dir: true },
      );
    }
    const files = [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
    return files.length ? { files } : {};
  };

  return {
    async put(path, file) {
      const segments = proxySegments(path);
      if (!isInside(deps.uploadsDir, file) || !existsSync(file))
        throw new LatheError(
          'INVALID_INPUT',
          `file ${JSON.stringify(file)} is not an upload of this workspace`,
          { file },
        );
      try {
        const { runId, rel } = await runOf(path, segments);
        if (rel === '')
          throw new LatheError(
            'INVALID_INPUT',
            `Invalid path: ${JSON.stringify(path)} names the run's artifact folder, not a file in it`,
            { path },
          );
        const clash = await db.one<{ path: string }>(
          `SELECT path FROM artifacts WHERE run_id = ? AND (starts_with(path, ?) OR starts_with(?, path || '/')) LIMIT 1`,
          [runId, `${rel}/`, rel],
        );
        if (clash)
          throw new LatheError(
            'INVALID_INPUT',
            `Invalid path: ${JSON.stringify(rel)} clashes with the artifact ${JSON.stringify(clash.path)} of run ${runId} (a file cannot also be a folder)`,
            { path, clash: clash.path },
          );
        const blob = await artifacts.putFile(file);
        await db.run(
          `INSERT OR REPLACE INTO artifacts (run_id, path, sha256, size_bytes, created_at) VALUES (?, ?, ?, ?, now())`,
          [runId, rel, blob.sha256, blob.sizeBytes],
        );
        return {};
      } finally {
        // Moved into the store on success; on a refusal the upload is not kept.
        rmSync(file, { force: true });
      }
    },

    async get(path) {
      const segments = proxySegments(path);
      const { runId, rel } = await runOf(path, segments);
      const row =
        rel === ''
          ? undefined
          : await db.one<ArtifactRow>(
              'SELECT path, sha256, size_bytes FROM artifacts WHERE run_id = ? AND path = ?',
              [runId, rel],
            );
      if (!row || !artifacts.has(row.sha256))
        throw new LatheError(
          'NOT_FOUND',
          row
            ? `artifact ${JSON.stringify(rel)} of run ${runId} is missing from the artifact store`
            : `No such file: ${JSON.stringify(path)} (a folder, or nothing, is there)`,
          { path },
        );
      return {
        path: rel,
        sha256: row.sha256,
        sizeBytes: Number(row.size_bytes),
        file: artifacts.pathOf(row.sha256),
      };
    },

    async list(path) {
      const segments = proxySegments(path ?? '');
      if (segments.length < 2) {
        // Above the runs: the experiments, then the runs, that have MLflow artifact roots.
        const prefix = segments.length === 0 ? '' : `${segments[0]}/`;
        const uris = await db.all<{ uri: string }>(
          `SELECT artifact_uri AS uri FROM runs WHERE starts_with(artifact_uri, ?)`,
          [`${MLFLOW_ARTIFACTS_SCHEME}${prefix}`],
        );
        return entriesOf(
          prefix,
          uris.map((u) => ({ name: u.uri.slice(MLFLOW_ARTIFACTS_SCHEME.length) })),
        );
      }
      if (segments.length === 2) {
        const [experimentId, runId] = segments as [string, string];
        const run = await db.one(
          `SELECT id FROM runs WHERE id = ? AND (artifact_uri = ? OR (artifact_uri IS NULL AND experiment_id = ?))`,
          [runId, mlflowArtifactUri(experimentId, runId), experimentId],
        );
        return run ? { files: [{ path: 'artifacts', is_dir: true }] } : {};
      }
      let ref: RunRef;
      try {
        ref = await runOf(path ?? '', segments);
      } catch (err) {
        // As MLflow's proxy does for a folder that is not there: an empty listing.
        if (err instanceof LatheError && err.code === 'NOT_FOUND') return {};
        throw err;
      }
      const rows = await rowsUnder(ref.runId, ref.rel);
      return entriesOf(
        ref.rel === '' ? '' : `${ref.rel}/`,
        rows.map((r) => ({ name: r.path, size: Number(r.size_bytes) })),
      );
    },

    async remove(path) {
      const segments = proxySegments(path);
      const { runId, rel } = await runOf(path, segments);
      if (rel === '') await db.run('DELETE FROM artifacts WHERE run_id = ?', [runId]);
      else
        await db.run(
          'DELETE FROM artifacts WHERE run_id = ? AND (path = ? OR starts_with(path, ?))',
          [runId, rel, `${rel}/`],
        );
      return {};
    },
  };
}
