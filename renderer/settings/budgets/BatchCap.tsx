// Settings → Budgets: "Items per batch at most" (maxItems): a batch over it is refused before anything is sent.
import { type FormEvent, useEffect, useId, useState } from 'react';
import { BATCH_LIMITS } from '../../../shared/batches-contract';
import type { AppErrorShape } from '../../../shared/result';
import { api } from '../../api';
import { Button, ErrorCard } from '../../components';
import { readableError } from '../../lib/errors';

export function BatchCap() {
  const id = useId();
  const [value, setValue] = useState('');
  const [saved, setSaved] = useState<number | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);

  useEffect(() => {
    void api.call('batches.getSettings', {}).then((result) => {
      if (result.ok) {
        setSaved(result.value.maxItems);
        setValue(String(result.value.maxItems));
      } else setError(result.error);
    });
  }, []);

  async function save(event: FormEvent) {
    event.preventDefault();
    const result = await api.call('batches.setSettings', { maxItems: Number(value) });
    if (result.ok) {
      setSaved(result.value.maxItems);
      setError(null);
    } else setError(result.error);
  }

  return (
    <section className="settings__section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="settings__h2">
        Batches
      </h2>
      <form className="batch-cap" onSubmit={(event) => void save(event)}>
        <label htmlFor={`${id}-max`}>Items per batch at most</label>
        <input
          id={`${id}-max`}
          className="input batch-cap__input"
          type="number"
          min={1}
          max={BATCH_LIMITS.maxItemsCeiling}
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
        <Button type="submit" size="sm" disabled={value === String(saved)}>
          Save
        </Button>
      </form>
      <p className="settings__intro">
        A batch that would make more items is refused before anything is sent; budgets apply to the whole
        batch.
      </p>
      {error && <ErrorCard compact error={readableError(error, 'The provider', 'The cap was not saved')} />}
    </section>
  );
}
