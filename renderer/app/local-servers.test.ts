// Settings → Local GPU against a stubbed main process: servers added, checked and removed, a failure kept
// on its own card, and a listing that was overtaken by a change never brings the old list back.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalServer } from '../../shared/domain';
import { answerWith, fail, heldAnswer, ok, resetApi } from '../../test/support/renderer-api';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

const server = (id: number, patch: Partial<LocalServer> = {}): LocalServer =>
  ({
    id,
    kind: 'a1111',
    name: `GPU ${id}`,
    baseUrl: `http://127.0.0.1:786${id}`,
    enabled: true,
    ...patch,
  }) as LocalServer;

async function freshStore() {
  vi.resetModules();
  return (await import('./local-servers')).useLocalServersStore;
}

beforeEach(() => {
  resetApi();
  answerWith(() => ok({ servers: [] }));
});

describe('local servers', () => {
  it('add, check and remove change the list; a failed check stays on that card', async () => {
    const store = await freshStore();
    await store.getState().load();
    answerWith(() => ok(server(1)));
    expect(await store.getState().add({ kind: 'a1111', url: 'http://127.0.0.1:7861', slots: 1 })).toBe(true);
    expect(store.getState().servers.map((s) => s.id)).toEqual([1]);

    answerWith(() => fail('unavailable', 'connection refused'));
    await store.getState().check(1);
    expect(store.getState().errors[1]).toMatchObject({
      action: 'check',
      error: { message: 'connection refused' },
    });
    expect(store.getState().busy[1]).toBeUndefined();

    answerWith(() => ok(server(1, { label: 'GPU one' })));
    await store.getState().check(1);
    expect(store.getState().errors[1]).toBeUndefined();
    expect(store.getState().servers[0]!.label).toBe('GPU one');

    answerWith(() => ok({ removed: true }));
    await store.getState().remove(1);
    expect(store.getState().servers).toEqual([]);
  });

  it('a listing answered after a server was added does not drop it', async () => {
    const store = await freshStore();
    const list = heldAnswer();
    answerWith((name) => (name === 'localServers.list' ? list.promise : ok(server(2))));
    const loading = store.getState().load();
    await store.getState().add({ kind: 'a1111', url: 'http://127.0.0.1:7862', slots: 1 });
    list.release(ok({ servers: [] }));
    await loading;
    expect(store.getState().servers.map((s) => s.id)).toEqual([2]);
  });

  it('a refused add says why and adds nothing', async () => {
    const store = await freshStore();
    answerWith(() => fail('invalid_input', 'url: must be an http(s) URL'));
    expect(await store.getState().add({ kind: 'a1111', url: 'nope', slots: 1 })).toBe(false);
    expect(store.getState()).toMatchObject({
      adding: false,
      servers: [],
      addError: { code: 'invalid_input' },
    });
    store.getState().clearAddError();
    expect(store.getState().addError).toBeNull();
  });
});
