// @vitest-environment happy-dom
// History's view (search, filters, sort) read from storage before the contract's schemas load, and parsed in
// full once they have: a view the contract refuses gives way to the defaults; a change made before it loads
// still applies.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_HISTORY_QUERY, DEFAULT_HISTORY_SORT } from '../../shared/history-defaults';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

const KEY = 'atelier.history.view';

async function fresh() {
  vi.resetModules();
  return import('./filters');
}

beforeEach(() => localStorage.clear());

describe('History view from storage', () => {
  it('a stored view of the right shape is used at once, before the schemas load, and kept by verify', async () => {
    localStorage.setItem(
      KEY,
      JSON.stringify({
        query: { text: 'harbour', providers: ['openai'] },
        sort: { key: 'cost', dir: 'asc' },
      }),
    );
    const { useHistoryFilters } = await fresh();
    const before = useHistoryFilters.getState();
    expect(before.query).toEqual({ ...DEFAULT_HISTORY_QUERY, text: 'harbour', providers: ['openai'] });
    expect(before.sort).toEqual({ key: 'cost', dir: 'asc' });
    await before.verify();
    const after = useHistoryFilters.getState();
    expect(after.query).toBe(before.query); // the same view: nothing replaced, nothing reloaded
    expect(after.version).toBe(before.version);
  });

  it('a stored view of another shape starts from the defaults', async () => {
    localStorage.setItem(KEY, JSON.stringify({ query: { providers: 'openai', tags: null }, sort: 'newest' }));
    const { useHistoryFilters } = await fresh();
    expect(useHistoryFilters.getState().query).toEqual(DEFAULT_HISTORY_QUERY);
    expect(useHistoryFilters.getState().sort).toEqual(DEFAULT_HISTORY_SORT);
    // Once verified, storage holds the view in use, so the next start reads it without falling back.
    const version = useHistoryFilters.getState().version;
    await useHistoryFilters.getState().verify();
    expect(useHistoryFilters.getState().version).toBe(version);
    expect(JSON.parse(localStorage.getItem(KEY)!)).toEqual({
      query: DEFAULT_HISTORY_QUERY,
      sort: DEFAULT_HISTORY_SORT,
    });
  });

  it('a view the contract refuses (the right shape, wrong values) gives way to the defaults on verify', async () => {
    localStorage.setItem(
      KEY,
      JSON.stringify({ query: { text: 'x', from: 2_000, to: 1_000, minRating: 9 }, sort: { key: 'size' } }),
    );
    const { useHistoryFilters } = await fresh();
    const version = useHistoryFilters.getState().version;
    expect(useHistoryFilters.getState().query.minRating).toBe(9); // as read: the core would refuse this call
    await useHistoryFilters.getState().verify();
    const state = useHistoryFilters.getState();
    expect(state.query).toEqual(DEFAULT_HISTORY_QUERY);
    expect(state.sort).toEqual(DEFAULT_HISTORY_SORT);
    expect(state.version).toBe(version + 1); // the grid reloads with the defaults
    expect(JSON.parse(localStorage.getItem(KEY)!)).toEqual({
      query: DEFAULT_HISTORY_QUERY,
      sort: DEFAULT_HISTORY_SORT,
    });
  });

  it('a change made before the schemas have loaded applies once they have; one they refuse does not', async () => {
    const { useHistoryFilters, loadHistoryContract } = await fresh();
    useHistoryFilters.getState().patch({ favorite: true });
    expect(useHistoryFilters.getState().query.favorite).toBe(false);
    await loadHistoryContract();
    await Promise.resolve();
    expect(useHistoryFilters.getState().query.favorite).toBe(true);
    // Loaded: a change applies at once, and one the contract refuses is left out.
    useHistoryFilters.getState().patch({ minRating: 3 });
    expect(useHistoryFilters.getState().query.minRating).toBe(3);
    useHistoryFilters.getState().patch({ minRating: 7 });
    expect(useHistoryFilters.getState().query.minRating).toBe(3);
  });
});
