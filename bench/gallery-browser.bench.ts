// History in a real browser: the built app served on a data folder of 100,000 runs and 200,000 outputs
// (bench/gallery-folder.ts), driven in Chromium with Playwright. Times from navigation to the first row of
// thumbnails decoded on screen (within the app, and in a fresh tab), the frame intervals while scrolling
// through 5,000 runs at 8 per row (from requestAnimationFrame timestamps) with the main thread's CPU per frame
// (CDP Performance metrics), and the page's memory after the scroll. Needs `npm run build` first.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium, NO_BROWSER_MESSAGE } from '../e2e/browser';
import { type ServedApp, startServedApp } from '../e2e/served-app';
import { galleryFolder } from './gallery-folder';
import { type BenchRow, isMain, ms, percentile, printTable } from './report';

const FIRST_THUMBS_GOAL_MS = 300;
const FRAME_P95_GOAL_MS = 20;
/** The heap after scrolling 5,000 runs may exceed the one at 2,500 by this share at most: bounded, not growing. */
const HEAP_GROWTH_GOAL = 0.25;
const SCROLL_RUNS = 5_000;
const DENSITY = 8;
/** Scroll speed: a brisk wheel or trackpad fling, held. */
const PX_PER_FRAME = 60;
const SAMPLES = 5;
const VIEWPORT = { width: 1440, height: 900 };
const TOKEN_KEY = 'atelier.token';
/** The start-up sweep walks the 200,000 thumbnails a moment after launch; measuring waits it out. */
const SETTLE_MS = 8_000;

const ROOT = path.resolve(import.meta.dirname, '..');

/** Installed before any page script: density 8, and a probe resolving when the first row of thumbnails shows. */
function initScript(token: string, density: number) {
  return `
    sessionStorage.setItem(${JSON.stringify(TOKEN_KEY)}, ${JSON.stringify(token)});
    localStorage.setItem('atelier.history.layout', JSON.stringify({ density: ${density}, mode: 'grid', expanded: false }));
    // The first row is the grid's first row element (rows are laid out in order); read from the DOM alone, since
    // measuring boxes every frame would force layouts the page never asked for (≈25 ms of a 300 ms figure).
    window.__firstThumbs = () => new Promise((resolve) => {
      const check = async () => {
        const tiles = document.querySelectorAll('.history__scroll .gallery-tile__img').length;
        const first = document.querySelector('.history__scroll .vgrid__row');
        const row = first ? [...first.querySelectorAll('.gallery-tile__img')] : [];
        const slots = first ? first.querySelectorAll('.vgrid__tile').length : 0;
        if (tiles >= ${density} && row.length > 0 && row.length === slots && row.every((img) => img.complete && img.naturalWidth > 0)) {
          await Promise.all(row.map((img) => img.decode().catch(() => {})));
          requestAnimationFrame(() => resolve({ at: performance.now(), images: row.length }));
          return;
        }
        requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
    // Page-side, as plain script: the bench's own TypeScript is transformed in ways a page cannot run.
    window.__scrollTo = (until, step) => new Promise((resolve, reject) => {
      const scroller = document.querySelector('.history__scroll');
      if (!scroller) return reject(new Error('no History scroller'));
      const stamps = [];
      const frame = (ts) => {
        stamps.push(ts);
        scroller.scrollTop += step;
        const tiles = scroller.querySelectorAll('[data-index]');
        const last = Number(tiles[tiles.length - 1]?.dataset.index ?? 0);
        // A stall (pages not arriving) shows as long frames, never as an endless loop.
        if (last >= until || stamps.length > 20000) resolve({ stamps, last });
        else requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
  `;
}

async function newContext(browser: Browser, app: ServedApp): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const token = new URL(app.launchUrl).hash.replace(/^#/, '');
  await context.addInitScript(initScript(new URLSearchParams(token).get('token') ?? '', DENSITY));
  return context;
}

/** In the app: Generate is open and idle, then the History link is clicked. */
async function inAppSample(browser: Browser, app: ServedApp): Promise<number> {
  const context = await newContext(browser, app);
  try {
    const page = await context.newPage();
    await page.goto(`${app.origin}/#/generate`);
    await page.getByRole('navigation').getByRole('link', { name: 'History' }).waitFor();
    // The event stream stays open, so "network idle" never comes: Generate's start-up calls settle in this, and
    // so does the work the app does once idle (History's first page and first covers are fetched ahead). A click
    // within the first second after launch meets History unprepared: about 350–500 ms here at load 4–7.
    await page.waitForTimeout(2_000);
    return await page.evaluate(async () => {
      const link = [...document.querySelectorAll<HTMLAnchorElement>('nav a')].find(
        (a) => a.textContent?.trim().startsWith('History') ?? false,
      );
      if (!link) throw new Error('no History link in the navigation');
      const start = performance.now();
      const shown = (window as unknown as { __firstThumbs(): Promise<{ at: number }> }).__firstThumbs();
      link.click();
      return (await shown).at - start;
    });
  } finally {
    await context.close();
  }
}

/** A fresh tab opened at History: navigation start to the first row decoded (`warm`: the cache has the app). */
async function freshTabSample(browser: Browser, app: ServedApp, warm: boolean): Promise<number> {
  const context = await newContext(browser, app);
  try {
    if (warm) {
      const first = await context.newPage();
      await first.goto(`${app.origin}/#/history`);
      await first.evaluate(() =>
        (window as unknown as { __firstThumbs(): Promise<unknown> }).__firstThumbs(),
      );
      await first.close();
    }
    const page = await context.newPage();
    await page.goto(`${app.origin}/#/history`, { waitUntil: 'commit' });
    const shown = await page.evaluate(() =>
      (window as unknown as { __firstThumbs(): Promise<{ at: number }> }).__firstThumbs(),
    );
    return shown.at;
  } finally {
    await context.close();
  }
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

/** Scrolls at a steady speed until the tile `until` is rendered; the rAF timestamps of every frame. */
async function scrollTo(page: Page, until: number): Promise<{ stamps: number[]; last: number }> {
  return page.evaluate(
    ({ until, step }) =>
      (
        window as unknown as {
          __scrollTo(until: number, step: number): Promise<{ stamps: number[]; last: number }>;
        }
      ).__scrollTo(until, step),
    { until, step: PX_PER_FRAME },
  );
}

async function heapAfterGc(page: Page, cdp: CDPSession) {
  await cdp.send('HeapProfiler.collectGarbage');
  const m = await metrics(cdp);
  const jsHeap = await page.evaluate(
    () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
  );
  return { heap: m.JSHeapUsedSize ?? jsHeap, nodes: m.Nodes ?? 0, listeners: m.JSEventListeners ?? 0 };
}

async function scrollRun(browser: Browser, app: ServedApp) {
  const context = await newContext(browser, app);
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
    await page.goto(`${app.origin}/#/history`);
    await page.evaluate(() => (window as unknown as { __firstThumbs(): Promise<unknown> }).__firstThumbs());
    await page.waitForTimeout(1_000);
    const perRow = await page.evaluate(() => {
      const row = document.querySelector('.vgrid__row');
      return row ? row.querySelectorAll('.vgrid__tile').length : 0;
    });
    const start = await heapAfterGc(page, cdp);
    const before = await metrics(cdp);
    const half = await scrollTo(page, SCROLL_RUNS / 2);
    const mid = await metrics(cdp);
    const halfway = await heapAfterGc(page, cdp);
    const rest = await scrollTo(page, SCROLL_RUNS);
    const after = await metrics(cdp);
    const end = await heapAfterGc(page, cdp);
    const intervals: number[] = [];
    for (const stamps of [half.stamps, rest.stamps])
      for (let i = 1; i < stamps.length; i++) intervals.push(stamps[i]! - stamps[i - 1]!);
    intervals.sort((a, b) => a - b);
    const frames = half.stamps.length + rest.stamps.length;
    const busy = (name: string) => (after[name]! - mid[name]! + (mid[name]! - before[name]!)) * 1000;
    return { intervals, frames, perRow, busy, start, halfway, end, last: rest.last };
  } finally {
    await context.close();
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function median(samples: number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    50,
  );
}

export async function benchGalleryBrowser(): Promise<BenchRow[]> {
  if (!existsSync(path.join(ROOT, 'dist-electron', 'serve.mjs')) || !existsSync(path.join(ROOT, 'dist')))
    throw new Error('The browser bench serves the built app: run `npm run build` first.');
  const executablePath = findChromium();
  if (!executablePath) throw new Error(NO_BROWSER_MESSAGE);
  const log = (line: string) => process.stdout.write(`  ${line}\n`);
  const folder = await galleryFolder(log);
  const rows: BenchRow[] = [
    {
      name: `data folder: ${folder.runs.toLocaleString('en-US')} runs, ${folder.outputs.toLocaleString('en-US')} outputs with thumbnails`,
      value:
        folder.builtInSeconds > 0 ? `built in ${folder.builtInSeconds.toFixed(1)} s` : 'kept from before',
    },
  ];
  const app = await startServedApp({}, { dataDir: folder.dataDir });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    // Warm the server (its History snapshot, statement cache) as any second visit finds it.
    await inAppSample(browser, app);

    const inApp: number[] = [];
    const freshWarm: number[] = [];
    const freshCold: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      inApp.push(await inAppSample(browser, app));
      freshWarm.push(await freshTabSample(browser, app, true));
      freshCold.push(await freshTabSample(browser, app, false));
    }
    const firstRow = (name: string, samples: number[]) => {
      const p50 = median(samples);
      rows.push({
        name: `${name}, p50 of ${samples.length} (max ${ms(Math.max(...samples))})`,
        value: ms(p50),
        goal: `≤ ${FIRST_THUMBS_GOAL_MS} ms (${(p50 / FIRST_THUMBS_GOAL_MS).toFixed(2)}× goal)`,
        ok: p50 <= FIRST_THUMBS_GOAL_MS,
      });
    };
    firstRow('first row of thumbnails decoded: in-app navigation to History', inApp);
    firstRow('first row of thumbnails: fresh tab at History, app cached', freshWarm);
    firstRow('first row of thumbnails: fresh tab at History, empty cache', freshCold);

    const scroll = await scrollRun(browser, app);
    const p95 = percentile(scroll.intervals, 95);
    rows.push({
      name: `scroll through ${scroll.last.toLocaleString('en-US')} runs at density ${DENSITY} (${scroll.perRow} in the first row; ${PX_PER_FRAME} px a frame, ${scroll.frames} frames): frame interval p95`,
      value: ms(p95),
      goal: `≤ ${FRAME_P95_GOAL_MS} ms (${(p95 / FRAME_P95_GOAL_MS).toFixed(2)}× goal)`,
      ok: p95 <= FRAME_P95_GOAL_MS,
    });
    rows.push({ name: 'frame interval p50', value: ms(percentile(scroll.intervals, 50)) });
    rows.push({ name: 'frame interval p99', value: ms(percentile(scroll.intervals, 99)) });
    rows.push({
      name: 'main thread per frame: all tasks (script, style, layout)',
      value: `${ms(scroll.busy('TaskDuration') / scroll.frames)} (${ms(scroll.busy('ScriptDuration') / scroll.frames)}, ${ms(scroll.busy('RecalcStyleDuration') / scroll.frames)}, ${ms(scroll.busy('LayoutDuration') / scroll.frames)})`,
    });
    const growth = scroll.end.heap / scroll.halfway.heap - 1;
    rows.push({
      name: 'JS heap after GC: first page, 2,500 runs, 5,000 runs',
      value: `${mib(scroll.start.heap)}, ${mib(scroll.halfway.heap)}, ${mib(scroll.end.heap)}`,
      goal: `second half grows ≤ ${HEAP_GROWTH_GOAL * 100}% (${(growth * 100).toFixed(0)}%)`,
      ok: growth <= HEAP_GROWTH_GOAL,
    });
    rows.push({
      name: 'DOM nodes: first page, 2,500 runs, 5,000 runs',
      value: `${scroll.start.nodes}, ${scroll.halfway.nodes}, ${scroll.end.nodes}`,
    });
  } finally {
    await browser.close();
    await app.stop();
  }
  return rows;
}

if (isMain(import.meta.url)) printTable('History in the browser', await benchGalleryBrowser());
