import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { LeonardoDouble } from '../test/doubles/leonardo-double';
import { expect, openScreen, testWithLeonardo } from './fixtures';

// Issue 9, run actions and lineage: branch from a seed and see the lineage; reproduce exactly.
// Leonardo (which takes seeds) and OpenAI doubles with keys given at launch; the default route reaches Leonardo.
const test = testWithLeonardo('e2e-history-review');

function seedsSent(leonardo: LeonardoDouble): Array<number | undefined> {
  return leonardo.requests
    .filter((r) => r.method === 'POST' && r.path === '/api/rest/v1/generations')
    .map((r) => (r.body as { seed?: number }).seed);
}

async function generateWithSeed(page: Page, prompt: string, seed: string) {
  await openScreen(page, 'Generate');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.getByRole('textbox', { name: 'Seed' }).fill(seed);
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
}

test('branch from a seed: Generate opens with the seed locked, the child records its parent and shows what differs', async ({
  app,
  leonardo,
  page,
}) => {
  await page.goto(app.launchUrl);
  await generateWithSeed(page, 'a heron standing in reeds', '424242');

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a heron/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Branch from seed' }).click();

  await expect(page.getByText('Branching from Run 1, seed 424242 locked')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Seed' })).toHaveValue('424242');
  const prompt = page.getByRole('textbox', { name: 'Prompt', exact: true });
  await expect(prompt).toHaveValue('a heron standing in reeds');
  await prompt.fill('a heron standing in reeds, golden hour');
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(
    page.getByRole('img', { name: 'a heron standing in reeds, golden hour' }).first(),
  ).toBeVisible();
  expect(seedsSent(leonardo)).toEqual([424242, 424242]);

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 2: a heron/ }).click();
  const lineage = dialog.getByRole('region', { name: 'Lineage' });
  await expect(lineage).toContainText('Branch of Run 1');
  const diff = lineage.getByRole('definition').first();
  await expect(diff).toContainText('a heron standing in reeds → a heron standing in reeds, golden hour');
  await page.screenshot({ path: 'test-results/history-review-lineage-child.png' });

  // The parent lists its child; the link opens it.
  await lineage.getByRole('button', { name: /^Run 1/ }).click();
  await expect(dialog.getByRole('heading', { name: 'Run 1' })).toBeVisible();
  const parentLineage = dialog.getByRole('region', { name: 'Lineage' });
  await expect(parentLineage).toContainText('Made from this run');
  await parentLineage.getByRole('button', { name: /^Run 2/ }).click();
  await expect(dialog.getByRole('heading', { name: 'Run 2' })).toBeVisible();
});

test('reproduce exactly pins provider, model and seed; a provider without seeds says why it cannot', async ({
  app,
  leonardo,
  page,
}) => {
  await page.goto(app.launchUrl);
  await generateWithSeed(page, 'a lighthouse at dusk', '777');
  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a lighthouse/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Reproduce exactly' }).click();
  await expect(dialog.getByRole('heading', { name: 'Run 2' })).toBeVisible();
  await expect(dialog.getByRole('region', { name: 'Lineage' })).toContainText('Reproduction of Run 1');
  await expect(dialog.getByText('Done', { exact: true }).first()).toBeVisible();
  await expect(dialog.getByRole('region', { name: 'Lineage' })).toContainText('Same settings as its parent.');
  expect(seedsSent(leonardo)).toEqual([777, 777]);
  await page.screenshot({ path: 'test-results/history-review-reproduce.png' });

  // OpenAI takes no seed: Reproduce is off and the dialog says so in words.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await openScreen(page, 'Generate');
  await page.getByRole('combobox', { name: 'Provider' }).selectOption({ label: 'OpenAI' });
  await page.getByRole('textbox', { name: 'Seed' }).fill('');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('a paper boat');
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('img', { name: 'a paper boat' }).first()).toBeVisible();
  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 3: a paper boat/ }).click();
  await expect(dialog.getByText('Cannot reproduce exactly.')).toBeVisible();
  await expect(dialog).toContainText('takes no seed, so every run draws a new image');
  await expect(dialog.getByRole('button', { name: 'Reproduce exactly' })).toBeDisabled();
});

test('review ten outputs from the keyboard, one rejected with a reason, one approval undone', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  await openScreen(page, 'Generate');
  const prompt = page.getByRole('textbox', { name: 'Prompt', exact: true });
  for (let i = 1; i <= 10; i++) {
    await prompt.fill(`tile study ${i}`);
    await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  }
  const nav = page.getByRole('navigation');
  await expect(nav.getByRole('link', { name: /Review/ })).toContainText('10', { timeout: 30_000 });

  await nav.getByRole('link', { name: /Review/ }).click();
  const side = page.getByRole('complementary', { name: 'Review' });
  await expect(side).toContainText('Image 1 of 10 · 0 reviewed');
  // The stage shows the original, with its thumbnail painted behind it while it loads.
  const stage = page.locator('.review__img');
  await expect.poll(() => stage.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  expect(await stage.evaluate((img: HTMLImageElement) => img.currentSrc)).toMatch(/\/media\/media\//);
  expect(await stage.evaluate((img) => getComputedStyle(img).backgroundImage)).toMatch(/\/thumbs\//);
  // Originals gone from the library folder (moved by hand, a disk cleaned up): the queue goes on with the
  // thumbnails and says so, rather than showing a broken image. (The browser's cache, which would still hold
  // the content-addressed originals, is turned off for the rest of the test.)
  rmSync(path.join(app.dataDir, 'media'), { recursive: true, force: true });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.reload();
  await page
    .getByRole('navigation')
    .getByRole('link', { name: /Review/ })
    .click();
  await expect(side).toContainText('Image 1 of 10 · 0 reviewed');
  await expect(page.getByRole('status').filter({ hasText: 'The original file is missing' })).toBeVisible();
  await expect.poll(() => stage.evaluate((img: HTMLImageElement) => img.currentSrc)).toMatch(/\/thumbs\//);
  await expect.poll(() => stage.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

  await page.getByLabel('Approval reference (optional)').fill('LEGAL-2041');
  await page.getByLabel('Approval reference (optional)').press('Enter');

  for (let i = 1; i <= 3; i++) await page.keyboard.press('a');
  await expect(side).toContainText('Image 4 of 10 · 3 reviewed');
  // The fourth: rated 2, then rejected for anatomy (X, then its digit in the picker).
  await page.keyboard.press('2');
  await page.keyboard.press('x');
  const picker = page.getByRole('listbox', { name: 'Reject reason' });
  await expect(picker.getByRole('option', { name: /Anatomy/ })).toBeVisible();
  await page.screenshot({ path: 'test-results/history-review-queue-picker.png' });
  await page.keyboard.press('2');
  await expect(side).toContainText('Rejected');
  await expect(side).toContainText('Anatomy');
  await page.keyboard.press('ArrowRight');
  // Approve the fifth, then undo: it is pending again and the cursor is back on it.
  await page.keyboard.press('a');
  await expect(side).toContainText('Image 6 of 10 · 5 reviewed');
  await page.keyboard.press('z');
  await expect(side).toContainText('Image 5 of 10 · 4 reviewed');
  await expect(side).toContainText('Pending');
  await page.keyboard.press('f');
  await expect(side).toContainText('Favourite');
  for (let i = 5; i <= 10; i++) await page.keyboard.press('a');
  await expect(side).toContainText('10 reviewed');
  await expect(nav.getByRole('link', { name: /Review/ })).not.toContainText(/\d/);
  await page.screenshot({ path: 'test-results/history-review-queue-done.png' });
});

test('trash and restore: a deleted run leaves History, waits in Trash, and comes back', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  await generateWithSeed(page, 'a copper kettle', '12');
  await generateWithSeed(page, 'a glass jar', '13');
  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a copper kettle/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Move to trash' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: /^Run 1: a copper kettle/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Run 2: a glass jar/ })).toBeVisible();

  await page.getByRole('navigation').getByRole('link', { name: 'Trash' }).click();
  const list = page.getByRole('list', { name: 'In the trash' });
  await expect(list).toContainText('Run 1');
  await page.screenshot({ path: 'test-results/history-review-trash.png' });
  await list.getByRole('button', { name: 'Restore run 1' }).click();
  await expect(page.getByText('The trash is empty')).toBeVisible();

  await openScreen(page, 'History');
  await expect(page.getByRole('button', { name: /^Run 1: a copper kettle/ })).toBeVisible();
});
