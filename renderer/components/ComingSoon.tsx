import { Badge } from './Badge';
import { Icon, type IconName } from './Icon';
import './ComingSoon.css';

/** An honest placeholder for a part of Atelier that is planned but not built: what it will do, nothing fake. */
export function ComingSoon({
  title,
  icon,
  lead,
  points,
}: {
  title: string;
  icon: IconName;
  lead: string;
  points: { title: string; text: string }[];
}) {
  return (
    <div className="soon">
      <header className="view-header">
        <div>
          <h1 className="view-title">
            {title} <Badge tone="accent">Coming soon</Badge>
          </h1>
        </div>
      </header>
      <div className="soon__body">
        <div className="soon__card">
          <div className="empty__icon">
            <Icon name={icon} size={24} />
          </div>
          <h2 className="soon__title">Not built yet</h2>
          <p className="soon__lead">{lead}</p>
          <ul className="soon__points">
            {points.map((point) => (
              <li key={point.title}>
                <Icon name="check" size={14} className="soon__check" />
                <div>
                  <strong>{point.title}.</strong> {point.text}
                </div>
              </li>
            ))}
          </ul>
          <p className="soon__note">
            Until then, every run in History keeps its full prompt, negative prompt and seed.
          </p>
        </div>
      </div>
    </div>
  );
}
