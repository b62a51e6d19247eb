import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { AppError } from '../../../shared/result';
import type { MediaStore } from '../media';
import type { ReferenceImage } from '../providers/types';

/** Largest side a reference is sent at: every provider accepts it and it keeps uploads small. */
const MAX_SIDE = 2048;

/**
 * Reads a stored reference image and re-encodes it as PNG: orientation applied, EXIF/XMP/ICC text and
 * GPS dropped (sharp writes no metadata unless asked), oversized images scaled down.
 */
export async function loadReference(
  media: MediaStore,
  reference: { path: string; strength: number },
): Promise<ReferenceImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(media.absolutePath(reference.path));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('not_found', `reference: there is no stored image ${reference.path}.`);
  }
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error' })
      .autoOrient()
      .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer({ resolveWithObject: true });
    return {
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      mime: 'image/png',
      width: info.width,
      height: info.height,
      strength: reference.strength,
    };
  } catch (error) {
    throw new AppError(
      'invalid_input',
      `reference: ${reference.path} could not be read as an image (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
}
