import type { ReactNode } from 'react';
import { Icon, type IconName } from './Icon';
import './EmptyState.css';

export function EmptyState({
  icon,
  title,
  children,
  actions,
  className,
  headingLevel = 2,
}: {
  icon: IconName;
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
  className?: string;
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <div className={className ? `empty ${className}` : 'empty'}>
      <div className="empty__icon">
        <Icon name={icon} size={24} />
      </div>
      <Heading className="empty__title">{title}</Heading>
      {children && <div className="empty__body">{children}</div>}
      {actions && <div className="empty__actions">{actions}</div>}
    </div>
  );
}
