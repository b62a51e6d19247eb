import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../shared/domain';
import { smallThumbPath } from '../../../shared/thumbs';
import { fakeClock } from '../../../test/support/clocks';
import { createTestCore } from '../../../test/support/core';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import type { Core, CoreOptions } from '..';
import { createSessionVault } from '../vault/vault';

const HOUR = 3_600_000;
let dataDir: string;
let logLines: string[];
const cores: Core[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-sweep-'));
  logLines = [];
});
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function boot(extra: Partial<CoreOptions> = {}): Core {
  const core = createTestCore({
    dataDir,
    vault: createSessionVault(),
    log: {
      info: (m, f) => logLines.push(`${m} ${JSON.stringify(f ?? {})}`),
      warn: (m, f) => logLines.push(`${m} ${JSON.stringify(f ?? {})}`),
      error: (m, f) => logLines.push(`${m} ${JSON.stringify(f ?? {})}`),
    },
    mode: 'browser',
    version: '0.0.0-test',
    clock: fakeClock({ start: Date.now() }),
    catalog: testCatalog(testProvider('pa', { auth: 'none' })),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: scriptedAdapter('pa') },
    sweep: false,
    ...extra,
  });
  cores.push(core);
  return core;
}

/** A file as a crash would leave it, with its modification time `ageMs` ago. */
function plant(relative: string, ageMs: number, bytes: Uint8Array = randomBytes(64)): string {
  const file = path.join(dataDir, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  age(relative, ageMs);
  return relative;
}
function age(relative: string, ageMs: number): void {
  const when = new Date(Date.now() - ageMs);
  utimesSync(path.join(dataDir, relative), when, when);
}
const hash = () => randomBytes(32).toString('hex');
const contentPath = (folder: 'media' | 'thumbs' | 'references', ext: string) => {
  const sha = hash();
  return `${folder}/${sha.slice(0, 2)}/${sha}.${ext}`;
};
function everyFile(): string[] {
  return (readdirSync(dataDir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dataDir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

describe('start-up sweep', () => {
  it('removes old temp files and unreferenced content files, keeps everything a row uses and anything recent', async () => {
    // A library with rows pointing at files: a run's output and thumbnail, an imported reference, a preview.
    const first = boot();
    const started = await first.invoke('generation.start', { prompt: 'a chair', provider: 'pa' });
    await first.generation.idle();
    const runId = (started as { ok: true; value: { runId: number } }).value.runId;
    const run = ((await first.invoke('runs.get', { id: runId })) as { ok: true; value: RunDetail }).value;
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const imported = await first.invoke('references.import', {
      files: [{ name: 'ref.png', dataBase64: png.toString('base64') }],
    });
    const reference = (
      imported as {
        ok: true;
        value: { results: [{ reference: { path: string; originalPath: string; thumbPath: string } }] };
      }
    ).value.results[0].reference;
    const style = await first.invoke('styles.create', { fields: { name: 'With preview' } });
    const versionId = (style as { ok: true; value: { latest: { versionId: number } } }).value.latest
      .versionId;
    const previewPath = plant(contentPath('media', 'png'), 0);
    const previewThumb = plant(contentPath('thumbs', 'webp'), 0);
    first.library.repo.addPreview(
      versionId,
      {
        runId: null,
        seed: 1,
        provider: null,
        path: previewPath,
        thumbPath: previewThumb,
        width: 8,
        height: 8,
      },
      Date.now(),
    );
    await first.close();

    const used = [
      run.outputs[0]!.path,
      run.outputs[0]!.thumbPath,
      reference.path,
      reference.originalPath,
      reference.thumbPath,
      previewPath,
      previewThumb,
    ];
    for (const file of used) age(file, 72 * HOUR); // Old, but still used: never removed.

    // What a kill mid-import leaves: temp files and content with no row; and some of each that is recent.
    const oldOrphans = [
      plant(contentPath('media', 'png'), 48 * HOUR),
      plant(contentPath('thumbs', 'webp'), 48 * HOUR),
      plant(contentPath('references', 'jpg'), 30 * HOUR),
    ];
    const oldTemps = [
      plant(`media/ab/.${hash()}.png.0123456789ab.tmp`, 48 * HOUR),
      plant(`references/cd/.${hash()}.jpg.a1b2c3d4e5f6.tmp`, 25 * HOUR),
      plant('exports/.house-v1.atelier-style.json.abcdefabcdef.tmp', 48 * HOUR),
    ];
    const recent = [
      plant(contentPath('media', 'png'), 2 * HOUR),
      plant(`thumbs/ef/.${hash()}.webp.0123456789ab.tmp`, 1 * HOUR),
    ];
    const notOurs = [
      plant('media/notes.txt', 48 * HOUR),
      plant('exports/house-v1.atelier-style.json', 48 * HOUR),
    ];

    const second = boot({ sweep: { delayMs: 0 } });
    const report = await second.startupSweep;
    expect(report).toEqual({ tempFiles: 3, contentFiles: 3, bytes: expect.any(Number), failed: 0 });
    const left = everyFile();
    for (const file of [...used, ...recent, ...notOurs]) expect(left).toContain(file);
    for (const file of [...oldOrphans, ...oldTemps]) expect(left).not.toContain(file);
    expect(logLines.join('\n')).toMatch(/removed leftover files .*"tempFiles":3.*"contentFiles":3/);

    // The library still works after the sweep: the run's image and the reference are served.
    expect(await second.resolveMedia(run.outputs[0]!.path)).not.toBeNull();
    expect(existsSync(path.join(dataDir, reference.path))).toBe(true);
  });

  it('keeps a small thumbnail while its large one is used, and takes it with the large one', async () => {
    const first = boot();
    const started = await first.invoke('generation.start', { prompt: 'a lamp', provider: 'pa' });
    await first.generation.idle();
    const runId = (started as { ok: true; value: { runId: number } }).value.runId;
    const run = ((await first.invoke('runs.get', { id: runId })) as { ok: true; value: RunDetail }).value;
    await first.close();
    const usedSmall = smallThumbPath(run.outputs[0]!.thumbPath)!;
    // Used, and old: the small one stays with it.
    age(run.outputs[0]!.thumbPath, 72 * HOUR);
    age(usedSmall, 72 * HOUR);
    // No row uses this large thumbnail and it is old; its small one was made a moment ago (on request): both go.
    const orphanLarge = plant(contentPath('thumbs', 'webp'), 48 * HOUR);
    const orphanSmall = plant(smallThumbPath(orphanLarge)!, 0);
    // Unused but recent (an import may be about to record it): both stay, however old the small one is.
    const recentLarge = plant(contentPath('thumbs', 'webp'), 1 * HOUR);
    const recentSmall = plant(smallThumbPath(recentLarge)!, 72 * HOUR);
    // A small thumbnail with no large one: goes once old enough.
    const stray = smallThumbPath(contentPath('thumbs', 'webp'))!;
    plant(stray, 48 * HOUR);
    const youngStray = plant(smallThumbPath(contentPath('thumbs', 'webp'))!, 1 * HOUR);

    const second = boot({ sweep: { delayMs: 0 } });
    expect(await second.startupSweep).toMatchObject({ contentFiles: 3, failed: 0 });
    const left = everyFile();
    for (const file of [run.outputs[0]!.thumbPath, usedSmall, recentLarge, recentSmall, youngStray]) {
      expect(left).toContain(file);
    }
    for (const file of [orphanLarge, orphanSmall, stray]) expect(left).not.toContain(file);
  });

  it('runs after start without blocking the first call, and a second start finds nothing to do', async () => {
    plant(contentPath('media', 'png'), 48 * HOUR);
    const core = boot({ sweep: { delayMs: 0 } });
    const listed = await core.invoke('runs.list', {});
    expect(listed).toMatchObject({ ok: true });
    expect(await core.startupSweep).toMatchObject({ contentFiles: 1 });
    await core.close();
    const again = boot({ sweep: { delayMs: 0 } });
    expect(await again.startupSweep).toMatchObject({ tempFiles: 0, contentFiles: 0 });
  });

  it('a file that an import reuses is not taken as old', async () => {
    const core = boot();
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#aa3300' } })
      .png()
      .toBuffer();
    const file = { name: 'ref.png', dataBase64: png.toString('base64') };
    const imported = await core.invoke('references.import', { files: [file] });
    const reference = (
      imported as { ok: true; value: { results: [{ reference: { id: number; originalPath: string } }] } }
    ).value.results[0].reference;
    // The row goes (as a crash between file and row would leave it), the file stays and grows old.
    const db = (await import('better-sqlite3')).default;
    await core.close();
    const raw = new db(path.join(dataDir, 'atelier.db'));
    raw.prepare('DELETE FROM reference_images WHERE id = ?').run(reference.id);
    raw.close();
    age(reference.originalPath, 48 * HOUR);
    // Importing the same bytes again reuses the stored file: it is fresh again, so no sweep takes it.
    const next = boot({ sweep: { delayMs: 60_000 } });
    expect(await next.invoke('references.import', { files: [file] })).toMatchObject({
      ok: true,
      value: { results: [{ status: 'imported' }] },
    });
    const stat = (await import('node:fs')).statSync(path.join(dataDir, reference.originalPath));
    expect(Date.now() - stat.mtimeMs).toBeLessThan(HOUR);
  });

  it('is off when asked, and stops when the core closes', async () => {
    plant(contentPath('media', 'png'), 48 * HOUR);
    const off = boot();
    expect(await off.startupSweep).toBeNull();
    await off.close();
    const closing = boot({ sweep: { delayMs: 60_000 } });
    await closing.close();
    expect(await closing.startupSweep).toBeNull();
    expect(everyFile().filter((f) => f.startsWith('media/'))).toHaveLength(1);
  });
});
