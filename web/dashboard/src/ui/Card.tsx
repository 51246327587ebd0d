import type { ReactNode } from 'react';

export interface CardProps {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  footer?: ReactNode;
  tone?: 'default' | 'danger';
  className?: string;
  children?: ReactNode;
  /** Id for the heading, so a section can be labelled by it. */
  headingId?: string;
}

export function Card({ title, description, actions, footer, tone = 'default', className, children, headingId }: CardProps) {
  return (
    <section
      className={['card', tone === 'danger' ? 'card-danger' : '', className ?? ''].filter(Boolean).join(' ')}
      aria-labelledby={title && headingId ? headingId : undefined}
    >
      {(title || actions) && (
        <header className="card-header">
          <div>
            {title && (
              <h2 className="card-title" id={headingId}>
                {title}
              </h2>
            )}
            {description && <p className="card-description">{description}</p>}
          </div>
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children !== undefined && <div className="card-body">{children}</div>}
      {footer && <footer className="card-footer">{footer}</footer>}
    </section>
  );
}
