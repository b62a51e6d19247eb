// Metadata import: 1,000 PNGs carrying A1111 / ComfyUI / InvokeAI metadata imported as runs, against reading the
// same files' chunks raw (and against the decode + thumbnail every import must do); then a 10,000-file folder
// with its progress rate and memory sampled along the way (the curve is printed).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createEventBus } from '../electron/core/events';
import { createImportService } from '../electron/core/imports/service';
import { createMediaStore, DEFAULT_THUMB_SIZE } from '../electron/core/media';
import { THUMB_WEBP } from '../electron/core/media/store';
import { readContainer, readImageMetadata } from '../electron/core/metadata/read';
import { silentLogger, systemClock } from '../electron/core/ports';
import { closeDatabase, createImportsRepo, openDatabase } from '../electron/core/store';
import type { ImportReport } from '../shared/import-contract';
import {
  a1111Infotext,
  comfySimpleGraph,
  invokeMetadata,
  pilText,
  pngWithText,
} from '../test/support/metadata-files';
import { type BenchRow, isMain, printTable } from './report';

const FILES = 1000;
const BIG_FOLDER = 10_000;
const GOAL_RATIO = 0.7;

/** One file's metadata, rotating through three tools so every reader is exercised. */
function metadataFor(i: number) {
  const prompt = `bench image ${i}, a lighthouse at dusk, gouache, ${'detailed '.repeat(i % 7)}`;
  if (i % 3 === 0) {
    return [
      pilText(
        'parameters',
        a1111Infotext({
          prompt,
          negative: 'blurry, lowres',
          params: [
            ['Steps', 20 + (i % 10)],
            ['Sampler', 'DPM++ 2M'],
            ['CFG scale', 7],
            ['Seed', 1000 + i],
            ['Size', '512x512'],
            ['Model', 'sd_xl_base_1.0'],
          ],
        }),
      ),
    ];
  }
  if (i % 3 === 1)
    return [
      pilText('prompt', comfySimpleGraph({ seed: String(2n ** 60n + BigInt(i)), prompt, negative: 'text' })),
    ];
  return [pilText('invokeai_metadata', invokeMetadata({ prompt, negative: 'noise', seed: i }))];
}

async function writeFiles(dir: string, count: number, side: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i += 1) {
    // Each file in its own sub-folder group of 500, as output folders are split by date.
    const sub = path.join(dir, `day-${Math.floor(i / 500)}`);
    if (i % 500 === 0) mkdirSync(sub, { recursive: true });
    const file = path.join(sub, `${String(i).padStart(5, '0')}.png`);
    const base = await sharp({
      create: {
        width: side,
        height: side,
        channels: 3,
        background: { r: i % 256, g: (i * 7) % 256, b: (i * 13) % 256 },
      },
    })
      .png()
      .toBuffer();
    writeFileSync(file, await pngWithText(metadataFor(i), 1, base));
    files.push(file);
  }
  return files;
}

function importer(dataDir: string) {
  mkdirSync(dataDir, { recursive: true });
  const db = openDatabase(path.join(dataDir, 'atelier.db'));
  const events = createEventBus(() => {});
  const service = createImportService({
    repo: createImportsRepo(db, silentLogger),
    media: createMediaStore({ dataDir }),
    clock: systemClock,
    log: silentLogger,
    events,
  });
  return { service, events, close: () => closeDatabase(db) };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

async function benchThousand(scratch: string): Promise<BenchRow[]> {
  const folder = path.join(scratch, 'thousand');
  const files = await writeFiles(folder, FILES, 256);
  let raw = 0;
  let parsed = 0;
  let decode = 0;
  let imported = 0;
  for (let round = 0; round < 2; round += 1) {
    // Reading the chunks raw: every file read and its text chunks (and EXIF) extracted, nothing parsed or stored.
    raw = Math.max(
      raw,
      FILES /
        (await timed(async () => {
          for (const file of files) await readContainer(await readFile(file));
        })),
    );
    // The same read with every tool's parser on top (graphs followed, parameters normalized).
    parsed = Math.max(
      parsed,
      FILES /
        (await timed(async () => {
          for (const file of files) await readImageMetadata(await readFile(file));
        })),
    );
    // What any import must also do: decode every pixel and make the thumbnail (4 in flight, as the import).
    decode = Math.max(
      decode,
      FILES /
        (await timed(async () => {
          let next = 0;
          await Promise.all(
            Array.from({ length: 4 }, async () => {
              while (next < files.length) {
                const bytes = await readFile(files[next++]!);
                await readContainer(bytes);
                await sharp(bytes)
                  .autoOrient()
                  .resize(DEFAULT_THUMB_SIZE, DEFAULT_THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
                  .webp(THUMB_WEBP)
                  .toBuffer();
              }
            }),
          );
        })),
    );
    const lib = importer(path.join(scratch, `lib-${round}`));
    imported = Math.max(
      imported,
      FILES /
        (await timed(async () => {
          const report = lib.service.start({ paths: [folder], expectFiles: 0, midjourneyPrompts: null });
          const done = await lib.service.settled(report.id);
          const runs = Object.values(done.imported).reduce((a, b) => a + b, 0);
          if (runs !== FILES)
            throw new Error(`imported ${runs} of ${FILES}: ${JSON.stringify(done.failed.slice(0, 3))}`);
        })),
    );
    lib.close();
  }
  const ratio = imported / raw;
  return [
    {
      name: 'files',
      value: `${FILES} PNG, 256×256, A1111 / ComfyUI / InvokeAI metadata; ${os.availableParallelism()} CPUs`,
    },
    { name: 'read chunks raw (read + text chunks)', value: `${raw.toFixed(0)} files/s` },
    { name: "read + parse every tool's metadata", value: `${parsed.toFixed(0)} files/s` },
    { name: 'parse / raw chunk read', value: (parsed / raw).toFixed(2) },
    { name: 'read chunks + decode + thumbnail, 4 in flight', value: `${decode.toFixed(0)} files/s` },
    { name: 'metadata import (runs, stored files, fsync)', value: `${imported.toFixed(0)} files/s` },
    {
      name: 'import / raw chunk read',
      value: ratio.toFixed(2),
      goal: `≥ ${GOAL_RATIO}`,
      ok: ratio >= GOAL_RATIO,
    },
    { name: 'import / (chunks + decode + thumbnail)', value: (imported / decode).toFixed(2) },
  ];
}

async function benchBigFolder(scratch: string): Promise<BenchRow[]> {
  const folder = path.join(scratch, 'big');
  await writeFiles(folder, BIG_FOLDER, 64);
  global.gc?.();
  const lib = importer(path.join(scratch, 'lib-big'));
  const samples: Array<{ at: number; processed: number; rss: number; heap: number }> = [];
  const started = performance.now();
  const stop = lib.events.subscribe((name, payload) => {
    if (name !== 'imports.progress') return;
    const report = payload as ImportReport;
    const memory = process.memoryUsage();
    samples.push({
      at: performance.now() - started,
      processed: report.processed,
      rss: memory.rss,
      heap: memory.heapUsed,
    });
  });
  const report = lib.service.start({ paths: [folder], expectFiles: 0, midjourneyPrompts: null });
  const done = await lib.service.settled(report.id);
  stop();
  lib.close();
  const seconds = (performance.now() - started) / 1000;
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  // Ten points of the curve: at each tenth of the files, the rate over that tenth and the memory then.
  const curve: string[] = [];
  let previous = { at: 0, processed: 0 };
  const rates: number[] = [];
  for (let tenth = 1; tenth <= 10; tenth += 1) {
    const target = (BIG_FOLDER * tenth) / 10;
    const sample = samples.find((s) => s.processed >= target) ?? samples.at(-1)!;
    const rate = (sample.processed - previous.processed) / ((sample.at - previous.at) / 1000);
    rates.push(rate);
    curve.push(`${tenth * 10}%: ${rate.toFixed(0)}/s, rss ${mb(sample.rss)}, heap ${mb(sample.heap)}`);
    previous = sample;
  }
  const heaps = samples.map((s) => s.heap);
  const firstTenth = samples.filter((s) => s.processed <= BIG_FOLDER / 10).map((s) => s.heap);
  const growth = Math.max(...heaps) - Math.max(...firstTenth);
  const steady = Math.min(...rates) / Math.max(...rates);
  return [
    {
      name: `folder of ${BIG_FOLDER.toLocaleString('en')} PNGs (64×64, 20 sub-folders)`,
      value: `${Object.values(done.imported).reduce((a, b) => a + b, 0)} runs in ${seconds.toFixed(1)} s, ${samples.length} progress events`,
    },
    ...curve.map((point, i) => ({
      name: `  progress ${i === 0 ? '(rate over each tenth, memory at its end)' : ''}`.trimEnd(),
      value: point,
    })),
    {
      name: 'slowest tenth / fastest tenth',
      value: steady.toFixed(2),
      goal: '≥ 0.5 (steady)',
      ok: steady >= 0.5,
    },
    {
      name: 'heap growth after the first tenth',
      value: mb(growth),
      goal: '≤ 64 MB (flat)',
      ok: growth <= 64 * 1024 * 1024,
    },
  ];
}

export async function benchMetadataImport(): Promise<BenchRow[]> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atelier-bench-metaimport-'));
  try {
    return [...(await benchThousand(scratch)), ...(await benchBigFolder(scratch))];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) printTable('Metadata import', await benchMetadataImport());
