// History's list of runs against a stubbed main process: pages, a refresh that merges new runs in front,
// failures that keep what is on screen, and a card patched from the run dialog.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../shared/domain';
import { type Answer, answerWith, apiCalls, fail, ok, resetApi } from '../../test/support/renderer-api';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

const run = (id: number, patch: Partial<RunSummary> = {}): RunSummary =>
  ({
    id,
    prompt: `run ${id}`,
    status: 'succeeded',
    bestRating: null,
    tags: [],
    ...patch,
  }) as unknown as RunSummary;

/** The library holds runs 1..total; pages are newest first. */
function library(total: number) {
  const all = Array.from({ length: total }, (_, i) => run(total - i));
  return (name: string, input: Record<string, unknown>): Answer => {
    if (name !== 'runs.list') throw new Error(`unexpected call ${name}`);
    const before = (input.before as number | undefined) ?? Number.POSITIVE_INFINITY;
    const limit = input.limit as number;
    const items = all.filter((r) => r.id < before).slice(0, limit);
    const last = items.at(-1);
    const more = last !== undefined && all.some((r) => r.id < last.id);
    return ok({ items, nextBefore: more ? last.id : null, total: all.length });
  };
}

async function freshStore() {
  vi.resetModules();
  return (await import('./store')).useHistoryStore;
}

beforeEach(() => {
  resetApi();
});

describe('History store', () => {
  it('loads the newest page, then the next one, without duplicates, and stops at the end', async () => {
    answerWith(library(100));
    const store = await freshStore();
    await store.getState().loadFirst();
    expect(store.getState().status).toBe('ready');
    expect(store.getState().items).toHaveLength(60);
    expect(store.getState().items[0]!.id).toBe(100);
    await store.getState().loadMore();
    expect(store.getState().items.map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(store.getState().nextBefore).toBeNull();
    const before = apiCalls.length;
    await store.getState().loadMore();
    expect(apiCalls.length).toBe(before);
  });

  it('a refresh puts new runs in front and keeps the pages already loaded further back', async () => {
    answerWith(library(100));
    const store = await freshStore();
    await store.getState().loadFirst();
    await store.getState().loadMore();
    answerWith(library(103));
    await store.getState().refreshTop();
    const ids = store.getState().items.map((r) => r.id);
    expect(ids.slice(0, 4)).toEqual([103, 102, 101, 100]);
    expect(ids).toHaveLength(103);
    expect(new Set(ids).size).toBe(103);
    expect(store.getState().total).toBe(103);
  });

  it('a failed first load is an error; a failed refresh keeps the list on screen', async () => {
    answerWith(() => fail('internal', 'disk on fire'));
    const store = await freshStore();
    await store.getState().loadFirst();
    expect(store.getState().status).toBe('error');
    expect(store.getState().error?.message).toBe('disk on fire');

    answerWith(library(3));
    await store.getState().loadFirst();
    expect(store.getState()).toMatchObject({ status: 'ready', error: null });
    answerWith(() => fail('internal', 'again'));
    await store.getState().refreshTop();
    expect(store.getState().status).toBe('ready');
    expect(store.getState().items).toHaveLength(3);
    expect(store.getState().error?.message).toBe('again');
  });

  it('a rating or tags set in the run dialog land on that card only', async () => {
    answerWith(library(3));
    const store = await freshStore();
    await store.getState().loadFirst();
    const untouched = store.getState().items[0];
    store.getState().patchRun(2, { bestRating: 4, tags: ['hero'] });
    expect(store.getState().items.find((r) => r.id === 2)).toMatchObject({ bestRating: 4, tags: ['hero'] });
    expect(store.getState().items[0]).toBe(untouched);
    // An unknown run changes nothing.
    const items = store.getState().items;
    store.getState().patchRun(99, { bestRating: 1, tags: [] });
    expect(store.getState().items).toBe(items);
  });

  it('a refresh of a library that fits one page drops a run that left it (trashed)', async () => {
    answerWith(library(3));
    const store = await freshStore();
    await store.getState().loadFirst();
    // Run 1 goes to the trash: the main process no longer lists it.
    answerWith((name) =>
      name === 'runs.list'
        ? ok({ items: [run(3), run(2)], nextBefore: null, total: 2 })
        : fail('internal', name),
    );
    await store.getState().refreshTop();
    expect(store.getState().items.map((r) => r.id)).toEqual([3, 2]);
  });

  it('removeRuns takes trashed runs out of the loaded list and the total', async () => {
    answerWith(library(3));
    const store = await freshStore();
    await store.getState().loadFirst();
    store.getState().removeRuns([2]);
    expect(store.getState().items.map((r) => r.id)).toEqual([3, 1]);
    expect(store.getState().total).toBe(2);
  });
});
