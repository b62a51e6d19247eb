import { type ReactNode, useId } from 'react';
import './Checkbox.css';

/** A native checkbox with its label, and a hint read after the name (not as part of it). */
export function Checkbox({
  label,
  hint,
  checked,
  onChange,
  disabled,
  className,
  tone,
}: {
  label: ReactNode;
  hint?: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  className?: string;
  /** `warning` colours the hint: for switches that trade safety for convenience. */
  tone?: 'warning';
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className={['check', checked ? 'is-checked' : '', className ?? ''].filter(Boolean).join(' ')}>
      <input
        id={id}
        type="checkbox"
        className="check__input"
        checked={checked}
        disabled={disabled}
        aria-describedby={hint ? hintId : undefined}
        onChange={(event) => onChange(event.target.checked)}
      />
      <div className="check__text">
        <label className="check__label" htmlFor={id}>
          {label}
        </label>
        {hint && (
          <p className={tone === 'warning' ? 'check__hint check__hint--warning' : 'check__hint'} id={hintId}>
            {hint}
          </p>
        )}
      </div>
    </div>
  );
}
