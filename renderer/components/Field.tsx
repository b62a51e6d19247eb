import { type ReactNode, useId } from 'react';
import './Field.css';

export interface FieldIds {
  id: string;
  /** Pass to the control's aria-describedby: the hint and the error, when present. */
  describedBy: string | undefined;
  invalid: boolean;
}

export interface FieldProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  /** Something placed at the right end of the label row (a counter, a toggle). */
  aside?: ReactNode;
  className?: string;
  children: (ids: FieldIds) => ReactNode;
}

/** A label, the control, a hint and an error, tied together with ids so screen readers read all of it. */
export function Field({ label, hint, error, aside, className, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <div className="field__top">
        <label className="field__label" htmlFor={id}>
          {label}
        </label>
        {aside}
      </div>
      {children({ id, describedBy, invalid: Boolean(error) })}
      {hint && !error && (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field__error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
