import { useId } from 'react';
import { REFERENCE_STRENGTH } from '../../shared/constants';
import { api } from '../api';
import { Button, Icon } from '../components';
import { useGenerateStore } from './store';
import { varySlot } from './vary';

function strengthNote(value: number): string {
  if (value < REFERENCE_STRENGTH.bandLow) return 'close to the reference: the prompt changes little';
  if (value > REFERENCE_STRENGTH.bandHigh) return 'loose: the reference may be lost';
  return 'in the working band';
}

/** Image-to-image: the chosen image, how far to move from it, and the band where that works. */
export function ReferenceField({ takesReference }: { takesReference: boolean | null }) {
  const reference = useGenerateStore((s) => s.form.reference);
  const setStrength = useGenerateStore((s) => s.setReferenceStrength);
  const clear = useGenerateStore((s) => s.clearReference);
  const varyTarget = useGenerateStore((s) => s.varyTarget);
  const labelId = useId();
  const sliderId = useId();
  const hintId = useId();

  if (!reference) {
    return (
      <div className="field">
        <div className="field__top">
          <span className="field__label">Reference image</span>
        </div>
        <p className="field__hint">
          None. Open a run in History and choose <strong>Use as reference</strong> to start from one of its
          images.
        </p>
      </div>
    );
  }

  const { bandLow, bandHigh } = REFERENCE_STRENGTH;
  const value = reference.strength;
  return (
    <fieldset
      className={`field fieldset reference ${varySlot('strength', varyTarget)}`}
      aria-labelledby={labelId}
    >
      <div className="field__top">
        <span className="field__label" id={labelId}>
          Reference image
        </span>
        <Button variant="ghost" size="sm" icon="close" onClick={clear}>
          Clear reference
        </Button>
      </div>
      <div className="reference__body">
        <img
          className="reference__thumb"
          src={api.mediaUrl(reference.path)}
          alt={reference.fromRunId ? `Reference from run ${reference.fromRunId}` : 'Reference image'}
        />
        <div className="reference__controls">
          <div className="reference__top">
            <label className="reference__label" htmlFor={sliderId}>
              Reference strength
            </label>
            <output className="reference__value" htmlFor={sliderId}>
              {value.toFixed(2)}
            </output>
          </div>
          <div className="strength">
            <div className="strength__track" aria-hidden="true">
              <span
                className="strength__band"
                style={{ left: `${bandLow * 100}%`, width: `${(bandHigh - bandLow) * 100}%` }}
              />
            </div>
            <input
              id={sliderId}
              className="strength__input"
              type="range"
              min={0}
              max={1}
              step={0.01}
              value={value}
              aria-describedby={hintId}
              aria-valuetext={`${value.toFixed(2)}, ${strengthNote(value)}`}
              onChange={(event) => setStrength(Number(event.target.value))}
            />
            <div className="strength__scale" aria-hidden="true">
              <span>keep</span>
              <span className="strength__band-label" style={{ left: `${((bandLow + bandHigh) / 2) * 100}%` }}>
                {bandLow}–{bandHigh}
              </span>
              <span>ignore</span>
            </div>
          </div>
        </div>
      </div>
      <p className="field__hint" id={hintId}>
        How far to move from the image: {bandLow}–{bandHigh} keeps its structure and lets the prompt act;
        lower copies it, higher loses it.
        {takesReference === false && (
          <span className="warn-text">
            {' '}
            This model takes no reference image; Atelier will note it on the run.
          </span>
        )}
      </p>
      {reference.fromRunId !== null && (
        <p className="reference__from">
          <Icon name="image" size={12} /> From run {reference.fromRunId}
        </p>
      )}
    </fieldset>
  );
}
