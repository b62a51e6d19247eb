// History's list of runs against a stubbed main process: pages, a refresh that merges new runs in front,
// failures that keep what is on screen, and a card patched from the run dialog.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../shared/domain';
import {
  type Answer,
  answerWith,
  apiCalls,
  fail,
  heldAnswer,
  ok,
  resetApi,
} from '../../test/support/renderer-api';
import { loadedRuns } from './store';

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
    if (name !== 'runs.search') throw new Error(`unexpected call ${name}`);
    const before = input.cursor === null ? Number.POSITIVE_INFINITY : Number(input.cursor);
    const limit = input.limit as number;
    const items = all.filter((r) => r.id < before).slice(0, limit);
    const last = items.at(-1);
    const more = last !== undefined && all.some((r) => r.id < last.id);
    return ok({
      items,
      nextCursor: more ? String(last.id) : null,
      total: input.cursor === null ? all.length : null,
    });
  };
}

type Store = Awaited<ReturnType<typeof freshStore>>;
const items = (store: Store) => store.getState().paged.pages.flatMap((page) => page.items ?? []);

const KEEP = 3;

async function freshStore() {
  vi.resetModules();
  return (await import('./store')).useHistoryStore;
}

beforeEach(() => {
  resetApi();
});

describe('History store', () => {
  it('asks for the first page once when start-up and the view both ask while it is on its way', async () => {
    answerWith(library(100));
    const store = await freshStore();
    const before = apiCalls.length;
    const early = store.getState().loadFirst();
    const fromView = store.getState().loadFirst();
    await Promise.all([early, fromView]);
    expect(apiCalls.length - before).toBe(1);
    expect(items(store)).toHaveLength(60);
    // Once it is in, a later visit refreshes the top again.
    await store.getState().loadFirst();
    expect(apiCalls.length - before).toBe(2);
  });

  it('loads the newest page, then the next one, without duplicates, and stops at the end', async () => {
    answerWith(library(100));
    const store = await freshStore();
    await store.getState().loadFirst();
    expect(store.getState().status).toBe('ready');
    expect(items(store)).toHaveLength(60);
    expect(items(store)[0]!.id).toBe(100);
    await store.getState().loadMore();
    expect(items(store).map((r) => r.id)).toEqual(Array.from({ length: 100 }, (_, i) => 100 - i));
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
    const ids = items(store).map((r) => r.id);
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
    expect(items(store)).toHaveLength(3);
    expect(store.getState().error?.message).toBe('again');
  });

  it('a rating or tags set in the run dialog land on that card only', async () => {
    answerWith(library(3));
    const store = await freshStore();
    await store.getState().loadFirst();
    const untouched = items(store)[0];
    store.getState().patchRun(2, { bestRating: 4, tags: ['hero'] });
    expect(items(store).find((r) => r.id === 2)).toMatchObject({ bestRating: 4, tags: ['hero'] });
    expect(items(store)[0]).toBe(untouched);
    // An unknown run changes nothing.
    const version = store.getState().version;
    store.getState().patchRun(99, { bestRating: 1, tags: [] });
    expect(store.getState().version).toBe(version);
  });

  it('board badges follow at any depth: a board renamed or deleted, images put on or off one', async () => {
    const all = [
      run(3, { boards: [{ id: 1, name: 'Brief' }] }),
      run(2, {
        boards: [
          { id: 2, name: 'alpha' },
          { id: 1, name: 'Brief' },
        ],
      }),
      run(1),
    ];
    answerWith(() => ok({ items: all, nextCursor: null, total: 3 }));
    const store = await freshStore();
    await store.getState().loadFirst();
    const untouched = items(store)[2];
    // Board 1 renamed "zebra" (it now sorts after "alpha"); board 2 unchanged.
    const renamed = new Map([
      [1, 'zebra'],
      [2, 'alpha'],
    ]);
    expect(store.getState().followBoards(renamed)).toBe(2);
    expect(items(store).map((r) => r.boards)).toEqual([
      [{ id: 1, name: 'zebra' }],
      [
        { id: 2, name: 'alpha' },
        { id: 1, name: 'zebra' },
      ],
      undefined,
    ]);
    expect(items(store)[2]).toBe(untouched);
    // Nothing new: no card changes, no render.
    const version = store.getState().version;
    expect(store.getState().followBoards(renamed)).toBe(0);
    expect(store.getState().version).toBe(version);
    // Board 1 deleted: its badge goes.
    expect(store.getState().followBoards(new Map([[2, 'alpha']]))).toBe(2);
    expect(items(store).map((r) => r.boards)).toEqual([[], [{ id: 2, name: 'alpha' }], undefined]);
    // Images put on a board: the runs named take the boards the event gives; others and unloaded ones stay.
    const before = items(store)[1];
    expect(
      store.getState().setRunBoards([
        { id: 1, boards: [{ id: 2, name: 'alpha' }] },
        { id: 3, boards: [{ id: 2, name: 'alpha' }] },
        { id: 99, boards: [] },
      ]),
    ).toBe(2);
    expect(items(store).map((r) => r.boards)).toEqual([
      [{ id: 2, name: 'alpha' }],
      [{ id: 2, name: 'alpha' }],
      [{ id: 2, name: 'alpha' }],
    ]);
    expect(items(store)[1]).toBe(before);
  });

  it('each new page costs the same at any depth: no pass over the runs loaded before', async () => {
    // Every id read is counted: the old store re-read all loaded ids (a Set of everything) on each page.
    let reads = 0;
    const counted = (id: number) => {
      const r = run(id);
      Object.defineProperty(r, 'id', { get: () => (reads++, id), enumerable: true });
      return r;
    };
    const all = Array.from({ length: 3000 }, (_, i) => counted(3000 - i));
    answerWith((_name, input) => {
      const before = input.cursor === null ? Number.POSITIVE_INFINITY : Number(input.cursor);
      const page = all.filter((r) => (reads--, r.id < before)).slice(0, input.limit as number);
      const last = page.at(-1)?.id;
      return ok({ items: page, nextCursor: last === undefined ? null : String(last), total: all.length });
    });
    const store = await freshStore();
    await store.getState().loadFirst();
    const work: number[] = [];
    for (let n = 0; n < 40; n++) {
      reads = 0;
      await store.getState().loadMore();
      work.push(reads);
    }
    // The stub's own filter pass is taken out above (reads-- per run it looks at): what is left is the store's.
    expect(Math.max(...work.slice(30))).toBeLessThanOrEqual(Math.max(...work.slice(0, 5)) + 10);
    expect(store.getState().count).toBe(41 * 60);
  });

  it('keeps memory bounded: pages far from the screen drop their runs and come back when scrolled to', async () => {
    answerWith(library(3000));
    const store = await freshStore();
    await store.getState().loadFirst();
    for (let n = 0; n < 30; n++) await store.getState().loadMore();
    const loaded = () => store.getState().paged.pages.filter((page) => page.items).length;
    // At the bottom: only page 0 (kept for refresh merges) and the pages near the end hold runs.
    expect(loaded()).toBeLessThanOrEqual(2 + 2 * KEEP);
    expect(store.getState().paged.ids.size).toBe(loaded());
    expect(store.getState().paged.pages[10]!.items).toBeNull();
    expect(store.getState().paged.aspects).toHaveLength(31 * 60);
    // Scrolling back to run 600 fetches its page again with the cursor it was first loaded with.
    store.getState().showRange(600, 620);
    await vi.waitFor(() => expect(store.getState().paged.pages[10]!.items).not.toBeNull());
    const { paged } = store.getState();
    expect((await import('./store')).runAt(paged, 600)!.id).toBe(3000 - 600);
    expect(paged.pages[30]!.items).toBeNull();
  });

  it('a refresh of a library that fits one page drops a run that left it (trashed)', async () => {
    answerWith(library(3));
    const store = await freshStore();
    await store.getState().loadFirst();
    // Run 1 goes to the trash: the main process no longer lists it.
    answerWith((name) =>
      name === 'runs.search'
        ? ok({ items: [run(3), run(2)], nextCursor: null, total: 2 })
        : fail('internal', name),
    );
    await store.getState().refreshTop();
    expect(loadedRuns(store.getState().paged).map((r) => r.id)).toEqual([3, 2]);
    expect(store.getState().count).toBe(2);
  });

  it('a refresh that finds the same single page leaves the tiles as they are; a changed run is taken', async () => {
    answerWith(library(3));
    const store = await freshStore();
    await store.getState().loadFirst();
    const { version, epoch, paged } = store.getState();
    await store.getState().refreshTop();
    expect(store.getState()).toMatchObject({ version, epoch, paged, status: 'ready', total: 3 });
    // Run 2 was rated meanwhile: the page is taken again.
    answerWith((name) =>
      name === 'runs.search'
        ? ok({ items: [run(3), run(2, { bestRating: 4 }), run(1)], nextCursor: null, total: 3 })
        : fail('internal', name),
    );
    await store.getState().refreshTop();
    expect(store.getState().version).not.toBe(version);
    expect(loadedRuns(store.getState().paged).map((r) => r.bestRating)).toEqual([null, 4, null]);
  });

  it('removeRuns takes trashed runs out of the loaded list and the total', async () => {
    answerWith(library(3));
    const store = await freshStore();
    await store.getState().loadFirst();
    store.getState().removeRuns([2]);
    expect(loadedRuns(store.getState().paged).map((r) => r.id)).toEqual([3, 1]);
    expect(store.getState().paged.aspects).toHaveLength(2);
    expect(store.getState().count).toBe(2);
    expect(store.getState().total).toBe(2);
  });

  it('updateRun puts a run’s new cover and image count on its card and reshapes its tile', async () => {
    const cover = (w: number, h: number) => ({ path: 'p', thumbPath: 't', width: w, height: h });
    const runs = [3, 2, 1].map((id) => run(id, { outputsCount: 2, cover: cover(100, 100) }));
    answerWith(() => ok({ items: runs, nextCursor: null, total: 3 }));
    const store = await freshStore();
    await store.getState().loadFirst();
    const epoch = store.getState().epoch;
    store
      .getState()
      .updateRun({ ...runs[1]!, outputsCount: 1, cover: cover(200, 100), extra: 1 } as RunSummary);
    const state = store.getState();
    expect(loadedRuns(state.paged)[1]).toMatchObject({ id: 2, outputsCount: 1, cover: cover(200, 100) });
    expect(loadedRuns(state.paged)[1]).not.toHaveProperty('extra');
    expect(state.paged.aspects).toEqual([1, 2, 1]);
    expect(state.paged.counts).toEqual([2, 1, 2]);
    expect(state.epoch).toBe(epoch + 1);
  });

  it('pages with the view’s query and sort; the view is stored and read back after a reload', async () => {
    const stored = new Map<string, string>();
    vi.stubGlobal('localStorage', {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => stored.set(key, value),
    });
    try {
      answerWith(library(100));
      const store = await freshStore();
      const { useHistoryFilters: filters, loadHistoryContract } = await import('./filters');
      await loadHistoryContract();
      filters.getState().choose('providers', 'openai');
      filters.getState().setSort({ key: 'cost', dir: 'asc' });
      await store.getState().reload();
      await store.getState().loadMore();
      const searches = apiCalls.filter((c) => c.name === 'runs.search');
      expect(searches.at(-1)!.input).toMatchObject({
        query: { providers: ['openai'] },
        sort: { key: 'cost', dir: 'asc' },
        cursor: '41',
      });
      vi.resetModules();
      const reloaded = (await import('./filters')).useHistoryFilters.getState();
      expect(reloaded.query.providers).toEqual(['openai']);
      expect(reloaded.sort).toEqual({ key: 'cost', dir: 'asc' });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('Run dialog store', () => {
  const detail = (rating: number) => ({
    id: 7,
    tags: [],
    outputs: [{ id: 70, rating, favorite: false, reviewStatus: 'pending' }],
  });
  const rating = (store: Awaited<ReturnType<typeof freshDetailStore>>) =>
    store.getState().detail?.outputs[0]?.rating;

  async function freshDetailStore() {
    vi.resetModules();
    return (await import('./store')).useRunDetailStore;
  }

  it('a read asked before a rating does not undo it on screen; the run is read again once the rating is in', async () => {
    const store = await freshDetailStore();
    let stored = 0;
    answerWith(() => ok(detail(stored)));
    await store.getState().load(7);
    expect(rating(store)).toBe(0);

    // A check finishes: the dialog re-reads the run, and the answer (rating 0) is held on its way.
    const staleRead = heldAnswer();
    const rateCall = heldAnswer();
    answerWith((name) => (name === 'runs.get' ? staleRead.promise : rateCall.promise));
    const reload = store.getState().reloadIfOpen(7);
    const rate = store.getState().rate(70, 4);
    expect(rating(store)).toBe(4);
    staleRead.release(ok(detail(0)));
    await reload;
    expect(rating(store)).toBe(4);

    const readsBefore = apiCalls.filter((call) => call.name === 'runs.get').length;
    stored = 4;
    answerWith(() => ok(detail(stored)));
    rateCall.release(ok(null));
    await rate;
    await vi.waitFor(() =>
      expect(apiCalls.filter((call) => call.name === 'runs.get').length).toBe(readsBefore + 1),
    );
    await vi.waitFor(() => expect(rating(store)).toBe(4));
  });

  it('a read that crossed a finished edit is asked again at once', async () => {
    const store = await freshDetailStore();
    let stored = 0;
    answerWith(() => ok(detail(stored)));
    await store.getState().load(7);
    const staleRead = heldAnswer();
    answerWith((name) => (name === 'runs.get' ? staleRead.promise : ok(null)));
    const reload = store.getState().reloadIfOpen(7);
    await store.getState().rate(70, 5);
    stored = 5;
    answerWith(() => ok(detail(stored)));
    staleRead.release(ok(detail(0)));
    await reload;
    expect(rating(store)).toBe(5);
    expect(apiCalls.at(-1)?.name).toBe('runs.get');
  });
});
