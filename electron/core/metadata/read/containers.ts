/**
 * The metadata fields an image file carries, read without decoding pixels: PNG text chunks, and EXIF
 * (IFD0 and the Exif IFD, UserComment included) and XMP in JPEG, WebP, PNG `eXIf`, TIFF and AVIF.
 *
 * PNG: a walk over the chunks here, each text chunk's CRC checked with Node's `zlib.crc32` and zTXt /
 * compressed iTXt inflated with `zlib`. Chosen by measuring and testing the alternatives:
 * - sharp's `metadata().comments` (libspng) reads tEXt/iTXt/zTXt fast, but decodes Latin-1 tEXt as UTF-8
 *   (A1111's "café" comes back as "caf\uFFFD"), passes chunks whose CRC is wrong, and stops at IDAT, so
 *   a chunk written after the pixels (some savers put iTXt there) is missed.
 * - `png-chunks-extract` (+ `png-chunk-text`) throws on the first bad CRC, so one damaged chunk loses the
 *   file's every field; it copies each chunk, IDAT included, byte by byte in JavaScript (≈890 ms for a 19 MB
 *   PNG against ≈12 ms for a walk of sub-views, measured for `references/service.ts`), and
 *   `png-chunk-text` reads tEXt only (no iTXt, no zTXt). Unmaintained since 2016.
 * A damaged chunk is skipped with a warning; the walk carries on to the next.
 *
 * EXIF / XMP: exifr (maintained, no dependencies), asked for IFD0, the Exif IFD and XMP only, values not
 * translated, so UserComment arrives as its raw bytes and `user-comment.ts` decodes its charset.
 */

import { crc32, inflateSync } from 'node:zlib';
import exifr from 'exifr';

export type ContainerFormat = 'png' | 'jpeg' | 'webp' | 'tiff' | 'avif' | 'gif' | 'other';

export interface TextField {
  /** The chunk keyword or the EXIF field's name (`UserComment`, `Make`, `Model`, `ImageDescription`…). */
  key: string;
  text: string;
  /** Where it came from: tEXt, iTXt, zTXt, EXIF or XMP. */
  origin: 'tEXt' | 'iTXt' | 'zTXt' | 'EXIF' | 'XMP';
}

export interface ContainerFields {
  format: ContainerFormat;
  fields: TextField[];
  /** UserComment's raw bytes, when present, for `user-comment.ts`. */
  userComment: Uint8Array | null;
  /** Chunks or blocks that could not be read, in words; they never stop the others. */
  warnings: string[];
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Inflated text larger than this is refused (a zip bomb in a zTXt chunk). */
const MAX_INFLATED = 32 * 1024 * 1024;

export function sniffContainer(bytes: Uint8Array): ContainerFormat {
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'tiff';
  if (ascii(4, 8) === 'ftyp') return 'avif';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  return 'other';
}

/** Every metadata field of the file; never throws for what the file holds. */
export async function readContainer(bytes: Uint8Array): Promise<ContainerFields> {
  const format = sniffContainer(bytes);
  const out: ContainerFields = { format, fields: [], userComment: null, warnings: [] };
  if (format === 'png') {
    const exif = readPngChunks(bytes, out);
    if (exif) await readExif(exif, out);
  } else if (format === 'webp') {
    const exif = readWebpChunks(bytes, out);
    if (exif) await readExif(exif, out);
  } else if (format === 'jpeg' || format === 'tiff' || format === 'avif') {
    await readExif(bytes, out);
  }
  return out;
}

/** Adds the PNG's text chunks to `out`; answers the `eXIf` chunk's TIFF bytes when there is one. */
function readPngChunks(bytes: Uint8Array, out: ContainerFields): Uint8Array | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let exif: Uint8Array | null = null;
  let at = PNG_SIGNATURE.length;
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (end > bytes.length) {
      out.warnings.push(`The ${printable(type)} chunk is cut short (the file ends inside it).`);
      return exif;
    }
    if (type === 'tEXt' || type === 'iTXt' || type === 'zTXt' || type === 'eXIf') {
      const data = bytes.subarray(at + 8, end - 4);
      if (crc32(bytes.subarray(at + 4, end - 4)) !== view.getUint32(end - 4)) {
        out.warnings.push(`A ${type} chunk is damaged (its checksum does not match) and was skipped.`);
      } else if (type === 'eXIf') {
        exif = data;
      } else {
        try {
          const field = decodeTextChunk(type, data);
          if (field) out.fields.push(field);
        } catch (error) {
          out.warnings.push(`A ${type} chunk could not be read (${(error as Error).message}).`);
        }
      }
    }
    at = end;
    if (type === 'IEND') break;
  }
  return exif;
}

/**
 * exifr does not read WebP, so the RIFF chunks are walked here: `EXIF` (TIFF bytes, some writers put the
 * JPEG `Exif\0\0` marker first) goes to exifr, `XMP ` is UTF-8 text.
 */
function readWebpChunks(bytes: Uint8Array, out: ContainerFields): Uint8Array | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let exif: Uint8Array | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const type = String.fromCharCode(...bytes.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    const end = at + 8 + size;
    if (end > bytes.length) {
      out.warnings.push(`The WebP ${type.trim()} chunk is cut short (the file ends inside it).`);
      break;
    }
    const data = bytes.subarray(at + 8, end);
    if (type === 'EXIF') {
      const marker = Buffer.from(data.subarray(0, 6)).toString('latin1') === 'Exif\0\0';
      exif = marker ? data.subarray(6) : data;
    } else if (type === 'XMP ') {
      out.fields.push({ key: 'XMP', text: Buffer.from(data).toString('utf8'), origin: 'XMP' });
    }
    at = end + (size % 2); // chunks are padded to an even size
  }
  return exif;
}

function decodeTextChunk(type: 'tEXt' | 'iTXt' | 'zTXt', data: Uint8Array): TextField | null {
  const nul = data.indexOf(0);
  if (nul < 1 || nul > 79) throw new Error('its keyword is missing or too long');
  const key = Buffer.from(data.subarray(0, nul)).toString('latin1');
  if (type === 'tEXt') {
    // tEXt is Latin-1 by the PNG spec; PIL writes Latin-1 there and switches to iTXt for anything else.
    return { key, text: Buffer.from(data.subarray(nul + 1)).toString('latin1'), origin: 'tEXt' };
  }
  if (type === 'zTXt') {
    if (data[nul + 1] !== 0) throw new Error('it uses an unknown compression method');
    return { key, text: inflate(data.subarray(nul + 2)).toString('latin1'), origin: 'zTXt' };
  }
  // iTXt: keyword NUL, compression flag, method, language tag NUL, translated keyword NUL, UTF-8 text.
  const compressed = data[nul + 1] === 1;
  if (compressed && data[nul + 2] !== 0) throw new Error('it uses an unknown compression method');
  const languageEnd = data.indexOf(0, nul + 3);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  if (translatedEnd < 0) throw new Error('its header is incomplete');
  const body = data.subarray(translatedEnd + 1);
  const text = (compressed ? inflate(body) : Buffer.from(body)).toString('utf8');
  return { key, text, origin: 'iTXt' };
}

function inflate(data: Uint8Array): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: MAX_INFLATED });
  } catch (error) {
    throw new Error(`its compressed text is damaged: ${(error as Error).message}`);
  }
}

/** IFD0 text fields ComfyUI, Fooocus and others write, by the name exifr gives them. */
const EXIF_TEXT_FIELDS = [
  'Make',
  'Model',
  'ImageDescription',
  'Software',
  'Artist',
  'Copyright',
  'XPComment',
  'DocumentName',
] as const;

async function readExif(bytes: Uint8Array, out: ContainerFields): Promise<void> {
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = await exifr.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      tiff: true,
      exif: true,
      gps: false,
      interop: false,
      ifd1: false,
      // The packet as text: the provenance record is one property's value, read by `atelier.ts`.
      xmp: { parse: false } as Record<string, unknown>,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      makerNote: true,
      userComment: true,
      translateKeys: true,
      translateValues: false,
      reviveValues: false,
      sanitize: false,
      mergeOutput: true,
    });
  } catch (error) {
    out.warnings.push(`The EXIF block could not be read (${(error as Error).message}).`);
    return;
  }
  if (!parsed) return;
  for (const name of EXIF_TEXT_FIELDS) {
    const value = parsed[name];
    const text =
      typeof value === 'string' ? value : value instanceof Uint8Array ? utf16le(value, name) : null;
    if (text !== null && text.trim() !== '') out.fields.push({ key: name, text, origin: 'EXIF' });
  }
  const user = parsed.UserComment ?? parsed.userComment;
  if (user instanceof Uint8Array) out.userComment = user;
  else if (typeof user === 'string' && user !== '') out.userComment = Buffer.from(user, 'latin1');
  const maker = parsed.MakerNote;
  if (maker instanceof Uint8Array) {
    const text = Buffer.from(maker).toString('utf8').replace(/\0+$/, '');
    if (/^[\x20-\x7e\s]*$/.test(text) && text.trim() !== '')
      out.fields.push({ key: 'MakerNote', text, origin: 'EXIF' });
  }
  const xmp = parsed.xmp;
  if (typeof xmp === 'string' && xmp !== '') out.fields.push({ key: 'XMP', text: xmp, origin: 'XMP' });
  const errors = parsed.errors;
  if (Array.isArray(errors)) for (const e of errors) out.warnings.push(`EXIF: ${String(e)}`);
}

/** Windows' XP* fields are UTF-16LE bytes. */
function utf16le(bytes: Uint8Array, name: string): string | null {
  if (!name.startsWith('XP')) return null;
  return Buffer.from(bytes).toString('utf16le').replace(/\0+$/, '');
}

function printable(type: string): string {
  return /^[A-Za-z]{4}$/.test(type) ? type : 'last';
}
