// @vitest-environment happy-dom
// The Review count in the navigation: in full beside the label, and short for the narrow rail, where the full
// figure stays for screen readers (app.css hides it visually, not with display: none).
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Nav } from './Nav';
import { useReviewCountStore } from './review-count';

vi.mock('../api', async () => ({
  api: { ...(await import('../../test/support/renderer-api')).stubApi, mode: 'browser' },
}));

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement('div');
document.body.append(host);
const root = createRoot(host);
afterEach(() => act(() => root.render(null)));

const reviewLink = () =>
  [...host.querySelectorAll('a')].find((link) => link.querySelector('.nav__label')?.textContent === 'Review');

describe('Nav review count', () => {
  it('shows the count in full and short, the short one hidden from screen readers', () => {
    act(() => useReviewCountStore.getState().set(118_725));
    act(() => root.render(<Nav connection="open" />));
    const link = reviewLink();
    expect(link?.querySelector('.nav__count-full')?.textContent).toBe('118,725');
    const short = link?.querySelector('.nav__count-short');
    expect(short?.textContent).toBe('119K');
    expect(short?.getAttribute('aria-hidden')).toBe('true');
    expect(link?.getAttribute('title')).toBe('Review: 118,725 waiting');
  });

  it('keeps small counts as they are and shows none at zero', () => {
    act(() => useReviewCountStore.getState().set(7));
    act(() => root.render(<Nav connection="open" />));
    expect(reviewLink()?.querySelector('.nav__count-short')?.textContent).toBe('7');
    act(() => useReviewCountStore.getState().set(0));
    expect(reviewLink()?.querySelector('.nav__count')).toBeNull();
  });
});
