/**
 * The EXIF block A1111 writes into JPEG and WebP: a TIFF structure whose only entry is the Exif IFD's
 * UserComment (tag 0x9286, type UNDEFINED) holding the infotext as `UNICODE\0` + UTF-16.
 *
 * A1111 (`modules/images.py`, `save_image_with_geninfo`) builds it with
 * `piexif.dump({"Exif": {UserComment: piexif.helper.UserComment.dump(text, encoding="unicode")}})`.
 * piexif writes a big-endian TIFF header (`MM\0*`), an IFD0 holding only the Exif IFD pointer (0x8769), and
 * encodes "unicode" as UTF-16BE (`_UNICODE = 'utf_16_be'`) after the 8-byte prefix. We write the same
 * bytes' layout: readers that assume A1111's byte order, and readers that follow the TIFF header (exifr,
 * ExifTool), both read it.
 *
 * A JPEG without a JFIF header (libvips writes none; JFIF is for YCbCr and grey only anyway) keeps its print
 * resolution in EXIF's IFD0 (XResolution, YResolution, ResolutionUnit); outside strip mode that is carried into
 * the new block, so a print JPEG keeps its DPI.
 *
 * Written by hand (about 40 lines): sharp's `withExif` re-encodes the pixels (lossy for JPEG and WebP) and
 * takes only string tags; the maintained EXIF writers on npm either re-encode too or are unmaintained
 * (piexifjs, JPEG only, last published 2019).
 */

const TIFF_HEADER = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08]); // "MM", 42, IFD0 at 8
const TAG_EXIF_IFD = 0x8769;
const TAG_USER_COMMENT = 0x9286;
const TYPE_LONG = 4;
const TYPE_UNDEFINED = 7;
export const USER_COMMENT_UNICODE = Buffer.from('UNICODE\0', 'latin1');

/** UTF-16 big-endian bytes of a JS string (its UTF-16 code units, high byte first). */
export function utf16be(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

/** `UNICODE\0` + UTF-16BE: piexif's `UserComment.dump(text, encoding="unicode")`. */
export function userCommentValue(text: string): Buffer {
  return Buffer.concat([USER_COMMENT_UNICODE, utf16be(text)]);
}

/** One 12-byte IFD entry; `value` is the 4-byte value/offset field. */
function entry(tag: number, type: number, count: number, value: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(tag, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(value, 8);
  return b;
}

/** An IFD: the entry count, the entries (in tag order), and "no next IFD". */
function ifd(entries: Buffer[]): Buffer {
  const count = Buffer.alloc(2);
  count.writeUInt16BE(entries.length, 0);
  return Buffer.concat([count, ...entries, Buffer.alloc(4)]);
}

/** The TIFF-structured EXIF payload (no `Exif\0\0` prefix) carrying `text` as UserComment. */
export function exifWithUserComment(text: string): Buffer {
  return exifBlock({ userComment: text, resolution: null });
}

const TAG_X_RESOLUTION = 0x011a;
const TAG_Y_RESOLUTION = 0x011b;
const TAG_RESOLUTION_UNIT = 0x0128;
const TYPE_SHORT = 3;
const TYPE_RATIONAL = 5;

/** IFD0's print resolution: pixels per `unit` (2 inch, 3 centimetre) as rationals, as TIFF 6.0 keeps it. */
export interface ExifResolution {
  x: [number, number];
  y: [number, number];
  unit: number;
}

/** IFD0 (the resolution, the Exif IFD pointer) then, with a comment, the Exif IFD; values after the IFDs. */
export function exifBlock(content: {
  userComment: string | null;
  resolution: ExifResolution | null;
}): Buffer {
  const { userComment, resolution } = content;
  const ifd0Count = (resolution ? 3 : 0) + (userComment !== null ? 1 : 0);
  const ifd0Offset = 8;
  const ifd0Size = 2 + 12 * ifd0Count + 4;
  const exifIfdOffset = ifd0Offset + ifd0Size;
  const exifIfdSize = userComment !== null ? 18 : 0;
  let dataOffset = exifIfdOffset + exifIfdSize;
  const entries: Buffer[] = [];
  const data: Buffer[] = [];
  if (resolution) {
    for (const [tag, [num, den]] of [
      [TAG_X_RESOLUTION, resolution.x],
      [TAG_Y_RESOLUTION, resolution.y],
    ] as const) {
      entries.push(entry(tag, TYPE_RATIONAL, 1, dataOffset));
      const rational = Buffer.alloc(8);
      rational.writeUInt32BE(num, 0);
      rational.writeUInt32BE(den, 4);
      data.push(rational);
      dataOffset += 8;
    }
    // A SHORT sits in the first two bytes of the value field.
    entries.push(entry(TAG_RESOLUTION_UNIT, TYPE_SHORT, 1, resolution.unit * 0x10000));
  }
  const parts: Buffer[] = [];
  if (userComment !== null) {
    entries.push(entry(TAG_EXIF_IFD, TYPE_LONG, 1, exifIfdOffset));
    const comment = userCommentValue(userComment);
    parts.push(ifd([entry(TAG_USER_COMMENT, TYPE_UNDEFINED, comment.length, dataOffset)]));
    data.push(comment);
  }
  return Buffer.concat([TIFF_HEADER, ifd(entries), ...parts, ...data]);
}

/** IFD0's resolution in a TIFF-structured EXIF block (either byte order), or null when it has none. */
export function readExifResolution(tiff: Buffer): ExifResolution | null {
  if (tiff.length < 8) return null;
  const order = tiff.subarray(0, 2).toString('latin1');
  if (order !== 'II' && order !== 'MM') return null;
  const be = order === 'MM';
  const u16 = (at: number) => (be ? tiff.readUInt16BE(at) : tiff.readUInt16LE(at));
  const u32 = (at: number) => (be ? tiff.readUInt32BE(at) : tiff.readUInt32LE(at));
  const ifd0 = u32(4);
  if (ifd0 + 2 > tiff.length) return null;
  const count = u16(ifd0);
  const found = new Map<number, { type: number; at: number }>();
  for (let i = 0; i < count; i++) {
    const at = ifd0 + 2 + i * 12;
    if (at + 12 > tiff.length) return null;
    found.set(u16(at), { type: u16(at + 2), at: at + 8 });
  }
  const rational = (tag: number): [number, number] | null => {
    const e = found.get(tag);
    if (e?.type !== TYPE_RATIONAL) return null;
    const offset = u32(e.at);
    if (offset + 8 > tiff.length) return null;
    const value: [number, number] = [u32(offset), u32(offset + 4)];
    return value[0] > 0 && value[1] > 0 ? value : null;
  };
  const x = rational(TAG_X_RESOLUTION);
  const y = rational(TAG_Y_RESOLUTION);
  const unit = found.get(TAG_RESOLUTION_UNIT);
  if (!x || !y || unit?.type !== TYPE_SHORT) return null;
  const unitValue = u16(unit.at);
  return unitValue === 2 || unitValue === 3 ? { x, y, unit: unitValue } : null;
}
