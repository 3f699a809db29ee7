import { useEffect, useRef, type ReactNode } from 'react';
import { escapeCloses } from '../lib/escape';
import { BusyButton } from './busy-button';
import { handleSubmit } from '../lib/forms';
import './modal-dialog.css';

/**
 * A modal `<dialog>` holding one form: shown with showModal on mount (focus stays inside, the page
 * behind is inert), closed by Escape or the caller's Close button, but not while `busy` (a request on
 * its way). `onSubmit` runs on Enter or the submit button, without the browser's own submit.
 */
export function ModalDialog({
  label,
  busy,
  onClose,
  onSubmit,
  testId,
  className,
  children,
}: {
  /** The dialog's accessible name. */
  label: string;
  /** More classes (a dialog's own width or field rules). */
  className?: string;
  busy: boolean;
  onClose: () => void;
  onSubmit: () => unknown;
  testId?: string;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
    return () => el?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      className={className ? `modal-dialog ${className}` : 'modal-dialog'}
      aria-label={label}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
      data-testid={testId}
    >
      <form
        className="form"
        onSubmit={handleSubmit(onSubmit)}
        onKeyDown={escapeCloses(onClose, !busy)}
        noValidate
      >
        {children}
      </form>
    </dialog>
  );
}

/**
 * A ModalDialog's footer: the button that closes it (not while `busy`) and the form's submit button, which
 * reads `busyLabel` while its request is on its way.
 */
export function ModalActions({
  busy,
  onClose,
  closeLabel,
  busyLabel,
  submitTestId,
  children,
}: {
  busy: boolean;
  onClose: () => void;
  closeLabel: string;
  busyLabel: ReactNode;
  submitTestId: string;
  /** The submit button's label. */
  children: ReactNode;
}) {
  return (
    <div className="form-actions">
      <button type="button" className="btn" onClick={onClose} disabled={busy}>
        {closeLabel}
      </button>
      <BusyButton
        type="submit"
        className="btn btn-primary"
        busy={busy}
        busyLabel={busyLabel}
        testId={submitTestId}
      >
        {children}
      </BusyButton>
    </div>
  );
}
