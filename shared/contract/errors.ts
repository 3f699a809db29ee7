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
  const lines = error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  return `${source ? `${source}: ` : ''}${lines.join('; ')}`;
}
