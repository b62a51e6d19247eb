// History's gallery: true aspect ratios in justified rows, density, multi-select, list view, the viewer's arrows.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { addOpenAIKey, expect, openScreen, test } from './fixtures';

const SHOTS = 'test-results/history-gallery';

async function generateIn(page: Page, prompt: string, ratio: string, images = 1): Promise<void> {
  await openScreen(page, 'Generate');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.locator('main').getByTitle(ratio, { exact: true }).click();
  await expect(page.getByRole('radio', { name: ratio, exact: true })).toBeChecked();
  await page.getByRole('spinbutton', { name: 'Images' }).fill(String(images));
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  const image = page.getByRole('img', { name: prompt }).first();
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
}

async function box(selector: Locator) {
  const found = await selector.boundingBox();
  if (!found) throw new Error('element has no box');
  return found;
}

test('the gallery shows true shapes, changes density, selects ranges, lists columns and steps the viewer', async ({
  app,
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-gallery-key-0015');
  await generateIn(page, 'a wide harbour at dawn', '16:9');
  await generateIn(page, 'a tall lighthouse at dusk', '9:16');
  await generateIn(page, 'a wide field of poppies', '16:9');
  await generateIn(page, 'a square tile of moss', '1:1', 2);

  await openScreen(page, 'History');
  const tile = (id: number) => page.getByRole('button', { name: new RegExp(`^Run ${id}: `) });
  for (const id of [1, 2, 3, 4]) {
    await expect
      .poll(() =>
        tile(id)
          .getByRole('img')
          .evaluate((img: HTMLImageElement) => img.naturalWidth),
      )
      .toBeGreaterThan(0);
  }

  // Thumbnail tiers (shared/thumbs.ts): at the default density the square tile (~150 px) shows the 192 px file.
  const shownFile = (id: number) =>
    tile(id)
      .getByRole('img')
      .evaluate((img: HTMLImageElement) => (img.complete && img.naturalWidth > 0 ? img.currentSrc : ''));
  await expect.poll(() => shownFile(4)).toMatch(/\/thumbs\/[0-9a-f]{2}\/[0-9a-f]{64}\.192\.webp\?/);
  const smallOf4 = await shownFile(4);

  // True aspect: the 16:9 tile is wider than the 9:16 one, and each box keeps its image's own shape
  // (gpt-image draws 16:9 as 1536×1024).
  const natural = (id: number) =>
    tile(id)
      .getByRole('img')
      .evaluate((img: HTMLImageElement) => img.naturalWidth / img.naturalHeight);
  const wide = await box(tile(1));
  const tall = await box(tile(2));
  expect(wide.width).toBeGreaterThan(tall.width * 2);
  expect(wide.width / wide.height).toBeCloseTo(await natural(1), 1);
  expect(tall.width / tall.height).toBeCloseTo(await natural(2), 1);
  await page.screenshot({ path: `${SHOTS}/grid-1440.png` });

  // Density: more per row means lower rows; the choice survives a reload.
  const density = page.getByRole('slider', { name: 'Images per row' });
  await density.focus();
  await page.keyboard.press('Home');
  await expect(density).toHaveValue('4');
  const at4 = (await box(tile(4))).height;
  // At density 4 in a 1920 px window the square tile is ~350 px wide: the browser takes the 384 px thumbnail.
  // (At 1440 px the board sidebar leaves ~200 px a tile, which the 192 px file still covers.)
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expect.poll(() => shownFile(4)).toMatch(/\/thumbs\/[0-9a-f]{2}\/[0-9a-f]{64}\.webp\?/);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.keyboard.press('End');
  await expect(density).toHaveValue('12');
  await expect.poll(async () => (await box(tile(4))).height).toBeLessThan(at4 / 2);
  // "Per row 12" holds at the grid's own width, which the board sidebar narrows: the four tiles sit in the
  // open row at its target height, that of twelve squares and their eleven 6 px gaps across the grid.
  const gridWidth = await page.locator('.vgrid').evaluate((grid) => grid.clientWidth);
  expect(gridWidth).toBeLessThan(1440 - 220);
  expect((await box(tile(4))).height).toBeCloseTo((gridWidth - 11 * 6) / 12, -1);
  await page.screenshot({ path: `${SHOTS}/grid-dense-1440.png` });
  // A library from before the small tier: a small thumbnail that is not there is made on its first request.
  const smallUrl = smallOf4.split('#')[0]!;
  for (const file of readdirSync(path.join(app.dataDir, 'thumbs'), { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.192.webp')) rmSync(path.join(app.dataDir, 'thumbs', file));
  }
  const made = await page.evaluate(async (url) => {
    const response = await fetch(url, { cache: 'no-store' });
    return [response.status, response.headers.get('content-type'), (await response.arrayBuffer()).byteLength];
  }, smallUrl);
  expect(made.slice(0, 2)).toEqual([200, 'image/webp']);
  expect(made[2]).toBeGreaterThan(0);
  await page.reload();
  await openScreen(page, 'History');
  await expect(page.getByRole('slider', { name: 'Images per row' })).toHaveValue('12');
  await page.getByRole('slider', { name: 'Images per row' }).fill('6');

  // Multi-select: Ctrl-click starts it, Shift-click takes a range (newest first: 4, 3, 2), a plain click
  // while selecting adds one, Esc clears.
  await tile(4).click({ modifiers: ['ControlOrMeta'] });
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected');
  await tile(2).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toHaveText('3 selected');
  await expect(tile(3)).toHaveAttribute('aria-pressed', 'true');
  await tile(1).click();
  await expect(page.getByTestId('selection-count')).toHaveText('4 selected');
  await page.screenshot({ path: `${SHOTS}/selection-1440.png` });
  await page.keyboard.press('Escape');
  await expect(page.getByRole('toolbar', { name: 'Selection' })).toBeHidden();
  // With nothing selected, a click opens the run's details.
  await tile(2).click();
  await expect(page.getByRole('heading', { name: 'Run 2' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { name: 'Run 2' })).toBeHidden();

  // Viewer: Enter opens the focused run; the arrow key steps to the next one in the gallery's order.
  await tile(3).focus();
  await page.keyboard.press('Enter');
  const viewer = page.getByRole('dialog', { name: /Image \d of 4/ });
  await expect(viewer.getByRole('img', { name: 'a wide field of poppies' })).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await expect(viewer.getByRole('img', { name: 'a tall lighthouse at dusk' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // A two-image run is one tile with a count; "Every image" gives its second image a tile of its own.
  // (The count badge, not any "2": the quality badge may read "2 checks".)
  await expect(tile(4).getByTitle('2 images', { exact: true })).toBeVisible();
  await page.getByRole('checkbox', { name: 'Every image' }).check();
  const second = page.getByRole('button', { name: /^Image 2 of Run 4: / });
  await expect
    .poll(() => second.getByRole('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await expect(tile(4).getByTitle('2 images', { exact: true })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/expanded-1440.png` });
  await page.getByRole('checkbox', { name: 'Every image' }).uncheck();
  await expect(second).toBeHidden();

  // List view: the columns, and a row per run with its provider and date.
  await page.getByText('List', { exact: true }).click();
  for (const column of ['Prompt', 'Provider', 'Model', 'Seed', 'Rating', 'Cost', 'Date'])
    await expect(page.locator('.gallery-list__head').getByText(column, { exact: true })).toBeVisible();
  await expect(tile(2)).toContainText('a tall lighthouse at dusk');
  await expect(tile(2)).toContainText('OpenAI');
  await page.screenshot({ path: `${SHOTS}/list-1440.png` });
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.screenshot({ path: `${SHOTS}/list-1024.png` });
  // The date fits its column even at 1024 px (this year's runs: day and time; the whole moment as its tooltip).
  const date = tile(2).locator(':scope > span').last();
  await expect(date).toHaveAttribute('title', /\d/);
  expect(await date.evaluate((cell) => cell.scrollWidth <= cell.clientWidth)).toBe(true);
  // The header's columns line up with the rows' (same left edge for each, to the pixel).
  const lefts = (row: Locator) =>
    row
      .locator(':scope > span')
      .evaluateAll((cells) => cells.map((c) => Math.round(c.getBoundingClientRect().left)));
  expect(await lefts(page.locator('.gallery-list__head'))).toEqual(await lefts(tile(2)));
  await page.getByText('Grid', { exact: true }).click();
  await expect(tile(1).getByRole('img')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/grid-1024.png` });
});
