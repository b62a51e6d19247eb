import { useId } from 'react';
import type { ModelInfo } from '../../shared/domain';
import { capabilitiesOf } from '../app/catalog';
import { Checkbox, Field, Icon } from '../components';
import { ReferenceField } from './ReferenceField';
import { SIZE_LIMITS, useGenerateStore } from './store';
import { varySlot } from './vary';

function rangeHint(range: { min: number; max: number; default: number }, extra?: string): string {
  return `${range.min}–${range.max}, empty for the default (${range.default})${extra ? `. ${extra}` : ''}.`;
}

/** What the summary line says is set, so a closed section never hides a setting silently. */
function useAdvancedSummary(): string[] {
  const form = useGenerateStore((s) => s.form);
  const parts: string[] = [];
  if (form.widthText.trim() && form.heightText.trim())
    parts.push(`${form.widthText.trim()}×${form.heightText.trim()}`);
  if (form.provider && form.stepsText.trim()) parts.push(`${form.stepsText.trim()} steps`);
  if (form.provider && form.guidanceText.trim()) parts.push(`guidance ${form.guidanceText.trim()}`);
  if (form.reference) parts.push(`reference ${form.reference.strength.toFixed(2)}`);
  if (form.fresh) parts.push('no cache');
  return parts;
}

/**
 * Steps, guidance, an exact size, a reference image and the cache switch: closed by default, and
 * remembered open or closed.
 */
export function AdvancedSection({ model, pinned }: { model: ModelInfo | undefined; pinned: boolean }) {
  const open = useGenerateStore((s) => s.advancedOpen);
  const setOpen = useGenerateStore((s) => s.setAdvancedOpen);
  const form = useGenerateStore((s) => s.form);
  const fieldErrors = useGenerateStore((s) => s.fieldErrors);
  const setField = useGenerateStore((s) => s.setField);
  const varyTarget = useGenerateStore((s) => s.varyTarget);
  const panelId = useId();
  const sizeLabelId = useId();
  const sizeHintId = useId();
  const summary = useAdvancedSummary();
  const caps = capabilitiesOf(pinned ? model : undefined);

  const sizeHint = caps.exactSize
    ? `Overrides the aspect ratio. ${model?.name ?? 'This model'} takes ${caps.exactSize.min}–${caps.exactSize.max} px in multiples of ${caps.exactSize.multiple}; other sizes are snapped, with a note on the run.`
    : pinned
      ? `Overrides the aspect ratio. ${model?.name ?? 'This model'} has fixed sizes: the nearest one is used, with a note on the run.`
      : 'Overrides the aspect ratio. Providers with fixed sizes get the nearest one, with a note on the run.';

  return (
    <div className={open ? 'advanced is-open' : 'advanced'}>
      <button
        type="button"
        className="advanced__toggle"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
      >
        <Icon name="chevronRight" size={14} className="advanced__chevron" />
        <span className="advanced__title">Advanced</span>
        {!open && summary.length > 0 && (
          <span className="advanced__summary" aria-hidden="true">
            {summary.join(' · ')}
          </span>
        )}
      </button>
      {open && (
        <div className="advanced__body" id={panelId}>
          {pinned && (caps.steps || caps.guidance) ? (
            <div className="field-row">
              {caps.steps ? (
                <RangeField
                  className={varySlot('steps', varyTarget)}
                  label="Steps"
                  range={caps.steps}
                  step={1}
                  inputMode="numeric"
                  error={fieldErrors.steps}
                  value={form.stepsText}
                  onChange={(text) => setField('stepsText', text)}
                />
              ) : (
                <div />
              )}
              {caps.guidance ? (
                <RangeField
                  className={varySlot('guidance', varyTarget)}
                  label="Guidance"
                  range={caps.guidance}
                  step={0.5}
                  inputMode="decimal"
                  error={fieldErrors.guidance}
                  value={form.guidanceText}
                  onChange={(text) => setField('guidanceText', text)}
                />
              ) : (
                <div />
              )}
            </div>
          ) : (
            <p className="advanced__note">
              <Icon name="info" size={12} />
              {pinned
                ? `${model?.name ?? 'This model'} sets its own steps and guidance.`
                : 'Steps and guidance: pin a provider whose model takes them.'}
            </p>
          )}

          <fieldset className="field fieldset" aria-labelledby={sizeLabelId}>
            <div className="field__top">
              <span className="field__label" id={sizeLabelId}>
                Exact size
              </span>
              <span className="field__count">optional</span>
            </div>
            <div className="size">
              <label className="visually-hidden" htmlFor={`${sizeLabelId}-w`}>
                Width (px)
              </label>
              <input
                id={`${sizeLabelId}-w`}
                className="input input--number"
                type="number"
                inputMode="numeric"
                min={SIZE_LIMITS.min}
                max={SIZE_LIMITS.max}
                placeholder="Width"
                value={form.widthText}
                aria-describedby={sizeHintId}
                aria-invalid={fieldErrors.size ? true : undefined}
                onChange={(event) => setField('widthText', event.target.value)}
              />
              <span className="size__x" aria-hidden="true">
                ×
              </span>
              <label className="visually-hidden" htmlFor={`${sizeLabelId}-h`}>
                Height (px)
              </label>
              <input
                id={`${sizeLabelId}-h`}
                className="input input--number"
                type="number"
                inputMode="numeric"
                min={SIZE_LIMITS.min}
                max={SIZE_LIMITS.max}
                placeholder="Height"
                value={form.heightText}
                aria-describedby={sizeHintId}
                aria-invalid={fieldErrors.size ? true : undefined}
                onChange={(event) => setField('heightText', event.target.value)}
              />
              <span className="size__unit" aria-hidden="true">
                px
              </span>
            </div>
            {fieldErrors.size ? (
              <p className="field__error" id={sizeHintId} role="alert">
                {fieldErrors.size}
              </p>
            ) : (
              <p className="field__hint" id={sizeHintId}>
                {sizeHint}
              </p>
            )}
          </fieldset>

          <ReferenceField takesReference={pinned && model ? caps.imageInput : null} />

          <Checkbox
            label="Bypass cache"
            hint="An identical earlier request is normally reused at no charge; tick to generate anew."
            checked={form.fresh}
            onChange={(checked) => setField('fresh', checked)}
          />
        </div>
      )}
    </div>
  );
}

/** A number box bounded by a model's range, its default as the placeholder. */
function RangeField({
  label,
  range,
  step,
  inputMode,
  error,
  value,
  onChange,
  className,
}: {
  className?: string;
  label: string;
  range: { min: number; max: number; default: number };
  step: number;
  inputMode: 'numeric' | 'decimal';
  error: string | undefined;
  value: string;
  onChange: (text: string) => void;
}) {
  return (
    <Field className={className} label={label} hint={rangeHint(range)} error={error}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          className="input input--number"
          type="number"
          inputMode={inputMode}
          min={range.min}
          max={range.max}
          step={step}
          placeholder={String(range.default)}
          value={value}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}
