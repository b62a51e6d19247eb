import { describe, expect, it } from 'vitest';
import { aspectChanges, coverCrop, insideSize, safeRect } from './crop';

const centre = { x: 0.5, y: 0.5 };
const none = { x: 0, y: 0 };

describe('crop geometry', () => {
  it('takes the largest window of the target aspect, centred on the focus', () => {
    expect(coverCrop({ width: 1600, height: 900 }, { width: 1080, height: 1350 }, centre, none)).toEqual({
      left: 440,
      top: 0,
      width: 720,
      height: 900,
    });
    expect(coverCrop({ width: 1000, height: 1000 }, { width: 728, height: 90 }, centre, none)).toEqual({
      left: 0,
      top: 438,
      width: 1000,
      height: 124,
    });
  });

  it('follows the focus but never leaves the image', () => {
    const src = { width: 1600, height: 900 };
    const portrait = { width: 9, height: 16 };
    expect(coverCrop(src, portrait, { x: 0.95, y: 0.5 }, none).left).toBe(1600 - 506);
    expect(coverCrop(src, portrait, { x: 0.02, y: 0.5 }, none).left).toBe(0);
  });

  it('moves by the nudge across the room there is, and clamps it', () => {
    const src = { width: 1600, height: 900 };
    const target = { width: 1, height: 1 };
    expect(coverCrop(src, target, centre, { x: 1, y: 0 }).left).toBe(700);
    expect(coverCrop(src, target, centre, { x: -1, y: 0 }).left).toBe(0);
    expect(coverCrop(src, target, centre, { x: 0.25, y: 0 }).left).toBe(350 + 175);
    expect(coverCrop(src, target, centre, { x: 0, y: 1 }).top).toBe(0);
  });

  it('keeps the whole image when the aspect is the same', () => {
    expect(aspectChanges({ width: 1920, height: 1080 }, { width: 1280, height: 720 })).toBe(false);
    expect(aspectChanges({ width: 1024, height: 1024 }, { width: 1080, height: 1350 })).toBe(true);
    expect(
      coverCrop({ width: 1920, height: 1080 }, { width: 1280, height: 720 }, centre, { x: 1, y: 1 }),
    ).toEqual({
      left: 0,
      top: 0,
      width: 1920,
      height: 1080,
    });
  });

  it('maps the safe zone into the window', () => {
    const crop = { left: 100, top: 0, width: 1080, height: 1920 };
    expect(safeRect(crop, { top: 0.14, right: 0.06, bottom: 0.2, left: 0.06 })).toEqual({
      left: 165,
      top: 269,
      width: 950,
      height: 1267,
    });
  });

  it('fits inside a box without enlarging', () => {
    expect(insideSize({ width: 2000, height: 1000 }, { width: 640, height: null })).toEqual({
      width: 640,
      height: 320,
    });
    expect(insideSize({ width: 300, height: 200 }, { width: 640, height: null })).toEqual({
      width: 300,
      height: 200,
    });
  });
});
