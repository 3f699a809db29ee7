import { Fragment, type ReactNode } from 'react';

export function PageHeader({
  title,
  subtitle,
  actions,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <div className="page-subtitle">{subtitle}</div>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}

export function Panel({
  title,
  actions,
  children,
  className,
  testId,
  busy = false,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  testId?: string;
  /** Its content is still loading (aria-busy): assistive technology waits, and so can a test. */
  busy?: boolean;
}) {
  return (
    <section
      className={className ? `panel ${className}` : 'panel'}
      data-testid={testId}
      aria-busy={busy || undefined}
    >
      {(title || actions) && (
        <header className="panel-header">
          {title && <h2>{title}</h2>}
          {actions && <div className="panel-actions">{actions}</div>}
        </header>
      )}
      <div className="panel-body">{children}</div>
    </section>
  );
}

/** A label/value list for facts such as lineage and params. */
export function Facts({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {items.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * Items such as a page subtitle's facts, joined by " · ". A line breaks only after a separator, never
 * inside an item or before its "·", so no line starts with one. Falsy items are left out.
 */
export function DotList({ items }: { items: ReactNode[] }) {
  const shown = items.filter(
    (item) => item !== null && item !== undefined && item !== false && item !== '',
  );
  return (
    <>
      {shown.map((item, i) => (
        <Fragment key={i}>
          {i > 0 && ' '}
          <span className="nowrap">
            {item}
            {i < shown.length - 1 && '\u00a0·'}
          </span>
        </Fragment>
      ))}
    </>
  );
}
