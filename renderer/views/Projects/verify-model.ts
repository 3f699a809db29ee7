import type { VerifyOut } from '../../../shared/contract/workspace';
import { formatCount } from '../../lib/format';

/** One line of the verify result: what is wrong (or worth knowing), naming the thing. */
export interface VerifyLine {
  kind: string;
  subject: string;
  message: string;
}

/** What the Verify workspace panel shows for a `workspace:verify` answer. */
export interface VerifySummary {
  state: 'ok' | 'problems';
  headline: string;
  problems: VerifyLine[];
  warnings: VerifyLine[];
}

const LABELS: Record<string, string> = {
  'blob-hash': 'Artifact changed',
  'blob-missing': 'Artifact missing',
  'dataset-file': 'Dataset file',
  'capture-file': 'Capture file',
  'alias-target': 'Alias target',
  'version-run': 'Version run',
  'audit-missing': 'Audit trail',
  'orphan-file': 'Unreferenced file',
};

const count = (n: number, one: string, many: string) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** What was checked, e.g. "3 artifacts, 1 dataset version, 0 model versions, 0 aliases". */
export function checkedText(checked: VerifyOut['checked']): string {
  return [
    count(checked.blobs, 'artifact', 'artifacts'),
    count(checked.datasetVersions, 'dataset version', 'dataset versions'),
    count(checked.captureFiles, 'capture file', 'capture files'),
    count(checked.modelVersions, 'model version', 'model versions'),
    count(checked.aliases, 'alias', 'aliases'),
  ].join(', ');
}

export function summarizeVerify(out: VerifyOut): VerifySummary {
  const line = (p: { kind: string; subject: string; message: string }): VerifyLine => ({
    kind: LABELS[p.kind] ?? p.kind,
    subject: p.subject,
    message: p.message,
  });
  const problems = out.problems.map(line);
  const warnings = out.warnings.map(line);
  // `ok` is what the service says; a problem listed always shows, whatever `ok` claims.
  const ok = out.ok && problems.length === 0;
  return {
    state: ok ? 'ok' : 'problems',
    headline: ok
      ? `Workspace verified: ${checkedText(out.checked)} checked, no problems`
      : `Workspace verify found ${count(problems.length, 'problem', 'problems')} (checked ${checkedText(out.checked)})`,
    problems,
    warnings,
  };
}
