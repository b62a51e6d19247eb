/**
 * WebP: a RIFF container (Google's "WebP Container Specification"): `RIFF` size `WEBP`, then chunks of
 * FourCC + little-endian size + data, padded to even length. Metadata is the `EXIF` chunk (TIFF-structured
 * EXIF, no `Exif\0\0` prefix, as Pillow writes it) and the `XMP ` chunk, both after the image data, with
 * their flags set in the `VP8X` header chunk. A simple file (only `VP8 ` or `VP8L`) has no VP8X; one is
 * made from the bitstream's canvas size (and, for VP8L, its alpha bit). The image chunks are copied as they
 * are: nothing is re-encoded.
 *
 * Removed on the way out in every mode: EXIF and XMP. ICC (`ICCP`) stays: it is the colour profile.
 */

const FLAG_ICC = 0x20;
const FLAG_ALPHA = 0x10;
const FLAG_EXIF = 0x08;
const FLAG_XMP = 0x04;

interface Chunk {
  id: string;
  data: Buffer;
}

function readChunks(webp: Buffer): Chunk[] {
  if (
    webp.length < 12 ||
    webp.toString('latin1', 0, 4) !== 'RIFF' ||
    webp.toString('latin1', 8, 12) !== 'WEBP'
  )
    throw new RangeError('Not a WebP file.');
  const end = Math.min(webp.length, 8 + webp.readUInt32LE(4));
  const chunks: Chunk[] = [];
  let at = 12;
  while (at + 8 <= end) {
    const id = webp.toString('latin1', at, at + 4);
    const size = webp.readUInt32LE(at + 4);
    if (at + 8 + size > end) throw new RangeError(`The WebP chunk ${id} runs past the file.`);
    chunks.push({ id, data: webp.subarray(at + 8, at + 8 + size) });
    at += 8 + size + (size % 2);
  }
  return chunks;
}

function chunkBytes(id: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 === 1 ? Buffer.from([0]) : Buffer.alloc(0)]);
}

/** Canvas size and alpha of a simple-format file's bitstream. */
function canvasOf(image: Chunk): { width: number; height: number; alpha: boolean } {
  const d = image.data;
  if (image.id === 'VP8 ') {
    // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
    if (d.length < 10 || d[3] !== 0x9d || d[4] !== 0x01 || d[5] !== 0x2a)
      throw new RangeError('The WebP VP8 bitstream has no key frame header.');
    return { width: d.readUInt16LE(6) & 0x3fff, height: d.readUInt16LE(8) & 0x3fff, alpha: false };
  }
  if (image.id === 'VP8L') {
    if (d.length < 5 || d[0] !== 0x2f) throw new RangeError('The WebP VP8L bitstream has no signature.');
    const bits = d.readUInt32LE(1);
    return {
      width: (bits & 0x3fff) + 1,
      height: ((bits >>> 14) & 0x3fff) + 1,
      alpha: ((bits >>> 28) & 1) === 1,
    };
  }
  throw new RangeError(`The WebP starts with an unknown chunk ${image.id}.`);
}

function vp8x(flags: number, width: number, height: number): Buffer {
  const d = Buffer.alloc(10);
  d[0] = flags;
  d.writeUIntLE(width - 1, 4, 3);
  d.writeUIntLE(height - 1, 7, 3);
  return d;
}

export interface WebpMetadata {
  exif?: Buffer;
  xmp?: string;
}

/** The WebP with its EXIF and XMP replaced by `metadata` (none: stripped). */
export function writeWebpMetadata(webp: Buffer, metadata: WebpMetadata): Buffer {
  const chunks = readChunks(webp).filter((c) => c.id !== 'EXIF' && c.id !== 'XMP ');
  const first = chunks[0];
  if (!first) throw new RangeError('The WebP has no image data.');
  const added: Chunk[] = [];
  if (metadata.exif) added.push({ id: 'EXIF', data: metadata.exif });
  if (metadata.xmp) added.push({ id: 'XMP ', data: Buffer.from(metadata.xmp, 'utf8') });

  let header: Chunk;
  let body: Chunk[];
  if (first.id === 'VP8X') {
    header = { id: 'VP8X', data: Buffer.from(first.data) };
    body = chunks.slice(1);
  } else {
    // Nothing to add to a simple file that has nothing to remove: it stays as it is.
    if (added.length === 0) return webp.subarray(0, 8 + webp.readUInt32LE(4));
    const canvas = canvasOf(first);
    header = { id: 'VP8X', data: vp8x(canvas.alpha ? FLAG_ALPHA : 0, canvas.width, canvas.height) };
    body = chunks;
  }
  let flags = header.data[0]! & ~(FLAG_EXIF | FLAG_XMP);
  if (metadata.exif) flags |= FLAG_EXIF;
  if (metadata.xmp) flags |= FLAG_XMP;
  if (!body.some((c) => c.id === 'ICCP')) flags &= ~FLAG_ICC;
  header.data[0] = flags;

  const payload = Buffer.concat([header, ...body, ...added].map((c) => chunkBytes(c.id, c.data)));
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(payload.length + 4, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, payload]);
}
