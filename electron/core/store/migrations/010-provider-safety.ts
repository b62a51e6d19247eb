import type { Migration } from './migration';

/**
 * The provider's own safety flag for each output, where it sends one per image (fal `has_nsfw_concepts`,
 * Ideogram `is_image_safe`, Gemini `safetyRatings`): JSON `ProviderSafety` (shared/domain.ts), NULL where the
 * provider sent none. Recorded beside the quality gate's own checks, never in their place.
 */
export const providerSafetySchema: Migration = {
  version: 10,
  name: 'provider safety flags',
  up(db) {
    db.exec(`
      ALTER TABLE outputs ADD COLUMN provider_safety TEXT CHECK (provider_safety IS NULL OR json_valid(provider_safety));
    `);
  },
};
