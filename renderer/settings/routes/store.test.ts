// Settings → Routes against a stubbed main process: a draft exists only while it differs from the saved
// route, a save sends the chain and puts the answer where Generate reads routes, a failure keeps the draft.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Route } from '../../../shared/domain';
import { answerWith, apiCalls, fail, ok, resetApi } from '../../../test/support/renderer-api';

vi.mock('../../api', async () => ({ api: (await import('../../../test/support/renderer-api')).stubApi }));

const route = (chain: Route['chain'], allowContentFallthrough = false): Route =>
  ({ taskType: 'default', chain, allowContentFallthrough }) as unknown as Route;

async function fresh() {
  vi.resetModules();
  const editor = (await import('./store')).useRouteEditorStore;
  const routes = (await import('../../app/routes')).useRoutesStore;
  return { editor, routes };
}

beforeEach(() => {
  resetApi();
});

describe('route editor', () => {
  const saved = route([{ provider: 'gemini' }, { provider: 'openai', model: 'gpt-image-1' }]);

  it('an edit makes a draft; editing back to the saved route drops it', async () => {
    const { editor } = await fresh();
    editor.getState().edit(saved, (d) => ({ ...d, chain: [...d.chain].reverse() }));
    expect(editor.getState().drafts.default?.chain.map((s) => s.provider)).toEqual(['openai', 'gemini']);
    editor.getState().edit(saved, (d) => ({ ...d, chain: [...d.chain].reverse() }));
    expect(editor.getState().drafts.default).toBeUndefined();
  });

  it('a save sends the chain (no model for a default one) and puts the saved route where Generate reads it', async () => {
    const { editor, routes } = await fresh();
    const answered = route([{ provider: 'openai', model: 'gpt-image-1' }], true);
    answerWith(() => ok(answered));
    editor.getState().edit(saved, (d) => ({ chain: d.chain.slice(1), allowContentFallthrough: true }));
    expect(await editor.getState().save(saved)).toBe(true);
    expect(apiCalls).toEqual([
      {
        name: 'routes.set',
        input: {
          taskType: 'default',
          chain: [{ provider: 'openai', model: 'gpt-image-1' }],
          allowContentFallthrough: true,
        },
      },
    ]);
    expect(editor.getState().drafts.default).toBeUndefined();
    expect(editor.getState().messages.default).toEqual({ kind: 'saved' });
    expect(routes.getState().routes).toEqual([answered]);

    // A step on the provider's default model is sent without a model.
    const before = apiCalls.length;
    editor.getState().edit(saved, (d) => ({ ...d, chain: [{ key: 99, provider: 'stability', model: '' }] }));
    await editor.getState().save(saved);
    expect(apiCalls[before]!.input.chain).toEqual([{ provider: 'stability' }]);
  });

  it('a refused save keeps the draft and says why; the next edit clears the message', async () => {
    const { editor, routes } = await fresh();
    answerWith(() => fail('invalid_input', 'chain: too many steps'));
    editor.getState().edit(saved, (d) => ({ ...d, allowContentFallthrough: true }));
    expect(await editor.getState().save(saved)).toBe(false);
    expect(editor.getState().drafts.default?.allowContentFallthrough).toBe(true);
    expect(editor.getState().messages.default).toMatchObject({
      kind: 'error',
      error: { code: 'invalid_input' },
    });
    expect(editor.getState().busy.default).toBeUndefined();
    expect(routes.getState().routes).toEqual([]);
    editor.getState().edit(saved, (d) => ({ ...d, chain: d.chain.slice(0, 1) }));
    expect(editor.getState().messages.default).toBeUndefined();
  });
});
