import type { Ref, SelectHTMLAttributes } from 'react';
import { Icon } from './Icon';
import './Select.css';

export interface SelectOption {
  value: string;
  label: string;
  disabled?: boolean;
}

export interface SelectProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'children'> {
  options: SelectOption[];
  ref?: Ref<HTMLSelectElement>;
}

/** A native select (keyboard, screen readers and type-ahead for free) dressed to match the theme. */
export function Select({ options, className, ref, ...rest }: SelectProps) {
  return (
    <div className={className ? `select ${className}` : 'select'}>
      <select ref={ref} className="select__control" {...rest}>
        {options.map((option) => (
          <option key={option.value} value={option.value} disabled={option.disabled}>
            {option.label}
          </option>
        ))}
      </select>
      <Icon name="chevronDown" size={14} className="select__chevron" />
    </div>
  );
}
