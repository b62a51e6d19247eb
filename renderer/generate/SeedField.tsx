import type { ModelInfo } from '../../shared/domain';
import { useCatalogStore } from '../app/catalog';
import { Field, Icon } from '../components';
import { useEstimateStore } from './estimate';
import { useGenerateStore } from './store';

/**
 * The seed box: a typed number is the seed of every run until the box is cleared; empty asks for a random
 * seed each run, drawn inside the range of the provider that runs it. The lock keeps the last run's seed.
 */
export function SeedField({ model }: { model: ModelInfo | undefined }) {
  const seedText = useGenerateStore((s) => s.form.seedText);
  const locked = useGenerateStore((s) => s.form.seedLocked);
  const pinned = useGenerateStore((s) => s.form.provider);
  const lastSeed = useGenerateStore((s) => s.lastSeed);
  const error = useGenerateStore((s) => s.fieldErrors.seed);
  const setField = useGenerateStore((s) => s.setField);
  const setSeedLocked = useGenerateStore((s) => s.setSeedLocked);
  const providers = useCatalogStore((s) => s.providers);
  const providerName = providers.find((p) => p.id === pinned)?.name;
  // In a route, a provider that cannot take the typed seed is skipped (never sent another number).
  const steps = useEstimateStore((s) => s.estimate?.steps);
  const skipped = typed(seedText)
    ? (steps ?? [])
        .filter((step) => step.skip === 'seed_out_of_range')
        .map((step) => providers.find((p) => p.id === step.provider)?.name ?? step.provider)
    : [];

  const range =
    pinned && model?.seedRange
      ? ` ${providerName ?? model.name} takes seeds from ${model.seedRange.min.toLocaleString('en-US')} to ${model.seedRange.max.toLocaleString('en-US')}.`
      : '';
  const skip =
    !pinned && skipped.length > 0
      ? ` Outside the seed range of ${skipped.join(', ')}, so ${skipped.length === 1 ? 'it is' : 'they are'} skipped.`
      : '';
  const hint =
    model && !model.supportsSeed
      ? `${model.name} ignores seeds: runs cannot be repeated exactly.`
      : typed(seedText)
        ? `Every run uses this seed until you clear the box.${range}${skip}`
        : `Random each run, within the range of the provider that runs it.${lastSeed !== null ? ` The last run used ${lastSeed}.` : ''}`;

  return (
    <Field label="Seed" hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <div className={locked ? 'seed is-locked' : 'seed'}>
          <input
            id={id}
            className="input seed__input"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            placeholder="Random"
            value={seedText}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onChange={(event) => setField('seedText', event.target.value.replace(/[^\d]/g, ''))}
          />
          <button
            type="button"
            className="seed__lock"
            aria-label="Lock seed"
            aria-pressed={locked}
            title={
              locked
                ? 'Seed kept: click to clear it and go back to random seeds'
                : lastSeed !== null
                  ? `Keep seed ${lastSeed} from the last run`
                  : 'Type a seed to keep it for the next runs'
            }
            onClick={() => setSeedLocked(!locked)}
          >
            <Icon name={locked ? 'lock' : 'unlock'} size={16} />
            <span className="seed__lock-text" aria-hidden="true">
              {locked ? 'Locked' : 'Random'}
            </span>
          </button>
        </div>
      )}
    </Field>
  );
}

function typed(text: string): boolean {
  return text.trim() !== '';
}
