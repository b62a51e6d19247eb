// A real data folder for the browser benchmarks: History's 100,000 runs and 200,000 outputs (ratings, tags,
// boards, review states; the same fill as the History search bench) and real WebP thumbnails in both tiers
// (384 px and the derived 192 px one, shared/thumbs.ts) for every output, so the served gallery decodes images as it would for a designer. Built once and kept between bench
// runs under the temp folder, named by a version key: a change to the fill, the thumbnails or the schema gets
// a new folder (and the old ones are removed).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_THUMB_SIZE, smallThumbnailOf } from '../electron/core/media';
import { closeDatabase, openDatabase } from '../electron/core/store';
import { LATEST_SCHEMA_VERSION } from '../electron/core/store/migrations';
import { smallThumbPath } from '../shared/thumbs';
import { seededRandom } from '../test/support/history';
import { fillHistory } from './history.bench';

/** Bump when the folder's content changes in a way the schema version does not show (2: small thumbnails). */
const FOLDER_VERSION = 2;
/** Distinct thumbnails per aspect ratio; every output's thumbnail is a hard link to one of them. */
const VARIANTS = 12;
const PREFIX = 'atelier-bench-gallery-';

export interface GalleryFolder {
  dataDir: string;
  runs: number;
  outputs: number;
  /** Seconds spent building it; 0 when the kept folder was reused. */
  builtInSeconds: number;
}

/** The folder's name: changes with this file's version, the schema and the fill (history.bench.ts). */
export function galleryFolderKey(): string {
  const fill = fs.readFileSync(path.join(import.meta.dirname, 'history.bench.ts'));
  const hash = createHash('sha256').update(fill).digest('hex').slice(0, 8);
  return `v${FOLDER_VERSION}-s${LATEST_SCHEMA_VERSION}-${hash}`;
}

/** A thumbnail-sized image that costs what a real one costs to decode: gradients and noise, not a flat fill. */
async function thumbnailBytes(width: number, height: number, variant: number): Promise<Buffer> {
  const random = seededRandom(1000 + variant);
  const pixels = Buffer.alloc(width * height * 3);
  const hue = (variant * 47) % 255;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      const noise = Math.floor(random() * 40);
      pixels[at] = (hue + (x * 160) / width + noise) & 255;
      pixels[at + 1] = ((y * 200) / height + noise) & 255;
      pixels[at + 2] = (255 - hue + ((x + y) * 90) / (width + height) + noise) & 255;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .webp({ quality: 80, effort: 4 })
    .toBuffer();
}

/**
 * Writes the distinct thumbnails (each small one made from its large one, as ingest does), then links every
 * output's two thumbnail paths to the pair of its aspect.
 */
async function writeThumbnails(dataDir: string, db: ReturnType<typeof openDatabase>): Promise<void> {
  const poolDir = path.join(dataDir, 'bench-thumb-pool');
  fs.mkdirSync(poolDir, { recursive: true });
  const pool = new Map<string, { large: string; small: string }[]>();
  const shapes = db
    .prepare<[], { width: number; height: number }>('SELECT DISTINCT width, height FROM outputs')
    .all();
  for (const { width, height } of shapes) {
    const scale = DEFAULT_THUMB_SIZE / Math.max(width, height);
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const files: { large: string; small: string }[] = [];
    for (let v = 0; v < VARIANTS; v++) {
      const large = path.join(poolDir, `${width}x${height}-${v}.webp`);
      const small = path.join(poolDir, `${width}x${height}-${v}.small.webp`);
      const bytes = await thumbnailBytes(w, h, v);
      fs.writeFileSync(large, bytes);
      fs.writeFileSync(small, await smallThumbnailOf(bytes));
      files.push({ large, small });
    }
    pool.set(`${width}x${height}`, files);
  }
  const made = new Set<string>();
  for (const row of db
    .prepare<[], { id: number; thumb: string; width: number; height: number }>(
      'SELECT id, thumb_path AS thumb, width, height FROM outputs',
    )
    .iterate()) {
    const target = path.join(dataDir, row.thumb);
    const dir = path.dirname(target);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const files = pool.get(`${row.width}x${row.height}`)!;
    const pair = files[row.id % files.length]!;
    fs.linkSync(pair.large, target);
    fs.linkSync(pair.small, path.join(dataDir, smallThumbPath(row.thumb)!));
  }
}

/** The kept folder when it is complete, else a new one built from scratch. */
export async function galleryFolder(log: (line: string) => void = () => {}): Promise<GalleryFolder> {
  const key = galleryFolderKey();
  const root = os.tmpdir();
  const dataDir = path.join(root, `${PREFIX}${key}`);
  const done = path.join(dataDir, 'bench-complete.json');
  if (fs.existsSync(done)) {
    const { runs, outputs } = JSON.parse(fs.readFileSync(done, 'utf8')) as { runs: number; outputs: number };
    return { dataDir, runs, outputs, builtInSeconds: 0 };
  }
  // Older keys, and a half-built folder of this key, go.
  for (const name of fs.readdirSync(root)) {
    if (name.startsWith(PREFIX)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
  log(`building the gallery folder ${dataDir} (100,000 runs, 200,000 thumbnails)…`);
  const start = performance.now();
  fs.mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(path.join(dataDir, 'atelier.db'));
  try {
    fillHistory(db);
    await writeThumbnails(dataDir, db);
    const counts = db
      .prepare<[], { runs: number; outputs: number }>(
        'SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM outputs) AS outputs',
      )
      .get()!;
    db.pragma('optimize');
    db.pragma('wal_checkpoint(TRUNCATE)');
    closeDatabase(db);
    fs.writeFileSync(done, JSON.stringify(counts));
    const builtInSeconds = (performance.now() - start) / 1000;
    log(`built in ${builtInSeconds.toFixed(1)} s`);
    return { dataDir, ...counts, builtInSeconds };
  } catch (error) {
    closeDatabase(db);
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
