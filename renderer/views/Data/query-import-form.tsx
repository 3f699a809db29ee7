import { useState } from 'react';
import { DatasetName, type ImportOut } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { FormField, TextAreaField, TextField } from '../../components/form-field';
import { ErrorBanner } from '../../components/states';
import { formatCount, formatDuration } from '../../lib/format';
import { handleSubmit } from '../../lib/forms';
import { useProject } from '../../lib/project';
import { useAction } from '../../lib/use-action';

/** What is wrong with a query import before it is sent, by field (empty when it can go). */
export function checkQueryImport(sql: string, name: string): { sql?: string; name?: string } {
  const errors: { sql?: string; name?: string } = {};
  if (!sql.trim()) errors.sql = "give a SELECT over files, e.g. SELECT * FROM 'data.csv'";
  const n = name.trim();
  const parsed = DatasetName.safeParse(n);
  if (!n) errors.name = 'name the dataset';
  else if (!parsed.success) errors.name = `"${n}": ${parsed.error.issues[0]!.message}`;
  return errors;
}

/** Imports the result of a DuckDB SELECT over files as a dataset version (`lathe data import --sql`). */
export function QueryImportForm({ onImported }: { onImported: (out: ImportOut) => void }) {
  const { project } = useProject();
  const [sql, setSql] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<{ sql?: string; name?: string }>({});
  const [done, setDone] = useState<ImportOut | null>(null);
  const action = useAction();

  function submit() {
    setDone(null);
    action.fail(null);
    const found = checkQueryImport(sql, name);
    setErrors(found);
    if (found.sql || found.name) return;
    void action.run(
      () => getApi().invoke('data:importQuery', { sql: sql.trim(), name: name.trim(), project }),
      {
        done: (out) => {
          setDone(out);
          onImported(out);
        },
      },
    );
  }

  return (
    <form className="form" onSubmit={handleSubmit(submit)} data-testid="query-import-form">
      <TextAreaField
        label="Import from a SQL query"
        hint="a DuckDB SELECT over CSV, Parquet or JSON files"
        rows={3}
        value={sql}
        onChange={setSql}
        placeholder={"SELECT * FROM '/path/to/a.parquet' JOIN '/path/to/b.csv' USING (id)"}
        error={errors.sql}
        testId="query-import-sql"
      />
      <div className="form-row">
        <TextField
          label="Dataset name"
          value={name}
          onChange={setName}
          placeholder="flights_2024"
          spellCheck={false}
          error={errors.name}
          testId="query-import-name"
        />
        <FormField as="div">
          <BusyButton
            type="submit"
            className="btn btn-primary"
            busy={action.busy}
            busyLabel="Importing…"
            testId="query-import-submit"
          >
            Import query
          </BusyButton>
        </FormField>
      </div>
      {action.error && <ErrorBanner error={action.error} title="Query import failed" />}
      {done && !action.busy && (
        <div className="banner banner-ok" data-testid="query-import-done">
          {done.reused ? 'Already imported: reused' : 'Imported'} <strong>{done.dataset}</strong> v
          {done.version.version} · {formatCount(done.version.rows)} rows ·{' '}
          {formatDuration(done.durationMs)}
        </div>
      )}
    </form>
  );
}
