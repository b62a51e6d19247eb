import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { calls } from '../../../shared/contract';
import type { ReferenceImportResult } from '../../../shared/references-contract';
import { smallThumbPath } from '../../../shared/thumbs';
import { createEventBus } from '../events';
import { createMediaStore } from '../media';
import { silentLogger, systemClock } from '../ports';
import { closeDatabase, createReferencesRepo, type LibraryDatabase, openDatabase } from '../store';
import { createReferenceService, type ReferenceService } from '.';
import { jpegWithoutMetadata, pngWithoutMetadata } from './service';

let dataDir: string;
let db: LibraryDatabase;
let service: ReferenceService;
let changed: number[][];

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-refs-'));
  db = openDatabase(path.join(dataDir, 'atelier.db'));
  const events = createEventBus((e) => {
    throw e;
  });
  changed = [];
  events.subscribe((name, payload) => {
    if (name === 'references.changed') changed.push((payload as { ids: number[] }).ids);
  });
  service = createReferenceService({
    repo: createReferencesRepo(db, silentLogger),
    media: createMediaStore({ dataDir, maxPixels: 1_000_000 }),
    clock: systemClock,
    events,
    maxPixels: 1_000_000,
  });
});
afterEach(() => {
  closeDatabase(db);
  rmSync(dataDir, { recursive: true, force: true });
});

function pixels(width: number, height: number, seed = 1): Sharp {
  const raw = Buffer.alloc(width * height * 3);
  const noise = randomBytes(width * height);
  for (let i = 0; i < width * height; i += 1) {
    raw[i * 3] = ((i % width) * 255) / width;
    raw[i * 3 + 1] = (Math.floor(i / width) * 255) / height;
    raw[i * 3 + 2] = (seed * 50 + (noise[i]! % 16)) % 256;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

const file = (name: string, bytes: Uint8Array) => ({
  name,
  dataBase64: Buffer.from(bytes).toString('base64'),
});

/** Every file under the data dir except the database, relative, forward slashes. */
function storedFiles(): string[] {
  return readdirSync(dataDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('atelier.db'))
    .map((entry) => path.relative(dataDir, path.join(entry.parentPath, entry.name)).replaceAll('\\', '/'))
    .sort();
}

function imported(result: ReferenceImportResult | undefined) {
  if (result?.status !== 'imported') throw new Error(`expected imported, got ${JSON.stringify(result)}`);
  return result.reference;
}

function rowCount(): number {
  return db.prepare('SELECT COUNT(*) FROM reference_images').pluck().get() as number;
}

describe('reference import', () => {
  it('imports a PNG: original, thumbnail and a stripped copy the request schema accepts', async () => {
    const bytes = await pixels(640, 480).png().toBuffer();
    const [result] = await service.import([file('shots/Hero shot.png', bytes)], {
      steers: ['composition'],
      tags: ['hero'],
    });
    const ref = imported(result);
    expect(ref).toMatchObject({
      name: 'Hero shot',
      width: 640,
      height: 480,
      format: 'png',
      bytes: bytes.length,
    });
    expect(ref.steers).toEqual(['composition']);
    expect(ref.tags).toEqual(['hero']);
    expect(ref.originalPath).toBe(`media/${ref.sha256.slice(0, 2)}/${ref.sha256}.png`);
    expect(ref.thumbPath).toBe(`thumbs/${ref.sha256.slice(0, 2)}/${ref.sha256}.webp`);
    // Nothing to strip (only pixel chunks): the stored original is the copy providers get; no second file.
    expect(ref.path).toBe(ref.originalPath);
    expect(readFileSync(path.join(dataDir, ref.originalPath)).equals(bytes)).toBe(true);
    expect(storedFiles()).toEqual([ref.originalPath, ref.thumbPath, smallThumbPath(ref.thumbPath)!].sort());
    const request = calls['generation.start'].input.safeParse({ prompt: 'x', reference: { path: ref.path } });
    expect(request.success).toBe(true);
    expect(changed).toEqual([[ref.id]]);
  });

  it('strips EXIF from a JPEG and applies its orientation in the copy sent to providers', async () => {
    const bytes = await pixels(300, 200)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({ IFD0: { Make: 'SecretCam', Copyright: 'someone' } })
      .toBuffer();
    const before = await sharp(bytes).metadata();
    expect(before.exif).toBeDefined();
    expect(before.orientation).toBe(6);

    const ref = imported((await service.import([file('portrait.jpg', bytes)]))[0]);
    expect([ref.width, ref.height]).toEqual([200, 300]);
    expect(ref.path).toMatch(/\.jpg$/);
    const stripped = readFileSync(path.join(dataDir, ref.path));
    const meta = await sharp(stripped).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect([meta.width, meta.height]).toEqual([200, 300]);
    expect(stripped.includes(Buffer.from('SecretCam'))).toBe(false);
    // The original is kept exactly as imported.
    expect((await sharp(path.join(dataDir, ref.originalPath)).metadata()).orientation).toBe(6);
  });

  it("drops an upright JPEG's EXIF, XMP and comment without re-encoding: the pixels providers get are the original's", async () => {
    const raw = async (image: Uint8Array) => sharp(image).raw().toBuffer();
    for (const progressive of [false, true]) {
      const bytes = await pixels(120, 80, progressive ? 7 : 3)
        .jpeg({ quality: 80, progressive })
        .withExif({ IFD0: { Make: 'SecretCam', Copyright: 'someone' } })
        .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/><client>ACME</client></x:xmpmeta>')
        .toBuffer();
      expect((await sharp(bytes).metadata()).exif).toBeDefined();
      const ref = imported((await service.import([file(`upright-${progressive}.jpg`, bytes)]))[0]);
      const copy = readFileSync(path.join(dataDir, ref.path));
      expect(ref.path).toMatch(/\.jpg$/);
      expect(copy.includes(Buffer.from('SecretCam'))).toBe(false);
      expect(copy.includes(Buffer.from('ACME'))).toBe(false);
      const meta = await sharp(copy).metadata();
      expect([meta.exif, meta.xmp, meta.width, meta.height]).toEqual([undefined, undefined, 120, 80]);
      // Not decoded and encoded again: every decoded pixel is the original's, and only metadata bytes went.
      expect((await raw(copy)).equals(await raw(bytes))).toBe(true);
      expect(copy.length).toBeLessThan(bytes.length);
    }
  });

  it('walks only well-formed JPEGs: a truncated one, or one with a colour profile, goes through a re-encode', async () => {
    const bytes = await pixels(60, 40)
      .jpeg()
      .withExif({ IFD0: { Make: 'SecretCam' } })
      .toBuffer();
    expect(jpegWithoutMetadata(bytes)?.includes(Buffer.from('SecretCam'))).toBe(false);
    expect(jpegWithoutMetadata(bytes.subarray(0, bytes.length - 40))).toBeNull();
    expect(jpegWithoutMetadata(Buffer.from('not a jpeg'))).toBeNull();
    const profiled = await pixels(60, 40).jpeg().withIccProfile('p3').toBuffer();
    expect(jpegWithoutMetadata(profiled)).toBeNull();
    // Through an import, the profiled one is re-encoded as before: no profile in the copy, pixels turned to sRGB.
    const ref = imported((await service.import([file('profiled.jpg', profiled)]))[0]);
    expect((await sharp(readFileSync(path.join(dataDir, ref.path))).metadata()).icc).toBeUndefined();
  });

  it("drops a PNG's text and EXIF chunks without changing a pixel, re-encoding only when orientation is set", async () => {
    const plain = await pixels(90, 60).png().toBuffer();
    // A tEXt chunk with a secret, inserted after IHDR (8-byte signature + 25-byte IHDR).
    const text = Buffer.from('Comment\0client: ACME secret');
    const chunk = Buffer.alloc(12 + text.length);
    chunk.writeUInt32BE(text.length, 0);
    chunk.write('tEXt', 4, 'latin1');
    text.copy(chunk, 8);
    const tagged = Buffer.concat([plain.subarray(0, 33), chunk, plain.subarray(33)]);
    const ref = imported((await service.import([file('tagged.png', tagged)]))[0]);
    const copy = readFileSync(path.join(dataDir, ref.path));
    expect(copy.includes(Buffer.from('ACME'))).toBe(false);
    expect(copy.equals(plain)).toBe(true);

    const rotated = await pixels(90, 60, 5).png().withMetadata({ orientation: 6 }).toBuffer();
    const turned = imported((await service.import([file('turned.png', rotated)]))[0]);
    const meta = await sharp(readFileSync(path.join(dataDir, turned.path))).metadata();
    expect([meta.width, meta.height, meta.orientation, meta.exif]).toEqual([60, 90, undefined, undefined]);
  });

  it('keeps a sound pHYs chunk as it is, but never copies one whose CRC does not match', async () => {
    const plain = await pixels(90, 60).png().toBuffer();
    // pHYs: 2835 pixels per metre both ways (72 dpi), unit metre.
    const data = Buffer.alloc(9);
    data.writeUInt32BE(2835, 0);
    data.writeUInt32BE(2835, 4);
    data[8] = 1;
    const withPhys = (crcOffset: number) => {
      const chunk = Buffer.alloc(12 + data.length);
      chunk.writeUInt32BE(data.length, 0);
      chunk.write('pHYs', 4, 'latin1');
      data.copy(chunk, 8);
      chunk.writeUInt32BE((crc32(chunk.subarray(4, 8 + data.length)) + crcOffset) >>> 0, 8 + data.length);
      return Buffer.concat([plain.subarray(0, 33), chunk, plain.subarray(33)]);
    };
    const sound = withPhys(0);
    expect(pngWithoutMetadata(sound)?.equals(sound)).toBe(true);
    const damaged = withPhys(1);
    expect(pngWithoutMetadata(damaged)).toBeNull();

    // Through an import the damaged file is re-encoded: every chunk of the stored copy checks out.
    const ref = imported((await service.import([file('damaged.png', damaged)]))[0]);
    const copy = readFileSync(path.join(dataDir, ref.path));
    expect(copy.includes(damaged.subarray(33, 33 + 21))).toBe(false);
    let at = 8;
    while (at < copy.length) {
      const length = copy.readUInt32BE(at);
      expect(crc32(copy.subarray(at + 4, at + 8 + length))).toBe(copy.readUInt32BE(at + 8 + length));
      at += 12 + length;
    }
    expect(at).toBe(copy.length);
    const meta = await sharp(copy).metadata();
    expect([meta.width, meta.height]).toEqual([90, 60]);
  });

  it('converts formats providers rarely take (TIFF, GIF) to a PNG copy', async () => {
    const [tiff, gif] = await service.import([
      file('a.tiff', await pixels(64, 48, 2).tiff().toBuffer()),
      file('b.gif', await pixels(64, 48, 3).gif().toBuffer()),
    ]);
    expect(imported(tiff).path).toMatch(/\.png$/);
    expect(imported(gif).format).toBe('gif');
    expect(imported(gif).path).toMatch(/\.png$/);
  });

  it('dedupes by content: a second import of the same bytes returns the existing reference', async () => {
    const bytes = await pixels(200, 200).png().toBuffer();
    const first = imported((await service.import([file('one.png', bytes)]))[0]);
    const files = storedFiles();
    const [again] = await service.import([file('renamed.png', bytes)], { tags: ['ignored'] });
    expect(again).toEqual({ name: 'renamed.png', status: 'duplicate', reference: first });
    // The same bytes twice in one batch: one import, one duplicate.
    const other = await pixels(100, 100, 4).png().toBuffer();
    const batch = await service.import([file('x.png', other), file('y.png', other)]);
    expect(batch.map((r) => r.status).sort()).toEqual(['duplicate', 'imported']);
    expect(rowCount()).toBe(2);
    expect(storedFiles().filter((f) => files.includes(f))).toEqual(files);
  });

  it('refuses corrupt, oversized, unsupported and undecodable files with a reason, storing nothing, and imports the rest', async () => {
    const good = await pixels(120, 90).png().toBuffer();
    const png = await pixels(400, 400).png().toBuffer();
    const results = await service.import([
      file('truncated.png', png.subarray(0, Math.floor(png.length / 2))),
      file('huge.png', await pixels(1200, 1000).png().toBuffer()),
      file('noise.bin', randomBytes(2048)),
      file(
        'vector.svg',
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><rect width="9" height="9"/></svg>',
        ),
      ),
      { name: 'mangled.png', dataBase64: '***not base64***' },
      file('good.png', good),
    ]);
    expect(results.map((r) => [r.name, r.status, r.status === 'refused' ? r.reason : null])).toEqual([
      ['truncated.png', 'refused', 'corrupt'],
      ['huge.png', 'refused', 'too_large'],
      ['noise.bin', 'refused', 'corrupt'],
      ['vector.svg', 'refused', 'unsupported'],
      ['mangled.png', 'refused', 'corrupt'],
      ['good.png', 'imported', null],
    ]);
    const messages = results.flatMap((r) => (r.status === 'refused' ? [r.message] : []));
    expect(messages[0]).toMatch(/damaged or incomplete/);
    expect(messages[1]).toBe('The image (1200×1000) is larger than the 1 megapixels Atelier accepts.');
    expect(messages[3]).toMatch(/SVG images are not supported/);
    expect(messages[4]).toMatch(/not valid base64/);
    const ref = imported(results[5]);
    expect(rowCount()).toBe(1);
    expect(storedFiles()).toEqual(
      [...new Set([ref.originalPath, ref.path, ref.thumbPath, smallThumbPath(ref.thumbPath)!])].sort(),
    );
  });

  it('refuses a file over the byte limit before decoding it', async () => {
    const small = createReferenceService({
      repo: createReferencesRepo(db, silentLogger),
      media: createMediaStore({ dataDir }),
      clock: systemClock,
      maxFileBytes: 1000,
    });
    const [result] = await small.import([file('big.png', await pixels(300, 300).png().toBuffer())]);
    expect(result).toMatchObject({ status: 'refused', reason: 'too_large' });
    expect(storedFiles()).toEqual([]);
    expect(existsSync(path.join(dataDir, 'media'))).toBe(false);
  });

  it('accepts a data: URL as FileReader produces it', async () => {
    const bytes = await pixels(50, 50).webp().toBuffer();
    const [result] = await service.import([
      { name: 'w.webp', dataBase64: `data:image/webp;base64,${bytes.toString('base64')}` },
    ]);
    expect(imported(result).path).toMatch(/\.webp$/);
  });
});

describe('reference browsing', () => {
  async function seed() {
    const specs = [
      { name: 'Golden hour beach', w: 300, h: 200, steers: ['lighting'], tags: ['warm', 'outdoor'] },
      { name: 'Studio portrait', w: 200, h: 300, steers: ['lighting', 'subject'], tags: ['studio'] },
      { name: 'Bauhaus poster', w: 250, h: 250, steers: ['style', 'composition'], tags: ['graphic'] },
      { name: 'Beach 100%_sale', w: 400, h: 100, steers: ['composition'], tags: ['Outdoor'] },
    ] as const;
    const refs = [];
    for (const [i, s] of specs.entries()) {
      const [r] = await service.import(
        [
          file(
            `${s.name}.png`,
            await pixels(s.w, s.h, i + 1)
              .png()
              .toBuffer(),
          ),
        ],
        {
          steers: [...s.steers],
          tags: s.tags.map((t) => t.toLowerCase()),
        },
      );
      refs.push(imported(r));
    }
    return refs;
  }

  it('lists newest first with keyset pagination and a total', async () => {
    const refs = await seed();
    const first = service.list({ limit: 3 });
    expect(first.items.map((r) => r.id)).toEqual([refs[3]!.id, refs[2]!.id, refs[1]!.id]);
    expect(first.total).toBe(4);
    expect(first.nextBefore).toBe(refs[1]!.id);
    const second = service.list({ limit: 3, before: first.nextBefore! });
    expect(second.items.map((r) => r.id)).toEqual([refs[0]!.id]);
    expect(second.nextBefore).toBeNull();
  });

  it('filters by steer, free tag, name and dimensions, combined with AND', async () => {
    const [beach, portrait, poster, sale] = await seed();
    const names = (filter: Parameters<ReferenceService['list']>[0]) =>
      service.list(filter).items.map((r) => r.id);
    expect(names({ limit: 50, steers: ['lighting'] })).toEqual([portrait!.id, beach!.id]);
    expect(names({ limit: 50, steers: ['lighting', 'subject'] })).toEqual([portrait!.id]);
    expect(names({ limit: 50, tags: ['outdoor'] })).toEqual([sale!.id, beach!.id]);
    expect(names({ limit: 50, query: 'BEACH' })).toEqual([sale!.id, beach!.id]);
    // LIKE wildcards in the query are literal.
    expect(names({ limit: 50, query: '100%_' })).toEqual([sale!.id]);
    expect(names({ limit: 50, query: '%' })).toEqual([sale!.id]);
    expect(names({ limit: 50, orientation: 'square' })).toEqual([poster!.id]);
    expect(names({ limit: 50, orientation: 'portrait' })).toEqual([portrait!.id]);
    expect(names({ limit: 50, minWidth: 300 })).toEqual([sale!.id, beach!.id]);
    expect(names({ limit: 50, minHeight: 250 })).toEqual([poster!.id, portrait!.id]);
    expect(names({ limit: 50, query: 'beach', steers: ['lighting'] })).toEqual([beach!.id]);
    expect(service.list({ limit: 50, tags: ['outdoor'] }).total).toBe(2);
    expect(service.tags()).toEqual({
      steers: [
        { steer: 'composition', count: 2 },
        { steer: 'lighting', count: 2 },
        { steer: 'style', count: 1 },
        { steer: 'subject', count: 1 },
      ],
      tags: [
        { tag: 'outdoor', count: 2 },
        { tag: 'graphic', count: 1 },
        { tag: 'studio', count: 1 },
        { tag: 'warm', count: 1 },
      ],
    });
  });

  it('renames and retags; the contract normalizes free tags', async () => {
    const [beach] = await seed();
    const input = calls['references.update'].input.parse({
      id: beach!.id,
      name: '  Sunset  ',
      tags: ['Warm', 'warm ', 'Sea'],
    });
    const { id, ...change } = input;
    const updated = service.update(id, change);
    expect(updated).toMatchObject({ name: 'Sunset', tags: ['sea', 'warm'], steers: ['lighting'] });
    expect(service.update(beach!.id, { steers: ['style', 'composition'] }).steers).toEqual([
      'composition',
      'style',
    ]);
    expect(() => service.update(9999, { name: 'x' })).toThrow(/There is no reference 9999/);
  });
});

describe('used in and delete', () => {
  function insertRun(referencePath: string | null, prompt: string): number {
    const request = {
      prompt,
      ...(referencePath ? { reference: { path: referencePath, strength: 0.55 } } : {}),
    };
    return Number(
      db
        .prepare(
          `INSERT INTO runs (created_at, status, request, prompt, provider, count) VALUES (?, 'succeeded', ?, ?, 'openai', 1)`,
        )
        .run(Date.now(), JSON.stringify(request), prompt).lastInsertRowid,
    );
  }

  it('lists the runs that used the stripped copy or the original, newest first', async () => {
    const ref = imported((await service.import([file('r.png', await pixels(80, 80).png().toBuffer())]))[0]);
    const viaCopy = insertRun(ref.path, 'a cat in this light');
    insertRun(null, 'unrelated');
    insertRun('references/00/0000000000000000000000000000000000000000000000000000000000000000.png', 'other');
    const viaOriginal = insertRun(ref.originalPath, 'from the original');
    const detail = service.get(ref.id);
    expect(detail.usedIn.runs.map((r) => [r.runId, r.prompt, r.status])).toEqual([
      [viaOriginal, 'from the original', 'succeeded'],
      [viaCopy, 'a cat in this light', 'succeeded'],
    ]);
    expect(detail.usedIn.runsTotal).toBe(2);
    expect(detail.usedIn.styles).toEqual([]);
    // The lookup uses the expression index, not a scan of the history.
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT id FROM runs WHERE json_extract(request, '$.reference.path') IN (SELECT value FROM json_each(?))",
      )
      .all('[]') as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/runs_by_reference_path/);
  });

  it('deletes the row but keeps the content-addressed files; refuses while a style attaches it', async () => {
    const ref = imported((await service.import([file('r.png', await pixels(80, 80).png().toBuffer())]))[0]);
    // The style library answers by path, the stripped copy's and the original's, given at construction.
    const asked: (readonly string[])[] = [];
    const attached = createReferenceService({
      repo: createReferencesRepo(db, silentLogger),
      media: createMediaStore({ dataDir, maxPixels: 1_000_000 }),
      clock: systemClock,
      stylesUsing: (paths) => {
        asked.push(paths);
        return paths.includes(ref.path) ? [{ styleId: 7, name: 'Cinematic', version: 3 }] : [];
      },
    });
    expect(attached.get(ref.id).usedIn.styles).toEqual([{ styleId: 7, name: 'Cinematic', version: 3 }]);
    expect(() => attached.delete(ref.id)).toThrow(/attached to the style "Cinematic"/);
    expect(asked).toEqual([
      [ref.path, ref.originalPath],
      [ref.path, ref.originalPath],
    ]);
    expect(service.get(ref.id).usedIn.styles).toEqual([]);
    const files = storedFiles();
    expect(service.delete(ref.id)).toBe(true);
    expect(service.delete(ref.id)).toBe(false);
    expect(service.find(ref.id)).toBeNull();
    expect(db.prepare('SELECT COUNT(*) FROM reference_tags').pluck().get()).toBe(0);
    expect(storedFiles()).toEqual(files);
    expect(() => service.get(ref.id)).toThrow(/There is no reference/);
  });
});
