import { type ReactNode, useId } from 'react';
import './SegmentedControl.css';

export interface Segment<T extends string> {
  value: T;
  label: ReactNode;
  /** The accessible name when `label` is not plain text. */
  ariaLabel?: string;
  disabled?: boolean;
  title?: string;
}

/** Native radio buttons drawn as joined segments: arrow keys, focus and names behave as in any radio group. */
export function SegmentedControl<T extends string>({
  label,
  labelledBy,
  value,
  options,
  onChange,
  className,
}: {
  label?: string;
  labelledBy?: string;
  value: T;
  options: Segment<T>[];
  onChange: (value: T) => void;
  className?: string;
}) {
  const name = useId();
  return (
    <div
      className={className ? `segmented ${className}` : 'segmented'}
      role="radiogroup"
      aria-label={labelledBy ? undefined : label}
      aria-labelledby={labelledBy}
    >
      {options.map((option) => {
        const checked = option.value === value;
        return (
          <label
            key={option.value}
            title={option.title}
            className={['segmented__item', checked ? 'is-checked' : '', option.disabled ? 'is-disabled' : '']
              .filter(Boolean)
              .join(' ')}
          >
            <input
              type="radio"
              className="segmented__input"
              name={name}
              value={option.value}
              checked={checked}
              disabled={option.disabled}
              aria-label={option.ariaLabel}
              onChange={() => onChange(option.value)}
            />
            {option.label}
          </label>
        );
      })}
    </div>
  );
}
