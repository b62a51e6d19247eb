import type { Route } from '../../shared/domain';
import { settingsPath } from '../../shared/settings-tabs';
import { stepName, useCatalogStore } from '../app/catalog';
import { useAppStore } from '../app/store';
import { Icon } from '../components';
import { shortReason } from '../lib/attempts';
import { readableError } from '../lib/errors';
import { useEstimateStore } from './estimate';

/**
 * The chain a request will walk: the route's providers as chips (Auto) and, from the estimate, which
 * of them would be skipped right now and why. A pinned provider shows only what would stop it.
 */
export function RouteSummary({ route, pinned }: { route: Route | undefined; pinned: boolean }) {
  const providers = useCatalogStore((s) => s.providers);
  const estimate = useEstimateStore((s) => s.estimate);
  const error = useEstimateStore((s) => s.error);
  const go = useAppStore((s) => s.go);

  const steps = estimate?.steps ?? [];
  const skipped = steps.filter((step) => !step.eligible);
  const budget = error?.code === 'budget_exceeded' ? readableError(error) : null;
  const chain = pinned ? [] : (route?.chain ?? []);

  if (chain.length === 0 && skipped.length === 0 && !budget && (estimate?.warnings.length ?? 0) === 0)
    return null;

  return (
    <div className="route-summary">
      {chain.length > 0 && (
        <div className="route-summary__chain">
          <div className="route-summary__top">
            <span className="route-summary__label">Route</span>
            <button
              type="button"
              className="link route-summary__edit"
              onClick={() => go('settings', { tab: 'routes' })}
            >
              Edit route
            </button>
          </div>
          <ol className="chips" aria-label="Route">
            {chain.map((step, index) => {
              // The estimate lists the same steps in the same order; match by position and provider.
              const state = steps[index]?.provider === step.provider ? steps[index] : undefined;
              const off = state !== undefined && !state.eligible;
              return (
                <li
                  // biome-ignore lint/suspicious/noArrayIndexKey: a provider may appear twice with two models.
                  key={`${step.provider}-${index}`}
                  className={off ? 'chip is-off' : 'chip'}
                  title={off ? `Skipped now: ${state.reason ?? 'not available'}` : undefined}
                >
                  {index > 0 && <Icon name="chevronRight" size={12} className="chip__arrow" />}
                  <span className="chip__text">{stepName(providers, step)}</span>
                  {off && <span className="visually-hidden"> (skipped now)</span>}
                </li>
              );
            })}
          </ol>
        </div>
      )}
      {skipped.length > 0 && (
        <ul className="route-summary__skips">
          {skipped.map((step, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the same provider can be skipped twice.
            <li key={index}>
              <strong>{stepName(providers, step)}</strong> — skipped:{' '}
              {step.reason
                ? shortReason(step.reason, providers.find((p) => p.id === step.provider)?.name)
                : 'not available now'}
            </li>
          ))}
        </ul>
      )}
      {estimate && estimate.warnings.length > 0 && (
        <ul className="route-summary__warnings">
          {estimate.warnings.map((warning, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: warnings may repeat; position is identity.
            <li key={index}>
              <Icon name="warning" size={12} /> {warning}
            </li>
          ))}
        </ul>
      )}
      {budget && (
        <div className="notice notice--warning notice--tight" role="status">
          <Icon name="wallet" size={14} className="notice__icon" />
          <div>
            <p className="notice__title">Budget reached</p>
            <p className="notice__text">
              {budget.detail || 'This run would go over a spending limit.'}{' '}
              <button type="button" className="link" onClick={() => go('settings', { tab: 'budgets' })}>
                {settingsPath('budgets')}
              </button>
            </p>
          </div>
        </div>
      )}
    </div>
  );
}
