import type { ReactNode } from 'react';
import type { ReadableError } from '../lib/errors';
import { Icon } from './Icon';
import './ErrorCard.css';

/** An error the user can act on: what happened, the details and the next step (the code rides along as data-code). */
export function ErrorCard({
  error,
  actions,
  compact = false,
}: {
  error: ReadableError;
  actions?: ReactNode;
  compact?: boolean;
}) {
  return (
    <div
      className={compact ? 'error-card error-card--compact' : 'error-card'}
      role="alert"
      // The code stays in the page for support and tests, never in the words a designer reads.
      data-code={error.code}
    >
      <Icon name="alert" size={compact ? 16 : 20} className="error-card__icon" />
      <div className="error-card__body">
        <p className="error-card__title">{error.title}</p>
        {error.detail && <p className="error-card__detail">{error.detail}</p>}
        {actions && <div className="error-card__actions">{actions}</div>}
      </div>
    </div>
  );
}
