// The quality gate's offline models: load time at start, per-image time on a 1024×1024 output, memory.
// One thread each, as the gate's worker runs them. Figures are noisy on a shared 2-core machine.
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { createQualityModels } from '../electron/core/quality/models/index';
import { type BenchRow, isMain, percentile, printTable } from './report';

const SIDE = 1024;
const REPEATS = 15;
const GOALS = { loadMs: 5000, nsfwMs: 125, ocrMs: 175 };

/** A poster-like output: a colour gradient with two lines of text, encoded as PNG as providers send it. */
async function poster(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIDE}" height="${SIDE}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#f6d365"/><stop offset="1" stop-color="#fda085"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="780" cy="260" r="150" fill="#ffffff" opacity="0.5"/>
    <text x="512" y="560" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="96" text-anchor="middle" fill="#222">OPEN 24/7</text>
    <text x="512" y="700" font-family="DejaVu Sans, sans-serif" font-size="56" text-anchor="middle" fill="#333">Fresh bread daily</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function p50(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return percentile(samples, 50);
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

export async function benchQualityModels(): Promise<BenchRow[]> {
  const image = await poster();
  const rssBefore = process.memoryUsage().rss;
  const models = createQualityModels({ threads: 1 });
  try {
    let start = performance.now();
    const nsfw = await models.nsfw();
    const nsfwLoad = performance.now() - start;
    const rssNsfw = process.memoryUsage().rss;
    start = performance.now();
    const ocr = await models.ocr();
    const ocrLoad = performance.now() - start;
    const rssLoaded = process.memoryUsage().rss;
    const nsfwMs = await p50(() => nsfw.classify(image));
    const ocrMs = await p50(() => ocr.read(image));
    const rssAfter = process.memoryUsage().rss;
    return [
      {
        name: `NSFW load at start (${nsfw.version}, tfjs wasm)`,
        value: `${nsfwLoad.toFixed(0)} ms`,
        goal: `≤ ${GOALS.loadMs} ms`,
        ok: nsfwLoad <= GOALS.loadMs,
      },
      {
        name: `OCR load at start (${ocr.version}, onnxruntime cpu)`,
        value: `${ocrLoad.toFixed(0)} ms`,
        goal: `≤ ${GOALS.loadMs} ms`,
        ok: ocrLoad <= GOALS.loadMs,
      },
      {
        name: `NSFW classify, ${SIDE}×${SIDE} PNG, p50 (decode + scale included)`,
        value: `${nsfwMs.toFixed(1)} ms`,
        goal: `≤ ${GOALS.nsfwMs} ms`,
        ok: nsfwMs <= GOALS.nsfwMs,
      },
      {
        name: `OCR read, ${SIDE}×${SIDE} PNG with 2 lines, p50 (detector at 512 px)`,
        value: `${ocrMs.toFixed(1)} ms`,
        goal: `≤ ${GOALS.ocrMs} ms`,
        ok: ocrMs <= GOALS.ocrMs,
      },
      { name: 'RSS before loading', value: mb(rssBefore) },
      { name: 'RSS with the NSFW model loaded', value: `${mb(rssNsfw)} (+${mb(rssNsfw - rssBefore)})` },
      { name: 'RSS with both loaded', value: `${mb(rssLoaded)} (+${mb(rssLoaded - rssNsfw)} for OCR)` },
      { name: `RSS after ${REPEATS + 1} images each`, value: mb(rssAfter) },
    ];
  } finally {
    await models.dispose();
  }
}

if (isMain(import.meta.url)) printTable('quality-models', await benchQualityModels());
