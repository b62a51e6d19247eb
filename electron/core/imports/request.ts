// The closest Atelier request to what another tool made: what *Reproduce on… → route* sends.
import { ASPECT_RATIOS, type AspectRatio, type GenerationRequest, MAX_SEED } from '../../../shared/domain';
import type { ImportedParameters, ImportSource } from '../../../shared/import-contract';
import { NEGATIVE_PROMPT_MAX_CHARS, PROMPT_MAX_CHARS, REQUEST_LIMITS } from '../../../shared/limits';

/** The provider column of an imported run: the tool, named on screen by IMPORT_SOURCE_NAMES. */
export function importedProvider(source: ImportSource, parameters: ImportedParameters | null): string {
  if (source === 'atelier') {
    const provider = parameters?.extra.provider;
    return provider && /^[a-z0-9][a-z0-9-]{1,31}$/.test(provider) ? provider : 'atelier';
  }
  return source;
}

export function nearestAspectRatio(width: number, height: number): AspectRatio {
  const target = Math.log(width / height);
  let best: AspectRatio = '1:1';
  let distance = Number.POSITIVE_INFINITY;
  for (const ratio of ASPECT_RATIOS) {
    const [w, h] = ratio.split(':').map(Number) as [number, number];
    const d = Math.abs(Math.log(w / h) - target);
    if (d < distance) {
      distance = d;
      best = ratio;
    }
  }
  return best;
}

const within = (value: number | null, limits: { min: number; max: number }) =>
  value !== null && Number.isInteger(value) && value >= limits.min && value <= limits.max;

/** A request the contract accepts, with as much of the parameters as it can hold. */
export function closestRequest(
  parameters: ImportedParameters | null,
  image: { width: number; height: number },
  fallbackPrompt: string,
): GenerationRequest {
  const prompt = (parameters?.prompt.trim() || fallbackPrompt).slice(0, PROMPT_MAX_CHARS).trim() || 'image';
  const negativePrompt = (parameters?.negativePrompt ?? '').trim().slice(0, NEGATIVE_PROMPT_MAX_CHARS).trim();
  const width = parameters?.width ?? image.width;
  const height = parameters?.height ?? image.height;
  const mjRatio = parameters?.midjourney?.aspectRatio;
  const mjParts = mjRatio ? /^(\d+):(\d+)$/.exec(mjRatio) : null;
  const aspectRatio = mjParts
    ? nearestAspectRatio(Number(mjParts[1]), Number(mjParts[2]))
    : nearestAspectRatio(width, height);
  const seed =
    parameters?.seed && BigInt(parameters.seed) <= BigInt(MAX_SEED) ? Number(parameters.seed) : null;
  const request: GenerationRequest = {
    prompt,
    negativePrompt,
    aspectRatio,
    seed,
    count: 1,
    quality: 'final',
    taskType: 'default',
    fresh: false,
  };
  if (
    parameters &&
    within(parameters.width, REQUEST_LIMITS.size) &&
    within(parameters.height, REQUEST_LIMITS.size)
  ) {
    request.size = { width: parameters.width!, height: parameters.height! };
  }
  if (parameters && within(parameters.steps, REQUEST_LIMITS.steps)) request.steps = parameters.steps!;
  const cfg = parameters?.cfg ?? null;
  if (cfg !== null && cfg >= REQUEST_LIMITS.guidance.min && cfg <= REQUEST_LIMITS.guidance.max)
    request.guidance = cfg;
  return request;
}

/** The run's seed column: only a seed a JavaScript number holds exactly (the parameters keep every digit). */
export function seedColumn(parameters: ImportedParameters | null): number | null {
  if (!parameters?.seed) return null;
  const seed = BigInt(parameters.seed);
  return seed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seed) : null;
}
