/**
 * The one path every image that comes into the library takes (reference imports, style packs, metadata
 * imports): size check → hash → decode check + thumbnail + the original stored (media store) → the
 * metadata-free copy providers receive, when asked → the caller records the row.
 *
 * Both cores are used: the decode, thumbnail and re-encode run on libuv's threads (sharp), bounded by the
 * media store, while this thread hashes, reads metadata and writes the database; callers keep several files
 * in flight. The copy costs nothing when there is nothing to strip: a PNG holding only pixel chunks is its
 * own stripped copy (the stored original is named), which saves a write and its fsync per file. A PNG or an
 * upright JPEG with metadata loses it without a re-encode (its chunks or segments dropped, the pixel data copied
 * byte for byte), so providers get the original's pixels; only an orientation to apply or a colour profile
 * re-encodes.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { MediaError, type MediaErrorCode } from './errors';
import { claimExisting, writeFileAtomic } from './files';
import { DEFAULT_MAX_PIXELS, type IngestedMedia, type MediaStore, sniffFormat } from './store';

export type IntakeRefusal = 'corrupt' | 'too_large' | 'unsupported';

export class IntakeRefused extends Error {
  readonly reason: IntakeRefusal;
  constructor(reason: IntakeRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface TakenImage {
  sha256: string;
  stored: IngestedMedia;
  /** The copy without metadata (`references/ab/<sha>.png`, or the original when it had none); null unless asked. */
  strippedPath: string | null;
}

export interface ImageIntake {
  /** Verifies, thumbnails and stores `bytes`; throws `IntakeRefused` for what cannot come in. */
  take(bytes: Uint8Array, options: { strip: boolean; sha256?: string; what?: string }): Promise<TakenImage>;
}

const REFUSAL: Record<MediaErrorCode, IntakeRefusal> = {
  not_an_image: 'corrupt',
  too_large: 'too_large',
  unsupported_format: 'unsupported',
};

/** The stripped copy keeps formats every provider takes; the rest become PNG. */
const STRIPPED_FORMAT = { png: 'png', jpeg: 'jpeg', webp: 'webp' } as const;
const STRIPPED_EXT = { png: 'png', jpeg: 'jpg', webp: 'webp' } as const;
type StrippedFormat = keyof typeof STRIPPED_EXT;

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function createImageIntake(options: {
  media: MediaStore;
  maxFileBytes: number;
  maxPixels?: number;
}): ImageIntake {
  const { media, maxFileBytes } = options;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;

  /** Pixels re-encoded without any metadata (sharp drops EXIF, XMP, IPTC and ICC unless asked), orientation applied. */
  async function strippedCopy(
    bytes: Uint8Array,
    format: string,
  ): Promise<{ data: Buffer; ext: string; unchanged: boolean }> {
    const target: StrippedFormat = format in STRIPPED_FORMAT ? (format as StrippedFormat) : 'png';
    // A PNG carries no orientation outside eXIf: dropping its ancillary chunks is lossless and skips a re-encode.
    const copied =
      target === 'png'
        ? pngWithoutMetadata(bytes)
        : target === 'jpeg' && (await upright(bytes))
          ? jpegWithoutMetadata(bytes)
          : null;
    if (copied)
      return { data: copied, ext: STRIPPED_EXT[target], unchanged: copied.length === bytes.byteLength };
    const pipeline = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' }).autoOrient();
    const encoded =
      target === 'jpeg'
        ? pipeline.jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
        : target === 'webp'
          ? pipeline.webp({ quality: 95 })
          : pipeline.png();
    return { data: await encoded.toBuffer(), ext: STRIPPED_EXT[target], unchanged: false };
  }

  async function storeStripped(copy: { data: Buffer; ext: string }): Promise<string> {
    const sha = sha256Of(copy.data);
    const relative = `references/${sha.slice(0, 2)}/${sha}.${copy.ext}`;
    const target = media.absolutePath(relative);
    // Content-addressed: a file of the right size under this hash already holds these bytes.
    if (!claimExisting(target, copy.data.length)) await writeFileAtomic(target, copy.data);
    return relative;
  }

  return {
    async take(bytes, { strip, sha256, what = 'images' }) {
      if (bytes.byteLength > maxFileBytes) {
        throw new IntakeRefused(
          'too_large',
          `The file is ${megabytes(bytes.byteLength)}; ${what} can be at most ${megabytes(maxFileBytes)}.`,
        );
      }
      const hash = sha256 ?? sha256Of(bytes);
      // The copy is made while the media store verifies and stores the original; it is written only after.
      const ingesting = media.ingest(bytes, { sha256: hash });
      const copying = strip ? strippedCopy(bytes, sniffFormat(bytes) ?? 'png') : null;
      copying?.catch(() => {}); // Awaited below; a refusal of the original takes precedence.
      const stored = await ingesting.catch((error: unknown) => {
        if (error instanceof MediaError) throw new IntakeRefused(REFUSAL[error.code], error.message);
        throw error;
      });
      if (!copying) return { sha256: hash, stored, strippedPath: null };
      const copy = await copying.catch((error: unknown) => {
        const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        throw new IntakeRefused(
          'corrupt',
          `The image could not be re-encoded without its metadata (${detail}).`,
        );
      });
      // Nothing was stripped: the original is already the metadata-free file.
      const strippedPath = copy.unchanged ? stored.path : await storeStripped(copy);
      return { sha256: hash, stored, strippedPath };
    },
  };
}

/**
 * Strict base64 (or a `data:…;base64,` URL as FileReader makes it), checked without a regular expression:
 * Node's decoder skips what is not base64, so junk shows as fewer bytes than the text's length promises.
 * A regex test over the text cost ≈90 ms for a 3 MB image here (more than decoding and thumbnailing it);
 * the length check costs nothing. URL-safe letters (`-`, `_`) decode as `+` and `/` do and are accepted.
 */
export function decodeBase64Strict(text: string): Buffer | null {
  const body = text.startsWith('data:') ? text.slice(text.indexOf(',') + 1) : text;
  if (body.length % 4 !== 0) return null;
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(body, 'base64');
  return bytes.length === (body.length / 4) * 3 - padding ? bytes : null;
}

/** How many bytes base64 text will decode to, before decoding it (to refuse what is too large first). */
export function base64Bytes(text: string): number {
  const start = text.startsWith('data:') ? text.indexOf(',') + 1 : 0;
  return Math.floor(((text.length - start) * 3) / 4);
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** Whether the image needs no turning (no EXIF orientation, or 1): its pixels can go out as they are. */
async function upright(bytes: Uint8Array): Promise<boolean> {
  try {
    const { orientation } = await sharp(bytes).metadata();
    return orientation === undefined || orientation === 1;
  } catch {
    // Unreadable headers: the re-encode decides (and refuses what it cannot read).
    return false;
  }
}

/**
 * JPEG markers kept in a copy without metadata: SOF0–15 (with DHT C4 and DAC CC), DQT, DNL, DRI and the scans, plus
 * APP0 (JFIF) and APP14 (Adobe's colour transform, which decoders need). Everything else before the image data
 * (EXIF and XMP in APP1, IPTC in APP13, maker data, comments, the JFXX thumbnail) is dropped, and whatever follows
 * the end of the image (appended files) too.
 */
const JPEG_KEEP = (marker: number) =>
  (marker >= 0xc0 && marker <= 0xcf) ||
  marker === 0xdb ||
  marker === 0xdc ||
  marker === 0xdd ||
  marker === 0xee;
const JPEG_SOS = 0xda;
const JPEG_EOI = 0xd9;
const JFIF = Buffer.from('JFIF\0', 'latin1');
const ICC = Buffer.from('ICC_PROFILE\0', 'latin1');

/**
 * The JPEG with only the segments that describe pixels, or null when it needs a real re-encode: an ICC profile
 * (as for PNG's iCCP, the re-encode decides the colours), or a structure this walk does not follow (a segment
 * running past the end, no end of image). The entropy-coded data is copied as it is, byte for byte, so the pixels
 * a provider decodes are exactly the original's; only a call to `upright` first says the orientation allows it.
 */
export function jpegWithoutMetadata(bytes: Uint8Array): Buffer | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const kept: Uint8Array[] = [bytes.subarray(0, 2)];
  let at = 2;
  let inScan = false;
  while (at < bytes.length) {
    if (inScan) {
      // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte) or a restart marker; anything else ends it.
      const start = at;
      while (at + 1 < bytes.length) {
        if (
          bytes[at] === 0xff &&
          bytes[at + 1] !== 0x00 &&
          !(bytes[at + 1]! >= 0xd0 && bytes[at + 1]! <= 0xd7)
        )
          break;
        at += 1;
      }
      if (at + 1 >= bytes.length) return null;
      kept.push(bytes.subarray(start, at));
      inScan = false;
    }
    if (bytes[at] !== 0xff) return null;
    while (bytes[at + 1] === 0xff) at += 1; // fill bytes
    const marker = bytes[at + 1];
    if (marker === undefined) return null;
    if (marker === JPEG_EOI) {
      kept.push(bytes.subarray(at, at + 2));
      return Buffer.concat(kept);
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      // Markers without a length (a restart between scans, TEM): kept as they are.
      kept.push(bytes.subarray(at, at + 2));
      at += 2;
      continue;
    }
    if (at + 4 > bytes.length) return null;
    const end = at + 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
    if (end > bytes.length || end < at + 4) return null;
    const body = bytes.subarray(at + 4, end);
    if (marker === 0xe2 && startsWith(body, ICC)) return null;
    if (JPEG_KEEP(marker) || marker === JPEG_SOS || (marker === 0xe0 && startsWith(body, JFIF)))
      kept.push(bytes.subarray(at, end));
    at = end;
    if (marker === JPEG_SOS) inScan = true;
  }
  return null;
}

function startsWith(bytes: Uint8Array, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && prefix.equals(bytes.subarray(0, prefix.length));
}

/** Chunks that describe pixels; everything else (text, time, EXIF, XMP, private data) is dropped. */
const PNG_KEEP = new Set([
  'IHDR',
  'PLTE',
  'tRNS',
  'IDAT',
  'IEND',
  'gAMA',
  'cHRM',
  'sRGB',
  'sBIT',
  'bKGD',
  'pHYs',
]);
/** Chunks whose meaning needs a decode (orientation, colour profile, animation): re-encode instead. */
const PNG_REENCODE = new Set(['eXIf', 'iCCP', 'acTL']);
const PNG_SIGNATURE = 8;

/**
 * The PNG with only pixel-describing chunks, or null when it needs a real re-encode (or is not a well-formed PNG,
 * a kept chunk whose CRC does not match included: sharp's decoder discards a damaged ancillary chunk, so only a
 * copy made here would pass one on to a provider).
 *
 * Hand-walked rather than `png-chunks-extract` + `png-chunks-encode`, measured on a 3000×2000 noisy PNG (19 MB):
 * those copy every chunk byte by byte in JavaScript and recompute each CRC on the way out (≈890 ms a file), where
 * this walk takes sub-views and checks each kept chunk with Node's own `zlib.crc32` (≈12 ms; 10 ms without the
 * check; the `crc-32` package would make it ≈23 ms). Dropped chunks are not checked: they never reach the copy,
 * and whether the image itself is readable is sharp's call.
 */
export function pngWithoutMetadata(bytes: Uint8Array): Buffer | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, PNG_SIGNATURE)];
  let at = PNG_SIGNATURE;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) return null;
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (PNG_REENCODE.has(type)) return null;
    if (PNG_KEEP.has(type)) {
      // The CRC covers the type and the data, and is stored after them.
      if (crc32(bytes.subarray(at + 4, end - 4)) !== view.getUint32(end - 4)) return null;
      kept.push(bytes.subarray(at, end));
    }
    at = end;
    if (type === 'IEND') return Buffer.concat(kept);
  }
  return null;
}
