// The user of the MLflow request being answered: the host's auth runs each MLflow call inside
// runAsMlflowUser, so the registry's audit log names who made a change through MLflow's API.
import { AsyncLocalStorage } from 'node:async_hooks';
import { osActor } from '../registry/audit';

const current = new AsyncLocalStorage<string>();

/** Runs `fn` (and everything it awaits) as `user`; an empty or absent user leaves the default. */
export function runAsMlflowUser<T>(user: string | undefined, fn: () => T): T {
  return user ? current.run(user, fn) : fn();
}

/** Who an MLflow call acts as: the request's user, else the OS user (loopback without auth). */
export function mlflowActor(): string {
  return current.getStore() ?? osActor();
}
