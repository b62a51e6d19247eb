import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServedMedia, decodeUrlPath, resolveServedMedia } from './served';
import { smallThumbnailOf } from './store';

let root: string;
let dataDir: string;
let outside: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'atelier-served-')));
  dataDir = path.join(root, 'data');
  outside = path.join(root, 'outside');
  mkdirSync(path.join(dataDir, 'media', 'ab'), { recursive: true });
  mkdirSync(path.join(dataDir, 'thumbs', 'ab'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(path.join(dataDir, 'media', 'ab', 'real.png'), 'png bytes');
  writeFileSync(path.join(dataDir, 'atelier.db'), 'the database');
  writeFileSync(path.join(outside, 'secret.txt'), 'not for you');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('resolveServedMedia', () => {
  it('returns the real path of a stored file', async () => {
    expect(await resolveServedMedia(dataDir, 'media/ab/real.png')).toBe(
      path.join(dataDir, 'media', 'ab', 'real.png'),
    );
  });

  it('serves an exported style pack, which the Export dialog downloads through the media route', async () => {
    mkdirSync(path.join(dataDir, 'exports'));
    writeFileSync(path.join(dataDir, 'exports', 'watercolor-v2-1764860000000.atelier-style.json'), '{}');
    expect(await resolveServedMedia(dataDir, 'exports/watercolor-v2-1764860000000.atelier-style.json')).toBe(
      path.join(dataDir, 'exports', 'watercolor-v2-1764860000000.atelier-style.json'),
    );
  });

  it('refuses a file link that leads outside the data folder', async () => {
    symlinkSync(path.join(outside, 'secret.txt'), path.join(dataDir, 'media', 'ab', 'evil.png'));
    symlinkSync('/etc/passwd', path.join(dataDir, 'media', 'ab', 'passwd.png'));
    expect(await resolveServedMedia(dataDir, 'media/ab/evil.png')).toBeNull();
    expect(await resolveServedMedia(dataDir, 'media/ab/passwd.png')).toBeNull();
  });

  it('refuses a link to a data-folder file outside the served folders, such as the database', async () => {
    symlinkSync(path.join(dataDir, 'atelier.db'), path.join(dataDir, 'media', 'ab', 'db.png'));
    symlinkSync(path.join(dataDir, 'media'), path.join(dataDir, 'thumbs', 'up'), 'dir');
    symlinkSync(dataDir, path.join(dataDir, 'thumbs', 'root'), 'dir');
    expect(await resolveServedMedia(dataDir, 'media/ab/db.png')).toBeNull();
    expect(await resolveServedMedia(dataDir, 'thumbs/root/atelier.db')).toBeNull();
    // Through a link that stays in the served folders, a stored file is still found.
    expect(await resolveServedMedia(dataDir, 'thumbs/up/ab/real.png')).toBe(
      path.join(dataDir, 'media', 'ab', 'real.png'),
    );
  });

  it('refuses a directory link on the way that leads outside', async () => {
    symlinkSync(outside, path.join(dataDir, 'media', 'cd'), 'dir');
    expect(await resolveServedMedia(dataDir, 'media/cd/secret.txt')).toBeNull();
  });

  it('refuses a served folder that is itself a link to elsewhere', async () => {
    rmSync(path.join(dataDir, 'thumbs'), { recursive: true });
    symlinkSync(outside, path.join(dataDir, 'thumbs'), 'dir');
    expect(await resolveServedMedia(dataDir, 'thumbs/secret.txt')).toBeNull();
  });

  it('serves a link that stays inside the data folder, by its real path', async () => {
    symlinkSync(
      path.join(dataDir, 'media', 'ab', 'real.png'),
      path.join(dataDir, 'thumbs', 'ab', 'alias.png'),
    );
    expect(await resolveServedMedia(dataDir, 'thumbs/ab/alias.png')).toBe(
      path.join(dataDir, 'media', 'ab', 'real.png'),
    );
  });

  it('refuses names outside the served folders, traversal and absolute paths', async () => {
    expect(await resolveServedMedia(dataDir, 'atelier.db')).toBeNull();
    expect(await resolveServedMedia(dataDir, 'media/../atelier.db')).toBeNull();
    expect(await resolveServedMedia(dataDir, '/etc/passwd')).toBeNull();
  });

  it('accepts a data folder that is itself reached through a link', async () => {
    const linked = path.join(root, 'linked-data');
    symlinkSync(dataDir, linked, 'dir');
    expect(await resolveServedMedia(linked, 'media/ab/real.png')).toBe(
      path.join(dataDir, 'media', 'ab', 'real.png'),
    );
  });

  it('answers null for missing files, dangling and looping links, and directories', async () => {
    symlinkSync(
      path.join(dataDir, 'media', 'ab', 'gone.png'),
      path.join(dataDir, 'media', 'ab', 'dangling.png'),
    );
    symlinkSync(
      path.join(dataDir, 'media', 'ab', 'loop-b.png'),
      path.join(dataDir, 'media', 'ab', 'loop-a.png'),
    );
    symlinkSync(
      path.join(dataDir, 'media', 'ab', 'loop-a.png'),
      path.join(dataDir, 'media', 'ab', 'loop-b.png'),
    );
    expect(await resolveServedMedia(dataDir, 'media/ab/missing.png')).toBeNull();
    expect(await resolveServedMedia(dataDir, 'media/ab/dangling.png')).toBeNull();
    expect(await resolveServedMedia(dataDir, 'media/ab/loop-a.png')).toBeNull();
    expect(await resolveServedMedia(dataDir, 'media/ab')).toBeNull();
  });
});

describe('decodeUrlPath', () => {
  it('decodes well-formed percent-encoding', () => {
    expect(decodeUrlPath('media/ab/a%20b.png')).toBe('media/ab/a b.png');
    expect(decodeUrlPath('%E0%A4%A8')).toBe('न');
  });

  it('answers null for malformed percent-encoding instead of throwing', () => {
    expect(decodeUrlPath('media/%E0%A4%A')).toBeNull();
    expect(decodeUrlPath('%')).toBeNull();
    expect(decodeUrlPath('%ZZ')).toBeNull();
  });
});

describe('createServedMedia: the small thumbnail tier', () => {
  const sha = `ab${'5'.repeat(62)}`;
  const large = `thumbs/ab/${sha}.webp`;
  const small = `thumbs/ab/${sha}.192.webp`;
  let warnings: string[];
  let made: string[];

  function served(concurrency?: number) {
    warnings = [];
    made = [];
    return createServedMedia({
      dataDir,
      log: { warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields ?? {})}`) },
      concurrency,
      thumbnail: async (file) => {
        made.push(file);
        return smallThumbnailOf(file);
      },
    });
  }

  async function plantLarge(relative = large): Promise<void> {
    const bytes = await sharp({ create: { width: 384, height: 256, channels: 3, background: '#3366aa' } })
      .webp()
      .toBuffer();
    writeFileSync(path.join(dataDir, ...relative.split('/')), bytes);
  }

  it('makes a missing small thumbnail from the large one on first request, then serves the file', async () => {
    await plantLarge();
    const media = served();
    const file = await media.resolve(small);
    expect(file).toBe(path.join(dataDir, 'thumbs', 'ab', `${sha}.192.webp`));
    const meta = await sharp(file!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 192, 128]);
    expect(await media.resolve(small)).toBe(file);
    expect(made).toHaveLength(1);
    // Atomic: nothing but the two thumbnails in the shard.
    expect(readdirSync(path.join(dataDir, 'thumbs', 'ab')).sort()).toEqual([
      `${sha}.192.webp`,
      `${sha}.webp`,
    ]);
  });

  it('concurrent requests for the same file share one job and one write', async () => {
    await plantLarge();
    const media = served(4);
    const answers = await Promise.all(Array.from({ length: 8 }, () => media.resolve(small)));
    expect(new Set(answers)).toEqual(new Set([path.join(dataDir, 'thumbs', 'ab', `${sha}.192.webp`)]));
    expect(made).toHaveLength(1);
  });

  it('answers null, making nothing, when the large thumbnail is missing', async () => {
    const media = served();
    expect(await media.resolve(small)).toBeNull();
    expect(made).toEqual([]);
    expect(readdirSync(path.join(dataDir, 'thumbs', 'ab'))).toEqual([]);
  });

  it('refuses traversal and never writes outside the data folder through a linked shard', async () => {
    const media = served();
    for (const bad of [`thumbs/../../outside/${sha}.192.webp`, `thumbs/ab/../../../${sha}.192.webp`]) {
      expect(await media.resolve(bad)).toBeNull();
    }
    // A shard that is a link to a folder elsewhere, holding a large thumbnail: refused like the large one is.
    const evilSha = `cd${'7'.repeat(62)}`;
    symlinkSync(outside, path.join(dataDir, 'thumbs', 'cd'));
    await plantLarge(`thumbs/cd/${evilSha}.webp`);
    expect(await media.resolve(`thumbs/cd/${evilSha}.192.webp`)).toBeNull();
    expect(made).toEqual([]);
    expect(readdirSync(outside).sort()).toEqual([`${evilSha}.webp`, 'secret.txt']);
  });

  it('a large thumbnail that cannot be read is logged and answers null', async () => {
    writeFileSync(path.join(dataDir, 'thumbs', 'ab', `${sha}.webp`), 'not a webp');
    const media = served();
    expect(await media.resolve(small)).toBeNull();
    expect(warnings.join('\n')).toMatch(/could not make a small thumbnail/);
    expect(readdirSync(path.join(dataDir, 'thumbs', 'ab'))).toEqual([`${sha}.webp`]);
  });

  it('serves other files as resolveServedMedia does', async () => {
    const media = served();
    expect(await media.resolve('media/ab/real.png')).toBe(path.join(dataDir, 'media', 'ab', 'real.png'));
    expect(await media.resolve('atelier.db')).toBeNull();
    expect(made).toEqual([]);
  });
});
