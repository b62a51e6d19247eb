// Settings → Providers: live status against a stubbed main process. A failed refresh keeps the last good
// numbers, a saved change is not undone by a listing that was asked for before it, and each row has its message.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderLimits, ProviderStatus } from '../../../shared/domain';
import { answerWith, fail, heldAnswer, ok, resetApi } from '../../../test/support/renderer-api';

vi.mock('../../api', async () => ({ api: (await import('../../../test/support/renderer-api')).stubApi }));

const status = (provider: string, patch: Record<string, unknown> = {}): ProviderStatus =>
  ({ provider, breaker: 'closed', ...patch }) as unknown as ProviderStatus;
const limits = { perMinute: 5 } as unknown as ProviderLimits;

async function freshStore() {
  vi.resetModules();
  return (await import('./store')).useProviderStatusStore;
}

beforeEach(() => {
  resetApi();
  answerWith(() => ok({ providers: [status('openai'), status('gemini')] }));
});

describe('provider status', () => {
  it('a failed refresh keeps the last good statuses; a failed first load is an error', async () => {
    const store = await freshStore();
    answerWith(() => fail('internal', 'x'));
    await store.getState().load();
    expect(store.getState().status).toBe('error');

    answerWith(() => ok({ providers: [status('openai')] }));
    await store.getState().load();
    expect(store.getState()).toMatchObject({ status: 'ready', error: null });
    expect(store.getState().loadedAt).not.toBeNull();

    answerWith(() => fail('internal', 'again'));
    await store.getState().load();
    expect(store.getState().status).toBe('ready');
    expect(store.getState().statuses.map((s) => s.provider)).toEqual(['openai']);
  });

  it('saved limits replace that provider only and are not undone by an older listing', async () => {
    const store = await freshStore();
    await store.getState().load();
    const list = heldAnswer();
    answerWith((name) =>
      name === 'providers.status' ? list.promise : ok(status('openai', { breaker: 'open' })),
    );
    const loading = store.getState().load();
    expect(await store.getState().setLimits('openai', limits)).toBe(true);
    list.release(ok({ providers: [status('openai'), status('gemini')] }));
    await loading;
    expect(store.getState().statuses).toEqual([status('openai', { breaker: 'open' }), status('gemini')]);
    expect(store.getState().messages.openai).toEqual({ kind: 'saved' });
    expect(store.getState().messages.gemini).toBeUndefined();
  });

  it('a refused reset says why on its row; clearing the message empties it', async () => {
    const store = await freshStore();
    await store.getState().load();
    answerWith(() => fail('not_found', 'no such provider'));
    await store.getState().resetBreaker('gemini');
    expect(store.getState().messages.gemini).toMatchObject({ kind: 'error', action: 'reset' });
    expect(store.getState().busy.gemini).toBeUndefined();
    store.getState().clearMessage('gemini');
    expect(store.getState().messages.gemini).toBeUndefined();
  });
});
