// Rules a request meets for one model, beyond the contract's own (GenerationRequest): written once here,
// checked by the Generate form before it sends, and named by path so each lands beside its field.

import type { GenerationRequest, ModelCapabilities, ModelInfo, ProviderInfo } from './domain';
import type { ErrorIssue } from './result';

/** A model's capabilities; with no model (Auto, or still loading) nothing beyond the basics is offered. */
export function capabilitiesOf(
  model: ModelInfo | undefined,
): Omit<ModelCapabilities, 'imageInput'> & { imageInput: boolean | null } {
  if (!model) return { steps: null, guidance: null, exactSize: null, imageInput: null };
  return {
    steps: model.steps,
    guidance: model.guidance,
    exactSize: model.exactSize,
    imageInput: model.imageInput,
  };
}

/**
 * Whether a seed is one this model takes: inside its seed range (catalog data), or anything when the
 * catalog gives none. The dispatcher skips or refuses a seed outside it; the form says so first.
 */
export function seedInRange(range: { min: number; max: number } | null | undefined, seed: number): boolean {
  return !range || (seed >= range.min && seed <= range.max);
}

/** The parts of a request a model's own ranges constrain. */
export type ModelBoundRequest = Pick<GenerationRequest, 'seed' | 'steps' | 'guidance'>;

/**
 * What a request asks that this model cannot take, as issues with paths: a seed outside its seed range
 * (catalog data: the dispatcher never wraps a seed into another number), steps or guidance outside its
 * range. `provider` names the provider in the words. Nothing for a model without the capability: the
 * field is not sent to it.
 */
export function refineForModel(
  request: Partial<ModelBoundRequest>,
  model: ModelInfo,
  provider: Pick<ProviderInfo, 'name'>,
): ErrorIssue[] {
  const issues: ErrorIssue[] = [];
  const range = model.seedRange;
  if (request.seed != null && range && !seedInRange(range, request.seed)) {
    issues.push({
      path: ['seed'],
      message: `${provider.name} takes seeds from ${range.min.toLocaleString('en-US')} to ${range.max.toLocaleString('en-US')}; clear the box for a random one.`,
    });
  }
  if (request.steps !== undefined && model.steps) {
    const { min, max } = model.steps;
    if (!Number.isInteger(request.steps) || request.steps < min || request.steps > max)
      issues.push({ path: ['steps'], message: `Steps are a whole number from ${min} to ${max}.` });
  }
  if (request.guidance !== undefined && model.guidance) {
    const { min, max } = model.guidance;
    if (request.guidance < min || request.guidance > max)
      issues.push({ path: ['guidance'], message: `Guidance is a number from ${min} to ${max}.` });
  }
  return issues;
}
