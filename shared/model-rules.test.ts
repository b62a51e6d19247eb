import { describe, expect, it } from 'vitest';
import { GenerationRequest, type ModelInfo } from './domain';
import { REQUEST_LIMITS } from './limits';
import { capabilitiesOf, refineForModel, seedInRange } from './model-rules';

const model: ModelInfo = {
  id: 'sdxl',
  name: 'SDXL',
  status: 'active',
  retiredOn: null,
  successor: null,
  aspectRatios: ['1:1'],
  maxCount: 4,
  supportsNegativePrompt: true,
  supportsSeed: true,
  seedRange: { min: 0, max: 2_147_483_647 },
  pricePerImageUsd: {},
  priceSource: 'test',
  steps: { min: 10, max: 50, default: 30 },
  guidance: { param: 'cfg_scale', min: 1, max: 20, default: 7 },
  exactSize: null,
  imageInput: true,
  edits: false,
};

describe('refineForModel', () => {
  it('names each value the model cannot take by its path, the provider by name', () => {
    const issues = refineForModel({ seed: 3_000_000_000, steps: 60, guidance: 0.5 }, model, {
      name: 'Stability',
    });
    expect(issues.map((issue) => issue.path)).toEqual([['seed'], ['steps'], ['guidance']]);
    expect(issues[0]!.message).toBe(
      'Stability takes seeds from 0 to 2,147,483,647; clear the box for a random one.',
    );
    expect(issues[1]!.message).toBe('Steps are a whole number from 10 to 50.');
    expect(issues[2]!.message).toBe('Guidance is a number from 1 to 20.');
  });

  it('accepts what fits, and says nothing about what the model does not take', () => {
    expect(refineForModel({ seed: 2_147_483_647, steps: 10, guidance: 20 }, model, { name: 'S' })).toEqual(
      [],
    );
    const plain = { ...model, seedRange: null, steps: null, guidance: null };
    expect(refineForModel({ seed: 3_000_000_000, steps: 999, guidance: 99 }, plain, { name: 'S' })).toEqual(
      [],
    );
  });

  it('a seed fits a range inclusively, and any seed fits a model without one', () => {
    expect([seedInRange({ min: 0, max: 9 }, 0), seedInRange({ min: 0, max: 9 }, 9)]).toEqual([true, true]);
    expect(seedInRange({ min: 0, max: 9 }, 10)).toBe(false);
    expect(seedInRange(null, 4_294_967_294)).toBe(true);
  });

  it('capabilities are the ModelInfo fields themselves; no model offers none', () => {
    expect(capabilitiesOf(model)).toEqual({
      steps: model.steps,
      guidance: model.guidance,
      exactSize: null,
      imageInput: true,
    });
    expect(capabilitiesOf(undefined)).toEqual({
      steps: null,
      guidance: null,
      exactSize: null,
      imageInput: null,
    });
  });
});

describe('request limits', () => {
  it('the contract holds exactly the shared bands', () => {
    const ok = (input: Record<string, unknown>) =>
      GenerationRequest.safeParse({ prompt: 'x', ...input }).success;
    const { size, steps, count } = REQUEST_LIMITS;
    expect(ok({ size: { width: size.min, height: size.max } })).toBe(true);
    expect(ok({ size: { width: size.min - 1, height: size.max } })).toBe(false);
    expect(ok({ size: { width: size.min, height: size.max + 1 } })).toBe(false);
    expect([ok({ steps: steps.max }), ok({ steps: steps.max + 1 })]).toEqual([true, false]);
    expect([ok({ count: count.max }), ok({ count: count.max + 1 })]).toEqual([true, false]);
  });
});
