// Export through a real core: approved outputs through presets into a folder, with the manifest, the naming
// rules, overwrite policies, alt text, crops, cancel and a restart in the middle.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { CropPreview, ExportPlan, ExportReport } from '../../../shared/export-contract';
import { scriptedAdapter, testCatalog, testProvider, testRoutes } from '../../../test/support/dispatch';
import { type Harness, makeHarness, refusal } from '../../../test/support/harness';
import { copyLibraryAsKilled } from '../../../test/support/library-copy';
import { recordingLogger } from '../../../test/support/log';
import { createExportsRepo, openDatabase } from '../store';
import { STAGING_PREFIX } from './service';

const open: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** 1200×800, dark, with a bright red disc on the right: attention should crop towards it. */
async function sceneImage(): Promise<Uint8Array> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="800"><rect width="1200" height="800" fill="#1d2330"/><circle cx="1010" cy="400" r="120" fill="#ff2a1a"/><circle cx="1030" cy="380" r="40" fill="#ffe0c0"/></svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

async function setup(count = 2, dataDir?: string) {
  const h = makeHarness({
    dataDir,
    catalog: testCatalog(testProvider('pa', { seed: true })),
    routes: testRoutes([{ provider: 'pa' }]),
    adapters: { pa: scriptedAdapter('pa', [], { outcome: 'ok', bytes: await sceneImage() }) },
    keys: ['pa'],
  });
  open.push(h);
  const outputIds: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const run = await h.generate({ prompt: `a lighthouse at dusk number ${i + 1}`, seed: 100 + i });
    outputIds.push(run.outputs[0]!.id);
  }
  if (count > 0)
    await h.call('review.decide', { outputIds, decision: { status: 'approved', approvalRef: 'BR-7' } });
  const folder = mkdtempSync(path.join(os.tmpdir(), 'atelier-export-out-'));
  dirs.push(folder);
  return { h, outputIds, folder };
}

async function exportNow(h: Harness, input: Record<string, unknown>): Promise<ExportReport> {
  const started = await h.call<ExportReport>('export.start', input);
  await h.core.exports.settled(started.id);
  return h.call<ExportReport>('export.get', { id: started.id });
}

/** Every file under `dir`, relative, `/`-separated, sorted. */
function filesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

async function approveAlt(h: Harness, outputIds: number[]) {
  for (const outputId of outputIds) {
    await h.call('altText.save', {
      outputId,
      text: `A lighthouse, image ${outputId}`,
      approve: true,
      approvedBy: 'Dana',
    });
  }
}

/** The export's report once its first file is encoded (polled every 5 ms, for 10 s at most). */
async function firstFileDone(h: Harness, started: ExportReport): Promise<ExportReport> {
  let now = started;
  for (let i = 0; i < 2000 && now.done === 0; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    now = await h.call<ExportReport>('export.get', { id: started.id });
  }
  return now;
}

describe('export', () => {
  it('writes approved outputs through two presets, with a manifest beside them and nothing staged left', async () => {
    const { h, outputIds, folder } = await setup();
    await approveAlt(h, outputIds);
    const input = { folder, presetIds: ['meta-feed', 'web-thumbnails'] };
    const plan = await h.call<ExportPlan>('export.plan', input);
    expect(plan).toMatchObject({
      outputs: 2,
      total: 8,
      counts: { write: 8, replace: 0, skip: 0, rename: 0 },
      blocked: false,
    });
    expect(filesIn(folder)).toEqual([]); // the dry run writes nothing

    const report = await exportNow(h, input);
    expect(report).toMatchObject({ state: 'done', total: 8, done: 8, written: 8, skipped: 0, error: null });
    const files = filesIn(folder);
    expect(files).toEqual([...plan.files.map((f) => f.path), 'manifest.csv', 'manifest.json'].sort());
    expect(files.some((f) => f.includes(STAGING_PREFIX))).toBe(false);
    expect(files).toContain('meta-feed/a-lighthouse-at-dusk-number-1-100-1080x1350.jpg');

    for (const file of plan.files) {
      const info = await sharp(path.join(folder, file.path)).metadata();
      expect({ w: info.width, h: info.height, f: info.format }).toEqual({
        w: file.width,
        h: file.height,
        f: file.format,
      });
    }
    const thumbs = plan.files.filter((f) => f.presetId === 'web-thumbnails').map((f) => f.width);
    expect(thumbs.sort((a, b) => a - b)).toEqual([320, 320, 640, 640, 960, 960]);

    const manifest = JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.files).toHaveLength(8);
    const entry = manifest.files.find(
      (f: { file: string }) => f.file === 'meta-feed/a-lighthouse-at-dusk-number-1-100-1080x1350.jpg',
    );
    expect(entry).toMatchObject({
      format: 'jpeg',
      width: 1080,
      height: 1350,
      preset: 'meta-feed',
      outputId: outputIds[0],
      prompt: 'a lighthouse at dusk number 1',
      seed: 100,
      provider: 'pa',
      model: 'pa-1',
      altText: `A lighthouse, image ${outputIds[0]}`,
      altTextApprovedBy: 'Dana',
      approvalRef: 'BR-7',
      batchId: null,
      batchItem: null,
      batchCoords: null,
    });
    expect(entry.bytes).toBe(statSync(path.join(folder, entry.file)).size);
    expect(entry.licence).toMatch(/licence|terms/i);
    expect(typeof entry.runId).toBe('number');
    const csv = readFileSync(path.join(folder, 'manifest.csv'), 'utf8');
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'file,bytes,format,width,height,preset,size,runId,outputId,prompt,seed,provider,model,styleVersion,batchId,batchItem,batchCoords,altText,altTextApprovedBy,approvalRef,approvedAt,licence',
    );
    expect(lines).toHaveLength(9);

    // The metadata setting (full by default) is written into the files.
    const exif = await exifr.parse(path.join(folder, entry.file), { userComment: true });
    // A1111's UserComment: "UNICODE\0" then UTF-16BE text.
    const comment = Buffer.from(Object.values(exif.userComment as Record<string, number>));
    expect(comment.subarray(8).swap16().toString('utf16le')).toContain('a lighthouse at dusk number 1');
    expect(h.eventsOf('export.progress').at(-1)).toMatchObject({ state: 'done', done: 8 });
  });

  it('writes each format, CMYK TIFF and JPEG for print with their DPI, and strips metadata when asked', async () => {
    const { h, outputIds, folder } = await setup(1);
    await approveAlt(h, outputIds);
    for (const format of ['png', 'jpeg', 'webp', 'avif'] as const) {
      const report = await exportNow(h, {
        folder,
        presetIds: ['web-hero'],
        format,
        quality: 60,
        template: `${format}/{size}.{ext}`,
        metadata: 'strip',
      });
      expect(report.state).toBe('done');
      for (const size of [
        ['hero-1920', 1920, 1080],
        ['hero-1280', 1280, 720],
      ] as const) {
        const ext = format === 'jpeg' ? 'jpg' : format;
        const info = await sharp(path.join(folder, format, `${size[0]}.${ext}`)).metadata();
        expect([info.format === 'heif' ? 'avif' : info.format, info.width, info.height]).toEqual([
          format,
          size[1],
          size[2],
        ]);
        expect(info.exif).toBeUndefined();
      }
    }
    const tiff = await exportNow(h, {
      folder,
      presetIds: ['print-a4-300'],
      cmyk: true,
      template: 'print/{size}.{ext}',
    });
    expect(tiff.state).toBe('done');
    const info = await sharp(path.join(folder, 'print/a4-portrait.tif')).metadata();
    expect(info).toMatchObject({ format: 'tiff', width: 2480, height: 3508, space: 'cmyk', density: 300 });
    expect(info.icc).toBeDefined();
    await exportNow(h, {
      folder,
      presetIds: ['print-a4-300'],
      cmyk: true,
      format: 'jpeg',
      template: 'print/{size}.{ext}',
    });
    // A CMYK JPEG has no JFIF header: its DPI lives in EXIF, carried over beside the metadata written.
    const cmykJpeg = await sharp(path.join(folder, 'print/a4-portrait.jpg')).metadata();
    expect(cmykJpeg).toMatchObject({ space: 'cmyk', density: 300, width: 2480, height: 3508 });
    expect(cmykJpeg.icc).toBeDefined();
    // Under "strip everything" it leaves with no EXIF, its DPI in a JFIF header instead.
    await exportNow(h, {
      folder,
      presetIds: ['print-a4-300'],
      cmyk: true,
      format: 'jpeg',
      template: 'print-stripped/{size}.{ext}',
      metadata: 'strip',
    });
    const stripped = await sharp(path.join(folder, 'print-stripped/a4-portrait.jpg')).metadata();
    expect(stripped).toMatchObject({ space: 'cmyk', density: 300, width: 2480, height: 3508 });
    expect([stripped.exif, stripped.icc !== undefined]).toEqual([undefined, true]);
  }, 90_000);

  it('makes every preset at its sizes', async () => {
    const { h, folder } = await setup(1);
    const presets = (await h.call<{ presets: { id: string }[] }>('export.presets')).presets.map((p) => p.id);
    expect(presets).toEqual(
      expect.arrayContaining([
        'web-hero',
        'web-thumbnails',
        'meta-feed',
        'meta-story',
        'google-display',
        'tiktok',
        'print-a4-300',
        'app-icons',
      ]),
    );
    const input = { folder, presetIds: presets, allowMissingAltText: true };
    const plan = await h.call<ExportPlan>('export.plan', input);
    expect((await exportNow(h, input)).state).toBe('done');
    for (const file of plan.files) {
      const info = await sharp(path.join(folder, file.path)).metadata();
      expect(`${file.path} ${info.width}x${info.height}`).toBe(`${file.path} ${file.width}x${file.height}`);
    }
    expect(plan.files.find((f) => f.sizeId === 'leaderboard-728x90')).toMatchObject({
      width: 728,
      height: 90,
    });
    expect(plan.files.find((f) => f.sizeId === 'original')).toMatchObject({ width: 1200, height: 800 });
  });

  it('refuses web presets without approved alt text unless told otherwise; print needs none', async () => {
    const { h, outputIds, folder } = await setup();
    await h.call('altText.save', { outputId: outputIds[0], text: 'Drafted, not approved' });
    const plan = await h.call<ExportPlan>('export.plan', { folder, presetIds: ['meta-story'] });
    expect(plan.blocked).toBe(true);
    expect(plan.missingAltText.sort()).toEqual([...outputIds].sort());
    expect(await refusal(h.call('export.start', { folder, presetIds: ['meta-story'] }))).toBe('conflict');
    expect(filesIn(folder)).toEqual([]);
    expect((await exportNow(h, { folder, presetIds: ['app-icons'] })).state).toBe('done');
    const overridden = await exportNow(h, {
      folder,
      presetIds: ['meta-story'],
      allowMissingAltText: true,
      overwrite: 'skip',
    });
    expect(overridden).toMatchObject({ state: 'done', written: 2 });
  });

  it('follows the overwrite policy: skip, rename, replace', async () => {
    const { h, outputIds, folder } = await setup(1);
    await approveAlt(h, outputIds);
    const base = { folder, presetIds: ['meta-feed'], template: 'feed.{ext}' };
    await exportNow(h, base);
    const first = statSync(path.join(folder, 'feed.jpg'));
    writeFileSync(path.join(folder, 'feed.jpg'), 'mine');

    const skipPlan = await h.call<ExportPlan>('export.plan', { ...base, overwrite: 'skip' });
    expect(skipPlan.files[0]).toMatchObject({ path: 'feed.jpg', action: 'skip' });
    expect(await exportNow(h, { ...base, overwrite: 'skip' })).toMatchObject({ written: 0, skipped: 1 });
    expect(readFileSync(path.join(folder, 'feed.jpg'), 'utf8')).toBe('mine');

    const renamePlan = await h.call<ExportPlan>('export.plan', { ...base, overwrite: 'rename' });
    expect(renamePlan.files[0]).toMatchObject({
      path: 'feed-2.jpg',
      action: 'rename',
      wanted: 'feed.jpg',
      takenBy: 'folder',
    });
    expect(renamePlan.clashes).toBe(0);
    await exportNow(h, { ...base, overwrite: 'rename' });
    expect(readFileSync(path.join(folder, 'feed.jpg'), 'utf8')).toBe('mine');
    expect(statSync(path.join(folder, 'feed-2.jpg')).size).toBe(first.size);
    // The manifests were there already too: renamed, never overwritten.
    expect(existsSync(path.join(folder, 'manifest-2.json'))).toBe(true);

    expect(
      (await h.call<ExportPlan>('export.plan', { ...base, overwrite: 'replace' })).files[0],
    ).toMatchObject({ action: 'replace' });
    await exportNow(h, { ...base, overwrite: 'replace' });
    expect(statSync(path.join(folder, 'feed.jpg')).size).toBe(first.size);
  });

  it('keeps every name inside the folder and tells clashing names apart', async () => {
    const { h, outputIds, folder } = await setup();
    await approveAlt(h, outputIds);
    const input = { folder, presetIds: ['meta-feed'], template: '../../{board}/CON.{ext}' };
    const plan = await h.call<ExportPlan>('export.plan', input);
    // The second image's file is numbered because the first took the name, not because a file is there.
    expect(plan.clashes).toBe(1);
    expect(plan.files.map((f) => [f.action, f.takenBy])).toEqual([
      ['write', null],
      ['rename', 'export'],
    ]);
    const report = await exportNow(h, input);
    expect(report.state).toBe('done');
    const files = filesIn(folder).filter((f) => !f.startsWith('manifest'));
    expect(files).toHaveLength(2);
    for (const file of files) expect(file.split('/')).not.toContain('..');
    expect(files.filter((f) => /CON_-2\.jpg$/.test(f))).toHaveLength(1);
    expect(readdirSync(path.dirname(folder)).filter((f) => f === 'no-board')).toEqual([]);
  });

  it('crops towards what attention finds, and a nudge moves the crop in preview and export alike', async () => {
    const { h, outputIds, folder } = await setup(1);
    const outputId = outputIds[0]!;
    const preview = await h.call<CropPreview>('export.cropPreview', { outputId, presetId: 'meta-story' });
    expect(preview.crop).toMatchObject({ width: 450, height: 800, top: 0 });
    expect(preview.crop.left).toBeGreaterThan(375); // the red disc is on the right
    expect(preview.safe).toMatchObject({ top: Math.round(800 * 0.14) });

    const nudged = await h.call<CropPreview>('export.setCrop', {
      outputId,
      presetId: 'meta-story',
      x: -1,
      y: 0,
    });
    expect(nudged.crop.left).toBe(0);
    expect(nudged.offset).toEqual({ x: -1, y: 0 });
    expect(
      (await h.call<CropPreview>('export.cropPreview', { outputId, presetId: 'meta-story' })).crop.left,
    ).toBe(0);
    await exportNow(h, {
      folder,
      presetIds: ['meta-story'],
      allowMissingAltText: true,
      template: 'left.{ext}',
      format: 'png',
    });
    await h.call('export.setCrop', { outputId, presetId: 'meta-story', x: 1, y: 0 });
    await exportNow(h, {
      folder,
      presetIds: ['meta-story'],
      allowMissingAltText: true,
      template: 'right.{ext}',
      format: 'png',
    });
    const meanRed = async (file: string) => (await sharp(path.join(folder, file)).stats()).channels[0]!.mean;
    // The disc is in the right-hand crop, not the left one.
    expect(await meanRed('right.png')).toBeGreaterThan((await meanRed('left.png')) + 20);
    expect(await refusal(h.call('export.setCrop', { outputId, presetId: 'meta-story', x: 2, y: 0 }))).toBe(
      'invalid_input',
    );
  });

  it('a cancelled export leaves no file behind', async () => {
    const { h, outputIds, folder } = await setup(3);
    await approveAlt(h, outputIds);
    const started = await h.call<ExportReport>('export.start', {
      folder,
      presetIds: ['print-a4-300', 'app-icons', 'web-hero'],
      zip: true,
    });
    await h.call('export.cancel', { id: started.id });
    await h.core.exports.settled(started.id);
    expect(await h.call<ExportReport>('export.get', { id: started.id })).toMatchObject({
      state: 'cancelled',
      written: 0,
    });
    expect(readdirSync(folder)).toEqual([]);
  });

  it('cancelled in the middle, with files already staged, leaves no file behind', async () => {
    const { h, outputIds, folder } = await setup(3);
    await approveAlt(h, outputIds);
    const started = await h.call<ExportReport>('export.start', {
      folder,
      presetIds: ['app-icons', 'google-display', 'print-a4-300'],
    });
    const now = await firstFileDone(h, started);
    expect(now).toMatchObject({ state: 'running' });
    expect(now.done).toBeGreaterThan(0);
    expect(now.done).toBeLessThan(now.total);
    // Staged inside the destination, under the hidden folder only.
    expect(filesIn(folder).length).toBeGreaterThan(0);
    expect(filesIn(folder).every((f) => f.startsWith(STAGING_PREFIX))).toBe(true);
    await h.call('export.cancel', { id: started.id });
    await h.core.exports.settled(started.id);
    expect(await h.call<ExportReport>('export.get', { id: started.id })).toMatchObject({
      state: 'cancelled',
      written: 0,
    });
    expect(readdirSync(folder)).toEqual([]);
  });

  it('killed in the middle of writing: the next start marks it interrupted and removes what it had staged', async () => {
    const { h, outputIds, folder } = await setup(3);
    await approveAlt(h, outputIds);
    const started = await h.call<ExportReport>('export.start', {
      folder,
      presetIds: ['app-icons', 'google-display', 'print-a4-300'],
    });
    const now = await firstFileDone(h, started);
    expect(now.state).toBe('running');
    expect(now.done).toBeGreaterThan(0);
    // The kill: the library and the destination folder as they are at this instant.
    const crashedLibrary = copyLibraryAsKilled(
      h.dataDir,
      mkdtempSync(path.join(os.tmpdir(), 'atelier-lib-')),
    );
    const crashedFolder = mkdtempSync(path.join(os.tmpdir(), 'atelier-export-kill-'));
    dirs.push(crashedLibrary, crashedFolder);
    cpSync(folder, crashedFolder, { recursive: true });
    await h.call('export.cancel', { id: started.id });
    await h.core.exports.settled(started.id);
    await h.close();
    open.splice(open.indexOf(h), 1);
    // What the next start finds in the folder: staged files only, no file in its place yet.
    cpSync(crashedFolder, folder, { recursive: true });
    const staged = filesIn(folder);
    expect(staged.length).toBeGreaterThan(0);
    expect(staged.every((f) => f.startsWith(`${STAGING_PREFIX}${started.id}/`))).toBe(true);

    const { h: next } = await setup(0, crashedLibrary);
    expect(await next.core.recoveredExports).toBe(1);
    expect(await next.call<ExportReport>('export.get', { id: started.id })).toMatchObject({
      state: 'interrupted',
      written: 0,
      error: { code: 'interrupted' },
    });
    expect(readdirSync(folder)).toEqual([]);
  });

  it('an export cut by a restart shows as interrupted and its staged files are removed', async () => {
    const { h, folder } = await setup(1);
    // What a process killed mid-export leaves: the row still running and a staging folder with a partial file.
    const staging = path.join(folder, `${STAGING_PREFIX}exp-crashed`);
    mkdirSync(path.join(staging, 'meta-feed'), { recursive: true });
    writeFileSync(path.join(staging, 'meta-feed', 'half.jpg'), Buffer.alloc(100));
    const db = openDatabase(path.join(h.dataDir, 'atelier.db'));
    createExportsRepo(db, recordingLogger()).insert({
      id: 'exp-crashed',
      folder,
      staging,
      options: '{}',
      total: 4,
      startedAt: 1,
    });
    db.close();

    await h.restart();
    expect(await h.core.recoveredExports).toBe(1);
    expect(await h.call<ExportReport>('export.get', { id: 'exp-crashed' })).toMatchObject({
      state: 'interrupted',
      error: { code: 'interrupted' },
    });
    expect(readdirSync(folder)).toEqual([]);
    const listed = await h.call<{ exports: ExportReport[] }>('export.list');
    expect(listed.exports.map((e) => e.state)).toContain('interrupted');
  });

  it('zips what it wrote, and exports a board, a history filter and a selection', async () => {
    const { h, outputIds, folder } = await setup(2);
    await approveAlt(h, outputIds);
    const report = await exportNow(h, { folder, presetIds: ['meta-feed'], zip: true });
    expect(report.zip).toMatch(/^atelier-exp-.*\.zip$/);
    const zip = readFileSync(path.join(folder, report.zip!));
    expect(zip.subarray(0, 4).toString('hex')).toBe('504b0304');
    expect(zip.toString('latin1')).toContain('manifest.json');

    const board = await h.call<{ id: number }>('boards.create', { name: 'Spring / brief' });
    await h.call('boards.addOutputs', { id: board.id, outputIds: [outputIds[1]] });
    const items = await h.call<{ total: number }>('export.items', {
      source: { kind: 'board', boardId: board.id },
    });
    expect(items.total).toBe(1);
    const boardPlan = await h.call<ExportPlan>('export.plan', {
      folder,
      source: { kind: 'board', boardId: board.id },
      presetIds: ['app-icons'],
      template: '{board}/{size}.{ext}',
    });
    expect(boardPlan.files[0]?.path).toBe('Spring - brief/icon-1024.png');
    const historyPlan = await h.call<ExportPlan>('export.plan', {
      folder,
      source: { kind: 'history', query: { text: '"number 2"' } },
      presetIds: ['app-icons'],
    });
    expect(historyPlan.outputs).toBe(1);
    const selection = await h.call<ExportPlan>('export.plan', {
      folder,
      source: { kind: 'selection', outputIds },
      presetIds: ['app-icons'],
    });
    expect(selection.outputs).toBe(2);
    expect(await refusal(h.call('export.plan', { folder: 'relative/dir', presetIds: ['app-icons'] }))).toBe(
      'invalid_input',
    );
    expect(await refusal(h.call('export.plan', { folder, presetIds: ['nope'] }))).toBe('invalid_input');
  });

  it("names a batch's outputs apart by {aspect} and {batch}, and the manifest says which batch item made each", async () => {
    const { h, folder } = await setup(0);
    const { batchId } = await h.call<{ batchId: number }>('batches.create', {
      request: { prompt: 'a lighthouse at dusk', seed: 100 },
      variants: 2,
      aspectRatios: ['1:1', '16:9'],
    });
    let outputIds: number[] = [];
    for (let round = 0; round < 100 && outputIds.length < 4; round += 1) {
      await h.core.generation.idle();
      const got = await h.call<{ items: { runId: number | null; state: string }[] }>('batches.get', {
        batchId,
      });
      const done = got.items.filter((i) => i.state === 'succeeded' && i.runId !== null);
      const runs = await Promise.all(
        done.map((i) => h.call<{ outputs: { id: number }[] }>('runs.get', { id: i.runId })),
      );
      outputIds = runs.flatMap((r) => r.outputs.map((o) => o.id));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(outputIds).toHaveLength(4);
    const input = {
      folder,
      source: { kind: 'selection', outputIds },
      presetIds: ['app-icons'],
      template: 'batch-{batch}/{slug}-{seed}-{aspect}-{size}.{ext}',
    };
    const plan = await h.call<ExportPlan>('export.plan', input);
    // Variants of one seed in two ratios get names of their own, none numbered as a clash.
    expect(plan.counts).toMatchObject({ write: 24, rename: 0 });
    const icons = plan.files.filter((f) => f.sizeId === 'icon-1024').map((f) => f.path);
    expect(icons.sort()).toEqual([
      `batch-${batchId}/a-lighthouse-at-dusk-100-16x9-icon-1024.png`,
      `batch-${batchId}/a-lighthouse-at-dusk-100-1x1-icon-1024.png`,
      `batch-${batchId}/a-lighthouse-at-dusk-101-16x9-icon-1024.png`,
      `batch-${batchId}/a-lighthouse-at-dusk-101-1x1-icon-1024.png`,
    ]);

    const report = await exportNow(h, input);
    expect(report).toMatchObject({ state: 'done', written: 24 });
    const manifest = JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
    const entry = manifest.files.find(
      (f: { file: string }) => f.file === `batch-${batchId}/a-lighthouse-at-dusk-101-16x9-icon-1024.png`,
    );
    // Items expand ratio by ratio, variants innermost: 16:9's second variant is item 4.
    expect(entry).toMatchObject({ seed: 101, batchId, batchItem: 4, batchCoords: '16:9 · variant 2' });
  });
});
