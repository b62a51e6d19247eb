import type { ReactNode } from 'react';
import { type SettingsTab, settingsPath } from '../../shared/settings-tabs';
import type { ReadableError } from '../lib/errors';
import { Button } from './Button';
import { Icon, type IconName } from './Icon';
import './ErrorCard.css';

const FIX_ICONS: Record<SettingsTab, IconName> = {
  keys: 'key',
  providers: 'gauge',
  routes: 'route',
  budgets: 'wallet',
  local: 'server',
  library: 'styles',
  review: 'check',
  files: 'download',
  quality: 'gauge',
};

/**
 * "Open Settings → API keys": the way to the tab that mends an error, drawn from its typed `fix`.
 * Nothing when the error names no fix or the place offers no way to Settings.
 */
export function FixButton({
  error,
  onFix,
  variant = 'primary',
}: {
  error: Pick<ReadableError, 'fix'>;
  onFix?: (tab: SettingsTab) => void;
  variant?: 'primary' | 'secondary';
}) {
  const { fix } = error;
  if (!fix || !onFix) return null;
  return (
    <Button variant={variant} icon={FIX_ICONS[fix]} onClick={() => onFix(fix)}>
      Open {settingsPath(fix)}
    </Button>
  );
}

/**
 * An error the user can act on: what happened, the details and the next step (the code rides along as
 * data-code). With `onFix`, an error that names its fix offers the way to that Settings tab first.
 */
export function ErrorCard({
  error,
  actions,
  onFix,
  compact = false,
}: {
  error: ReadableError;
  actions?: ReactNode;
  onFix?: (tab: SettingsTab) => void;
  compact?: boolean;
}) {
  const fix = <FixButton error={error} onFix={onFix} />;
  return (
    <div
      className={compact ? 'error-card error-card--compact' : 'error-card'}
      role="alert"
      // The code stays in the page for support and tests, never in the words a designer reads.
      data-code={error.code}
      data-fix={error.fix ?? undefined}
    >
      <Icon name="alert" size={compact ? 16 : 20} className="error-card__icon" />
      <div className="error-card__body">
        <p className="error-card__title">{error.title}</p>
        {error.detail && <p className="error-card__detail">{error.detail}</p>}
        {(actions || (error.fix && onFix)) && (
          <div className="error-card__actions">
            {fix}
            {actions}
          </div>
        )}
      </div>
    </div>
  );
}
