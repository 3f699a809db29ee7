import type { ReactNode } from 'react';

export function ErrorBanner({
  error,
  title,
  onRetry,
}: {
  error: Error | string;
  title?: string;
  onRetry?: () => void;
}) {
  const message = typeof error === 'string' ? error : error.message;
  const code =
    typeof error === 'object' && 'code' in error && typeof error.code === 'string'
      ? error.code
      : null;
  return (
    <div className="banner banner-error" role="alert" data-testid="error-banner">
      <div className="banner-body">
        <strong>{title ?? 'Something went wrong'}</strong>
        {code && <span className="banner-code">{code}</span>}
        <div className="banner-message">{message}</div>
      </div>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** A non-error notice, e.g. a run that was cancelled or interrupted. */
export function NoticeBanner({ title, message }: { title: string; message: string }) {
  return (
    <div className="banner banner-warn" role="status" data-testid="notice-banner">
      <div className="banner-body">
        <strong>{title}</strong>
        <div className="banner-message">{message}</div>
      </div>
    </div>
  );
}

export function Loading({ label = 'Loading…', testId }: { label?: string; testId?: string }) {
  return (
    <div className="loading" role="status" data-testid={testId ?? 'loading'}>
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({
  title,
  children,
  action,
  testId,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="empty" data-testid={testId}>
      <div className="empty-title">{title}</div>
      {children && <div className="empty-text">{children}</div>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

export function ProgressBar({ fraction, label }: { fraction: number | null; label?: string }) {
  const pct = fraction === null ? null : Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return (
    <div className="progress" data-testid="progress">
      <div
        className={pct === null ? 'progress-track indeterminate' : 'progress-track'}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct ?? undefined}
      >
        <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
      </div>
      {label && <span className="progress-label">{label}</span>}
    </div>
  );
}

/**
 * What a `useAsync` load shows in place of its data: a spinner until the first data arrives, and a
 * banner (with Retry unless `retry` is false) when it fails.
 */
export function AsyncStatus({
  of,
  error,
  loading,
  testId,
  retry = true,
}: {
  of: {
    status: 'loading' | 'ready' | 'error';
    data: unknown;
    error: Error | null;
    reload: () => void;
  };
  /** The banner's title, e.g. "Could not list datasets". */
  error: string;
  /** The spinner's label; false: no spinner (the view shows its own). */
  loading?: string | false;
  /** The spinner's test id. */
  testId?: string;
  retry?: boolean;
}) {
  if (of.status === 'error' && of.error)
    return <ErrorBanner error={of.error} title={error} onRetry={retry ? of.reload : undefined} />;
  if (of.status === 'loading' && !of.data && loading !== false)
    return <Loading label={loading} testId={testId} />;
  return null;
}
