import { useState, type MouseEvent } from 'react';

const HASH = /^(sha256:)?[0-9a-f]{40,}$/i;

/** Whether a value is a content hash or commit id (40+ hex digits): shown short, copied whole. */
export function isHash(value: string): boolean {
  return HASH.test(value);
}

/** The first 12 hex digits of a hash and an ellipsis. */
export function shortHash(value: string): string {
  const hex = value.replace(/^sha256:/i, '');
  return `${hex.slice(0, 12)}…`;
}

/**
 * A long hash shown short, the full value on hover (title) and a button that copies it, so it never
 * widens a table but stays at hand. Its icon is drawn, not a symbol character: common Linux fonts lack
 * '⧉', which showed as an empty box.
 */
export function HashText({ value, testId }: { value: string; testId?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = (e: MouseEvent) => {
    // Inside a clickable row: copying must not open the run.
    e.stopPropagation();
    e.preventDefault();
    void navigator.clipboard
      ?.writeText(value)
      .then(() => setCopied(true))
      .catch(() => setCopied(false));
  };
  return (
    <span className="hash-text" data-testid={testId} data-hash={value}>
      <code title={value}>{shortHash(value)}</code>
      <button
        type="button"
        className="hash-copy"
        onClick={copy}
        title={copied ? 'Copied' : `Copy ${value}`}
        aria-label={`Copy ${value}`}
      >
        <svg
          viewBox="0 0 12 12"
          width="11"
          height="11"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.2"
          aria-hidden="true"
        >
          {copied ? (
            <path d="M2 6.5l2.5 2.5L10 3" />
          ) : (
            <>
              <rect x="4" y="4" width="6.5" height="6.5" rx="1" />
              <path d="M8 2.5V2a.5.5 0 0 0-.5-.5h-5.5a.5.5 0 0 0-.5.5v5.5a.5.5 0 0 0 .5.5H2.5" />
            </>
          )}
        </svg>
      </button>
    </span>
  );
}
