import { api, type ConnectionState } from '../api';
import { Icon, type IconName } from '../components';
import { useReviewCountStore } from './review-count';
import { useAppStore, type View, viewHref } from './store';

const ITEMS: { view: View; label: string; icon: IconName; soon?: boolean }[] = [
  { view: 'generate', label: 'Generate', icon: 'generate' },
  { view: 'history', label: 'History', icon: 'history' },
  { view: 'batches', label: 'Batches', icon: 'layers' },
  { view: 'review', label: 'Review', icon: 'check' },
  { view: 'styles', label: 'Styles', icon: 'styles' },
  { view: 'references', label: 'References', icon: 'references' },
  { view: 'trash', label: 'Trash', icon: 'trash' },
  { view: 'settings', label: 'Settings', icon: 'settings' },
];

/** The Review count on the narrow rail: 118,725 → "119K". */
const SHORT_COUNT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 0 });

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  open: 'Connected',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  unauthorized: 'Token expired',
};

export function Nav({ connection }: { connection: ConnectionState }) {
  const view = useAppStore((s) => s.view);
  const go = useAppStore((s) => s.go);
  const pending = useReviewCountStore((s) => s.pending);
  return (
    <nav className="nav" aria-label="Main">
      <div className="nav__brand">
        <span className="nav__logo" aria-hidden="true">
          <Icon name="generate" size={16} />
        </span>
        <span className="nav__name">Atelier</span>
      </div>
      <ul className="nav__list">
        {ITEMS.map((item) => (
          <li key={item.view}>
            <a
              href={viewHref(item.view)}
              className={item.view === view ? 'nav__item is-active' : 'nav__item'}
              aria-current={item.view === view ? 'page' : undefined}
              title={
                item.view === 'review' && pending
                  ? `Review: ${pending.toLocaleString('en-US')} waiting`
                  : item.label
              }
              onClick={(event) => {
                if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                event.preventDefault();
                go(item.view);
              }}
            >
              <Icon name={item.icon} size={18} />
              <span className="nav__label">{item.label}</span>
              {item.view === 'review' && pending ? (
                <span className="nav__count">
                  <span className="nav__count-full">{pending.toLocaleString('en-US')}</span>
                  <span className="nav__count-short" aria-hidden="true">
                    {SHORT_COUNT.format(pending)}
                  </span>
                  <span className="visually-hidden"> waiting</span>
                </span>
              ) : null}
              {item.soon && (
                <span className="nav__soon" aria-hidden="true">
                  Soon
                </span>
              )}
            </a>
          </li>
        ))}
      </ul>
      <div className="nav__footer">
        <span className={`nav__conn nav__conn--${connection}`} title={CONNECTION_LABEL[connection]}>
          <span className="nav__dot" aria-hidden="true" />
          <span className="nav__conn-label">
            {api.mode === 'desktop' ? 'Desktop' : 'Browser'} · {CONNECTION_LABEL[connection]}
          </span>
        </span>
      </div>
    </nav>
  );
}
