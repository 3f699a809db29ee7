import type { FormEvent } from 'react';

/**
 * A form's onSubmit: stops the browser's own submit (a page reload) and runs `action`. A returned
 * promise is not awaited here; the action reports its own failure (useAction, useResult).
 */
export function handleSubmit(action: () => unknown): (e: FormEvent) => void {
  return (e) => {
    e.preventDefault();
    void action();
  };
}
