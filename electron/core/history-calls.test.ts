// runs.search and runs.facets across the boundary: inputs parsed by the contract, outputs checked against it.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryFacets, HistoryPage } from '../../shared/history-contract';
import { testCatalog, testProvider, testRoutes } from '../../test/support/dispatch';
import { type Harness, makeHarness } from '../../test/support/harness';
import { seedLibrary } from '../../test/support/history';
import { closeDatabase, openDatabase } from './store';

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function setup(): Harness {
  const h = makeHarness({
    catalog: testCatalog(testProvider('pa')),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: {},
    keys: [],
  });
  open.push(h);
  const db = openDatabase(path.join(h.dataDir, 'atelier.db'));
  const output = {
    rating: 4,
    favorite: true,
    review: 'approved',
    boards: ['Logos'],
    trashed: false,
  } as const;
  const base = {
    negativePrompt: '',
    model: 'm1',
    status: 'succeeded',
    taskType: 'default',
    costUsd: 0.04,
    durationMs: 2000,
    style: null,
    template: null,
    reference: false,
    tags: ['hero'],
    trashed: false,
  } as const;
  seedLibrary(db, [
    {
      ...base,
      prompt: 'a misty lake at dawn',
      provider: 'pa',
      createdAt: 1,
      outputs: [{ ...output, boards: [] }],
    },
    { ...base, prompt: 'a teapot on a misty lake', provider: 'pb', createdAt: 2, outputs: [output] },
    { ...base, prompt: 'herons over the lake', provider: 'pa', createdAt: 3, costUsd: 0.5, outputs: [] },
  ]);
  closeDatabase(db);
  return h;
}

describe('runs.search and runs.facets calls', () => {
  it('search with text, filters and sort, and count facets', async () => {
    const h = setup();
    const page = await h.core.invoke('runs.search', {
      query: { text: 'lake -teapot', providers: ['pa'] },
      sort: { key: 'cost', dir: 'desc' },
      limit: 1,
    });
    expect(page.ok).toBe(true);
    const first = (page as { value: HistoryPage }).value;
    expect(first.items.map((r) => r.prompt)).toEqual(['herons over the lake']);
    expect(first.total).toBe(2);
    const next = await h.core.invoke('runs.search', {
      query: { text: 'lake -teapot', providers: ['pa'] },
      sort: { key: 'cost', dir: 'desc' },
      cursor: first.nextCursor,
      limit: 1,
    });
    expect(next).toMatchObject({
      ok: true,
      value: { items: [{ prompt: 'a misty lake at dawn' }], nextCursor: null },
    });

    const facets = await h.core.invoke('runs.facets', { query: { text: 'misty', providers: ['pa'] } });
    const value = (facets as { value: HistoryFacets }).value;
    expect(value.total).toBe(1);
    expect(value.providers).toEqual([
      { value: 'pa', count: 1 },
      { value: 'pb', count: 1 },
    ]);
    // Logos holds the pb run's image only: out of the count while the provider filter stands.
    expect(value.boards.find((b) => b.name === 'Logos')?.count).toBe(0);
    const everyProvider = await h.core.invoke('runs.facets', { query: { text: 'misty' } });
    const boards = (everyProvider as { value: HistoryFacets }).value.boards;
    expect(boards.find((b) => b.name === 'Logos')?.count).toBe(1);
  });

  it('names the field of a refused query', async () => {
    const h = setup();
    const refused = async (input: unknown) => {
      const result = await h.core.invoke('runs.search', input);
      return result.ok ? null : result.error.message;
    };
    expect(await refused({ query: { text: '"misty lake' } })).toMatch(
      /^query\.text: the quote at character 1 is not closed/,
    );
    expect(await refused({ query: { providers: ['Open AI'] } })).toMatch(/query\.providers\.0/);
    expect(await refused({ query: { minRating: 7 } })).toMatch(/query\.minRating: must be 0 to 5/);
    expect(await refused({ query: { from: 10, to: 5 } })).toMatch(/query\.to: must be after the start date/);
    expect(await refused({ cursor: 'not-a-cursor' })).toMatch(/^cursor: /);
    expect(await refused({ sort: { key: 'prompt' } })).toMatch(/sort\.key/);
  });
});
