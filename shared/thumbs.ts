/**
 * Thumbnail tiers. Every image has a large thumbnail (`thumbs/ab/<sha256>.webp`, fits THUMB_SIZE², the path
 * rows store) and a small one beside it whose path is derived, never stored (`thumbs/ab/<sha256>.192.webp`,
 * fits SMALL_THUMB_SIZE²). Dense grids show the small one: a tile ~170 px wide then decodes and scales a
 * quarter of the pixels. The core (ingest, serving, sweep, trash) and the renderer (srcset) use these
 * functions, so both sides agree on the rule.
 */

/** The large thumbnail fits inside this square. */
export const THUMB_SIZE = 384;
/** The small thumbnail fits inside this square; the number is part of its file name. */
export const SMALL_THUMB_SIZE = 192;

const LARGE_THUMB = /^(thumbs\/([0-9a-f]{2})\/(\2[0-9a-f]{62}))\.webp$/;
const SMALL_THUMB = new RegExp(`^(thumbs/([0-9a-f]{2})/(\\2[0-9a-f]{62}))\\.${SMALL_THUMB_SIZE}\\.webp$`);

/** The small thumbnail's path for a large thumbnail's path, or null when `thumbPath` is not one. */
export function smallThumbPath(thumbPath: string): string | null {
  const match = LARGE_THUMB.exec(thumbPath);
  return match ? `${match[1]}.${SMALL_THUMB_SIZE}.webp` : null;
}

/** The large thumbnail a small thumbnail is made from, or null when `path` is not a small thumbnail's path. */
export function largeThumbOf(path: string): string | null {
  const match = SMALL_THUMB.exec(path);
  return match ? `${match[1]}.webp` : null;
}

/**
 * The size of an image of `width` × `height` once fitted inside `size` × `size` without enlarging
 * (what the thumbnailer writes, to the rounding): the `w` a srcset candidate declares.
 */
export function thumbFit(width: number, height: number, size: number): { width: number; height: number } {
  if (!(width > 0 && height > 0)) return { width: size, height: size };
  const scale = Math.min(1, size / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
