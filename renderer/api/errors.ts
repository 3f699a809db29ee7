/** A failed API call: the contract's error code plus a message that names the file, field or value. */
export class ApiError extends Error {
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }
}

/** The message to show a user for anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Whether a call failed because what it ran was stopped (a cancel channel: eval:cancel, predict:cancel). */
export function isCancelled(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'CANCELLED';
}
