import { existsSync, statSync } from 'node:fs';
import type { VerifyOut, VerifyProblem, VerifyWarning } from '../../shared/contract/workspace';
import { sha256File, type ArtifactStore } from './artifacts';
import { literal, text, type Database } from './db';
import { findOrphanFiles } from './orphans';
import { fromStoredPath } from './paths';

/**
 * Checks that what the database says was committed is there and whole: every stored artifact hashes to
 * its address, every row naming a blob finds it, every dataset version's Parquet file exists with its
 * recorded size and row count, every batch job's capture file exists with its row count, every alias points at an existing version, and every version and alias
 * position has the audit entry that made it. Reads only; nothing is repaired.
 */
export async function verifyWorkspace(deps: {
  dir: string;
  db: Database;
  artifacts: ArtifactStore;
}): Promise<VerifyOut> {
  const { dir, db, artifacts } = deps;
  const problems: VerifyProblem[] = [];
  const problem = (kind: VerifyProblem['kind'], subject: string, message: string) =>
    problems.push({ kind, subject, message });
  /** A Parquet file's rows against the count recorded: a problem when they differ or it is unreadable. */
  const checkRows = async (
    kind: 'dataset-file' | 'capture-file',
    subject: string,
    what: string,
    file: string,
    recorded: number,
  ) => {
    try {
      const counted = await db.one<{ n: unknown }>(
        `SELECT count(*) AS n FROM read_parquet(${literal(file)})`,
      );
      if (Number(counted?.n) !== recorded)
        problem(
          kind,
          subject,
          `${what}: its file holds ${Number(counted?.n)} rows, ${recorded} recorded`,
        );
    } catch (err) {
      problem(kind, subject, `${what}: its file is unreadable: ${(err as Error).message}`);
    }
  };

  const blobs = artifacts.list();
  for (const blob of blobs) {
    const actual = await sha256File(artifacts.pathOf(blob.sha256));
    if (actual !== blob.sha256)
      problem(
        'blob-hash',
        blob.sha256,
        `artifact ${blob.sha256} holds content hashing to ${actual}`,
      );
  }

  const refs = await db.all<{ owner: string; path: string; sha256: string }>(
    `SELECT 'run ' || run_id AS owner, path, sha256 FROM artifacts
     UNION ALL
     SELECT 'model version ' || version_id AS owner, path, sha256 FROM model_version_files`,
  );
  for (const r of refs)
    if (!artifacts.has(text(r.sha256)))
      problem(
        'blob-missing',
        text(r.sha256),
        `${text(r.owner)} lists ${text(r.path)} as ${text(r.sha256)}, which the artifact store does not hold`,
      );

  const versions = await db.all<{
    name: string;
    version: number;
    storage_path: string;
    size_bytes: unknown;
    row_count: unknown;
  }>(
    `SELECT d.name, v.version, v.storage_path, v.size_bytes, v.row_count
     FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id ORDER BY d.name, v.version`,
  );
  for (const v of versions) {
    const subject = `${text(v.name)}@${Number(v.version)}`;
    const file = fromStoredPath(dir, text(v.storage_path));
    if (!existsSync(file)) {
      problem('dataset-file', subject, `${subject}: its file ${file} is missing`);
      continue;
    }
    const size = statSync(file).size;
    if (size !== Number(v.size_bytes)) {
      problem(
        'dataset-file',
        subject,
        `${subject}: its file ${file} holds ${size} bytes, ${Number(v.size_bytes)} recorded`,
      );
      continue;
    }
    await checkRows('dataset-file', subject, subject, file, Number(v.row_count));
  }

  // A batch job's captured rows: its file must be there with the rows recorded.
  const captureFiles = await db.all<{ source_id: string; path: string; rows: unknown }>(
    'SELECT source_id, path, "rows" FROM capture_files ORDER BY "at", source_id',
  );
  for (const c of captureFiles) {
    const subject = text(c.source_id);
    const file = fromStoredPath(dir, text(c.path));
    const what = `the captured rows of batch ${subject}`;
    if (!existsSync(file)) {
      problem('capture-file', subject, `${what}: its file ${file} is missing`);
      continue;
    }
    await checkRows('capture-file', subject, what, file, Number(c.rows));
  }

  const modelVersions = await db.all<{
    name: string;
    version: number;
    run_id: string | null;
    has_run: boolean;
    audited: boolean;
  }>(
    `SELECT m.name, v.version, v.run_id,
       EXISTS (SELECT 1 FROM runs r WHERE r.id = v.run_id) AS has_run,
       EXISTS (SELECT 1 FROM audit_log a WHERE a.model_id = v.model_id AND a.version = v.version
         AND a.action IN ('register', 'import')) AS audited
     FROM model_versions v JOIN models m ON m.id = v.model_id ORDER BY m.name, v.version`,
  );
  for (const v of modelVersions) {
    const subject = `${text(v.name)}@${Number(v.version)}`;
    if (v.run_id !== null && !v.has_run)
      problem(
        'version-run',
        subject,
        `${subject} names run ${text(v.run_id)}, which does not exist`,
      );
    if (!v.audited)
      problem('audit-missing', subject, `${subject} has no audit entry of its registration`);
  }

  // Each alias must point where the latest audit entry about it moved it.
  const aliases = await db.all<{
    name: string;
    alias: string;
    version: number;
    exists: boolean;
    audited_to: unknown;
  }>(
    `SELECT m.name, a.alias, a.version,
       EXISTS (SELECT 1 FROM model_versions v WHERE v.model_id = a.model_id AND v.version = a.version) AS exists,
       (SELECT CASE WHEN l.action = 'alias' THEN json_extract(l.details, '$.to')::INTEGER END
          FROM audit_log l
          WHERE l.model_id = a.model_id AND l.action IN ('alias', 'unalias')
            AND json_extract_string(l.details, '$.alias') = a.alias
          ORDER BY l.id DESC LIMIT 1) AS audited_to
     FROM model_aliases a JOIN models m ON m.id = a.model_id ORDER BY m.name, a.alias`,
  );
  for (const a of aliases) {
    const subject = `${text(a.name)}@${text(a.alias)}`;
    if (!a.exists)
      problem(
        'alias-target',
        subject,
        `${subject} points at version ${Number(a.version)}, which does not exist`,
      );
    if (a.audited_to === null || Number(a.audited_to) !== Number(a.version))
      problem(
        'audit-missing',
        subject,
        `${subject} points at version ${Number(a.version)} but no audit entry moved it there last`,
      );
  }

  const warnings: VerifyWarning[] = (await findOrphanFiles(dir, db)).map((o) => ({
    kind: 'orphan-file',
    subject: o.path,
    message: o.path.startsWith('captures/')
      ? `${o.path} (${o.sizeBytes} bytes) is named by no batch job: left by a batch prediction killed before its commit, or one in progress; \`lathe gc\` removes it`
      : `${o.path} (${o.sizeBytes} bytes) is named by no dataset version: left by an import killed before its commit, or one in progress; \`lathe gc\` removes it`,
  }));

  return {
    ok: problems.length === 0,
    checked: {
      blobs: blobs.length,
      references: refs.length,
      datasetVersions: versions.length,
      captureFiles: captureFiles.length,
      modelVersions: modelVersions.length,
      aliases: aliases.length,
    },
    problems,
    warnings,
  };
}
