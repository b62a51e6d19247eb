// The seed box on Generate: a typed seed is the seed, checked against the pinned provider's range.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { GenerationRequest, ModelInfo, ProviderInfo, RunDetail } from '../../shared/domain';

type Answer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
let answer: (name: string, input: Record<string, unknown>) => Promise<Answer>;

vi.mock('../api', () => ({
  api: { call: (name: string, input: Record<string, unknown>) => answer(name, input), on: () => () => {} },
}));

const model = (seedRange: { min: number; max: number } | null): ModelInfo => ({
  id: 'phoenix',
  name: 'Leonardo Phoenix 1.0',
  status: 'active',
  retiredOn: null,
  successor: null,
  aspectRatios: ['1:1'],
  maxCount: 4,
  supportsNegativePrompt: false,
  supportsSeed: seedRange !== null,
  seedRange,
  pricePerImageUsd: {},
  priceSource: 'test',
  steps: null,
  guidance: null,
  exactSize: null,
  imageInput: false,
  edits: false,
});

const leonardo: ProviderInfo = {
  id: 'leonardo',
  name: 'Leonardo.Ai',
  kind: 'cloud',
  auth: 'key',
  implemented: true,
  keyUrl: null,
  models: [model({ min: 0, max: 2_147_483_647 })],
  defaultModel: 'phoenix',
  key: null,
  usdPerCredit: 0.0015,
};

async function fresh() {
  vi.resetModules();
  const store = await import('./store');
  const runs = (await import('./runs-store')).useRunsStore;
  return { ...store, runs };
}

beforeEach(() => {
  answer = (name, input) => {
    if (name === 'generation.start') return Promise.resolve({ ok: true, value: { runId: 7 } });
    if (name === 'runs.get')
      return Promise.resolve({
        ok: true,
        value: { id: input.id, seed: 2_010_369_601, outputs: [], attempts: [] } as unknown as RunDetail,
      });
    return Promise.resolve({ ok: true, value: { runs: [] } });
  };
});

describe('the seed box', () => {
  it('sends a typed seed without the lock being clicked, and a random one when empty', async () => {
    const { buildRequest, EMPTY_FORM } = await fresh();
    const typed = buildRequest({ ...EMPTY_FORM, prompt: 'a heron', seedText: '424242' }, []);
    expect(typed.errors).toEqual({});
    expect(typed.request.seed).toBe(424_242);
    expect(buildRequest({ ...EMPTY_FORM, prompt: 'a heron', seedText: '' }, []).request.seed).toBeNull();
  });

  it('refuses a seed the pinned provider cannot take, naming the provider and its range', async () => {
    const { buildRequest, EMPTY_FORM } = await fresh();
    const form = { ...EMPTY_FORM, prompt: 'a heron', provider: 'leonardo', model: 'phoenix' };
    const out = buildRequest({ ...form, seedText: '3000000000' }, [leonardo]);
    expect(out.errors.seed).toBe(
      'Leonardo.Ai takes seeds from 0 to 2,147,483,647; clear the box for a random one.',
    );
    expect(out.request.seed).toBeNull();
    expect(buildRequest({ ...form, seedText: '2147483647' }, [leonardo]).errors).toEqual({});
  });

  it('typing locks, clearing unlocks, and a finished run never overwrites the box', async () => {
    const { useGenerateStore, runs } = await fresh();
    const s = () => useGenerateStore.getState();
    s().setField('seedText', '424242');
    expect(s().form).toMatchObject({ seedText: '424242', seedLocked: true });
    s().setField('seedText', '');
    expect(s().form).toMatchObject({ seedText: '', seedLocked: false });

    // A random run finishes: its seed is offered, not written into the box (which would send it next time).
    await runs.getState().start({ prompt: 'a heron', seed: null } as GenerationRequest, '');
    runs.getState().onRunCompleted({ runId: 7, status: 'succeeded', outputsCount: 1, error: null });
    await vi.waitFor(() => expect(s().lastSeed).toBe(2_010_369_601));
    expect(s().form).toMatchObject({ seedText: '', seedLocked: false });
    // The lock keeps that seed with one click; unlocking clears it again.
    s().setSeedLocked(true);
    expect(s().form).toMatchObject({ seedText: '2010369601', seedLocked: true });
    s().setSeedLocked(false);
    expect(s().form).toMatchObject({ seedText: '', seedLocked: false });
  });
});
