import { Fragment, useMemo, useState } from 'react';
import { stringify as stringifyYaml } from 'yaml';
import {
  ExpectationSuite,
  type ExpectationResult,
  type ValidationReport,
} from '../../../shared/contract';
import { getApi } from '../../api';
import { Checkbox, FormField } from '../../components/form-field';
import { AsyncStatus, EmptyState, ErrorBanner, Loading } from '../../components/states';
import { formatCell, formatCount, formatDuration, formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { readYamlText, textProblems, type TextProblem } from '../../lib/yaml-text';
import { TableHead, ValueCells, num } from '../../components/table';
import { BusyButton } from '../../components/busy-button';

type Parsed = { ok: true; suite: ExpectationSuite } | { ok: false; errors: TextProblem[] };

/** Parses the editor's text (YAML, or JSON, which is YAML too) against the suite schema. */
export function parseSuiteText(text: string): Parsed {
  const read = readYamlText(text);
  if (!read.ok) return read;
  const r = ExpectationSuite.safeParse(read.raw);
  return r.success ? { ok: true, suite: r.data } : { ok: false, errors: textProblems(r.error) };
}

/** What an expectation measured, in a table cell. */
function formatObserved(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
    return formatCell(value);
  if (Array.isArray(value)) return value.map((v) => formatObserved(v)).join(' – ');
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${formatObserved(v)}`)
    .join(', ');
}

function ResultBadge({ result }: { result: ExpectationResult }) {
  if (result.passed) return <span className="badge badge-finished">pass</span>;
  return (
    <span className={result.severity === 'error' ? 'badge badge-failed' : 'badge badge-cancelled'}>
      {result.severity === 'error' ? 'fail' : 'warn'}
    </span>
  );
}

function ReportView({ report }: { report: ValidationReport }) {
  const [open, setOpen] = useState<number | null>(null);
  const failed = report.results.filter((r) => !r.passed).length;
  return (
    <div data-testid="validation-report" data-success={String(report.success)}>
      <div
        className={report.success ? 'banner banner-ok' : 'banner banner-error'}
        role="status"
        data-testid="validation-banner"
      >
        <strong>{report.success ? 'Validation passed' : 'Validation failed'}</strong>{' '}
        <span>
          {report.suiteName} on {report.dataset} v{report.version}:{' '}
          {formatCount(report.results.length - failed)} of {formatCount(report.results.length)}{' '}
          expectations hold · {formatCount(report.errors)} error{report.errors === 1 ? '' : 's'}
          {' · '}
          {formatCount(report.warnings)} warning{report.warnings === 1 ? '' : 's'} ·{' '}
          {formatCount(report.rows)} rows · {formatDuration(report.durationMs)}
        </span>
        {report.quarantine && (
          <div className="banner-message" data-testid="validation-quarantine">
            Quarantined {formatCount(report.quarantine.failing.rows)} failing rows as{' '}
            {report.quarantine.failing.dataset} v{report.quarantine.failing.version};{' '}
            {report.quarantine.clean
              ? `clean rows (${formatCount(report.quarantine.clean.rows)}) as ${report.quarantine.clean.dataset} v${report.quarantine.clean.version}.`
              : 'no row passed.'}
          </div>
        )}
      </div>
      <div className="table-scroll">
        <table className="table table-dense table-hover" data-testid="validation-results">
          <TableHead
            columns={[
              num('#'),
              'Expectation',
              'Column',
              'Severity',
              'Expected',
              'Observed',
              'Result',
              num('Failing rows'),
            ]}
          />
          <tbody>
            {report.results.map((r) => (
              <Fragment key={r.index}>
                <tr
                  data-testid={`expectation-row-${r.index}`}
                  data-passed={String(r.passed)}
                  className={open === r.index ? 'selected' : undefined}
                  onClick={() => setOpen(open === r.index ? null : r.index)}
                  aria-expanded={open === r.index}
                  title={r.message}
                >
                  <td className="num muted">{r.index}</td>
                  <td className="mono">{r.type}</td>
                  <td className="strong">{r.column ?? '—'}</td>
                  <td className="muted">{r.severity}</td>
                  <td>{r.expected}</td>
                  <td className="mono">{formatObserved(r.observed)}</td>
                  <td>
                    <ResultBadge result={r} />
                    {!r.passed && r.observed === null && (
                      <div className="muted small" data-testid={`expectation-cause-${r.index}`}>
                        {r.message}
                      </div>
                    )}
                  </td>
                  <td className="num">
                    {r.failingRows === null ? '—' : formatCount(r.failingRows)}
                  </td>
                </tr>
                {open === r.index && (
                  <tr data-testid={`expectation-detail-${r.index}`}>
                    <td colSpan={8}>
                      <div className="muted">{r.message}</div>
                      {r.sample.length > 0 && (
                        <div className="table-scroll">
                          <table className="table table-dense">
                            <thead>
                              <tr>
                                {report.columns.map((c) => (
                                  <th key={c}>{c}</th>
                                ))}
                              </tr>
                            </thead>
                            <tbody>
                              {r.sample.map((row, i) => (
                                <tr key={i}>
                                  <ValueCells values={row} />
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        </div>
                      )}
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * Suite editor (YAML or JSON) starting from the suite saved with the dataset, Suggest, Save (with the
 * dataset: later versions and retraining are checked against it), Validate, the report and the stored
 * reports of the version.
 */
export function ValidationPanel({ datasetRef }: { datasetRef: string }) {
  const dataset = datasetRef.split('@')[0]!;
  const [text, setText] = useState('');
  const [quarantine, setQuarantine] = useState(false);
  const action = useAction<'suggest' | 'validate' | 'save'>();
  const saved = useAsync(() => getApi().invoke('data:suite:get', { name: dataset }), [dataset]);
  const savedSuite = saved.data?.suite ?? null;
  const savedText = useMemo(() => (savedSuite ? stringifyYaml(savedSuite) : null), [savedSuite]);
  // The editor opens on the saved suite (once loaded), unless something was typed or suggested first.
  // Adjusting state to newly loaded data during render (no effect, no extra paint).
  const [seeded, setSeeded] = useState<string | null>(null);
  if (savedText !== null && seeded !== savedText) {
    setSeeded(savedText);
    if (!text.trim()) setText(savedText);
  }
  const { doing: busy, error } = action;
  const [shown, setShown] = useState<ValidationReport | null>(null);
  const reports = useAsync(
    () => getApi().invoke('data:reports', { ref: datasetRef }),
    [datasetRef],
  );
  const parsed = useMemo(() => (text.trim() ? parseSuiteText(text) : null), [text]);

  const run = (what: 'suggest' | 'validate' | 'save') =>
    action.run(
      async () => {
        if (what === 'suggest') {
          const { suite } = await getApi().invoke('data:suggest', { ref: datasetRef });
          setText(stringifyYaml(suite));
        } else if (what === 'save' && parsed?.ok) {
          await getApi().invoke('data:suite:save', { name: dataset, suite: parsed.suite });
          saved.reload();
        } else if (parsed?.ok) {
          setShown(
            await getApi().invoke('data:validate', {
              ref: datasetRef,
              suite: parsed.suite,
              quarantine,
            }),
          );
          reports.reload();
        }
      },
      { as: what },
    );

  return (
    <div className="validation" data-testid="validation-panel">
      <FormField
        label="Expectation suite"
        hint="YAML or JSON — Suggest drafts one from the profile"
      >
        <textarea
          className="suite-editor mono"
          data-testid="suite-editor"
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
          rows={14}
          placeholder={
            'name: my-suite\nexpectations:\n  - type: null_rate\n    column: price\n    max: 0.01'
          }
          aria-invalid={parsed !== null && !parsed.ok}
        />
      </FormField>
      {parsed && !parsed.ok && (
        <ul className="suite-errors" data-testid="suite-errors" role="alert">
          {parsed.errors.map((e, i) => (
            <li key={i}>
              <span className="mono">{e.path}</span>: {e.message}
            </li>
          ))}
        </ul>
      )}
      <div className="form-row validation-actions">
        <BusyButton
          busy={busy === 'suggest'}
          disabled={busy !== null}
          busyLabel="Suggesting…"
          onClick={() => void run('suggest')}
          testId="suggest-suite"
        >
          Suggest
        </BusyButton>
        <Checkbox
          className="check"
          checked={quarantine}
          onChange={setQuarantine}
          testId="validation-quarantine-toggle"
        >
          quarantine failing rows
        </Checkbox>
        <BusyButton
          busy={busy === 'save'}
          disabled={busy !== null || !parsed?.ok}
          busyLabel="Saving…"
          onClick={() => void run('save')}
          title={`Keep this suite with ${dataset}: its later versions and retraining are checked against it`}
          testId="save-suite"
        >
          Save with dataset
        </BusyButton>
        <span className="muted" data-testid="suite-saved-status">
          {saved.data?.updatedAt
            ? parsed?.ok && JSON.stringify(parsed.suite) === JSON.stringify(savedSuite)
              ? `saved ${formatTime(saved.data.updatedAt)}`
              : `a suite is saved (${formatTime(saved.data.updatedAt)}); unsaved changes`
            : 'no suite saved with this dataset'}
        </span>
        <BusyButton
          busy={busy === 'validate'}
          disabled={busy !== null || !parsed?.ok}
          busyLabel="Validating…"
          className="btn btn-primary"
          onClick={() => void run('validate')}
          testId="run-validation"
        >
          Validate
        </BusyButton>
      </div>
      {error && <ErrorBanner error={error} title="Validation could not run" />}
      {busy === 'validate' && <Loading label="Validating…" testId="validation-loading" />}
      {shown && <ReportView key={shown.id} report={shown} />}

      <h3 className="section-title">History</h3>
      <AsyncStatus of={reports} error="Could not load stored reports" loading={false} />
      {reports.data && reports.data.length === 0 && (
        <EmptyState title="No reports yet" testId="reports-empty">
          Validate this version to keep a report with it.
        </EmptyState>
      )}
      {reports.data && reports.data.length > 0 && (
        <table className="table table-dense table-hover" data-testid="reports-table">
          <TableHead
            columns={['When', 'Suite', 'Version', 'Result', num('Errors'), num('Warnings')]}
          />
          <tbody>
            {reports.data.map((r) => (
              <tr
                key={r.id}
                className={shown?.id === r.id ? 'selected' : undefined}
                onClick={() => setShown(r)}
                data-testid={`report-row-${r.id}`}
              >
                <td className="muted">{formatTime(r.createdAt)}</td>
                <td className="strong">{r.suiteName}</td>
                <td>v{r.version}</td>
                <td>
                  <span className={r.success ? 'badge badge-finished' : 'badge badge-failed'}>
                    {r.success ? 'passed' : 'failed'}
                  </span>
                </td>
                <td className="num">{formatCount(r.errors)}</td>
                <td className="num">{formatCount(r.warnings)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
