// @vitest-environment happy-dom
// An original over its thumbnail: the thumbnail is painted behind it, stands in for it with a note when the file
// is missing, and the next image starts over (a new element, no note carried across).
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { OriginalImage } from './OriginalImage';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const host = document.createElement('div');
document.body.append(host);
const root = createRoot(host);
afterEach(() => act(() => root.render(null)));

const show = (src: string, thumb?: string) =>
  act(() => root.render(<OriginalImage src={src} thumb={thumb} alt="a harbour" className="x" />));
const img = () => host.querySelector('img') as HTMLImageElement;
const note = () => host.querySelector('[role="status"]');

describe('OriginalImage', () => {
  it('paints the thumbnail behind the original while it loads', () => {
    show('/media/a.png', '/media/thumbs/a.webp');
    expect(img().getAttribute('src')).toBe('/media/a.png');
    expect(img().style.backgroundImage).toContain('/media/thumbs/a.webp');
    expect(img().getAttribute('alt')).toBe('a harbour');
    expect(note()).toBeNull();
  });

  it('shows the thumbnail with a note when the original is missing, and starts over for the next image', () => {
    show('/media/a.png', '/media/thumbs/a.webp');
    const first = img();
    act(() => {
      first.dispatchEvent(new Event('error'));
    });
    expect(img().getAttribute('src')).toBe('/media/thumbs/a.webp');
    expect(note()?.textContent).toContain('original file is missing');
    expect(note()?.tagName).toBe('SPAN');
    show('/media/b.png', '/media/thumbs/b.webp');
    expect(img()).not.toBe(first);
    expect(img().getAttribute('src')).toBe('/media/b.png');
    expect(note()).toBeNull();
  });

  it('on a small tile says it in a few words, with the sentence as its tooltip', () => {
    act(() =>
      root.render(
        <OriginalImage src="/media/a.png" thumb="/media/thumbs/a.webp" alt="a harbour" shortNote />,
      ),
    );
    act(() => {
      img().dispatchEvent(new Event('error'));
    });
    expect(note()?.textContent).toBe('Original missing');
    expect(note()?.getAttribute('title')).toContain('original file is missing');
  });

  it('without a thumbnail is a plain image that stays as it is on error', () => {
    show('/media/a.png');
    expect(img().style.backgroundImage).toBe('');
    act(() => {
      img().dispatchEvent(new Event('error'));
    });
    expect(img().getAttribute('src')).toBe('/media/a.png');
    expect(note()).toBeNull();
  });
});
