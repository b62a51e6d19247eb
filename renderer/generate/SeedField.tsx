import type { ModelInfo } from '../../shared/domain';
import { Field, Icon } from '../components';
import { useGenerateStore } from './store';

/** The seed box and its lock: locked sends the number, unlocked asks for a fresh random seed each run. */
export function SeedField({ model }: { model: ModelInfo | undefined }) {
  const seedText = useGenerateStore((s) => s.form.seedText);
  const locked = useGenerateStore((s) => s.form.seedLocked);
  const error = useGenerateStore((s) => s.fieldErrors.seed);
  const setField = useGenerateStore((s) => s.setField);
  const setSeedLocked = useGenerateStore((s) => s.setSeedLocked);

  const hint =
    model && !model.supportsSeed
      ? `${model.name} ignores seeds: runs cannot be repeated exactly.`
      : locked
        ? 'Locked: every run uses this seed, so you can change one thing at a time.'
        : seedText.trim() !== ''
          ? 'Random each run. Lock it to branch from the seed shown.'
          : 'Random each run; the seed used is recorded with the run.';

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
              locked ? 'Seed locked: click to go back to random seeds' : 'Lock this seed for the next runs'
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
