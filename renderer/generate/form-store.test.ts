// @vitest-environment happy-dom
// The Generate form's store: typing clears that field's error, the seed lock, reuse of a run, and the
// Advanced section remembered across a reload (localStorage, hence the DOM environment).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { GenerationRequest } from '../../shared/domain';

vi.mock('../api', () => ({
  api: { call: () => Promise.reject(new Error('no calls here')), on: () => () => {} },
}));

async function freshStore() {
  vi.resetModules();
  return (await import('./store')).useGenerateStore;
}

beforeEach(() => localStorage.clear());

describe('the Generate form store', () => {
  it('typing a seed locks it, clearing the box unlocks it and drops the seed error', async () => {
    const store = await freshStore();
    store.setState({ fieldErrors: { seed: 'bad seed' } });
    store.getState().setField('seedText', '77');
    expect(store.getState().form).toMatchObject({ seedText: '77', seedLocked: true });
    expect(store.getState().fieldErrors.seed).toBeUndefined();
    store.getState().setField('seedText', '  ');
    expect(store.getState().form.seedLocked).toBe(false);
  });

  it('locking with an empty box keeps the last seed, or asks for one when there is none', async () => {
    const store = await freshStore();
    store.getState().setSeedLocked(true);
    expect(store.getState().form.seedLocked).toBe(false);
    expect(store.getState().fieldErrors.seed).toMatch(/Type a seed/);

    store.setState({ lastSeed: 31337 });
    store.getState().setSeedLocked(true);
    expect(store.getState().form).toMatchObject({ seedText: '31337', seedLocked: true });
    expect(store.getState().fieldErrors.seed).toBeUndefined();

    store.getState().setSeedLocked(false);
    expect(store.getState().form).toMatchObject({ seedText: '', seedLocked: false });
  });

  it("typing in a field clears only that field's error", async () => {
    const store = await freshStore();
    store.setState({ fieldErrors: { prompt: 'p', size: 's', steps: 't' } });
    store.getState().setField('prompt', 'a kite');
    expect(store.getState().fieldErrors).toEqual({ size: 's', steps: 't' });
    store.getState().setField('widthText', '512');
    expect(store.getState().fieldErrors).toEqual({ steps: 't' });
  });

  it("reusing a run's request fills the form and opens Advanced when the run used advanced settings", async () => {
    const store = await freshStore();
    expect(store.getState().advancedOpen).toBe(false);
    const request = {
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'text',
      aspectRatio: '16:9',
      seed: 1234,
      count: 2,
      quality: 'draft',
      provider: 'stability',
      model: 'sdxl',
      steps: 20,
      size: { width: 1024, height: 576 },
    } as GenerationRequest;
    store.getState().applyRequest(request, 5);
    const { form, reusedFrom, advancedOpen } = store.getState();
    expect(reusedFrom).toBe(5);
    expect(advancedOpen).toBe(true);
    expect(form).toMatchObject({
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'text',
      aspectRatio: '16:9',
      seedText: '1234',
      seedLocked: true,
      count: 2,
      provider: 'stability',
      model: 'sdxl',
      stepsText: '20',
      widthText: '1024',
      heightText: '576',
    });
    // Remembered: a reload opens Advanced again.
    expect((await freshStore()).getState().advancedOpen).toBe(true);
  });

  it('closing Advanced is remembered across a reload', async () => {
    const store = await freshStore();
    store.getState().setAdvancedOpen(true);
    expect((await freshStore()).getState().advancedOpen).toBe(true);
    (await freshStore()).getState().setAdvancedOpen(false);
    expect((await freshStore()).getState().advancedOpen).toBe(false);
  });
});
