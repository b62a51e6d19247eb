// What the provider itself said about an image's safety (fal, Ideogram, Gemini): beside the NSFW check in
// the lists of checks (run dialog, Review's "Why flagged"), or under the image when no NSFW check shows it.
import type { ProviderSafety } from '../../shared/domain';
import {
  notableSafetyRatings,
  PROVIDER_SAFETY_SOURCES,
  safetyRatingWords,
} from '../../shared/provider-safety';
import { Badge } from './Badge';
import './OutputSafety.css';

export function OutputSafety({ safety }: { safety: ProviderSafety | null }) {
  if (!safety) return null;
  const all = safety.ratings.map(safetyRatingWords);
  return (
    <p
      className="output-safety"
      data-testid="output-provider-safety"
      title={all.length > 0 ? `As sent: ${all.join(' · ')}` : `As sent in ${safety.field}`}
    >
      <span className="output-safety__source">{PROVIDER_SAFETY_SOURCES[safety.field]}</span>
      {safety.flagged ? (
        <Badge tone="warning" icon="alert">
          Flagged
        </Badge>
      ) : (
        <Badge tone="neutral">Not flagged</Badge>
      )}
      {notableSafetyRatings(safety).map((r) => (
        <span key={r.category} className="output-safety__rating">
          {safetyRatingWords(r)}
        </span>
      ))}
    </p>
  );
}
