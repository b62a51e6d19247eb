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

/** An IFD with one entry: count, the entry, and "no next IFD". */
function ifd(one: Buffer): Buffer {
  const count = Buffer.alloc(2);
  count.writeUInt16BE(1, 0);
  return Buffer.concat([count, one, Buffer.alloc(4)]);
}

/** The TIFF-structured EXIF payload (no `Exif\0\0` prefix) carrying `text` as UserComment. */
export function exifWithUserComment(text: string): Buffer {
  const comment = userCommentValue(text);
  const ifd0Offset = 8;
  const exifIfdOffset = ifd0Offset + 18; // IFD0: 2 + 12 + 4 bytes
  const commentOffset = exifIfdOffset + 18;
  const ifd0 = ifd(entry(TAG_EXIF_IFD, TYPE_LONG, 1, exifIfdOffset));
  const exifIfd = ifd(entry(TAG_USER_COMMENT, TYPE_UNDEFINED, comment.length, commentOffset));
  return Buffer.concat([TIFF_HEADER, ifd0, exifIfd, comment]);
}
