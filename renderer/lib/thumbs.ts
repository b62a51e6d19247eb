import { SMALL_THUMB_SIZE, smallThumbPath, THUMB_SIZE, thumbFit } from '../../shared/thumbs';
import { api } from '../api';

/**
 * How far a thumbnail may be drawn beyond its pixels before the next tier is taken. Chromium takes the smallest
 * candidate that covers the drawn size; at History's density 8 a 3:2 tile is ~220 px wide, so the 192 px tier
 * was passed over for a third of the tiles and their 4× the pixels decoded and rastered cost the scroll its
 * frame budget (bench/gallery-browser.bench.ts). Drawn at up to 1.25× a thumbnail looks the same at these sizes.
 */
export const THUMB_STRETCH = 1.25;

export interface ThumbSources {
  src: string;
  srcSet?: string;
  sizes?: string;
}

/**
 * `src`, `srcSet` and `sizes` for a thumbnail shown `shownWidth` CSS pixels wide: both tiers (shared/thumbs.ts)
 * as candidates with their real widths, so the browser takes the small one at dense settings and the large one
 * for wide tiles or on HiDPI screens. `sizes` is the shown width less the allowed stretch (THUMB_STRETCH); the
 * image's CSS box sets its drawn size, so `sizes` only picks the candidate. `image` is the original's size (the tiers keep its aspect). A path that
 * is not a tiered thumbnail is served as it is.
 */
export function thumbSources(
  thumbPath: string,
  image: { width: number; height: number },
  shownWidth: number,
): ThumbSources {
  const src = api.mediaUrl(thumbPath);
  const small = smallThumbPath(thumbPath);
  if (small === null || !(shownWidth > 0)) return { src };
  const smallWidth = thumbFit(image.width, image.height, SMALL_THUMB_SIZE).width;
  const largeWidth = thumbFit(image.width, image.height, THUMB_SIZE).width;
  // An original no larger than the small tier has two equal files: the large one (always there) is enough.
  if (largeWidth <= smallWidth) return { src };
  return {
    src,
    srcSet: `${api.mediaUrl(small)} ${smallWidth}w, ${src} ${largeWidth}w`,
    sizes: `${Math.ceil(shownWidth / THUMB_STRETCH)}px`,
  };
}

/**
 * The URL for a thumbnail always shown small (a 48 px list icon): the small tier, which covers such a size even at
 * 2× or 3× device pixels. Use `thumbSources` where the shown size varies.
 */
export function smallThumbUrl(thumbPath: string): string {
  return api.mediaUrl(smallThumbPath(thumbPath) ?? thumbPath);
}

/**
 * The width at which an image of `aspect` is drawn when it covers (`object-fit: cover`) a box `boxWidth` wide
 * of `boxAspect`: wider than the box when the image is wider than the box.
 */
export function coverWidth(boxWidth: number, boxAspect: number, aspect: number): number {
  if (!(boxAspect > 0) || !(aspect > 0)) return boxWidth;
  return Math.max(boxWidth, (boxWidth / boxAspect) * aspect);
}
