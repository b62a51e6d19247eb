// Settings → Providers: live status against a stubbed main process. A failed refresh keeps the last good
// numbers, a saved change is not undone by a listing that was asked for before it, and each row has its message.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderLimits, ProviderStatus } from '../../../shared/domain';

type Answer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
let answer: (name: string, input: Record<string, unknown>) => Promise<Answer>;

vi.mock('../../api', () => ({
  api: { call: (name: string, input: Record<string, unknown>) => answer(name, input), on: () => () => {} },
}));

const status = (provider: string, patch: Record<string, unknown> = {}): ProviderStatus =>
  ({ provider, breaker: 'closed', ...patch }) as unknown as ProviderStatus;
const ok = (value: unknown): Promise<Answer> => Promise.resolve({ ok: true, value });
const limits = { perMinute: 5 } as unknown as ProviderLimits;

async function freshStore() {
  vi.resetModules();
  return (await import('./store')).useProviderStatusStore;
}

beforeEach(() => {
  answer = () => ok({ providers: [status('openai'), status('gemini')] });
});

describe('provider status', () => {
  it('a failed refresh keeps the last good statuses; a failed first load is an error', async () => {
    const store = await freshStore();
    answer = () => Promise.resolve({ ok: false, error: { code: 'internal', message: 'x' } });
    await store.getState().load();
    expect(store.getState().status).toBe('error');

    answer = () => ok({ providers: [status('openai')] });
    await store.getState().load();
    expect(store.getState()).toMatchObject({ status: 'ready', error: null });
    expect(store.getState().loadedAt).not.toBeNull();

    answer = () => Promise.resolve({ ok: false, error: { code: 'internal', message: 'again' } });
    await store.getState().load();
    expect(store.getState().status).toBe('ready');
    expect(store.getState().statuses.map((s) => s.provider)).toEqual(['openai']);
  });

  it('saved limits replace that provider only and are not undone by an older listing', async () => {
    const store = await freshStore();
    await store.getState().load();
    let answerList: (value: Answer) => void = () => {};
    answer = (name) =>
      name === 'providers.status'
        ? new Promise<Answer>((resolve) => (answerList = resolve))
        : ok(status('openai', { breaker: 'open' }));
    const loading = store.getState().load();
    expect(await store.getState().setLimits('openai', limits)).toBe(true);
    answerList({ ok: true, value: { providers: [status('openai'), status('gemini')] } });
    await loading;
    expect(store.getState().statuses).toEqual([status('openai', { breaker: 'open' }), status('gemini')]);
    expect(store.getState().messages.openai).toEqual({ kind: 'saved' });
    expect(store.getState().messages.gemini).toBeUndefined();
  });

  it('a refused reset says why on its row; clearing the message empties it', async () => {
    const store = await freshStore();
    await store.getState().load();
    answer = () => Promise.resolve({ ok: false, error: { code: 'not_found', message: 'no such provider' } });
    await store.getState().resetBreaker('gemini');
    expect(store.getState().messages.gemini).toMatchObject({ kind: 'error', action: 'reset' });
    expect(store.getState().busy.gemini).toBeUndefined();
    store.getState().clearMessage('gemini');
    expect(store.getState().messages.gemini).toBeUndefined();
  });
});
