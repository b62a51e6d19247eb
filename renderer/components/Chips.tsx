import type { ReactNode } from 'react';
import { Icon } from './Icon';
import './Chips.css';

export interface ChipOption<T extends string> {
  value: T;
  label: string;
  /** A count shown after the label, not part of the accessible name. */
  count?: number;
}

/** Toggle chips (aria-pressed buttons) in a labelled group: pick any number to narrow a list. */
export function FilterChips<T extends string>({
  label,
  options,
  selected,
  onToggle,
  onClear,
  className,
  visibleLabel = true,
}: {
  label: string;
  options: ChipOption<T>[];
  selected: readonly T[];
  onToggle: (value: T) => void;
  onClear?: () => void;
  className?: string;
  visibleLabel?: boolean;
}) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of toggle buttons, not a form fieldset.
    <div className={className ? `chips ${className}` : 'chips'} role="group" aria-label={label}>
      {visibleLabel && (
        <span className="chips__label" aria-hidden="true">
          {label}
        </span>
      )}
      {options.map((option) => {
        const on = selected.includes(option.value);
        return (
          <button
            key={option.value}
            type="button"
            className={on ? 'chip is-on' : 'chip'}
            aria-pressed={on}
            onClick={() => onToggle(option.value)}
          >
            {on && <Icon name="check" size={12} />}
            <span>{option.label}</span>
            {option.count !== undefined && (
              <span className="chip__count" aria-hidden="true">
                {option.count}
              </span>
            )}
          </button>
        );
      })}
      {onClear && selected.length > 0 && (
        <button type="button" className="chip chip--clear" onClick={onClear}>
          Clear
        </button>
      )}
    </div>
  );
}

/** A removable tag, for editors: the × names what it removes. */
export function TagPill({
  children,
  onRemove,
  tone,
}: {
  children: ReactNode;
  onRemove?: () => void;
  tone?: string;
}) {
  const name = typeof children === 'string' ? children : 'tag';
  return (
    <span className={tone ? `pill pill--${tone}` : 'pill'}>
      {children}
      {onRemove && (
        <button type="button" className="pill__remove" aria-label={`Remove ${name}`} onClick={onRemove}>
          <Icon name="close" size={10} />
        </button>
      )}
    </span>
  );
}
