// @vitest-environment happy-dom
// History got ready while Atelier was open elsewhere: once the page is idle its first page is asked for and the
// first runs' covers fetched in both tiers, so a click on History shows them at once; opened at History, none
// of that (the view asks for its own page first thing).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunSummary } from '../../shared/domain';
import { answerWith, apiCalls, ok, resetApi } from '../../test/support/renderer-api';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

const fetched: string[] = [];
class RecordingImage {
  set src(url: string) {
    fetched.push(url);
  }
}

const run = (id: number, cover: boolean): RunSummary =>
  ({
    id,
    prompt: `run ${id}`,
    status: 'succeeded',
    bestRating: null,
    tags: [],
    cover: cover
      ? {
          thumbPath: `thumbs/${String(id).repeat(2)}/${String(id).repeat(64)}.webp`,
          width: 1024,
          height: 768,
        }
      : null,
  }) as unknown as RunSummary;

async function start(view: 'generate' | 'history') {
  vi.resetModules();
  const { useAppStore } = await import('../app/store');
  useAppStore.setState({ view });
  const { startGallery } = await import('./start');
  return { stop: startGallery(), useAppStore };
}

const idle = () => new Promise((resolve) => setTimeout(resolve, 300));

beforeEach(() => {
  resetApi();
  fetched.length = 0;
  vi.stubGlobal('Image', RecordingImage);
  answerWith((name) => {
    if (name === 'runs.search')
      return ok({ items: [run(3, true), run(2, false), run(1, true)], nextCursor: null, total: 3 });
    if (name === 'boards.list') return ok({ boards: [] });
    throw new Error(`unexpected ${name}`);
  });
});
afterEach(() => vi.unstubAllGlobals());

describe('History made ready ahead', () => {
  it('opened at Generate: once idle, the first page is in and its covers fetched in both tiers', async () => {
    const { stop } = await start('generate');
    expect(apiCalls.filter((c) => c.name === 'runs.search')).toHaveLength(0);
    await idle();
    expect(apiCalls.filter((c) => c.name === 'runs.search')).toHaveLength(1);
    const [one, three] = ['1'.repeat(64), '3'.repeat(64)];
    expect(fetched.sort()).toEqual([
      `/media/thumbs/11/${one}.192.webp`,
      `/media/thumbs/11/${one}.webp`,
      `/media/thumbs/33/${three}.192.webp`,
      `/media/thumbs/33/${three}.webp`,
    ]);
    const { useHistoryStore } = await import('./store');
    expect(useHistoryStore.getState().status).toBe('ready');
    stop();
  });

  it('opened at History: its first page is asked for at once, and nothing is fetched ahead', async () => {
    const { stop } = await start('history');
    expect(apiCalls.filter((c) => c.name === 'runs.search')).toHaveLength(1);
    await idle();
    expect(apiCalls.filter((c) => c.name === 'runs.search')).toHaveLength(1);
    expect(fetched).toEqual([]);
    stop();
  });

  it('stopped before the page is idle: nothing is asked for', async () => {
    const { stop } = await start('generate');
    stop();
    await idle();
    expect(apiCalls.filter((c) => c.name === 'runs.search')).toHaveLength(0);
    expect(fetched).toEqual([]);
  });
});
