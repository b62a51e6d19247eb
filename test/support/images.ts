/** Real images for requests: small PNGs made with sharp, and references as the dispatcher hands them over. */
import sharp from 'sharp';
import type { ReferenceImage } from '../../electron/core/providers/types';

export function pngBytes(width = 16, height = 12, background = '#c08040'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
}

/** A reference image of the given size and type (its bytes really are that type), `<png 96×64, 1 KB>` by default. */
export async function referenceImage(
  options: { width?: number; height?: number; strength?: number; mime?: ReferenceImage['mime'] } = {},
): Promise<ReferenceImage> {
  const { width = 96, height = 64, strength = 0.55, mime = 'image/png' } = options;
  const encoder = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 90, b: 40 } } });
  const bytes =
    mime === 'image/png'
      ? await encoder.png().toBuffer()
      : mime === 'image/jpeg'
        ? await encoder.jpeg().toBuffer()
        : await encoder.webp().toBuffer();
  return { bytes: new Uint8Array(bytes), mime, width, height, strength };
}
