/**
 * EXIF UserComment (tag 0x9286, type UNDEFINED): an 8-byte character code, then the text.
 * - `UNICODE\0`: UTF-16. A1111 writes it with piexif's `UserComment.dump(text, encoding="unicode")`, which
 *   encodes big-endian; other writers (Windows, exiftool on little-endian machines, some Forge builds)
 *   write little-endian. The byte order is not recorded, so a BOM decides when there is one, else the
 *   order whose decoding has its zero bytes where ASCII text puts them (most prompts are mostly ASCII).
 * - `ASCII\0\0\0`: ASCII. `\0\0\0\0\0\0\0\0` (undefined): read as UTF-8, which ASCII is a part of.
 * - `JIS\0\0\0\0\0`: JIS X 0208; decoded as Shift_JIS by the platform's TextDecoder when it has one.
 * Trailing NULs (padding) are dropped.
 */

const PREFIX_LENGTH = 8;

export function decodeUserComment(bytes: Uint8Array): string {
  if (bytes.length < PREFIX_LENGTH) return Buffer.from(bytes).toString('utf8').replace(/\0+$/, '');
  const code = Buffer.from(bytes.subarray(0, PREFIX_LENGTH)).toString('latin1');
  const body = bytes.subarray(PREFIX_LENGTH);
  if (code.startsWith('UNICODE')) return utf16(body);
  if (code.startsWith('ASCII')) return Buffer.from(body).toString('latin1').replace(/\0+$/, '');
  if (code.startsWith('JIS')) {
    try {
      return new TextDecoder('shift_jis').decode(body).replace(/\0+$/, '');
    } catch {
      return Buffer.from(body).toString('latin1').replace(/\0+$/, '');
    }
  }
  if (code === '\0'.repeat(PREFIX_LENGTH)) return Buffer.from(body).toString('utf8').replace(/\0+$/, '');
  // No charset prefix at all: some writers store the text alone.
  return Buffer.from(bytes).toString('utf8').replace(/\0+$/, '');
}

function utf16(body: Uint8Array): string {
  let data = body.subarray(0, body.length - (body.length % 2));
  let littleEndian: boolean;
  if (data[0] === 0xff && data[1] === 0xfe) {
    littleEndian = true;
    data = data.subarray(2);
  } else if (data[0] === 0xfe && data[1] === 0xff) {
    littleEndian = false;
    data = data.subarray(2);
  } else {
    // In UTF-16BE, ASCII puts its zero byte first in each pair; in UTF-16LE, second.
    let zeroFirst = 0;
    let zeroSecond = 0;
    const pairs = Math.min(data.length / 2, 4096);
    for (let i = 0; i < pairs; i += 1) {
      if (data[2 * i] === 0) zeroFirst += 1;
      if (data[2 * i + 1] === 0) zeroSecond += 1;
    }
    littleEndian = zeroSecond > zeroFirst;
  }
  const copy = Buffer.from(data);
  if (!littleEndian) copy.swap16();
  return copy.toString('utf16le').replace(/\0+$/, '');
}
