import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { Panel } from '../../components/page';
import { ErrorBanner } from '../../components/states';
import { useResult } from '../../lib/use-action';
import { summarizeVerify, type VerifyLine } from './verify-model';

function Lines({ lines, testId }: { lines: VerifyLine[]; testId: string }) {
  return (
    <ul>
      {lines.map((l, i) => (
        <li key={`${l.subject}-${i}`} data-testid={testId} data-subject={l.subject}>
          <strong>{l.kind}</strong> <code>{l.subject}</code>: {l.message}
        </li>
      ))}
    </ul>
  );
}

/**
 * Runs `workspace:verify` (artifact hashes, the files rows name, dataset files, aliases and their audit
 * entries; reads only) and lists each problem naming the thing, or says everything checked out.
 */
export function VerifyPanel() {
  const verify = useResult(() => getApi().invoke('workspace:verify', {}));
  const summary = verify.result ? summarizeVerify(verify.result) : null;
  return (
    <Panel title="Workspace integrity">
      <p className="muted">
        Checks, without changing anything, that every artifact hashes to its address, every dataset
        file is whole, and every alias is where its audit trail moved it.
      </p>
      <BusyButton
        busy={verify.busy}
        busyLabel="Verifying…"
        className="btn"
        onClick={() => void verify.run()}
        testId="verify-workspace"
      >
        Verify workspace
      </BusyButton>
      {verify.busy && (
        <p className="muted" data-testid="verify-busy" role="status">
          Hashing artifacts and reading dataset files…
        </p>
      )}
      {verify.message && (
        <ErrorBanner error={verify.message} title="Could not verify the workspace" />
      )}
      {summary && (
        <div data-testid="verify-result" data-state={summary.state} role="status">
          <p
            className={summary.state === 'ok' ? 'strong' : 'form-error'}
            data-testid="verify-headline"
          >
            {summary.headline}
          </p>
          {summary.problems.length > 0 && (
            <Lines lines={summary.problems} testId="verify-problem" />
          )}
          {summary.warnings.length > 0 && (
            <>
              <p className="muted">
                Warnings (nothing lost; <code>lathe gc</code> removes unreferenced files):
              </p>
              <Lines lines={summary.warnings} testId="verify-warning" />
            </>
          )}
        </div>
      )}
    </Panel>
  );
}
