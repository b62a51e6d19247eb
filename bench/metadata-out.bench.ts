// Metadata on files that leave: rewriting the container (what Atelier does) against sharp re-encoding the same
// image with its metadata (the alternative it avoids, which also loses quality for JPEG and WebP).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import type { OutgoingFormat } from '../electron/core/metadata/out';
import { embedText } from '../electron/core/metadata/write';
import { type BenchRow, isMain, printTable } from './report';

const SIDE = 1024;
const REPEATS = 20;
const GOAL = 0.25;
const PARAMS = `${'a lighthouse on a cliff, storm light, '.repeat(20)}\nNegative prompt: blur, watermark\nSteps: 30, Sampler: Euler a, CFG scale: 7, Seed: 424242, Size: 1024x1024, Model: sdxl`;
const PROVENANCE = JSON.stringify({ schema: 'atelier.provenance', version: 1, pad: 'x'.repeat(4000) });

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export async function benchMetadataOut(): Promise<BenchRow[]> {
  // Noise, so the encoded sizes are those of real generated images (MBs for PNG), not of a flat colour.
  const noise = randomBytes(SIDE * SIDE * 3);
  const raw = { raw: { width: SIDE, height: SIDE, channels: 3 as const } };
  const files: Record<'png' | 'jpeg' | 'webp', Buffer> = {
    png: await sharp(noise, raw).png().toBuffer(),
    jpeg: await sharp(noise, raw).jpeg({ quality: 90 }).toBuffer(),
    webp: await sharp(noise, raw).webp({ quality: 90 }).toBuffer(),
  };
  const text = { parameters: PARAMS, provenance: PROVENANCE, comfyGraph: null };
  const rows: BenchRow[] = [];
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    const bytes = files[format];
    const ours = await median(() =>
      embedText({ bytes, format: format as OutgoingFormat }, text, 'full', 'Atelier'),
    );
    const reencode = await median(() =>
      sharp(bytes)
        .withExif({ IFD0: { ImageDescription: PARAMS } })
        .withXmp(PROVENANCE)
        .toFormat(format)
        .toBuffer(),
    );
    const ratio = ours / reencode;
    rows.push({
      name: `${format.toUpperCase()} ${SIDE}² (${(bytes.length / 1e6).toFixed(1)} MB): embed ÷ sharp re-encode`,
      value: `${ratio.toFixed(3)}× (${ours.toFixed(1)} ms vs ${reencode.toFixed(1)} ms)`,
      goal: `≤ ${GOAL}×`,
      ok: ratio <= GOAL,
    });
  }
  return rows;
}

if (isMain(import.meta.url)) printTable('Metadata out', await benchMetadataOut());
