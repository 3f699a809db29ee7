import { z } from 'zod';

/** Stable error codes shared by every face (CLI exit messages, IPC, HTTP). */
export const ErrorCode = z.enum([
  'INVALID_INPUT',
  'INVALID_CONFIG',
  'FILE_NOT_FOUND',
  'UNSUPPORTED_FILE',
  'CORRUPT_FILE',
  'EMPTY_FILE',
  'RAGGED_ROWS',
  'DUPLICATE_COLUMN',
  'NOT_FOUND',
  'COLUMN_NOT_FOUND',
  'WORKSPACE_LOCKED',
  'WORKSPACE_READ_ONLY',
  'TRAINING_FAILED',
  'CANCELLED',
  /** A download failed: offline, unreachable host, or a non-2xx response. */
  'NETWORK',
  'UNKNOWN_CHANNEL',
  /** A promotion (alias `champion`, stage `production`) failed a gate and no override reason was given. */
  'GATE_FAILED',
  /** The thing to create (an experiment name, a model name) already exists. */
  'ALREADY_EXISTS',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** What crosses a boundary when a call fails: never a stack trace. */
export const ErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorShape = z.infer<typeof ErrorShape>;

/** An error with a code, a message that names the file, field or value, and optional details. */
export class LatheError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'LatheError';
    this.code = code;
    this.details = details;
  }

  toShape(): ErrorShape {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

/** Converts anything thrown into the wire shape, hiding stacks of unexpected errors. */
export function toErrorShape(err: unknown): ErrorShape {
  if (err instanceof LatheError) return err.toShape();
  const parsed = ErrorShape.safeParse(err);
  if (parsed.success) return parsed.data;
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

/** Formats zod issues as `field.path: reason` lines so a user sees which field is wrong. */
export function describeIssues(error: z.ZodError, source?: string): string {
  const lines = error.issues.map((issue) => describeIssue(issue, issue.path.map(String).join('.')));
  return `${source ? `${source}: ` : ''}${lines.join('; ')}`;
}

/** One issue as `path: reason` (`path is required` for a field left out), `path` as the caller names it. */
export function describeIssue(issue: z.core.$ZodIssue, path: string): string {
  if (isMissing(issue)) return `${path || 'a value'} is required`;
  // A choice left out, when the parse reported its input: required, and which values it takes.
  if (issue.code === 'invalid_value' && 'input' in issue && issue.input === undefined && path)
    return `${path} is required: one of ${issue.values.map(String).join(', ')}`;
  const reason = reasonOf(issue);
  return path ? `${path}: ${reason}` : reason;
}

/** A value as a message quotes it, cut short: a message names the value, it does not echo a payload. */
const quoted = (v: unknown) => {
  const text = typeof v === 'string' ? `'${v}'` : String(JSON.stringify(v));
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

/** A discriminated union's issue of no matching option: its key and the values it takes. */
function discriminatorOf(issue: z.core.$ZodIssue): { key: string; options: string } | null {
  if (issue.code !== 'invalid_union' || !issue.discriminator || !('options' in issue)) return null;
  return { key: issue.discriminator, options: (issue.options ?? []).map(String).join(', ') };
}

/** The object a discriminated union was given, when the parse reported its input. */
const unionInput = (issue: z.core.$ZodIssue): Record<string, unknown> | undefined =>
  'input' in issue && issue.input && typeof issue.input === 'object'
    ? (issue.input as Record<string, unknown>)
    : undefined;

/**
 * An issue of a field left out: zod's own message for one ends in "received undefined" (a schema's own
 * wording is kept).
 */
const isMissing = (issue: z.core.$ZodIssue) =>
  issue.code === 'invalid_type' && issue.message.endsWith('received undefined');

/** An issue's reason in Lathe's words where zod would word it as a library ("Too small: …"). */
function reasonOf(issue: z.core.$ZodIssue): string {
  // "Invalid input: expected number, received string" → "expected number, received string".
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input: '))
    return issue.message.slice('Invalid input: '.length);
  const union = discriminatorOf(issue);
  if (union) {
    // The value is known when the parse reported its input (zod leaves inputs out by default).
    const input = unionInput(issue);
    if (!input) return `unknown or missing ${union.key}; expected one of ${union.options}`;
    const given = input[union.key];
    return given === undefined
      ? `give one of ${union.options}`
      : `unknown ${union.key} ${quoted(given)}; expected one of ${union.options}`;
  }
  if (issue.code === 'invalid_value' && /^Invalid (option|input)/.test(issue.message)) {
    const expected =
      issue.values.length === 1
        ? `expected ${quoted(issue.values[0])}`
        : `expected one of ${issue.values.map(String).join(', ')}`;
    return 'input' in issue && issue.input !== undefined
      ? `unknown value ${quoted(issue.input)}; ${expected}`
      : expected;
  }
  if (
    (issue.code === 'too_small' && issue.message.startsWith('Too small:')) ||
    (issue.code === 'too_big' && issue.message.startsWith('Too big:'))
  ) {
    const small = issue.code === 'too_small';
    const limit = Number(small ? issue.minimum : issue.maximum);
    const inclusive = issue.inclusive ?? true;
    switch (issue.origin) {
      case 'number':
      case 'int':
      case 'bigint':
        return small
          ? `must be ${inclusive ? 'at least' : 'greater than'} ${limit}`
          : `must be ${inclusive ? 'at most' : 'less than'} ${limit}`;
      case 'string':
        if (small && limit === 1) return 'must not be empty';
        return `must have ${small ? 'at least' : 'at most'} ${limit} character${limit === 1 ? '' : 's'}`;
      case 'array':
      case 'set':
        if (small && limit === 1) return 'must not be empty';
        return `must have ${small ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'}`;
      default:
        return issue.message;
    }
  }
  return issue.message;
}
