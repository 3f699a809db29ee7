import type { ReactNode } from 'react';
import type { Option } from './options';

export interface FormFieldProps {
  /** None: an empty caption, which keeps a lone button on the row's line of controls. */
  label?: ReactNode;
  /** A short note after the label, e.g. "(optional)". */
  hint?: ReactNode;
  /** A message about the value, shown under the control (and the control marked invalid). */
  error?: string | null;
  /** The error's `data-testid` is this with `-error` appended. */
  testId?: string;
  /** Takes the row's spare width. */
  grow?: boolean;
  /** Extra classes beside `field`. */
  className?: string;
  /**
   * A `div` for content a label must not wrap (several buttons, a file picker with its own label);
   * the default `label` makes a click on the caption focus the control.
   */
  as?: 'label' | 'div';
  children: ReactNode;
}

/** A caption over one form control, with an optional hint and error: the `.field` of every form. */
export function FormField({
  label,
  hint,
  error,
  grow,
  className,
  as: Tag = 'label',
  testId,
  children,
}: FormFieldProps) {
  const classes = [
    'field',
    grow ? 'field-grow' : null,
    error ? 'field-invalid' : null,
    className ?? null,
  ].filter(Boolean);
  return (
    <Tag className={classes.join(' ')}>
      <span>
        {label ?? '\u00a0'}
        {hint && <em className="hint"> {hint}</em>}
      </span>
      {children}
      {error && (
        <span
          className="form-error"
          role="alert"
          data-testid={testId ? `${testId}-error` : undefined}
        >
          {error}
        </span>
      )}
    </Tag>
  );
}

export type TextFieldProps = Omit<FormFieldProps, 'children' | 'as'> & {
  value: string;
  onChange: (value: string) => void;
  /** The narrow number box, with that on-screen keyboard. */
  numeric?: 'numeric' | 'decimal';
  placeholder?: string;
  disabled?: boolean;
  /** Shown as usual but not editable (a value still on its way). */
  readOnly?: boolean;
  required?: boolean;
  /** False for paths, names and code, which the spell checker would only underline. */
  spellCheck?: boolean;
  /**
   * 'search' for a box that filters what is on screen (it gets a clear button); 'password' for a
   * secret, shown as dots.
   */
  type?: 'text' | 'search' | 'password';
};

/** A one-line text input in a FormField. */
export function TextField({
  value,
  onChange,
  testId,
  numeric,
  placeholder,
  disabled,
  readOnly,
  required,
  spellCheck,
  type,
  ...field
}: TextFieldProps) {
  return (
    <FormField {...field} testId={testId}>
      <input
        aria-invalid={field.error ? true : undefined}
        type={type}
        className={numeric ? 'input-num' : undefined}
        inputMode={numeric}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        disabled={disabled}
        readOnly={readOnly}
        required={required}
        spellCheck={spellCheck}
        data-testid={testId}
      />
    </FormField>
  );
}

const optionElements = (options: readonly Option[]) =>
  options.map((o) => (
    <option key={o.value} value={o.value}>
      {o.label}
    </option>
  ));

export type SelectFieldProps = Omit<FormFieldProps, 'children' | 'as'> & {
  value: string;
  options: readonly Option[];
  onChange: (value: string) => void;
  disabled?: boolean;
};

/** A choice between `options` in a FormField. */
export function SelectField({
  value,
  options,
  onChange,
  testId,
  disabled,
  ...field
}: SelectFieldProps) {
  return (
    <FormField {...field} testId={testId}>
      <select
        aria-invalid={field.error ? true : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled}
        data-testid={testId}
      >
        {optionElements(options)}
      </select>
    </FormField>
  );
}

export type TextAreaFieldProps = Omit<FormFieldProps, 'children' | 'as'> & {
  value: string;
  onChange: (value: string) => void;
  rows?: number;
  placeholder?: string;
  disabled?: boolean;
};

/** A monospaced multi-line input (YAML, code) in a FormField. */
export function TextAreaField({
  value,
  onChange,
  testId,
  rows = 4,
  placeholder,
  disabled,
  ...field
}: TextAreaFieldProps) {
  return (
    <FormField {...field} testId={testId}>
      <textarea
        className="mono"
        rows={rows}
        spellCheck={false}
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        aria-invalid={field.error ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
      />
    </FormField>
  );
}

export type MultiSelectFieldProps = Omit<FormFieldProps, 'children' | 'as'> & {
  value: string[];
  options: readonly Option[];
  onChange: (value: string[]) => void;
};

/** A choice of any number of `options` (e.g. columns) in a FormField; none chosen is an answer too. */
export function MultiSelectField({
  value,
  options,
  onChange,
  testId,
  ...field
}: MultiSelectFieldProps) {
  return (
    <FormField {...field} testId={testId}>
      <select
        multiple
        className="select-multiple"
        size={Math.min(6, Math.max(3, options.length))}
        value={value}
        aria-invalid={field.error ? true : undefined}
        onChange={(e) => onChange(Array.from(e.target.selectedOptions, (o) => o.value))}
        data-testid={testId}
      >
        {optionElements(options)}
      </select>
    </FormField>
  );
}

/** A checkbox with its caption; a click on the caption toggles it. */
export function Checkbox({
  checked,
  onChange,
  testId,
  className,
  children,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  testId?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <label className={className}>
      <input
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        data-testid={testId}
      />
      {children}
    </label>
  );
}
