import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon';
import './Badge.css';

export type BadgeTone = 'neutral' | 'info' | 'success' | 'warning' | 'danger' | 'accent';

export function Badge({
  tone = 'neutral',
  icon,
  children,
  className,
}: {
  tone?: BadgeTone;
  icon?: IconName;
  children: ReactNode;
  className?: string;
}) {
  return (
    <span className={`badge badge--${tone}${className ? ` ${className}` : ''}`}>
      {icon && <Icon name={icon} size={12} />}
      {children}
    </span>
  );
}
