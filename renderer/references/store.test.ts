// The open reference against a stubbed main process: a re-read asked before an edit (its checks landing) must not
// put the old name back on screen; it is asked again once the edit is in.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { answerWith, apiCalls, heldAnswer, ok, resetApi } from '../../test/support/renderer-api';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

const reference = (name: string) => ({ id: 4, name, steers: [], tags: [] });

async function freshStore() {
  vi.resetModules();
  return (await import('./store')).useReferencesStore;
}

beforeEach(() => resetApi());

describe('References store: the open reference', () => {
  it('keeps a rename made while a re-read was on its way, and reads again once the rename is in', async () => {
    const store = await freshStore();
    let stored = 'moodboard';
    answerWith(() => ok(reference(stored)));
    await store.getState().open(4);
    expect(store.getState().detail?.name).toBe('moodboard');

    const staleRead = heldAnswer();
    answerWith((name) => {
      if (name === 'references.get') return staleRead.promise;
      if (name === 'references.tags') return ok({ tags: [], steers: [] });
      stored = 'hero light';
      return ok(reference(stored));
    });
    store.getState().checked([4]);
    // The rename is answered first; the read asked before it (with the old name) lands after.
    expect(await store.getState().update({ name: 'hero light' })).toBe(true);
    expect(store.getState().detail?.name).toBe('hero light');
    answerWith((name) => (name === 'references.tags' ? ok({ tags: [], steers: [] }) : ok(reference(stored))));
    staleRead.release(ok(reference('moodboard')));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(store.getState().detail?.name).toBe('hero light');
    await vi.waitFor(() => expect(apiCalls.filter((call) => call.name === 'references.get').length).toBe(3));
    expect(store.getState().detail?.name).toBe('hero light');
  });
});
