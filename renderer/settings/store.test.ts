// Settings → API keys and Budgets against a stubbed main process: what each row shows after save, test and
// remove, and that a failure keeps what is on screen.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Budgets } from '../../shared/domain';
import { answerWith, apiCalls, fail, ok, resetApi } from '../../test/support/renderer-api';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

beforeEach(() => {
  resetApi();
  vi.resetModules();
});

describe('API key rows', () => {
  it('an empty box is refused without a call, naming the key; typing clears the message', async () => {
    const { useSettingsStore: store } = await import('./store');
    answerWith(() => ok({}));
    expect(await store.getState().save('openai')).toBe(false);
    expect(apiCalls).toEqual([]);
    const message = store.getState().messages.openai;
    expect(message).toMatchObject({ kind: 'error', action: 'save', error: { code: 'invalid_input' } });
    expect(message?.kind === 'error' && message.error.message).toMatch(/API key/);
    store.getState().setDraft('openai', 'sk-');
    expect(store.getState().messages.openai).toBeUndefined();
  });

  it('a saved key empties its box and says saved; a refused one keeps the box and says why', async () => {
    const { useSettingsStore: store } = await import('./store');
    answerWith(() => ok({ provider: 'openai', last4: 'abcd' }));
    store.getState().setDraft('openai', '  sk-test-abcd  ');
    expect(await store.getState().save('openai')).toBe(true);
    expect(apiCalls).toEqual([{ name: 'keys.set', input: { provider: 'openai', secret: 'sk-test-abcd' } }]);
    expect(store.getState().drafts.openai).toBe('');
    expect(store.getState().messages.openai).toEqual({ kind: 'saved' });
    expect(store.getState().busy.openai).toBeNull();

    answerWith(() => fail('unavailable', 'The OS keychain is locked.'));
    store.getState().setDraft('gemini', 'AIza-key');
    expect(await store.getState().save('gemini')).toBe(false);
    expect(store.getState().drafts.gemini).toBe('AIza-key');
    expect(store.getState().messages.gemini).toMatchObject({ kind: 'error', action: 'save' });
  });

  it("a test shows the provider's verdict; remove says removed only when a key was there", async () => {
    const { useSettingsStore: store } = await import('./store');
    answerWith(() => ok({ ok: false, outcome: 'auth_failed', message: 'Incorrect API key' }));
    await store.getState().test('openai');
    expect(store.getState().messages.openai).toEqual({
      kind: 'test',
      ok: false,
      outcome: 'auth_failed',
      message: 'Incorrect API key',
    });
    answerWith(() => ok({ deleted: true }));
    await store.getState().remove('openai');
    expect(store.getState().messages.openai).toEqual({ kind: 'removed' });
    answerWith(() => ok({ deleted: false }));
    await store.getState().remove('openai');
    expect(store.getState().messages.openai).toBeUndefined();
  });
});

describe('Budgets', () => {
  const budgets = { dailyUsd: 5, monthlyUsd: 50 } as unknown as Budgets;

  it('loads, saves and keeps the saved budgets when a later load fails', async () => {
    const { useBudgetsStore: store } = await import('./budgets/store');
    answerWith(() => ok(budgets));
    await store.getState().load();
    expect(store.getState()).toMatchObject({ status: 'ready', budgets });

    const raised = { ...budgets, dailyUsd: 9 } as Budgets;
    answerWith((name) => (name === 'budgets.set' ? ok(raised) : fail('internal', 'x')));
    expect(await store.getState().save(raised)).toBe(true);
    expect(store.getState().budgets).toEqual(raised);
    expect(store.getState().message?.kind).toBe('saved');

    answerWith(() => fail('internal', 'database is locked'));
    await store.getState().load();
    expect(store.getState().status).toBe('ready');
    expect(store.getState().budgets).toEqual(raised);
    expect(store.getState().error?.message).toBe('database is locked');
  });

  it('a refused save says why and leaves the saved budgets as they were', async () => {
    const { useBudgetsStore: store } = await import('./budgets/store');
    answerWith(() => ok(budgets));
    await store.getState().load();
    answerWith(() => fail('invalid_input', 'dailyUsd: must be 0 or more'));
    expect(await store.getState().save({ ...budgets, dailyUsd: -1 } as Budgets)).toBe(false);
    expect(store.getState().budgets).toEqual(budgets);
    expect(store.getState().message).toMatchObject({ kind: 'error', error: { code: 'invalid_input' } });
    expect(store.getState().saving).toBe(false);
  });
});
