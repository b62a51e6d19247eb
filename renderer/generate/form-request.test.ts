// Seed parsing and the request a Generate form describes (build-request.test.ts pins the limits from shared/).
import { describe, expect, it, vi } from 'vitest';
import { MAX_SEED } from '../../shared/constants';
import type { ModelInfo, ProviderInfo } from '../../shared/domain';
import { buildRequest, EMPTY_FORM, type GenerateForm, parseSeed } from './store';

vi.mock('../api', () => ({
  api: { call: () => Promise.reject(new Error('no calls here')), on: () => () => {} },
}));

const sdxl: ModelInfo = {
  id: 'sdxl',
  name: 'SDXL',
  status: 'active',
  retiredOn: null,
  successor: null,
  aspectRatios: ['1:1', '16:9'],
  maxCount: 4,
  supportsNegativePrompt: true,
  supportsSeed: true,
  seedRange: { min: 0, max: 4_294_967_295 },
  pricePerImageUsd: {},
  priceSource: 'test',
  steps: { min: 10, max: 50, default: 30 },
  guidance: { min: 1, max: 20, default: 7 },
  exactSize: null,
  imageInput: false,
  edits: false,
} as ModelInfo;

const stability: ProviderInfo = {
  id: 'stability',
  name: 'Stability AI',
  kind: 'cloud',
  auth: 'key',
  implemented: true,
  keyUrl: null,
  models: [sdxl, { ...sdxl, id: 'tiny-seed', name: 'Tiny seed', seedRange: { min: 0, max: 999 } }],
  defaultModel: 'sdxl',
  key: null,
  usdPerCredit: null,
} as ProviderInfo;

const form = (patch: Partial<GenerateForm>): GenerateForm => ({ ...EMPTY_FORM, ...patch });

describe('parseSeed', () => {
  it('reads whole numbers, surrounding spaces allowed', () => {
    expect(parseSeed('42')).toBe(42);
    expect(parseSeed('  0 ')).toBe(0);
    expect(parseSeed(String(MAX_SEED))).toBe(MAX_SEED);
  });

  it('refuses what is not a whole number from 0 up', () => {
    for (const text of ['', ' ', '-1', '1.5', '1e3', '12a', '0x10', '١٢'])
      expect(parseSeed(text), text).toBeNull();
  });

  it('refuses a number past the largest seed', () => {
    expect(parseSeed(String(MAX_SEED + 1))).toBeNull();
    expect(parseSeed('9007199254740993')).toBeNull();
    expect(parseSeed('99999999999999999999')).toBeNull();
  });
});

describe('buildRequest', () => {
  it('an empty prompt is refused, naming what to write', () => {
    const { errors } = buildRequest(form({ prompt: '   ' }), [stability]);
    expect(errors.prompt).toMatch(/prompt/i);
  });

  it('lenient (for estimates) still has a request to price when the prompt is empty', () => {
    expect(buildRequest(form({ prompt: '' }), [stability]).request.prompt).toBe('');
    expect(buildRequest(form({ prompt: '' }), [stability], true).request.prompt.length).toBeGreaterThan(0);
  });

  it('Auto: the request carries the typed fields, trimmed, and no provider', () => {
    const { request, errors } = buildRequest(
      form({
        prompt: '  a red kite  ',
        negativePrompt: ' blur ',
        aspectRatio: '16:9',
        count: 3,
        quality: 'draft',
      }),
      [stability],
    );
    expect(errors).toEqual({});
    expect(request).toMatchObject({
      prompt: 'a red kite',
      negativePrompt: 'blur',
      aspectRatio: '16:9',
      count: 3,
      quality: 'draft',
      seed: null,
    });
    expect(request.provider).toBeUndefined();
    expect(request.size).toBeUndefined();
  });

  it('a typed seed is sent; a malformed one names the seed field and is not sent', () => {
    expect(buildRequest(form({ prompt: 'x', seedText: '123' }), [stability]).request.seed).toBe(123);
    const bad = buildRequest(form({ prompt: 'x', seedText: '12.5' }), [stability]);
    expect(bad.errors.seed).toMatch(/whole number/);
    expect(bad.request.seed).toBeNull();
  });

  it("a seed outside the pinned model's range names the provider and its range", () => {
    const pinned = { prompt: 'x', provider: 'stability', model: 'tiny-seed', seedText: '5000' };
    const { errors, request } = buildRequest(form(pinned), [stability]);
    expect(errors.seed).toContain('Stability AI');
    expect(errors.seed).toContain('999');
    expect(request.seed).toBeNull();
    // In Auto the seed is not checked against one provider.
    expect(
      buildRequest(form({ ...pinned, provider: '', model: '' }), [stability]).errors.seed,
    ).toBeUndefined();
  });

  it('an exact size needs both sides, whole pixels, within the limits', () => {
    const size = (widthText: string, heightText: string) =>
      buildRequest(form({ prompt: 'x', widthText, heightText }), [stability]);
    expect(size('1024', '').errors.size).toMatch(/both/);
    expect(size('10.5', '512').errors.size).toMatch(/whole/);
    expect(size('32', '512').errors.size).toMatch(/64/);
    expect(size('1024', '768').errors.size).toBeUndefined();
    expect(size('1024', '768').request.size).toEqual({ width: 1024, height: 768 });
  });

  it('a count below one is refused', () => {
    expect(buildRequest(form({ prompt: 'x', count: 0 }), [stability]).errors.count).toBeDefined();
  });

  it('a reference and a style travel with the request', () => {
    const { request } = buildRequest(
      form({
        prompt: 'x',
        reference: { path: '/refs/a.png', strength: 0.55, fromRunId: null } as GenerateForm['reference'],
        style: {
          versionId: 9,
          styleId: 2,
          name: 'Teal',
          version: 3,
          status: 'approved',
        } as GenerateForm['style'],
      }),
      [stability],
    );
    expect(request.reference).toEqual({ path: '/refs/a.png', strength: 0.55 });
    expect(request.style).toEqual({ versionId: 9 });
  });
});
