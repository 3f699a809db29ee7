import { useRef, type ChangeEvent, type ReactNode } from 'react';
import { FormField } from './form-field';

/** The table formats a Lathe file field takes (CSV, TSV, Parquet, JSON, NDJSON). */
export const TABLE_FILE_TYPES = '.csv,.tsv,.txt,.parquet,.json,.ndjson,.jsonl';

/**
 * A "Choose file…" button over a hidden file input: `onPick` gets the chosen file, and the input is
 * cleared so choosing the same file again fires once more.
 */
export function FilePicker({
  onPick,
  disabled = false,
  accept = TABLE_FILE_TYPES,
  testId,
  children = 'Choose file…',
}: {
  onPick: (file: File) => void;
  disabled?: boolean;
  accept?: string;
  /** The hidden input's test id (tests set its files). */
  testId?: string;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const picked = e.target.files?.[0];
    e.target.value = '';
    if (picked) onPick(picked);
  };
  return (
    <FormField as="div">
      <button
        type="button"
        className="btn"
        disabled={disabled}
        onClick={() => ref.current?.click()}
      >
        {children}
      </button>
      <input
        ref={ref}
        type="file"
        className="visually-hidden"
        accept={accept}
        onChange={onChange}
        disabled={disabled}
        data-testid={testId}
        tabIndex={-1}
      />
    </FormField>
  );
}
