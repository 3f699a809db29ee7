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

/** What the buttons that back out of a form say, across the app. */
const CANCEL_LABELS = new Set(['Cancel', 'Close']);

/**
 * Escape in any form presses its Cancel or Close button: installed once for the whole app (main.tsx), so
 * no form needs wiring of its own. A form or control that handles Escape itself (escapeCloses, an open
 * list) prevents the default and is left alone; a form without such a button ignores the key.
 */
export function installEscapeCancels(doc: Document): () => void {
  const onKey = (e: globalThis.KeyboardEvent) => {
    if (e.key !== 'Escape' || e.defaultPrevented || !(e.target instanceof Element)) return;
    const form = e.target.closest('form');
    if (!form) return;
    const cancel = Array.from(form.querySelectorAll('button')).find(
      (b) => b.type === 'button' && !b.disabled && CANCEL_LABELS.has(b.textContent?.trim() ?? ''),
    );
    if (!cancel) return;
    e.preventDefault();
    cancel.click();
  };
  doc.addEventListener('keydown', onKey);
  return () => doc.removeEventListener('keydown', onKey);
}
