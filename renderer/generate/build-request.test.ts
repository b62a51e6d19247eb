// buildRequest reads what was typed; what the values may be comes from shared/ (the schema and the model's rules).
import { describe, expect, it, vi } from 'vitest';
import type { ModelInfo, ProviderInfo } from '../../shared/domain';
import { REQUEST_LIMITS } from '../../shared/limits';

let startAnswer: unknown = { ok: true, value: { runId: 7 } };
vi.mock('../api', () => ({
  api: {
    call: (name: string) =>
      Promise.resolve(name === 'generation.start' ? startAnswer : { ok: true, value: { runs: [] } }),
    on: () => () => {},
  },
}));

const { buildRequest, EMPTY_FORM, SIZE_LIMITS, useGenerateStore } = await import('./store');

const sdxl: ModelInfo = {
  id: 'sdxl',
  name: 'SDXL',
  status: 'active',
  retiredOn: null,
  successor: null,
  aspectRatios: ['1:1'],
  maxCount: 4,
  supportsNegativePrompt: true,
  supportsSeed: true,
  seedRange: { min: 0, max: 4_294_967_294 },
  pricePerImageUsd: {},
  priceSource: 'test',
  steps: { min: 10, max: 50, default: 30 },
  guidance: { param: 'cfg_scale', min: 1, max: 20, default: 7 },
  exactSize: { min: 512, max: 2048, multiple: 64 },
  imageInput: true,
  edits: false,
};
const stability: ProviderInfo = {
  id: 'stability',
  name: 'Stability AI',
  kind: 'cloud',
  auth: 'key',
  implemented: true,
  keyUrl: null,
  models: [sdxl],
  defaultModel: 'sdxl',
  key: null,
};
const form = { ...EMPTY_FORM, prompt: 'a heron' };
const pinned = { ...form, provider: 'stability', model: 'sdxl' };

describe('buildRequest', () => {
  it('takes its size band from the contract, not a copy', () => {
    expect(SIZE_LIMITS).toBe(REQUEST_LIMITS.size);
    const over = buildRequest({ ...form, widthText: '64', heightText: '8193' }, []);
    expect(over.errors.size).toBe('Each side is 64 to 8,192 pixels.');
    expect(over.request.size).toBeUndefined();
    const fits = buildRequest({ ...form, widthText: '64', heightText: '8192' }, []);
    expect(fits.errors).toEqual({});
    expect(fits.request.size).toEqual({ width: 64, height: 8192 });
  });

  it('refuses a count the contract refuses, at either end', () => {
    expect(buildRequest({ ...form, count: 0 }, []).errors.count).toBe('Ask for at least one image.');
    // The old form checked only "at least one"; the contract's upper bound now holds here too.
    expect(buildRequest({ ...form, count: REQUEST_LIMITS.count.max + 1 }, []).errors.count).toBe(
      'A request makes at most 10 images.',
    );
  });

  it('checks steps and guidance against the pinned model, and sends them only when they fit', () => {
    const out = buildRequest({ ...pinned, stepsText: '60', guidanceText: '0.5' }, [stability]);
    expect(out.errors).toEqual({
      steps: 'Steps are a whole number from 10 to 50.',
      guidance: 'Guidance is a number from 1 to 20.',
    });
    expect(out.request).not.toHaveProperty('steps');
    expect(out.request).not.toHaveProperty('guidance');
    const fits = buildRequest({ ...pinned, stepsText: '50', guidanceText: '7,5' }, [stability]);
    expect(fits.errors).toEqual({});
    expect(fits.request).toMatchObject({ steps: 50, guidance: 7.5 });
    // Text that is no number is the form's own complaint, in the same words.
    expect(buildRequest({ ...pinned, stepsText: 'many' }, [stability]).errors.steps).toBe(
      'Steps are a whole number from 10 to 50.',
    );
  });

  it('a lenient build (for estimates) drops what is wrong instead of sending it', () => {
    const out = buildRequest(
      { ...form, prompt: '', seedText: 'x', widthText: '10', heightText: '10' },
      [],
      true,
    );
    expect(out.request).toMatchObject({ prompt: 'estimate', seed: null });
    expect(out.request.size).toBeUndefined();
  });
});

describe('a refusal from the main process', () => {
  it('puts its issues beside the fields they name, from their paths', async () => {
    startAnswer = {
      ok: false,
      error: {
        code: 'invalid_input',
        message: 'seed: seed 3000000000 is outside the seeds IDEO takes (0 to 2,147,483,647).',
        issues: [
          {
            path: ['seed'],
            message: 'seed 3000000000 is outside the seeds IDEO takes (0 to 2,147,483,647).',
          },
        ],
      },
    };
    useGenerateStore.setState({ form: { ...form, seedText: '3000000000' }, fieldErrors: {} });
    await useGenerateStore.getState().generate();
    expect(useGenerateStore.getState().fieldErrors).toEqual({
      seed: 'Seed 3000000000 is outside the seeds IDEO takes (0 to 2,147,483,647).',
    });
  });

  it('leaves the fields alone for a refusal without issues', async () => {
    startAnswer = {
      ok: false,
      error: { code: 'budget_exceeded', message: 'seed: over budget', fix: 'budgets' },
    };
    useGenerateStore.setState({ form, fieldErrors: {} });
    await useGenerateStore.getState().generate();
    expect(useGenerateStore.getState().fieldErrors).toEqual({});
  });
});
