import type { ReactNode } from 'react';

/**
 * A button that runs an action: disabled and showing `busyLabel` (e.g. "Saving…") while it runs, and
 * disabled when `disabled` says the form is not ready.
 */
export function BusyButton({
  busy,
  busyLabel,
  disabled = false,
  type = 'button',
  className = 'btn',
  onClick,
  title,
  testId,
  children,
}: {
  busy: boolean;
  busyLabel: ReactNode;
  disabled?: boolean;
  type?: 'button' | 'submit';
  className?: string;
  onClick?: () => void;
  title?: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <button
      type={type}
      className={className}
      disabled={busy || disabled}
      onClick={onClick}
      title={title}
      data-testid={testId}
    >
      {busy ? busyLabel : children}
    </button>
  );
}
