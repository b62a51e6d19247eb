// How a provider's own safety verdict reads on screen (fal, Ideogram, Gemini). Free of zod: the schemas stay in
// ./domain.ts (which re-exports these), so a screen can word a verdict without loading them.

/** The fields providers put their verdict in (`ProviderSafety.field` in ./domain.ts). */
export const PROVIDER_SAFETY_FIELDS = ['has_nsfw_concepts', 'is_image_safe', 'safetyRatings'] as const;
export type ProviderSafetyField = (typeof PROVIDER_SAFETY_FIELDS)[number];

/** The shape of one of Gemini's ratings (`SafetyRating` in ./domain.ts), as these words need it. */
interface Rating {
  category: string;
  probability: string;
  blocked: boolean;
}

/** `HARM_CATEGORY_SEXUALLY_EXPLICIT` + `MEDIUM` → "sexually explicit: medium" (and " (blocked)" when it was). */
export function safetyRatingWords(rating: Rating): string {
  const words = (code: string) =>
    code
      .replace(/^HARM_CATEGORY_/, '')
      .toLowerCase()
      .replaceAll('_', ' ');
  return `${words(rating.category)}: ${words(rating.probability)}${rating.blocked ? ' (blocked)' : ''}`;
}

/** The ratings worth reading on a line: those above NEGLIGIBLE, or blocked. */
export function notableSafetyRatings<R extends Rating>(safety: { ratings: readonly R[] }): R[] {
  return safety.ratings.filter((r) => r.blocked || r.probability !== 'NEGLIGIBLE');
}

/** Who gave a provider safety verdict, as a designer reads it ("fal's safety checker flagged this image"). */
export const PROVIDER_SAFETY_SOURCES: Record<ProviderSafetyField, string> = {
  has_nsfw_concepts: "fal's safety checker",
  is_image_safe: "Ideogram's safety check",
  safetyRatings: "Gemini's safety ratings",
};
