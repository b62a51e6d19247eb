import { type KeyboardEvent, type ReactNode, useRef } from 'react';
import { Icon, type IconName } from './Icon';
import './Tabs.css';

export interface TabItem<T extends string> {
  value: T;
  label: string;
  icon?: IconName;
  /** A small note after the label (a count, a warning dot); not part of the accessible name. */
  aside?: ReactNode;
}

export const tabId = (base: string, value: string) => `${base}-tab-${value}`;
export const tabPanelId = (base: string, value: string) => `${base}-panel-${value}`;

/**
 * A tab list with the keyboard model screen-reader users expect: one tab stop, arrows move and select,
 * Home and End jump. Pair it with <TabPanel> using the same `idBase`.
 */
export function Tabs<T extends string>({
  label,
  idBase,
  items,
  value,
  onChange,
  orientation = 'horizontal',
  className,
}: {
  label: string;
  idBase: string;
  items: TabItem<T>[];
  value: T;
  onChange: (value: T) => void;
  orientation?: 'horizontal' | 'vertical';
  className?: string;
}) {
  const listRef = useRef<HTMLDivElement>(null);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = items.findIndex((item) => item.value === value);
    const next = orientation === 'vertical' ? 'ArrowDown' : 'ArrowRight';
    const prev = orientation === 'vertical' ? 'ArrowUp' : 'ArrowLeft';
    let target: number | null = null;
    if (event.key === next) target = (index + 1) % items.length;
    else if (event.key === prev) target = (index - 1 + items.length) % items.length;
    else if (event.key === 'Home') target = 0;
    else if (event.key === 'End') target = items.length - 1;
    if (target === null) return;
    event.preventDefault();
    const item = items[target]!;
    onChange(item.value);
    listRef.current?.querySelector<HTMLElement>(`#${CSS.escape(tabId(idBase, item.value))}`)?.focus();
  }

  return (
    <div
      ref={listRef}
      className={`tabs tabs--${orientation}${className ? ` ${className}` : ''}`}
      role="tablist"
      aria-label={label}
      aria-orientation={orientation}
      onKeyDown={onKeyDown}
    >
      {items.map((item) => {
        const selected = item.value === value;
        return (
          <button
            key={item.value}
            type="button"
            role="tab"
            id={tabId(idBase, item.value)}
            aria-selected={selected}
            aria-controls={tabPanelId(idBase, item.value)}
            tabIndex={selected ? 0 : -1}
            className={selected ? 'tabs__tab is-selected' : 'tabs__tab'}
            onClick={() => onChange(item.value)}
          >
            {item.icon && <Icon name={item.icon} size={16} />}
            <span className="tabs__label">{item.label}</span>
            {item.aside && (
              <span className="tabs__aside" aria-hidden="true">
                {item.aside}
              </span>
            )}
          </button>
        );
      })}
    </div>
  );
}

export function TabPanel({
  idBase,
  value,
  className,
  children,
}: {
  idBase: string;
  value: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div
      role="tabpanel"
      id={tabPanelId(idBase, value)}
      aria-labelledby={tabId(idBase, value)}
      className={className}
    >
      {children}
    </div>
  );
}
