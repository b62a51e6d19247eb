import { type FormEvent, useEffect, useId, useState } from 'react';
import type { BudgetLimits, Budgets } from '../../../shared/domain';
import { useCatalogStore } from '../../app/catalog';
import { Button, ErrorCard, Icon, Meter, Spinner } from '../../components';
import { readableError } from '../../lib/errors';
import { formatSpend, formatUsd } from '../../lib/format';
import { useProviderStatusStore } from '../providers/store';
import { useBudgetsStore } from './store';

type LimitText = { daily: string; monthly: string };
type Drafts = { overall: LimitText; providers: Record<string, LimitText> };

const toText = (usd: number | null | undefined) => (usd == null ? '' : String(usd));
const fromLimits = (limits: BudgetLimits | undefined): LimitText => ({
  daily: toText(limits?.dailyUsd),
  monthly: toText(limits?.monthlyUsd),
});

function draftsFrom(budgets: Budgets): Drafts {
  return {
    overall: fromLimits(budgets.overall),
    providers: Object.fromEntries(
      Object.entries(budgets.providers).map(([id, limits]) => [id, fromLimits(limits)]),
    ),
  };
}

/** '' -> null (no limit); a non-negative amount with at most cents; anything else -> an error. */
function parseUsd(text: string): { value: number | null; error?: string } {
  const trimmed = text.trim().replace(/^\$/, '').replace(',', '.');
  if (trimmed === '') return { value: null };
  if (!/^\d+(\.\d{1,2})?$/.test(trimmed))
    return { value: null, error: 'an amount in dollars, like 5 or 12.50' };
  return { value: Number(trimmed) };
}

function MoneyInput({
  id,
  label,
  value,
  invalid,
  describedBy,
  onChange,
}: {
  id: string;
  label?: string;
  value: string;
  invalid: boolean;
  describedBy?: string;
  onChange: (value: string) => void;
}) {
  return (
    <div className="money">
      <span className="money__sign" aria-hidden="true">
        $
      </span>
      <input
        id={id}
        className="input input--number money__input"
        type="text"
        inputMode="decimal"
        autoComplete="off"
        placeholder="No limit"
        aria-label={label}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}

/** Settings → Budgets: overall and per-provider limits per day and month, beside what is spent so far. */
export function BudgetsForm() {
  const providers = useCatalogStore((s) => s.providers);
  const statuses = useProviderStatusStore((s) => s.statuses);
  const { status, budgets, error, saving, message, load, save } = useBudgetsStore();
  const baseId = useId();
  const [drafts, setDrafts] = useState<Drafts | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  // Once the user has typed, a late reload of the saved budgets must not overwrite the boxes.
  const [dirty, setDirty] = useState(false);

  useEffect(() => {
    void load();
    void useProviderStatusStore.getState().load();
  }, [load]);
  useEffect(() => {
    if (budgets && !dirty) setDrafts(draftsFrom(budgets));
  }, [budgets, dirty]);

  const spendOf = (id: string) => statuses.find((s) => s.provider === id)?.spend;
  const haveSpend = statuses.length > 0;
  const todayTotal = statuses.reduce((sum, s) => sum + s.spend.todayUsd, 0);
  const monthTotal = statuses.reduce((sum, s) => sum + s.spend.monthUsd, 0);
  const approxTotal = statuses.some((s) => s.spend.approx);
  // Providers that bill in credits: their spend is converted at the catalog's dated price per credit.
  const creditBilled = providers.filter((p) => p.usdPerCredit != null);
  // Local servers cost nothing per image; list them only if a budget was set for them anyway.
  const listed = providers.filter((p) => p.kind === 'cloud' || budgets?.providers[p.id]);

  function setOverall(field: keyof LimitText, value: string) {
    setDirty(true);
    setDrafts((d) => (d ? { ...d, overall: { ...d.overall, [field]: value } } : d));
    setErrors(({ [`overall.${field}`]: _gone, ...rest }) => rest);
  }
  function setProvider(id: string, field: keyof LimitText, value: string) {
    setDirty(true);
    setDrafts((d) =>
      d
        ? {
            ...d,
            providers: {
              ...d.providers,
              [id]: { ...(d.providers[id] ?? { daily: '', monthly: '' }), [field]: value },
            },
          }
        : d,
    );
    setErrors(({ [`${id}.${field}`]: _gone, ...rest }) => rest);
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!drafts) return;
    const found: Record<string, string> = {};
    const read = (key: string, text: string) => {
      const parsed = parseUsd(text);
      if (parsed.error) found[key] = parsed.error;
      return parsed.value;
    };
    const next: Budgets = {
      overall: {
        dailyUsd: read('overall.daily', drafts.overall.daily),
        monthlyUsd: read('overall.monthly', drafts.overall.monthly),
      },
      providers: {},
    };
    for (const [id, text] of Object.entries(drafts.providers)) {
      const limits = {
        dailyUsd: read(`${id}.daily`, text.daily),
        monthlyUsd: read(`${id}.monthly`, text.monthly),
      };
      if (limits.dailyUsd !== null || limits.monthlyUsd !== null) next.providers[id] = limits;
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (await save(next)) setDirty(false);
  }

  if (!drafts) {
    return (
      <section className="settings__section" aria-labelledby="budgets-title">
        <h2 className="settings__h2" id="budgets-title">
          Budgets
        </h2>
        {status === 'error' && error ? (
          <ErrorCard
            compact
            error={readableError(error, undefined, 'Budgets are not available')}
            actions={
              <Button size="sm" onClick={() => void load()}>
                Try again
              </Button>
            }
          />
        ) : (
          <div className="settings__loading">
            <Spinner size={16} /> Loading budgets…
          </div>
        )}
      </section>
    );
  }

  const overallWarn =
    drafts.overall.daily.trim() !== '' &&
    drafts.overall.monthly.trim() !== '' &&
    Number(drafts.overall.monthly) < Number(drafts.overall.daily)
      ? 'The monthly budget is lower than the daily one, so it will stop runs first.'
      : null;

  return (
    <section className="settings__section" aria-labelledby="budgets-title">
      <h2 className="settings__h2" id="budgets-title">
        Budgets
      </h2>
      <p className="settings__intro">
        Spending limits in US dollars, from each provider's price list. A run that would go over one is not
        sent: in a route, that provider is skipped and the next one tried. Leave a box empty for no limit.
      </p>

      <form className="budgets" onSubmit={onSubmit} noValidate>
        <div className="budgets__overall">
          {(['daily', 'monthly'] as const).map((field) => {
            const id = `${baseId}-overall-${field}`;
            const err = errors[`overall.${field}`];
            const spent = field === 'daily' ? todayTotal : monthTotal;
            const saved =
              (field === 'daily' ? budgets?.overall.dailyUsd : budgets?.overall.monthlyUsd) ?? null;
            return (
              <div className="budget-card" key={field}>
                <label className="field__label" htmlFor={id}>
                  Overall {field} budget (USD)
                </label>
                <MoneyInput
                  id={id}
                  value={drafts.overall[field]}
                  invalid={Boolean(err)}
                  describedBy={err ? `${id}-error` : undefined}
                  onChange={(value) => setOverall(field, value)}
                />
                {err ? (
                  <p className="field__error" id={`${id}-error`}>
                    Overall {field} budget: {err}.
                  </p>
                ) : (
                  <p className="budget-card__spent">
                    {field === 'daily' ? 'Spent today' : 'Spent this month'}:{' '}
                    <strong>{haveSpend ? formatSpend(spent, approxTotal) : '—'}</strong>
                    {saved !== null && haveSpend && <span className="muted"> of {formatUsd(saved)}</span>}
                  </p>
                )}
                {haveSpend && (
                  <Meter
                    value={spent}
                    max={saved}
                    label={`Overall spend ${field === 'daily' ? 'today' : 'this month'}`}
                    valueText={`${formatSpend(spent, approxTotal)}${saved !== null ? ` of ${formatUsd(saved)}` : ''}`}
                  />
                )}
              </div>
            );
          })}
        </div>
        {overallWarn && (
          <p className="warn-text budgets__warn">
            <Icon name="warning" size={12} /> {overallWarn}
          </p>
        )}

        <table className="budgets__table">
          <caption className="budgets__caption">Per provider</caption>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Daily (USD)</th>
              <th scope="col" className="budgets__spent-col">
                Today
              </th>
              <th scope="col">Monthly (USD)</th>
              <th scope="col" className="budgets__spent-col">
                This month
              </th>
            </tr>
          </thead>
          <tbody>
            {listed.map((p) => {
              const text = drafts.providers[p.id] ?? { daily: '', monthly: '' };
              const spend = spendOf(p.id);
              const dailyErr = errors[`${p.id}.daily`];
              const monthlyErr = errors[`${p.id}.monthly`];
              return (
                <tr key={p.id}>
                  <th scope="row">{p.name}</th>
                  <td>
                    <MoneyInput
                      id={`${baseId}-${p.id}-daily`}
                      label={`${p.name} daily budget (USD)`}
                      value={text.daily}
                      invalid={Boolean(dailyErr)}
                      onChange={(value) => setProvider(p.id, 'daily', value)}
                    />
                    {dailyErr && <p className="field__error">{dailyErr}</p>}
                  </td>
                  <td className={spend?.todayUsd ? 'budgets__spent' : 'budgets__spent is-zero'}>
                    {spend ? formatSpend(spend.todayUsd, spend.approx) : '—'}
                  </td>
                  <td>
                    <MoneyInput
                      id={`${baseId}-${p.id}-monthly`}
                      label={`${p.name} monthly budget (USD)`}
                      value={text.monthly}
                      invalid={Boolean(monthlyErr)}
                      onChange={(value) => setProvider(p.id, 'monthly', value)}
                    />
                    {monthlyErr && <p className="field__error">{monthlyErr}</p>}
                  </td>
                  <td className={spend?.monthUsd ? 'budgets__spent' : 'budgets__spent is-zero'}>
                    {spend ? formatSpend(spend.monthUsd, spend.approx) : '—'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>

        {creditBilled.length > 0 && (
          <p className="muted budgets__credits-note">
            ≈ marks converted or estimated spend.{' '}
            {creditBilled
              .map((p) => `${p.name} bills in credits, counted at ${formatCredit(p.usdPerCredit!)} each`)
              .join('; ')}{' '}
            (the catalog's dated price). A provider that reports no cost is counted at its catalog estimate.
          </p>
        )}

        {Object.keys(errors).length > 0 && (
          <p className="field__error" role="alert">
            Some amounts are not valid: fix the boxes marked in red.
          </p>
        )}
        {message?.kind === 'error' && (
          <ErrorCard compact error={readableError(message.error, undefined, 'The budgets were not saved')} />
        )}
        <div className="budgets__foot">
          <span aria-live="polite">
            {message?.kind === 'saved' && (
              <span className="ok-text">
                <Icon name="check" size={14} /> Budgets saved.
              </span>
            )}
          </span>
          <Button type="submit" variant="primary" busy={saving}>
            Save budgets
          </Button>
        </div>
      </form>
    </section>
  );
}

/** "$0.0015": a price per credit needs more places than cents. */
function formatCredit(usd: number): string {
  return `$${usd.toFixed(4).replace(/0+$/, '').replace(/\.$/, '')}`;
}
