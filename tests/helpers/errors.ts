import { LatheError } from '../../shared/contract';

function asLatheError(err: unknown): LatheError {
  if (err instanceof LatheError) return err;
  throw err;
}

/** The LatheError `fn` throws; another error is rethrown, and none at all fails the test. */
export function latheErrorOf(fn: () => unknown): LatheError {
  try {
    fn();
  } catch (err) {
    return asLatheError(err);
  }
  throw new Error('expected a LatheError');
}

/** The LatheError `promise` rejects with; another error is rethrown, none at all fails the test. */
export async function latheRejection(promise: Promise<unknown>): Promise<LatheError> {
  try {
    await promise;
  } catch (err) {
    return asLatheError(err);
  }
  throw new Error('expected a LatheError');
}
