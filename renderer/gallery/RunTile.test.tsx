// @vitest-environment happy-dom
// A tile's badges: worded on a roomy tile; on a compact one (10–12 per row), icons with counts, stacked, so
// nothing runs into the image count or off the tile. The tile's name carries everything either way.
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunSummary } from '../../shared/domain';
import { COMPACT_TILE, RunTile, type TileProps } from './RunTile';

vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement('div');
document.body.append(host);
const root = createRoot(host);
afterEach(() => act(() => root.render(null)));

const run = RunSummary.parse({
  id: 7,
  createdAt: 0,
  status: 'succeeded',
  prompt: 'a lighthouse at dusk',
  provider: 'openai',
  model: 'gpt-image-1',
  seed: null,
  count: 2,
  costUsd: 0.04,
  outputsCount: 2,
  qualityFlags: 2,
  cover: {
    outputId: 70,
    path: 'outputs/a.png',
    thumbPath: `thumbs/ab/ab${'0'.repeat(62)}.webp`,
    width: 1024,
    height: 1024,
  },
  error: null,
  bestRating: 4,
  tags: ['hero', 'dusk', 'coast'],
  favorite: true,
  reviewStates: ['approved'],
  approval: { at: 0, ref: 'LEGAL-12' },
  parentRunId: null,
  derivation: null,
  deletedAt: null,
  boards: [{ id: 1, name: 'Spring campaign' }],
  batch: { id: 3, index: 0, coords: { variant: 'A' } },
});

function renderTile(boxWidth: number): HTMLElement {
  const props: TileProps = {
    run,
    index: 0,
    tabbable: true,
    selected: false,
    onSelect: () => {},
    onView: () => {},
    onDetails: () => {},
    onFocus: () => {},
    boxWidth,
    boxHeight: boxWidth,
  };
  act(() => root.render(<RunTile {...props} />));
  return host.querySelector('.gallery-tile') as HTMLElement;
}

const badges = (tile: HTMLElement) =>
  [...tile.querySelectorAll('.gallery-tile__marks .gallery-tile__badge')].map((badge) =>
    badge.textContent?.trim(),
  );

describe('RunTile badges', () => {
  it('names the review, the checks, the tags, the board and the batch on a roomy tile', () => {
    const tile = renderTile(COMPACT_TILE + 40);
    expect(tile.classList.contains('gallery-tile--compact')).toBe(false);
    expect(badges(tile)).toEqual([
      '',
      '4',
      'Approved · LEGAL-12',
      '2 checks',
      'hero',
      'dusk',
      '+1',
      'Spring campaign',
      'Batch 3 · variant A',
    ]);
    expect(tile.querySelector('.gallery-tile__count')?.querySelector('svg')).not.toBeNull();
  });

  it('keeps icons with counts on a compact tile, and its name still carries everything', () => {
    const tile = renderTile(COMPACT_TILE - 1);
    expect(tile.classList.contains('gallery-tile--compact')).toBe(true);
    // Favourite, rating, approved (a check), two checks to look at, three tags, one board, the batch.
    expect(badges(tile)).toEqual(['', '4', '', '2', '3', '1', '']);
    expect(tile.querySelector('[data-testid="card-batch"]')?.getAttribute('title')).toBe(
      'Batch 3 · variant A',
    );
    expect(tile.querySelector('.gallery-tile__review--approved')?.querySelector('svg')).not.toBeNull();
    expect(tile.querySelector('[title="Tagged hero, dusk, coast"]')).not.toBeNull();
    expect(tile.querySelector('[title="On board Spring campaign"]')).not.toBeNull();
    expect(tile.querySelector('.gallery-tile__count')?.textContent?.trim()).toBe('2');
    expect(tile.querySelector('.gallery-tile__count')?.querySelector('svg')).toBeNull();
    expect(tile.querySelector('.gallery-tile__hit')?.getAttribute('title')).toBe('a lighthouse at dusk');
    const name = tile.querySelector('.gallery-tile__hit')?.getAttribute('aria-label') ?? '';
    expect(name).toContain('hero');
    expect(name).toContain('rated 4 of 5');
  });

  it('treats an unmeasured box (0) as roomy', () => {
    expect(renderTile(0).classList.contains('gallery-tile--compact')).toBe(false);
  });
});
