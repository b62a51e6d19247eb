import { createHash } from 'node:crypto';
import path from 'node:path';
import pLimit from 'p-limit';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { SMALL_THUMB_SIZE, smallThumbPath, THUMB_SIZE } from '../../../shared/thumbs';
import { MediaError } from './errors';
import { claimExisting, resolveInside, stageFileAtomic, writeFileAtomic } from './files';

/** Formats accepted into the library, and the extension each is stored under. */
export const MEDIA_FORMATS = {
  png: 'png',
  jpeg: 'jpg',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
  tiff: 'tiff',
} as const;
export type MediaFormat = keyof typeof MEDIA_FORMATS;

export const DEFAULT_MAX_PIXELS = 64_000_000;
export const DEFAULT_THUMB_SIZE = THUMB_SIZE;
/**
 * Thumbnail encoding, shared with the import benchmarks so their baselines do the same work. Effort 2, not
 * sharp's default 4: measured on 1024² photo-like images here, the 384 px encode takes 7.4 ms instead of 15.8
 * (the 192 px one 4.4 instead of 6.1) for files 3–6% larger (10.5 KB against 10.2), and Chromium decodes both
 * in the same time. Thumbnails are read from the local disk, so the bytes matter less than the import's time.
 */
export const THUMB_WEBP = { quality: 80, effort: 2 } as const;

/**
 * The small thumbnail (shared/thumbs.ts) of an image already at the large tier's size. Ingest gives it the large
 * thumbnail's pixels before they are encoded (no WebP round trip; encoded beside the large one on another
 * thread); the on-demand path for libraries made before the small tier (served.ts) gives it the large thumbnail's file.
 */
function smallThumbnail(image: Sharp): Promise<Buffer> {
  return image
    .resize(SMALL_THUMB_SIZE, SMALL_THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp(THUMB_WEBP)
    .toBuffer();
}

/** The small thumbnail made from a large thumbnail's bytes or file (a 384 px WebP decodes in a millisecond or two). */
export function smallThumbnailOf(largeThumbnail: Buffer | string): Promise<Buffer> {
  return smallThumbnail(sharp(largeThumbnail, { failOn: 'warning' }));
}

export interface MediaStoreOptions {
  dataDir: string;
  /** Images with more pixels than this are refused before they are decoded. */
  maxPixels?: number;
  /** Thumbnails fit inside thumbSize × thumbSize. */
  thumbSize?: number;
  /** Full decodes in flight at once; by default leaves libuv threads free for the file writes. */
  decodeConcurrency?: number;
}

export interface IngestedMedia {
  /** Relative to the data directory, forward slashes: `media/ab/<sha256>.png`. */
  path: string;
  /** `thumbs/ab/<sha256>.webp`; the small thumbnail beside it is `smallThumbPath(thumbPath)` (shared/thumbs.ts). */
  thumbPath: string;
  sha256: string;
  /** As displayed, after EXIF orientation. */
  width: number;
  height: number;
  format: MediaFormat;
  bytes: number;
}

export interface MediaStore {
  readonly dataDir: string;
  /** Verifies the bytes decode as an allowed image, then stores them as received plus two WebP thumbnails. */
  ingest(bytes: Uint8Array, known?: { sha256?: string }): Promise<IngestedMedia>;
  /** The absolute path of a stored file; throws for anything outside the data directory. */
  absolutePath(relative: string): string;
}

export function createMediaStore(options: MediaStoreOptions): MediaStore {
  const dataDir = path.resolve(options.dataDir);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const thumbSize = options.thumbSize ?? DEFAULT_THUMB_SIZE;
  const decodes = pLimit(options.decodeConcurrency ?? defaultDecodeConcurrency());

  /**
   * The one full decode: proves every pixel is readable (truncation included) and yields the thumbnails' pixels;
   * both tiers are encoded from them in the same slot.
   */
  function thumbnailsOf(bytes: Uint8Array): Promise<{ large: Buffer; small: Buffer }> {
    const work = decodes(async () => {
      const { data, info } = await sharpStep(
        sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' })
          .autoOrient()
          .resize(thumbSize, thumbSize, { fit: 'inside', withoutEnlargement: true })
          .raw()
          .toBuffer({ resolveWithObject: true }),
        maxPixels,
      );
      const raw = { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 };
      const pixels = () => sharp(data, { raw });
      // Two encodes of the same pixels, in parallel: the second core takes the small one.
      const [large, small] = await Promise.all([
        pixels().webp(THUMB_WEBP).toBuffer(),
        smallThumbnail(pixels()),
      ]);
      return { large, small };
    });
    work.catch(() => {}); // Awaited later; this keeps an early rejection from counting as unhandled.
    return work;
  }

  async function ingest(bytes: Uint8Array, known: { sha256?: string } = {}): Promise<IngestedMedia> {
    if (bytes.byteLength === 0) {
      throw new MediaError('not_an_image', 'The data is empty; there is no image in it.');
    }
    // The header alone is safe to read at any size, so a refusal can say how large the image is.
    const metadataRead = sharpStep(sharp(bytes, { limitInputPixels: false }).metadata(), maxPixels);
    // Magic bytes of an accepted format let the decode start at once, in parallel with everything below.
    let thumbnail = sniffFormat(bytes) ? thumbnailsOf(bytes) : null;
    // On this thread while libuv threads decode; a caller that hashed already (to dedupe) passes it in.
    const sha256 = known.sha256 ?? createHash('sha256').update(bytes).digest('hex');
    const relative = `media/${sha256.slice(0, 2)}/${sha256}`;
    const thumbRelative = `thumbs/${sha256.slice(0, 2)}/${sha256}.webp`;
    const thumbTarget = resolveInside(dataDir, thumbRelative);
    const smallTarget = resolveInside(dataDir, smallThumbPath(thumbRelative) as string);

    const metadata = await metadataRead;
    const format = acceptedFormat(metadata);
    const { width, height } = metadata.autoOrient;
    if (width * height > maxPixels) throw tooLarge(maxPixels, width, height);
    thumbnail ??= thumbnailsOf(bytes);

    const mediaPath = `${relative}.${MEDIA_FORMATS[format]}`;
    const target = resolveInside(dataDir, mediaPath);
    // Content-addressed: a file already there under this hash holds these very bytes, so it is not rewritten.
    const haveOriginal = claimExisting(target, bytes.byteLength);
    const haveThumb = claimExisting(thumbTarget, null);
    const haveSmall = claimExisting(smallTarget, null);
    // The original is written and fsynced while the decode runs; it takes its name only once the decode passed.
    const staging = haveOriginal ? null : stageFileAtomic(target, bytes);
    staging?.catch(() => {});
    let thumb: { large: Buffer; small: Buffer };
    try {
      thumb = await thumbnail;
    } catch (error) {
      await staging?.then((staged) => staged.discard({ pruneUpTo: dataDir })).catch(() => {});
      throw error;
    }
    const staged = await staging;
    await Promise.all([
      staged?.commit(),
      haveThumb ? null : writeFileAtomic(thumbTarget, thumb.large),
      haveSmall ? null : writeFileAtomic(smallTarget, thumb.small),
    ]);
    return {
      path: mediaPath,
      thumbPath: thumbRelative,
      sha256,
      width,
      height,
      format,
      bytes: bytes.byteLength,
    };
  }

  return {
    dataDir,
    ingest,
    absolutePath: (relative) => resolveInside(dataDir, relative),
  };
}

/**
 * Each sharp job holds a libuv thread until it ends, and file system calls queue on the same pool:
 * unbounded decodes would stall every write (and DNS, and crypto) behind them.
 */
export function defaultDecodeConcurrency(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, pool - 1);
}

function acceptedFormat(metadata: Metadata): MediaFormat {
  const raw: string = metadata.format;
  // libheif reports AVIF as "heif" with AV1 compression; HEIC (HEVC) stays unsupported.
  const format = raw === 'heif' && metadata.compression === 'av1' ? 'avif' : raw;
  if (Object.hasOwn(MEDIA_FORMATS, format)) return format as MediaFormat;
  const shown = format === 'heif' ? 'HEIC' : format.toUpperCase();
  throw new MediaError(
    'unsupported_format',
    `${shown} images are not supported; Atelier accepts PNG, JPEG, WebP, AVIF, GIF and TIFF.`,
  );
}

async function sharpStep<T>(work: Promise<T>, maxPixels: number): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw fromSharp(error, maxPixels);
  }
}

/** The accepted format its magic bytes claim, or null; sharp's own reading of the header stays authoritative. */
export function sniffFormat(bytes: Uint8Array): MediaFormat | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  const startsWith = (...magic: number[]) => magic.every((byte, i) => bytes[i] === byte);
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (startsWith(0xff, 0xd8, 0xff)) return 'jpeg';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (startsWith(0x49, 0x49, 0x2a, 0x00) || startsWith(0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (ascii(4, 8) === 'ftyp') {
    // ISO-BMFF: major brand at 8, compatible brands from 16 to the end of the ftyp box.
    const boxEnd = Math.min(bytes.length, new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0), 64);
    for (let at = 8; at + 4 <= boxEnd; at += 4) {
      if (at === 12) continue; // Minor version, not a brand.
      const brand = ascii(at, at + 4);
      if (brand === 'avif' || brand === 'avis') return 'avif';
    }
  }
  return null;
}

function fromSharp(error: unknown, maxPixels: number): MediaError {
  if (error instanceof MediaError) return error;
  const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
  if (/pixel limit/i.test(detail)) return tooLarge(maxPixels, null, null);
  if (/unsupported image format|buffer is empty/i.test(detail)) {
    return new MediaError('not_an_image', 'The data is not an image in any format Atelier can read.');
  }
  return new MediaError(
    'not_an_image',
    `The image is damaged or incomplete and cannot be decoded (${detail}).`,
  );
}

function tooLarge(maxPixels: number, width: number | null, height: number | null): MediaError {
  const size = width !== null && height !== null ? ` (${width}×${height})` : '';
  const limit =
    maxPixels >= 1e6
      ? `${Math.round(maxPixels / 1e5) / 10} megapixels`
      : `${maxPixels.toLocaleString('en')} pixels`;
  return new MediaError('too_large', `The image${size} is larger than the ${limit} Atelier accepts.`);
}
