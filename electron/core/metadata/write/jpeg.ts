/**
 * JPEG: metadata lives in APPn segments before the scan, so it is rewritten without decoding the image: the
 * entropy-coded data from SOS on is copied byte for byte (re-encoding with sharp would lose quality).
 *
 * Segments (ITU T.81 B.1.1.2): 0xFF, marker, then a 2-byte big-endian length that counts itself. Removed on
 * the way out in every mode: APP1 (EXIF, XMP, extended XMP), APP13 (Photoshop IRB / IPTC) and COM.
 * Strip also removes every other APPn (APP11 C2PA/JUMBF, APP3–APP10, APP12, APP15, non-ICC APP2 such as MPF)
 * and keeps only APP0 (JFIF), the APP2 ICC profile (the colours) and APP14 (Adobe: how to read the colour
 * channels). New EXIF and XMP go right after SOI and APP0, where EXIF readers look first.
 *
 * A JPEG whose DPI lives only in EXIF (libvips writes CMYK JPEGs so: an Adobe APP14, no JFIF) would lose it under
 * strip; it then gets a JFIF APP0 carrying that density and nothing else (JFIF 1.02, §"JPEG File Interchange
 * Format": version, units, X/Y density, no thumbnail). Photoshop's own CMYK JPEGs carry JFIF beside Adobe APP14 too,
 * and libjpeg reads the colour transform from APP14 whatever APP0 says.
 */
import { type ExifResolution, readExifResolution } from './exif';

const SOI = 0xd8;
const SOS = 0xda;
const EOI = 0xd9;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP13 = 0xed;
const APP14 = 0xee;
const COM = 0xfe;
/** A segment's payload may be at most 65533 bytes (the length field counts itself). */
export const MAX_SEGMENT_PAYLOAD = 0xffff - 2;

const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const XMP_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const ICC_HEADER = Buffer.from('ICC_PROFILE\0', 'latin1');

interface Segment {
  marker: number;
  bytes: Buffer;
}

/** Splits the JPEG into its header segments and the rest (SOS onwards, copied as it is). */
function splitJpeg(jpeg: Buffer): { segments: Segment[]; rest: Buffer } {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== SOI) throw new RangeError('Not a JPEG file.');
  const segments: Segment[] = [];
  let at = 2;
  while (at < jpeg.length) {
    if (jpeg[at] !== 0xff) throw new RangeError(`JPEG segment expected at byte ${at}.`);
    let marker = jpeg[at + 1]!;
    // Fill bytes (0xFF repeated) may come before a marker.
    while (marker === 0xff && at + 2 < jpeg.length) {
      at++;
      marker = jpeg[at + 1]!;
    }
    if (marker === SOS || marker === EOI) return { segments, rest: jpeg.subarray(at) };
    if (at + 4 > jpeg.length) break;
    const length = jpeg.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > jpeg.length)
      throw new RangeError('A JPEG segment runs past the file.');
    segments.push({ marker, bytes: jpeg.subarray(at, at + 2 + length) });
    at += 2 + length;
  }
  throw new RangeError('The JPEG has no image data (SOS).');
}

function payloadStarts(segment: Segment, header: Buffer): boolean {
  return segment.bytes.subarray(4, 4 + header.length).equals(header);
}

function keep(segment: Segment, strip: boolean): boolean {
  const { marker } = segment;
  if (marker === APP1 || marker === APP13 || marker === COM) return false;
  if (!strip) return true;
  if (marker === APP0 || marker === APP14) return true;
  if (marker === APP2) return payloadStarts(segment, ICC_HEADER);
  return !(marker >= APP0 && marker <= 0xef);
}

function segment(marker: number, header: Buffer, payload: Buffer): Buffer {
  const length = header.length + payload.length + 2;
  if (length - 2 > MAX_SEGMENT_PAYLOAD)
    throw new RangeError('The metadata does not fit in one JPEG segment.');
  const head = Buffer.from([0xff, marker, length >> 8, length & 0xff]);
  return Buffer.concat([head, header, payload]);
}

export interface JpegMetadata {
  /** TIFF-structured EXIF (no `Exif\0\0` prefix). */
  exif?: Buffer;
  /** An XMP packet. */
  xmp?: string;
  /** A print resolution for a new JFIF APP0 (for a file without one, whose DPI would otherwise go with its EXIF). */
  jfifDensity?: ExifResolution;
}

/** Room left for an XMP packet in one APP1 segment. */
export const MAX_JPEG_XMP_BYTES = MAX_SEGMENT_PAYLOAD - XMP_HEADER.length;

/** The JPEG with its EXIF/XMP (and, with `strip`, every other metadata segment) replaced by `metadata`. */
export function writeJpegMetadata(jpeg: Buffer, metadata: JpegMetadata, strip: boolean): Buffer {
  const { segments, rest } = splitJpeg(jpeg);
  const kept = segments.filter((s) => keep(s, strip));
  const leading = kept[0]?.marker === APP0 ? 1 : 0;
  const added: Buffer[] = [];
  // APP0 JFIF must come first, right after SOI; the file had no JFIF, so nothing it keeps goes before it.
  const jfif = metadata.jfifDensity && leading === 0 ? jfifSegment(metadata.jfifDensity) : null;
  if (metadata.exif) added.push(segment(APP1, EXIF_HEADER, metadata.exif));
  if (metadata.xmp) added.push(segment(APP1, XMP_HEADER, Buffer.from(metadata.xmp, 'utf8')));
  return Buffer.concat([
    Buffer.from([0xff, SOI]),
    ...(jfif ? [jfif] : []),
    ...kept.slice(0, leading).map((s) => s.bytes),
    ...added,
    ...kept.slice(leading).map((s) => s.bytes),
    rest,
  ]);
}

/** EXIF ResolutionUnit (1 none, 2 inch, 3 cm) as JFIF density units (0 aspect only, 1 per inch, 2 per cm). */
const JFIF_UNITS: Record<number, number> = { 1: 0, 2: 1, 3: 2 };

/** A JFIF 1.02 APP0 segment with `resolution` as its density (whole numbers, as JFIF stores them) and no thumbnail. */
function jfifSegment(resolution: ExifResolution): Buffer {
  const density = ([numerator, denominator]: [number, number]) =>
    Math.min(0xffff, Math.max(1, Math.round(numerator / (denominator || 1))));
  const payload = Buffer.alloc(9);
  payload.writeUInt16BE(0x0102, 0);
  payload.writeUInt8(JFIF_UNITS[resolution.unit] ?? 1, 2);
  payload.writeUInt16BE(density(resolution.x), 3);
  payload.writeUInt16BE(density(resolution.y), 5);
  // Thumbnail width and height: none (bytes 7 and 8 stay 0).
  return segment(APP0, Buffer.from('JFIF\0', 'latin1'), payload);
}

/**
 * The print resolution a JPEG without a JFIF header keeps in its EXIF (where libvips writes a JPEG's DPI), or null:
 * with JFIF the density stays in APP0, which is kept.
 */
export function exifOnlyResolution(jpeg: Buffer): ExifResolution | null {
  const { segments } = splitJpeg(jpeg);
  const jfif = Buffer.from('JFIF\0', 'latin1');
  if (segments.some((s) => s.marker === APP0 && payloadStarts(s, jfif))) return null;
  const exif = segments.find((s) => s.marker === APP1 && payloadStarts(s, EXIF_HEADER));
  return exif ? readExifResolution(exif.bytes.subarray(4 + EXIF_HEADER.length)) : null;
}
