// Batches and export together, as issue 12 asks end to end: a 3 × 2 batch (seed variants × aspect ratios) with
// one item refused by the provider, retried from the dead-letter list until all six succeed; four outputs approved
// in Review; exported with a web and a social preset (alt text drafted through the OpenAI vision double or typed,
// then approved; the crop and its safe zone previewed); then the folder checked on disk: the names the template
// promises (computed from the runs, not from the manifest), each image's pixel size and format, and both manifests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { startPathRouter } from '../test/doubles/path-router';
import { startOpenAIVisionDouble, type VisionDouble } from '../test/doubles/vision-doubles';
import {
  approveInReview,
  callApi,
  composeBatch,
  expect,
  filesIn,
  leonardoEnv,
  openScreen,
  startServedApp,
  testWithLeonardo,
} from './fixtures';

/** Leonardo makes the images (it takes seeds); OpenAI's endpoint answers chat completions from the vision double. */
const test = testWithLeonardo('e2e-batch-export').extend<{ vision: VisionDouble }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  vision: async ({}, use) => {
    const double = await startOpenAIVisionDouble();
    await use(double);
    await double.close();
  },
  app: async ({ openai, leonardo, vision }, use) => {
    const router = await startPathRouter([{ prefix: '/v1/chat/completions', url: vision.url }], openai.url);
    const app = await startServedApp(
      leonardoEnv('e2e-batch-export', { openai: router.url, leonardo: leonardo.url }),
    );
    await use(app);
    await app.stop();
    await router.close();
  },
});

const PROMPT = 'a glass lighthouse at dusk, product shot';
const SLUG = 'a-glass-lighthouse-at-dusk-product-shot';
const TEMPLATE = '{preset}/{slug}-{seed}-{aspect}-{width}x{height}.{ext}';
/** The two presets and what resources/export-presets.json promises for them. */
const PRESETS = {
  'web-hero': {
    label: /Web hero/,
    format: 'webp',
    ext: 'webp',
    sizes: [
      [1920, 1080],
      [1280, 720],
    ],
  },
  'meta-feed': { label: /Meta feed/, format: 'jpeg', ext: 'jpg', sizes: [[1080, 1350]] },
} as const;

interface Run {
  id: number;
  seed: number | null;
  request: { prompt: string; aspectRatio: string };
  outputs: { id: number }[];
}
interface ManifestFile {
  file: string;
  width: number;
  height: number;
  format: string;
  preset: string;
  runId: number;
  outputId: number;
  prompt: string;
  seed: number;
  provider: string;
  model: string;
  altText: string;
  altTextApprovedBy: string | null;
  licence: string;
  batchId: number | null;
  batchItem: number | null;
  batchCoords: string | null;
}

test('a 3 × 2 batch with a failed item retried, four outputs approved and exported with two presets: folder, sizes and manifests on disk', async ({
  app,
  leonardo,
  vision,
  page,
}) => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'atelier-e2e-batch-export-'));
  try {
    await page.goto(app.launchUrl);
    await openScreen(page, 'Generate');
    await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(PROMPT);
    await page.getByRole('textbox', { name: 'Seed' }).fill('100');
    // One of the six requests is refused by Leonardo's moderation: a permanent failure, not fallen through.
    leonardo.failNext('moderation_blocked');

    // The batch: 3 variants × 2 aspect ratios, its cost per provider shown before it starts.
    const dialog = await composeBatch(page, { variants: 3, aspectRatios: ['1:1', '16:9'] });
    await expect(dialog.getByRole('table').getByRole('row', { name: /Leonardo\.Ai 6/ })).toBeVisible();
    await expect(dialog.getByRole('note')).toHaveCount(0); // Leonardo takes seeds: nothing to warn about
    await dialog.getByRole('button', { name: 'Start 6 items' }).click();

    const row = page.getByTestId('batch-1');
    const facts = row.getByTestId('batch-facts');
    await expect(facts).toContainText('6 of 6 settled', { timeout: 30_000 });
    await expect(facts).toContainText('5 succeeded');
    await expect(facts).toContainText('1 failed');
    const dead = row.getByRole('region', { name: 'Dead-letter list' }).getByRole('listitem');
    await expect(dead).toHaveCount(1);
    await expect(dead).toContainText('Blocked by content policy.');
    await expect(dead).toContainText(/(1:1|16:9) · variant [123]/);
    const created = () => leonardo.requests.filter((r) => r.path === '/api/rest/v1/generations').length;
    expect(created()).toBe(6);
    await dead.getByRole('button', { name: 'Retry', exact: true }).click();
    await expect(facts).toContainText('6 succeeded', { timeout: 30_000 });
    await expect(row.getByRole('region', { name: 'Dead-letter list' })).toContainText('No failed items.');
    expect(created()).toBe(7);
    await page.screenshot({ path: 'test-results/batch-export-batches.png', fullPage: true });

    // Review: four of the six approved.
    await approveInReview(page, 4, 6);

    // History → Export…: approved images (the default), a web and a social preset, a template naming the ratio.
    await openScreen(page, 'History');
    await page.getByRole('button', { name: 'Export…' }).click();
    const exporter = page.getByRole('dialog', { name: 'Export' });
    await expect(exporter.getByRole('radio', { name: 'Approved images' })).toBeChecked();
    await expect(exporter.getByRole('heading', { name: '4 images' })).toBeVisible();
    await expect(exporter.getByRole('checkbox', { name: PRESETS['web-hero'].label })).toBeChecked();
    await exporter.getByRole('checkbox', { name: PRESETS['meta-feed'].label }).check();
    await exporter.getByRole('textbox', { name: 'File names' }).fill(TEMPLATE);
    await exporter.getByRole('textbox', { name: 'Folder' }).fill(folder);
    await expect(exporter.getByText(/12 files from 4 images/)).toBeVisible();
    await expect(exporter.getByText(/4 image\(s\) need approved alt text/)).toBeVisible();
    await expect(exporter.getByRole('button', { name: /^Export 12 files/ })).toBeDisabled();

    // The names the template promises, from the approved outputs' runs (seed and requested aspect ratio).
    const { items } = await callApi<{ items: { outputId: number; runId: number }[] }>(app, 'export.items', {
      source: { kind: 'approved' },
    });
    expect(items).toHaveLength(4);
    const runs = new Map<number, Run>();
    for (const item of items)
      runs.set(item.outputId, await callApi<Run>(app, 'runs.get', { id: item.runId }));
    const expected = new Map<string, { outputId: number; width: number; height: number; format: string }>();
    for (const [outputId, run] of runs) {
      expect(run.request.prompt).toBe(PROMPT);
      expect([100, 101, 102]).toContain(run.seed);
      const aspect = run.request.aspectRatio.replace(':', 'x');
      for (const [preset, p] of Object.entries(PRESETS)) {
        for (const [width, height] of p.sizes) {
          expected.set(`${preset}/${SLUG}-${run.seed}-${aspect}-${width}x${height}.${p.ext}`, {
            outputId,
            width,
            height,
            format: p.format,
          });
        }
      }
    }
    expect(expected.size).toBe(12);
    // The dry run lists them before anything is written, each as a new file.
    const planned = exporter.getByRole('region', { name: 'Files' }).getByRole('listitem');
    await expect(planned).toHaveCount(12);
    for (const name of expected.keys()) await expect(planned.filter({ hasText: name })).toHaveCount(1);

    // Alt text: two drafted by the vision model through the OpenAI key, two typed; all four approved.
    const alts = new Map<number, string>();
    for (const [i, item] of items.entries()) {
      const entry = exporter.locator(`[data-output-id="${item.outputId}"]`);
      const box = entry.getByRole('textbox', { name: /^Alt text for image/ });
      const text = `Glass lighthouse at dusk, variant ${i + 1}, on a plain studio background.`;
      if (i < 2) {
        vision.setText(text);
        await entry.getByRole('button', { name: 'Draft' }).click();
        await expect(box).toHaveValue(text);
        await expect(entry).toContainText('Draft (openai:gpt-4o-mini)');
      } else {
        await box.fill(text);
      }
      await entry.getByRole('button', { name: 'Approve' }).click();
      await expect(entry).toContainText('Approved');
      alts.set(item.outputId, text);
    }
    expect(vision.requests.filter((r) => r.path === '/v1/chat/completions' && r.apiKey)).toHaveLength(2);
    await expect(exporter.getByText(/need approved alt text/)).toHaveCount(0);

    // The crop of the social preset, its text-safe zone drawn inside; nudged once.
    const crop = exporter.getByRole('figure', { name: /Crop for Meta feed/ });
    await exporter.getByRole('tab', { name: /Meta feed/ }).click();
    await expect(crop.locator('.export-crop__safe')).toBeVisible();
    await crop.getByRole('button', { name: 'Move crop right' }).click();
    await page.screenshot({ path: 'test-results/batch-export-dialog.png', fullPage: true });

    await exporter.getByRole('button', { name: /^Export 12 files/ }).click();
    await expect(exporter.getByRole('status')).toContainText('Done: 12 written', { timeout: 60_000 });

    // On disk: exactly the promised files and the two manifests, nothing staged left behind.
    expect(filesIn(folder)).toEqual([...expected.keys(), 'manifest.csv', 'manifest.json'].sort());
    for (const [file, want] of expected) {
      expect(await sharp(path.join(folder, file)).metadata(), file).toMatchObject({
        width: want.width,
        height: want.height,
        format: want.format,
      });
    }

    const manifest = JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as {
      files: ManifestFile[];
    };
    expect(manifest.files.map((f) => f.file).sort()).toEqual([...expected.keys()].sort());
    const csv = parse(readFileSync(path.join(folder, 'manifest.csv')), {
      bom: true,
      columns: true,
    }) as Record<string, string>[];
    expect(csv).toHaveLength(12);
    for (const entry of manifest.files) {
      const want = expected.get(entry.file);
      const run = want ? runs.get(want.outputId) : undefined;
      if (!want || !run) throw new Error(`manifest lists ${entry.file}, which was not promised`);
      expect(entry).toMatchObject({
        width: want.width,
        height: want.height,
        format: want.format,
        runId: run.id,
        outputId: want.outputId,
        prompt: PROMPT,
        seed: run.seed,
        provider: 'leonardo',
        altText: alts.get(want.outputId),
        batchId: 1,
      });
      expect(entry.model).toBeTruthy();
      expect(entry.altTextApprovedBy).not.toBeNull();
      expect(entry.batchItem).toBeGreaterThanOrEqual(1);
      expect(entry.batchCoords).toBe(`${run.request.aspectRatio} · variant ${(run.seed ?? 0) - 99}`);
      expect(entry.licence).toMatch(/Leonardo/);
      const line = csv.find((r) => r.file === entry.file);
      expect(line, entry.file).toMatchObject({
        runId: String(run.id),
        prompt: PROMPT,
        seed: String(run.seed),
        provider: 'leonardo',
        model: entry.model,
        altText: alts.get(want.outputId),
        licence: entry.licence,
        batchId: '1',
        batchCoords: entry.batchCoords,
      });
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
