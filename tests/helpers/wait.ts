export interface WaitOptions {
  /** What is awaited, as the failure should name it: "the 20 requests to reach the model". */
  what: string;
  /** Fails after this long; well under the test timeout, so the failure names `what`. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Checks `holds` once per event-loop turn (so I/O in flight can progress) until it is true; throws
 * naming `what` when `timeoutMs` passes first, instead of spinning until the whole test times out.
 */
export async function waitFor(
  holds: () => boolean | Promise<boolean>,
  { what, timeoutMs = 30_000 }: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
