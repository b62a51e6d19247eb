import { createHash } from 'node:crypto';
import type { GenerationRequest } from '../../../shared/domain';

/**
 * The identical-request cache key: sha256 of the canonical JSON of everything that shapes the image
 * (prompt, negative, size/aspect, seed, steps, guidance, count, quality, reference, this provider's
 * options) plus the provider and model. Task type, `fresh` and other providers' options do not count.
 */
export function cacheKey(request: GenerationRequest, provider: string, model: string): string {
  const shape = {
    v: 1,
    provider,
    model,
    prompt: request.prompt,
    negativePrompt: request.negativePrompt,
    aspectRatio: request.aspectRatio,
    size: request.size ?? null,
    seed: request.seed,
    steps: request.steps ?? null,
    guidance: request.guidance ?? null,
    count: request.count,
    quality: request.quality,
    reference: request.reference ?? null,
    options: request.options?.[provider] ?? {},
  };
  return createHash('sha256').update(canonicalJson(shape)).digest('hex');
}

/** JSON with object keys sorted at every depth and undefined members dropped, so equal values hash equal. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
