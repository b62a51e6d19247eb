import { SMALL_THUMB_SIZE, smallThumbPath, THUMB_SIZE, thumbFit } from '../../shared/thumbs';
import { api } from '../api';

export interface ThumbSources {
  src: string;
  srcSet?: string;
  sizes?: string;
}

/**
 * `src`, `srcSet` and `sizes` for a thumbnail shown `shownWidth` CSS pixels wide: both tiers (shared/thumbs.ts)
 * as candidates with their real widths, so the browser takes the small one at dense settings and the large one
 * for wide tiles or on HiDPI screens. `image` is the original's size (the tiers keep its aspect). A path that
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
    sizes: `${Math.ceil(shownWidth)}px`,
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
