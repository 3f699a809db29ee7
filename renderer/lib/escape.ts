import type { KeyboardEvent } from 'react';

/**
 * A form's or dialog's onKeyDown: Escape cancels it, as a dialog closes. A key a control already used
 * (an open list, a search box clearing itself) is left alone, and so is any key while `enabled` is false
 * (e.g. while the form's request is on its way).
 */
export function escapeCloses(onCancel: () => void, enabled = true) {
  return (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !enabled || e.defaultPrevented) return;
    e.preventDefault();
    onCancel();
  };
}
