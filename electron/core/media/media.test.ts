import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { smallThumbPath } from '../../../shared/thumbs';
import { createMediaStore, MediaError, type MediaStore, resolveInside, writeFileAtomic } from '.';
import { stageFileAtomic } from './files';
import { sniffFormat } from './store';

let dataDir: string;
let store: MediaStore;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-media-'));
  store = createMediaStore({ dataDir });
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** A gradient with a little noise, so encoders produce realistic, distinct files. */
function pixels(width: number, height: number, seed = 1): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  const noise = randomBytes(width * height);
  for (let i = 0; i < width * height; i += 1) {
    const x = i % width;
    const y = Math.floor(i / width);
    raw[i * 3] = (x * 255) / width;
    raw[i * 3 + 1] = (y * 255) / height;
    raw[i * 3 + 2] = (seed * 50 + (noise[i]! % 16)) % 256;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

/** Every file under the data dir, relative, forward slashes. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).replaceAll('\\', '/'))
    .sort();
}

async function expectMediaError(promise: Promise<unknown>, code: MediaError['code']): Promise<MediaError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected MediaError ${code}`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  expect(error).toMatchObject({ code });
  return error as MediaError;
}

describe('media ingest', () => {
  const cases = [
    { format: 'png', ext: 'png', encode: (s: Sharp) => s.png() },
    { format: 'jpeg', ext: 'jpg', encode: (s: Sharp) => s.jpeg({ quality: 85 }) },
    { format: 'webp', ext: 'webp', encode: (s: Sharp) => s.webp({ quality: 85 }) },
  ] as const;
  for (const { format, ext, encode } of cases) {
    it(`stores a ${format} as received, content-addressed, with WebP thumbnails in both tiers`, async () => {
      const bytes = await encode(pixels(800, 500)).toBuffer();
      const stored = await store.ingest(bytes);
      expect(stored).toMatchObject({ width: 800, height: 500, format, bytes: bytes.length });
      expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.path).toBe(`media/${stored.sha256.slice(0, 2)}/${stored.sha256}.${ext}`);
      expect(stored.thumbPath).toBe(`thumbs/${stored.sha256.slice(0, 2)}/${stored.sha256}.webp`);
      expect(readFileSync(store.absolutePath(stored.path)).equals(bytes)).toBe(true);
      const thumb = await sharp(store.absolutePath(stored.thumbPath)).metadata();
      expect(thumb.format).toBe('webp');
      expect([thumb.width, thumb.height]).toEqual([384, 240]);
      const small = smallThumbPath(stored.thumbPath)!;
      const smallMeta = await sharp(store.absolutePath(small)).metadata();
      expect(smallMeta.format).toBe('webp');
      expect([smallMeta.width, smallMeta.height]).toEqual([192, 120]);
      expect(filesUnder(dataDir)).toEqual([stored.path, small, stored.thumbPath].sort());
    });
  }

  it('accepts AVIF, GIF (first frame) and TIFF', async () => {
    const small = () => pixels(64, 48);
    const avif = await store.ingest(await small().avif().toBuffer());
    expect(avif).toMatchObject({ format: 'avif', width: 64, height: 48 });
    expect(avif.path.endsWith('.avif')).toBe(true);
    expect(await store.ingest(await small().gif().toBuffer())).toMatchObject({ format: 'gif', width: 64 });
    expect(await store.ingest(await small().tiff().toBuffer())).toMatchObject({ format: 'tiff', width: 64 });
  });

  it('never enlarges a small image and honours a configured thumbnail size', async () => {
    const tiny = await store.ingest(await pixels(100, 50).png().toBuffer());
    const tinyThumb = await sharp(store.absolutePath(tiny.thumbPath)).metadata();
    expect([tinyThumb.width, tinyThumb.height]).toEqual([100, 50]);
    const custom = createMediaStore({ dataDir, thumbSize: 128 });
    const stored = await custom.ingest(await pixels(300, 600).png().toBuffer());
    const thumb = await sharp(custom.absolutePath(stored.thumbPath)).metadata();
    expect([thumb.width, thumb.height]).toEqual([64, 128]);
    // The small tier is fixed (its size is in its name); it never exceeds the large thumbnail.
    const small = await sharp(custom.absolutePath(smallThumbPath(stored.thumbPath)!)).metadata();
    expect([small.width, small.height]).toEqual([64, 128]);
  });

  it('applies EXIF orientation to the thumbnail and the reported size, and keeps the original untouched', async () => {
    const bytes = await pixels(200, 100).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const stored = await store.ingest(bytes);
    expect([stored.width, stored.height]).toEqual([100, 200]);
    const thumb = await sharp(store.absolutePath(stored.thumbPath)).metadata();
    expect([thumb.width, thumb.height]).toEqual([100, 200]);
    const small = await sharp(store.absolutePath(smallThumbPath(stored.thumbPath)!)).metadata();
    expect([small.width, small.height]).toEqual([96, 192]);
    expect((await sharp(store.absolutePath(stored.path)).metadata()).orientation).toBe(6);
  });

  it('dedupes: the same bytes map to the same files, written once', async () => {
    const bytes = await pixels(300, 300).png().toBuffer();
    const first = await store.ingest(bytes);
    const before = statSync(store.absolutePath(first.path));
    const thumbBefore = statSync(store.absolutePath(first.thumbPath));
    await new Promise((r) => setTimeout(r, 20));
    const second = await store.ingest(bytes);
    expect(second).toEqual(first);
    // Not rewritten (a rewrite renames a new file in: another inode); only marked as just used, for the sweep.
    const after = statSync(store.absolutePath(first.path));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBeGreaterThan(before.mtimeMs);
    expect(statSync(store.absolutePath(first.thumbPath)).ino).toBe(thumbBefore.ino);
    const [a, b] = await Promise.all([store.ingest(bytes), store.ingest(bytes)]);
    expect(a).toEqual(first);
    expect(b).toEqual(first);
    expect(filesUnder(dataDir)).toEqual(
      [first.path, smallThumbPath(first.thumbPath)!, first.thumbPath].sort(),
    );
  });

  it('never enlarges into the small tier, and writes a missing small thumbnail when the rest is stored', async () => {
    const tiny = await store.ingest(await pixels(100, 50).png().toBuffer());
    const small = store.absolutePath(smallThumbPath(tiny.thumbPath)!);
    expect(((m) => [m.width, m.height])(await sharp(small).metadata())).toEqual([100, 50]);
    // A library from before the small tier: the original and large thumbnail are there, the small one is not.
    const bytes = await pixels(640, 640).png().toBuffer();
    const first = await store.ingest(bytes);
    const largeBefore = statSync(store.absolutePath(first.thumbPath));
    rmSync(store.absolutePath(smallThumbPath(first.thumbPath)!));
    await store.ingest(bytes);
    const made = await sharp(store.absolutePath(smallThumbPath(first.thumbPath)!)).metadata();
    expect([made.width, made.height]).toEqual([192, 192]);
    expect(statSync(store.absolutePath(first.thumbPath)).ino).toBe(largeBefore.ino);
  });

  it('rewrites a stored original whose size no longer matches (repairs a damaged file)', async () => {
    const bytes = await pixels(120, 80).png().toBuffer();
    const stored = await store.ingest(bytes);
    writeFileSync(store.absolutePath(stored.path), 'oops');
    await store.ingest(bytes);
    expect(readFileSync(store.absolutePath(stored.path)).equals(bytes)).toBe(true);
  });

  it('refuses a truncated PNG as not_an_image and writes nothing', async () => {
    const bytes = await pixels(400, 400).png().toBuffer();
    const error = await expectMediaError(
      store.ingest(bytes.subarray(0, Math.floor(bytes.length / 2))),
      'not_an_image',
    );
    expect(error.message).toMatch(/damaged or incomplete/);
    expect(filesUnder(dataDir)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'media'))).toBe(false);
  });

  it('refuses a truncated JPEG too, not just its header', async () => {
    const bytes = await pixels(400, 400).jpeg().toBuffer();
    await expectMediaError(store.ingest(bytes.subarray(0, Math.floor(bytes.length * 0.6))), 'not_an_image');
  });

  it('refuses random bytes, text and nothing as not_an_image', async () => {
    const error = await expectMediaError(store.ingest(randomBytes(4096)), 'not_an_image');
    expect(error.message).toBe('The data is not an image in any format Atelier can read.');
    await expectMediaError(store.ingest(new TextEncoder().encode('{"error": "nope"}')), 'not_an_image');
    await expectMediaError(store.ingest(new Uint8Array(0)), 'not_an_image');
    expect(filesUnder(dataDir)).toEqual([]);
  });

  it('refuses an image over the pixel limit as too_large before decoding it', async () => {
    const small = createMediaStore({ dataDir, maxPixels: 10_000 });
    const error = await expectMediaError(small.ingest(await pixels(200, 200).png().toBuffer()), 'too_large');
    expect(error.message).toBe('The image (200×200) is larger than the 10,000 pixels Atelier accepts.');
    expect(await small.ingest(await pixels(100, 100).png().toBuffer())).toMatchObject({ width: 100 });
  });

  it('refuses formats outside the allowed set as unsupported_format', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40"/></svg>',
    );
    const error = await expectMediaError(store.ingest(svg), 'unsupported_format');
    expect(error.message).toBe(
      'SVG images are not supported; Atelier accepts PNG, JPEG, WebP, AVIF, GIF and TIFF.',
    );
    expect(filesUnder(dataDir)).toEqual([]);
  });
});

describe('resolveInside and absolutePath', () => {
  it('resolves paths inside the data directory', () => {
    expect(resolveInside(dataDir, 'media/ab/x.png')).toBe(path.join(dataDir, 'media', 'ab', 'x.png'));
    expect(store.absolutePath('thumbs/ab/x.webp')).toBe(path.join(dataDir, 'thumbs', 'ab', 'x.webp'));
  });

  const escapes = [
    '../secret.txt',
    'media/../../secret',
    'media/..',
    '/etc/passwd',
    'C:/Windows/win.ini',
    'C:x',
    '..\\secret',
    '',
    '.',
    'media/\0x',
  ];
  for (const bad of escapes) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(() => resolveInside(dataDir, bad)).toThrow(/^path: /);
      expect(() => store.absolutePath(bad)).toThrow();
    });
  }
});

describe('writeFileAtomic', () => {
  it('writes the whole file and leaves no temp file behind', async () => {
    const target = path.join(dataDir, 'deep', 'er', 'file.bin');
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(target)]).toEqual([1, 2, 3]);
    expect(readdirSync(path.dirname(target))).toEqual(['file.bin']);
  });

  it('an interrupted write leaves no partial target and keeps the previous content', async () => {
    async function* failingHalfway(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(64 * 1024).fill(7);
      throw new Error('disk pulled out');
    }
    const fresh = path.join(dataDir, 'media', 'ab', 'fresh.png');
    await expect(writeFileAtomic(fresh, failingHalfway())).rejects.toThrow('disk pulled out');
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(path.dirname(fresh))).toEqual([]);

    const existing = path.join(dataDir, 'media', 'ab', 'existing.png');
    await writeFileAtomic(existing, 'old content');
    await expect(writeFileAtomic(existing, failingHalfway())).rejects.toThrow('disk pulled out');
    expect(readFileSync(existing, 'utf8')).toBe('old content');
    expect(readdirSync(path.dirname(existing))).toEqual(['existing.png']);
  });
});

describe('stageFileAtomic', () => {
  it('publishes nothing until commit, and a discard can prune the folders it made', async () => {
    const target = path.join(dataDir, 'media', 'cd', 'x.png');
    const staged = await stageFileAtomic(target, new Uint8Array([9, 9]));
    expect(existsSync(target)).toBe(false);
    await staged.discard({ pruneUpTo: dataDir });
    expect(existsSync(path.join(dataDir, 'media'))).toBe(false);
    expect(existsSync(dataDir)).toBe(true);

    const kept = await stageFileAtomic(target, new Uint8Array([1]));
    await kept.commit();
    const other = await stageFileAtomic(path.join(dataDir, 'media', 'cd', 'y.png'), new Uint8Array([2]));
    await other.discard({ pruneUpTo: dataDir });
    expect(filesUnder(dataDir)).toEqual(['media/cd/x.png']);
  });
});

describe('sniffFormat', () => {
  it('recognises the accepted formats by their magic bytes and nothing else', async () => {
    const small = () => pixels(8, 8);
    expect(sniffFormat(await small().png().toBuffer())).toBe('png');
    expect(sniffFormat(await small().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffFormat(await small().webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await small().gif().toBuffer())).toBe('gif');
    expect(sniffFormat(await small().tiff().toBuffer())).toBe('tiff');
    expect(sniffFormat(await small().avif().toBuffer())).toBe('avif');
    expect(sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffFormat(Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1'))).toBeNull();
    expect(sniffFormat(new Uint8Array([0xff]))).toBeNull();
  });
});
