// What the provider itself said about an image's safety (fal, Ideogram, Gemini), shown in the run dialog
// under the image, where Atelier's own quality checks are listed too.
import type { ProviderSafety } from '../../shared/domain';
import { Badge } from '../components';

const SOURCE: Record<ProviderSafety['field'], string> = {
  has_nsfw_concepts: "fal's safety checker",
  is_image_safe: "Ideogram's safety check",
  safetyRatings: "Gemini's safety ratings",
};

/** `HARM_CATEGORY_SEXUALLY_EXPLICIT` → "sexually explicit"; `NEGLIGIBLE` → "negligible". */
function words(code: string): string {
  return code
    .replace(/^HARM_CATEGORY_/, '')
    .toLowerCase()
    .replaceAll('_', ' ');
}

/** The ratings worth reading on the line: those above NEGLIGIBLE, or blocked (all of them are in the tooltip). */
function notable(safety: ProviderSafety) {
  return safety.ratings.filter((r) => r.blocked || r.probability !== 'NEGLIGIBLE');
}

export function OutputSafety({ safety }: { safety: ProviderSafety | null }) {
  if (!safety) return null;
  const shown = notable(safety);
  const all = safety.ratings.map(
    (r) => `${words(r.category)}: ${words(r.probability)}${r.blocked ? ' (blocked)' : ''}`,
  );
  return (
    <p
      className="output-safety"
      data-testid="output-provider-safety"
      title={all.length > 0 ? `As sent: ${all.join(' · ')}` : `As sent in ${safety.field}`}
    >
      <span className="output-safety__source">{SOURCE[safety.field]}</span>
      {safety.flagged ? (
        <Badge tone="warning" icon="alert">
          Flagged
        </Badge>
      ) : (
        <Badge tone="neutral">Not flagged</Badge>
      )}
      {shown.map((r) => (
        <span key={r.category} className="output-safety__rating">
          {words(r.category)}: {words(r.probability)}
          {r.blocked ? ' (blocked)' : ''}
        </span>
      ))}
    </p>
  );
}
