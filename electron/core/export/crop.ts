// Crop geometry shared by the crop preview (main thread) and the encoder (worker threads): pure, no imports, so
// the worker loads it as it is.

export interface Size {
  width: number;
  height: number;
}
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}
/** Fractions of the output's sides to keep clear of text. */
export interface Insets {
  top: number;
  right: number;
  bottom: number;
  left: number;
}
/** A point as fractions of the source's width and height (0…1). */
export interface Focus {
  x: number;
  y: number;
}
/** The user's nudge: −1…1 of the room the window has to move on each axis (0 = where attention put it). */
export interface Offset {
  x: number;
  y: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** True when cropping to `target` would cut something off (aspect ratios differ by more than rounding). */
export function aspectChanges(source: Size, target: Size): boolean {
  return (
    Math.abs(source.width / source.height - target.width / target.height) >
    0.005 * (target.width / target.height)
  );
}

/**
 * The largest window of `target`'s aspect inside `source`, centred on `focus` as far as the edges allow, then
 * moved by `offset` across the room left on each axis. Whole pixels, never outside the source.
 */
export function coverCrop(source: Size, target: Size, focus: Focus, offset: Offset): Rect {
  const aspect = target.width / target.height;
  let width = source.width;
  let height = source.height;
  if (source.width / source.height > aspect)
    width = clamp(Math.round(source.height * aspect), 1, source.width);
  else height = clamp(Math.round(source.width / aspect), 1, source.height);
  const roomX = source.width - width;
  const roomY = source.height - height;
  const baseLeft = clamp(focus.x * source.width - width / 2, 0, roomX);
  const baseTop = clamp(focus.y * source.height - height / 2, 0, roomY);
  return {
    left: Math.round(clamp(baseLeft + clamp(offset.x, -1, 1) * roomX, 0, roomX)),
    top: Math.round(clamp(baseTop + clamp(offset.y, -1, 1) * roomY, 0, roomY)),
    width,
    height,
  };
}

/** The safe zone of an output, mapped into the crop window (source pixels). */
export function safeRect(crop: Rect, insets: Insets): Rect {
  const left = crop.left + crop.width * insets.left;
  const top = crop.top + crop.height * insets.top;
  return {
    left: Math.round(left),
    top: Math.round(top),
    width: Math.round(crop.width * (1 - insets.left - insets.right)),
    height: Math.round(crop.height * (1 - insets.top - insets.bottom)),
  };
}

/** The size an `inside` fit gives: within the box (a null side is free), never enlarged. */
export function insideSize(source: Size, box: { width: number | null; height: number | null }): Size {
  const sx = box.width === null ? 1 : box.width / source.width;
  const sy = box.height === null ? 1 : box.height / source.height;
  const scale = Math.min(1, sx, sy);
  return {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  };
}
