// Metadata on files that leave: a downloaded original carries A1111 `parameters` (prompt, seed) and Atelier's
// provenance; Settings → Files set to strip makes the next download carry none. Copy for Midjourney copies the line.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import extractChunks from 'png-chunks-extract';
import { expect, openScreen, testWithLeonardo } from './fixtures';

const test = testWithLeonardo('e2e-metadata-out');
const SHOTS = 'test-results/metadata-out';

/** keyword → text of every tEXt / uncompressed iTXt chunk (the extractor checks each CRC). */
function pngTexts(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const chunk of extractChunks(readFileSync(file))) {
    const data = Buffer.from(chunk.data);
    const nul = data.indexOf(0);
    const keyword = data.toString('latin1', 0, nul);
    if (chunk.name === 'tEXt') out[keyword] = data.toString('latin1', nul + 1);
    if (chunk.name === 'iTXt')
      out[keyword] = data.toString('utf8', data.indexOf(0, data.indexOf(0, nul + 3) + 1) + 1);
  }
  return out;
}

async function saveFile(page: Page): Promise<string> {
  const dialog = page.getByRole('dialog');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Save file' }).first().click(),
  ]);
  expect(download.suggestedFilename()).toBe('atelier-run-1-1.png');
  const file = await download.path();
  if (!file) throw new Error('the download has no file');
  return file;
}

test('a downloaded original carries its parameters and provenance; with strip, the next one carries none', async ({
  app,
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(app.launchUrl);
  await openScreen(page, 'Generate');
  const prompt = 'a lighthouse on a cliff, storm light';
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.getByRole('textbox', { name: 'Seed' }).fill('424242');
  // Copy for Midjourney from the form: the request as Midjourney takes it.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const form = page.locator('main');
  await form.getByRole('button', { name: 'Copy for Midjourney' }).click();
  await expect(form.locator('.mj-copy__line')).toHaveText(`${prompt} --ar 1:1 --seed 424242`);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${prompt} --ar 1:1 --seed 424242`);
  await form.locator('.mj-copy').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/generate-form.png` });
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a lighthouse/ }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('heading', { name: 'Run 1' })).toBeVisible();

  const full = pngTexts(await saveFile(page));
  expect(full.parameters).toMatch(new RegExp(`^${prompt}\\n.*Seed: 424242, Size: \\d+x\\d+, Model: `));
  const provenance = JSON.parse(full.atelier ?? '{}');
  expect(provenance).toMatchObject({ schema: 'atelier.provenance', run: { id: 1, seed: 424242 } });

  // Copy for Midjourney from the run: its image's size and its recorded seed.
  await dialog.getByRole('button', { name: 'Copy for Midjourney' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'Copied for Midjourney' })).toBeVisible();
  await expect(dialog.locator('.mj-copy__line')).toHaveText(
    new RegExp(`^${prompt} --ar \\d+:\\d+ --seed 424242$`),
  );
  await page.screenshot({ path: `${SHOTS}/run-dialog.png` });
  await page.keyboard.press('Escape');

  await openScreen(page, 'Settings');
  await page.getByRole('tab', { name: 'Files' }).click();
  const strip = page.getByRole('radio', { name: /Strip everything/ });
  await expect(page.getByRole('radio', { name: /Parameters and provenance/ })).toBeChecked();
  await strip.check();
  await expect(strip).toBeChecked();
  await page.screenshot({ path: `${SHOTS}/settings-files.png` });
  // The choice is kept: a reload shows it again.
  await page.reload();
  await expect(page.getByRole('radio', { name: /Strip everything/ })).toBeChecked();

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a lighthouse/ }).click();
  await expect(page.getByRole('dialog').getByRole('heading', { name: 'Run 1' })).toBeVisible();
  expect(pngTexts(await saveFile(page))).toEqual({});
});
