// Runs on a worker thread (piscina): reads one library image and encodes every size asked of it. Loaded by Node
// as it is (types stripped), so it imports only `sharp` and the pure crop geometry, with explicit extensions.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { aspectChanges, coverCrop, type Focus, insideSize, type Offset, type Size } from './crop.ts';

export interface EncodeTarget {
  /** Echoed back: which planned file this is. */
  key: string;
  width: number | null;
  height: number | null;
  fit: 'cover' | 'inside';
  offset: Offset;
  format: 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff';
  quality: number;
  cmyk: boolean;
  dpi: number | null;
  watermark: { text: string; opacity: number; position: string } | null;
}

export interface EncodeTask {
  /** Absolute path of the library's original. */
  source: string;
  targets: EncodeTarget[];
}

export interface EncodedFile {
  key: string;
  width: number;
  height: number;
  bytes: Uint8Array;
}

/** Where attention puts the centre of a window of `target`'s aspect, as fractions of the source. */
export async function attentionFocus(input: Buffer | string, source: Size, target: Size): Promise<Focus> {
  if (!aspectChanges(source, target)) return { x: 0.5, y: 0.5 };
  // A small probe is enough to find the region; the crop itself is cut from the full-size image.
  const scale = Math.min(1, 512 / Math.max(target.width, target.height));
  const probe = {
    width: Math.max(1, Math.round(target.width * scale)),
    height: Math.max(1, Math.round(target.height * scale)),
  };
  const { info } = await sharp(input)
    .rotate()
    .resize(probe.width, probe.height, { fit: 'cover', position: sharp.strategy.attention })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // attentionX/Y: the focal point in the image scaled to cover the probe, before the crop.
  const cover = Math.max(probe.width / source.width, probe.height / source.height);
  const x = (info.attentionX ?? (source.width * cover) / 2) / (source.width * cover);
  const y = (info.attentionY ?? (source.height * cover) / 2) / (source.height * cover);
  return { x: Math.min(1, Math.max(0, x)), y: Math.min(1, Math.max(0, y)) };
}

const GRAVITY: Record<string, string> = {
  'bottom-right': 'southeast',
  'bottom-left': 'southwest',
  'top-right': 'northeast',
  'top-left': 'northwest',
  center: 'centre',
};

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function watermarkSvg(size: Size, mark: NonNullable<EncodeTarget['watermark']>): Buffer {
  const fontSize = Math.max(10, Math.round(Math.min(size.width, size.height) / 24));
  const width = Math.min(size.width, Math.round(fontSize * 0.62 * mark.text.length + fontSize));
  const height = Math.min(size.height, Math.round(fontSize * 1.8));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="50%" y="50%" dominant-baseline="middle" text-anchor="middle" font-family="sans-serif" font-size="${fontSize}" fill="#ffffff" fill-opacity="${mark.opacity}" stroke="#000000" stroke-opacity="${mark.opacity * 0.5}" stroke-width="1">${escapeXml(mark.text)}</text></svg>`;
  return Buffer.from(svg);
}

async function encodeOne(input: Buffer, source: Size, target: EncodeTarget): Promise<EncodedFile> {
  let pipeline = sharp(input).rotate();
  let size: Size;
  if (target.width === null && target.height === null) {
    size = source;
  } else if (target.fit === 'inside') {
    size = insideSize(source, { width: target.width, height: target.height });
    pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' });
  } else {
    size = { width: target.width ?? source.width, height: target.height ?? source.height };
    const focus = await attentionFocus(input, source, size);
    const crop = coverCrop(source, size, focus, target.offset);
    pipeline = pipeline.extract(crop).resize(size.width, size.height, { fit: 'fill' });
  }
  if (target.watermark) {
    pipeline = pipeline.composite([
      {
        input: watermarkSvg(size, target.watermark),
        gravity: GRAVITY[target.watermark.position] ?? 'southeast',
      },
    ]);
  }
  if (target.cmyk) pipeline = pipeline.toColourspace('cmyk').withIccProfile('cmyk');
  else pipeline = pipeline.toColourspace('srgb');
  if (target.dpi !== null && target.format !== 'tiff') pipeline = pipeline.withDensity(target.dpi);
  const q = target.quality;
  switch (target.format) {
    case 'png':
      pipeline = pipeline.png({ compressionLevel: 6 });
      break;
    case 'jpeg':
      pipeline = pipeline.jpeg({ quality: q, mozjpeg: true });
      break;
    case 'webp':
      pipeline = pipeline.webp({ quality: q });
      break;
    case 'avif':
      pipeline = pipeline.avif({ quality: q, effort: 3 });
      break;
    case 'tiff': {
      const perMm = (target.dpi ?? 72) / 25.4;
      pipeline = pipeline.tiff({ compression: 'lzw', xres: perMm, yres: perMm, quality: q });
      break;
    }
  }
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { key: target.key, width: info.width, height: info.height, bytes: data };
}

/** The worker's task: one source, every target, in order. */
export default async function encode(task: EncodeTask): Promise<EncodedFile[]> {
  const input = await readFile(task.source);
  const meta = await sharp(input).metadata();
  // EXIF orientation 5–8 swaps the sides the pixels are shown with.
  const turned = (meta.orientation ?? 1) >= 5;
  const source = {
    width: turned ? (meta.height ?? 0) : (meta.width ?? 0),
    height: turned ? (meta.width ?? 0) : (meta.height ?? 0),
  };
  if (source.width === 0 || source.height === 0) throw new Error(`cannot read the size of ${task.source}`);
  const out: EncodedFile[] = [];
  for (const target of task.targets) out.push(await encodeOne(input, source, target));
  return out;
}
