import { mkdtempSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createMediaStore, DEFAULT_THUMB_SIZE } from '../electron/core/media';
import { THUMB_WEBP } from '../electron/core/media/store';
import { createReferenceService } from '../electron/core/references';
import { systemClock } from '../electron/core/ports';
import { closeDatabase, createReferencesRepo, openDatabase } from '../electron/core/store';
const SIDE = 1024;
async function img(seed: number) {
  const raw = Buffer.alloc(SIDE * SIDE * 3);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let at = 0; at < raw.length; at += 3) {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    const noise = ((state >>> 0) % 17) - 8; const x = (at / 3) % SIDE; const y = Math.floor(at / 3 / SIDE);
    raw[at] = Math.max(0, Math.min(255, (x / SIDE) * 200 + noise + seed * 3));
    raw[at + 1] = Math.max(0, Math.min(255, (y / SIDE) * 180 + 30 + noise));
    raw[at + 2] = Math.max(0, Math.min(255, ((x + y) / (2 * SIDE)) * 160 + 60 + noise));
  }
  return sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer();
}
sharp.cache(false);
const images = await Promise.all(Array.from({ length: 12 }, (_, i) => img(i + 1)));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'probe-'));
let n = 0;
const fresh = () => { const d = path.join(scratch, `l${n++}`); mkdirSync(d); const media = createMediaStore({ dataDir: d }); const db = openDatabase(path.join(d, 'a.db')); return { media, svc: createReferenceService({ repo: createReferencesRepo(db), media, clock: systemClock }), db }; };
const time = async (label: string, fn: (b: Buffer) => Promise<unknown>) => { const s = performance.now(); for (const b of images) await fn(b); console.log(label, ((performance.now() - s) / images.length).toFixed(1), 'ms/img'); };
for (let round = 0; round < 2; round++) {
  await time('raw thumb', (b) => sharp(b).autoOrient().resize(DEFAULT_THUMB_SIZE, DEFAULT_THUMB_SIZE, { fit: 'inside', withoutEnlargement: true }).webp(THUMB_WEBP).toBuffer());
  const a = fresh(); await time('media.ingest', (b) => a.media.ingest(b)); closeDatabase(a.db);
  const c = fresh(); await time('ref importBytes', (b) => c.svc.importBytes('x.png', b)); closeDatabase(c.db);
  const d = fresh(); await time('ref import base64', (b) => d.svc.import([{ name: 'x.png', dataBase64: b.toString('base64') }])); closeDatabase(d.db);
}
