import type { Page } from '@playwright/test';
import { type GeminiDouble, startGeminiDouble } from '../test/doubles/gemini-double';
import { test as base, expect, openScreen, startServedApp } from './fixtures';

/** Gemini (first on the default route) delivers the image with a MEDIUM rating for sexually explicit content. */
const test = base.extend<{ gemini: GeminiDouble }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  gemini: async ({}, use) => {
    const double = await startGeminiDouble({ scenario: 'success_rated_medium' });
    await use(double);
    await double.close();
  },
  app: async ({ gemini }, use) => {
    const app = await startServedApp({
      ATELIER_ENDPOINT_GEMINI: gemini.url,
      // Shaped like a Google key (the double checks the shape), built at run time so no key-like literal is committed.
      ATELIER_KEY_GEMINI: `AIza${'e2e-safety'.padEnd(35, '0')}`,
    });
    await use(app);
    await app.stop();
  },
});

/** Opens the app and generates one image on the default route (Gemini answers). */
async function generateOne(page: Page, launchUrl: string) {
  await page.goto(launchUrl);
  await openScreen(page, 'Generate');
  const prompt = 'a lighthouse keeper reading by lamplight';
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
}

test("the provider's flag sits beside the NSFW check and sends the image to Review with who flagged it", async ({
  app,
  page,
}) => {
  await generateOne(page, app.launchUrl);

  // The model passes the double's gradient; Gemini's MEDIUM rating alone puts it in Review, saying so.
  await page
    .getByRole('navigation')
    .getByRole('link', { name: /^Review/ })
    .click();
  const why = page.getByRole('region', { name: 'Why flagged' });
  await expect(why).toContainText('NSFW');
  await expect(why).toContainText(
    "Flagged by Gemini's safety ratings (sexually explicit: medium), though the NSFW model scored it under its thresholds",
  );
  await expect(why.getByTestId('output-provider-safety')).toContainText('Flagged');

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a lighthouse keeper/ }).click();
  const dialog = page.getByRole('dialog');
  // Beside the NSFW check in the list of checks, not a second time under the image.
  const checks = dialog.getByRole('region', { name: 'Checks' });
  const nsfwRow = checks.getByRole('listitem').filter({ hasText: 'NSFW' });
  const safety = nsfwRow.getByTestId('output-provider-safety');
  await expect(safety).toContainText("Gemini's safety ratings");
  await expect(safety).toContainText('Flagged');
  await expect(safety).toContainText('sexually explicit: medium');
  // The negligible ratings stay in the tooltip, as sent.
  await expect(safety).not.toContainText('hate speech');
  await expect(safety).toHaveAttribute('title', /hate speech: negligible/);
  await expect(nsfwRow).toContainText('Failed');
  await expect(dialog.getByTestId('output-provider-safety')).toHaveCount(1);
  await page.screenshot({ path: test.info().outputPath('run-dialog-safety.png') });
});

test.describe('without the models module', () => {
  test.use({
    app: async ({ gemini }, use) => {
      const app = await startServedApp({
        ATELIER_ENDPOINT_GEMINI: gemini.url,
        ATELIER_KEY_GEMINI: `AIza${'e2e-safety'.padEnd(35, '0')}`,
        ATELIER_QUALITY_MODELS: 'none',
      });
      await use(app);
      await app.stop();
    },
  });

  test("the run dialog shows the provider's own safety verdict under the image", async ({ app, page }) => {
    await generateOne(page, app.launchUrl);

    await openScreen(page, 'History');
    await page.getByRole('button', { name: /^Run 1: a lighthouse keeper/ }).click();
    const safety = page.getByTestId('output-provider-safety');
    await expect(safety).toContainText("Gemini's safety ratings");
    await expect(safety).toContainText('Flagged');
    await expect(safety).toContainText('sexually explicit: medium');
    // With the model missing the check fails on the provider's flag, and the reason keeps the cause.
    const nsfwRow = page
      .getByRole('dialog')
      .getByRole('region', { name: 'Checks' })
      .getByRole('listitem')
      .filter({ hasText: 'NSFW' });
    await expect(nsfwRow).toContainText(
      "Flagged by Gemini's safety ratings (sexually explicit: medium); the NSFW model did not run",
    );
    await expect(page.getByTestId('output-provider-safety')).toHaveCount(1);
  });
});
