// The worker pool runs the real worker script (TypeScript through tsx): it measures an image off the main
// thread, and a models module that cannot be imported comes back as model_unavailable (the check "not run").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerPool, type WorkerPool } from './pool';

const pools: WorkerPool[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function pool(modelsModule: string | null, size = 1) {
  const made = createWorkerPool({
    script: new URL('./worker.ts', import.meta.url),
    size,
    data: { modelsModule },
    execArgv: ['--import', 'tsx'],
  });
  pools.push(made);
  return made;
}

async function imageFile(background: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atelier-quality-pool-'));
  dirs.push(dir);
  const file = path.join(dir, 'image.png');
  writeFileSync(
    file,
    await sharp({ create: { width: 64, height: 48, channels: 3, background } })
      .png()
      .toBuffer(),
  );
  return file;
}

describe('quality worker pool', () => {
  it('measures on a worker; a missing models module answers model_unavailable with the cause', async () => {
    const workers = pool(new URL('./no-such-quality-models.mjs', import.meta.url).href, 2);
    const [black, white] = await Promise.all([imageFile('#000000'), imageFile('#ffffff')]);
    const [a, b] = await Promise.all([
      workers.measure(black, { nsfw: true, ocr: true }),
      workers.measure(white, { nsfw: false, ocr: false }),
    ]);
    expect([a.width, a.height, a.detail, a.mean]).toEqual([64, 48, 0, [0, 0, 0]]);
    expect(a.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(a.nsfw).toMatchObject({ ok: false, error: { code: 'model_unavailable' } });
    expect(a.ocr).toMatchObject({ ok: false, error: { code: 'model_unavailable' } });
    expect(b.mean).toEqual([255, 255, 255]);
    expect(b.nsfw).toBeUndefined();
  });

  it('an unreadable file fails its task only; close refuses what is left', async () => {
    const workers = pool(null);
    await expect(workers.measure('/nonexistent/atelier.png', { nsfw: false, ocr: false })).rejects.toThrow(
      /ENOENT/,
    );
    const file = await imageFile('#336699');
    await expect(workers.measure(file, { nsfw: false, ocr: false })).resolves.toMatchObject({ width: 64 });
    await workers.close();
    await expect(workers.measure(file, { nsfw: false, ocr: false })).rejects.toMatchObject({
      code: 'cancelled',
    });
  });
});
