import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { paintedText } from '../test/doubles/kit';
import { addOpenAIKey, expect, openScreen, startGeneration, test } from './fixtures';

// Issue 10, the quality gate, in the served app against the OpenAI double: checks run on a worker after
// ingest; a failed check or one that could not run puts the output in Review with its reason.

async function openReview(page: Page) {
  await page
    .getByRole('navigation')
    .getByRole('link', { name: /^Review/ })
    .click();
}

async function generate(page: Page, prompt: string) {
  await startGeneration(page, prompt);
  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
}

test.describe('without the models module', () => {
  test.use({
    app: async ({ openai }, use) => {
      const { startServedApp } = await import('./fixtures');
      // `none`: the models are missing whether or not dist-electron/quality-models.mjs is built.
      const app = await startServedApp({
        ATELIER_ENDPOINT_OPENAI: openai.url,
        ATELIER_QUALITY_MODELS: 'none',
      });
      await use(app);
      await app.stop();
    },
  });

  test('a near-duplicate output lands in Review with its reason; a missing model shows "not run"', async ({
    app,
    page,
  }) => {
    await page.goto(app.launchUrl);
    await addOpenAIKey(page, 'sk-e2e-quality-key-0001');
    // The double paints the same gradient for every image: the second run is a near-duplicate of the first.
    await generate(page, 'a lighthouse on a cliff at dusk');
    await generate(page, 'a lighthouse on a cliff at dawn');

    await openReview(page);
    const why = page.getByRole('region', { name: 'Why flagged' });
    await expect(why).toContainText('Not run');
    await expect(why).toContainText('the NSFW model could not load');
    await page.keyboard.press('ArrowRight');
    await expect(why).toContainText('Near-duplicate');
    await expect(why).toContainText('Nearly the same image as output 1 of run 1');
    await page.screenshot({ path: 'test-results/quality-review.png' });

    // History: the Checks filter (with its counts), the badge on the card, every check in the run dialog.
    await openScreen(page, 'History');
    const tiles = page.locator('.gallery-tile__img');
    await expect(tiles).toHaveCount(2);
    const checksFilter = page.getByRole('combobox', { name: 'Checks' });
    await expect(checksFilter.locator('option', { hasText: 'A check failed (1)' })).toHaveCount(1);
    await checksFilter.selectOption('failed');
    await expect(tiles).toHaveCount(1);
    await expect(tiles.first()).toHaveAttribute('alt', 'a lighthouse on a cliff at dawn');
    await checksFilter.selectOption('');
    await expect(tiles).toHaveCount(2);
    const card = page.getByRole('button', { name: /^Run 2: a lighthouse/ });
    await expect(card).toContainText('2 checks');
    await card.click();
    const checks = page.getByRole('dialog').getByRole('region', { name: 'Checks' });
    await expect(checks).toContainText('Size and aspect');
    await expect(checks).toContainText('Blank frame');
    await expect(checks).toContainText('Nearly the same image as output 1 of run 1');
    await page.screenshot({ path: 'test-results/quality-run-dialog.png' });
  });

  test('Settings → Quality saves thresholds and re-runs the library with progress', async ({ app, page }) => {
    await page.goto(app.launchUrl);
    await addOpenAIKey(page, 'sk-e2e-quality-key-0002');
    await generate(page, 'a paper boat on a puddle');
    await openScreen(page, 'Settings');
    await page.getByRole('tab', { name: 'Quality' }).click();
    await page.getByRole('checkbox', { name: 'NSFW on General' }).uncheck();
    await page.getByRole('spinbutton', { name: /Near-duplicate/ }).fill('4');
    await page.getByRole('button', { name: 'Save quality settings' }).click();
    await expect(page.getByRole('button', { name: 'Save quality settings' })).toBeDisabled();
    await page.getByRole('button', { name: 'Re-run checks on the library' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Done: 1 image checked' })).toBeVisible();
    await page.screenshot({ path: 'test-results/quality-settings.png' });

    await page.reload();
    await openScreen(page, 'Settings');
    await page.getByRole('tab', { name: 'Quality' }).click();
    await expect(page.getByRole('checkbox', { name: 'NSFW on General' })).not.toBeChecked();
    await expect(page.getByRole('spinbutton', { name: /Near-duplicate/ })).toHaveValue('4');
  });

  test('a reference the NSFW model could not classify says so on its card and in its detail', async ({
    app,
    page,
  }) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atelier-e2e-quality-ref-'));
    const file = path.join(dir, 'harbour.png');
    writeFileSync(file, await paintedText(320, 240, 'HARBOUR'));
    await page.goto(app.launchUrl);
    await openScreen(page, 'References');
    await page.getByLabel('Image files').setInputFiles(file);
    const card = page.getByRole('button', { name: /^harbour, 320×240, a check could not run$/ });
    await expect(card).toContainText('NSFW not run');
    await page.screenshot({ path: 'test-results/quality-reference-card.png' });
    await card.click();
    const checks = page.getByRole('dialog').getByRole('region', { name: 'Quality checks' });
    await expect(checks).toContainText('Not run');
    await expect(checks).toContainText('the NSFW model could not load');
    await page.screenshot({ path: 'test-results/quality-reference.png' });
    await page.keyboard.press('Escape');

    // The library re-run counts the reference with the images.
    await openScreen(page, 'Settings');
    await page.getByRole('tab', { name: 'Quality' }).click();
    await page.getByRole('button', { name: 'Re-run checks on the library' }).click();
    await expect(
      page.getByRole('status').filter({ hasText: 'Done: 0 images and 1 reference checked' }),
    ).toBeVisible();
  });
});

test('a text request whose image has the wrong text: Review shows expected and read text side by side', async ({
  app,
  openai,
  page,
}) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-quality-key-0003');
  // The double paints the sign misspelt, whatever the prompt asks for.
  openai.paintText('OPENN 24/7');
  await generate(page, 'a shop sign that reads "OPEN 24/7"');
  await openReview(page);
  const why = page.getByRole('region', { name: 'Why flagged' });
  await expect(why).toContainText('Text rendering');
  await expect(why).toContainText(/The text reads "OPENN ?24\/7", the prompt asks for "OPEN 24\/7"/);
  const diff = why.getByRole('region', { name: 'Expected and read text' });
  const [expected, read] = await Promise.all([
    diff.locator('.quality-diff__side').nth(0).textContent(),
    diff.locator('.quality-diff__side').nth(1).textContent(),
  ]);
  expect(expected).toBe('ExpectedOPEN 24/7');
  expect(read?.replace(/\s+/g, '')).toBe('ReadOPENN24/7');
  // Only the text failed: the sign is not blank, is the size asked for, and the NSFW model passed it.
  await expect(why.getByRole('listitem')).toHaveCount(1);
  await page.screenshot({ path: 'test-results/quality-text-diff.png' });

  // Spelled right, the next sign passes every check and never waits in Review for a reason.
  openai.paintText('OPEN 24/7');
  await generate(page, 'a shop sign that reads "OPEN 24/7", night');
  await openScreen(page, 'History');
  const card = page.getByRole('button', { name: /^Run 2: a shop sign/ });
  await card.click();
  const checks = page.getByRole('dialog').getByRole('region', { name: 'Checks' });
  await expect(checks.getByText('Passed', { exact: true })).toHaveCount(5);
  await expect(checks).toContainText('Text rendering');
});
