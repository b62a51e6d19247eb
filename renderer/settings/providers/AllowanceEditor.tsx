import { type FormEvent, useId, useState } from 'react';
import type { ProviderLimits, ProviderStatus } from '../../../shared/domain';
import { Button, ErrorCard } from '../../components';
import { readableError } from '../../lib/errors';
import { useProviderStatusStore } from './store';

const FIELDS: { key: keyof ProviderLimits; label: string; unit: string }[] = [
  { key: 'perMinute', label: 'Per minute', unit: 'requests' },
  { key: 'perDay', label: 'Per day', unit: 'requests' },
  { key: 'concurrency', label: 'At once', unit: 'in flight' },
];

type Drafts = Record<keyof ProviderLimits, string>;

const toText = (value: number | null | undefined) => (value == null ? '' : String(value));

/**
 * The user's own allowance for a provider (a free tier of 15 a minute, a team cap per day); an empty box
 * falls back to the catalog's default.
 */
export function AllowanceEditor({ status, providerName }: { status: ProviderStatus; providerName: string }) {
  const setLimits = useProviderStatusStore((s) => s.setLimits);
  const busy = useProviderStatusStore((s) => s.busy[status.provider]);
  const message = useProviderStatusStore((s) => s.messages[status.provider]);
  const baseId = useId();
  const defaults = status.defaultLimits;
  // `limits` are in force (override or default): only real overrides fill the boxes; defaults are the hints.
  const own = (key: keyof ProviderLimits) =>
    toText(status.limits[key] === defaults[key] ? null : status.limits[key]);
  const [drafts, setDrafts] = useState<Drafts>({
    perMinute: own('perMinute'),
    perDay: own('perDay'),
    concurrency: own('concurrency'),
  });
  const [problem, setProblem] = useState<string | null>(null);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const limits: ProviderLimits = { perMinute: null, perDay: null, concurrency: null };
    for (const { key, label } of FIELDS) {
      const text = drafts[key].trim();
      if (text === '') continue;
      if (!/^\d+$/.test(text) || Number(text) < 1) {
        setProblem(`${label}: a whole number of 1 or more, or empty for the default.`);
        return;
      }
      limits[key] = Number(text);
    }
    setProblem(null);
    await setLimits(status.provider, limits);
  }

  async function resetToDefaults() {
    setDrafts({ perMinute: '', perDay: '', concurrency: '' });
    setProblem(null);
    await setLimits(status.provider, { perMinute: null, perDay: null, concurrency: null });
  }

  return (
    <form className="allowance" onSubmit={onSubmit} aria-label={`${providerName} allowance`} noValidate>
      <div className="allowance__fields">
        {FIELDS.map(({ key, label, unit }) => (
          <div className="allowance__field" key={key}>
            <label className="field__label" htmlFor={`${baseId}-${key}`}>
              {label}
            </label>
            <div className="allowance__input">
              <input
                id={`${baseId}-${key}`}
                className="input input--sm input--number"
                type="number"
                inputMode="numeric"
                min={1}
                step={1}
                placeholder={defaults?.[key] != null ? `default ${defaults[key]}` : 'default'}
                value={drafts[key]}
                onChange={(event) => {
                  setDrafts((d) => ({ ...d, [key]: event.target.value }));
                  setProblem(null);
                }}
              />
              <span className="allowance__unit">{unit}</span>
            </div>
          </div>
        ))}
      </div>
      <p className="field__hint">
        Empty uses the catalog's default. Atelier holds requests back (or skips {providerName} in a chain)
        once an allowance is used up.
      </p>
      {problem && (
        <p className="field__error" role="alert">
          {problem}
        </p>
      )}
      {message?.kind === 'error' && message.action === 'limits' && (
        <ErrorCard
          compact
          error={readableError(message.error, providerName, 'The allowance was not saved')}
        />
      )}
      <div className="allowance__actions">
        <Button type="submit" size="sm" variant="primary" busy={busy === 'limits'}>
          Save allowance
        </Button>
        <Button
          size="sm"
          variant="ghost"
          disabled={busy !== undefined}
          onClick={() => void resetToDefaults()}
        >
          Use catalog defaults
        </Button>
        {message?.kind === 'saved' && <span className="ok-text">Saved.</span>}
      </div>
    </form>
  );
}
