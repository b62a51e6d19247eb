/**
 * PNG: metadata lives in chunks, so it is written without touching the image data (IDAT stays byte for byte).
 * Chunks are split and joined by png-chunks-extract (checks every CRC and refuses a damaged file) and
 * png-chunks-encode (writes each CRC); tEXt by png-chunk-text. iTXt (PNG spec 11.3.4.5) has no maintained
 * encoder on npm, so it is built here: keyword, NUL, compression flag 0, method 0, empty language tag, NUL,
 * empty translated keyword, NUL, UTF-8 text.
 *
 * Every text chunk (tEXt, zTXt, iTXt), eXIf and tIME already in the file is removed first, so the file leaves
 * with exactly what the mode asks for; strip also removes caBX (C2PA manifests). Colour chunks (iCCP, sRGB,
 * gAMA, cHRM) and pHYs stay: they say how to show the pixels, not who made them. New chunks go before the
 * first IDAT, where A1111 (via Pillow) and ComfyUI put theirs.
 */

import { encode as encodeText } from 'png-chunk-text';
import encodeChunks from 'png-chunks-encode';
import extractChunks from 'png-chunks-extract';

export interface PngChunk {
  name: string;
  data: Uint8Array;
}

/** Chunks that say something about the image's making, replaced on the way out. */
const METADATA_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME']);
/** Also removed by strip: C2PA content credentials (they name the tool and may hold more). */
const STRIP_ONLY_CHUNKS = new Set(['caBX']);

/** Every character in Latin-1 (NUL never reaches here: the infotext drops it). */
const isLatin1 = (text: string) => [...text].every((c) => c.charCodeAt(0) <= 0xff);

/** An uncompressed iTXt chunk with an empty language tag. */
export function encodeInternationalText(keyword: string, text: string): PngChunk {
  if (!/^[\u0020-\u007e\u00a1-\u00ff]{1,79}$/.test(keyword))
    throw new RangeError(`PNG keyword "${keyword}" must be 1–79 Latin-1 characters.`);
  const data = Buffer.concat([
    Buffer.from(keyword, 'latin1'),
    Buffer.from([0, 0, 0]), // keyword end, compression flag, compression method
    Buffer.from([0]), // empty language tag, its end
    Buffer.from([0]), // empty translated keyword, its end
    Buffer.from(text, 'utf8'),
  ]);
  return { name: 'iTXt', data };
}

/** tEXt when the text is Latin-1 (as Pillow's `PngInfo.add_text` chooses), iTXt otherwise. */
export function textChunk(keyword: string, text: string): PngChunk {
  return isLatin1(text) ? encodeText(keyword, text) : encodeInternationalText(keyword, text);
}

export interface PngText {
  keyword: string;
  text: string;
  /** Always iTXt (UTF-8), even when the text is Latin-1. */
  international?: boolean;
}

/** The PNG with its metadata chunks replaced by `texts` (none: stripped). */
export function writePngText(png: Buffer, texts: readonly PngText[], strip: boolean): Buffer {
  const chunks: PngChunk[] = extractChunks(png);
  const kept = chunks.filter(
    (chunk) => !METADATA_CHUNKS.has(chunk.name) && !(strip && STRIP_ONLY_CHUNKS.has(chunk.name)),
  );
  const added = texts.map((t) =>
    t.international ? encodeInternationalText(t.keyword, t.text) : textChunk(t.keyword, t.text),
  );
  const firstData = kept.findIndex((chunk) => chunk.name === 'IDAT');
  if (firstData === -1) throw new RangeError('The PNG has no image data (IDAT).');
  kept.splice(firstData, 0, ...added);
  return Buffer.from(encodeChunks(kept));
}
