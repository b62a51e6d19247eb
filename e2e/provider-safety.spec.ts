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

test("the run dialog shows the provider's own safety verdict under the image", async ({ app, page }) => {
  await page.goto(app.launchUrl);
  await openScreen(page, 'Generate');
  const prompt = 'a lighthouse keeper reading by lamplight';
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a lighthouse keeper/ }).click();
  const safety = page.getByTestId('output-provider-safety');
  await expect(safety).toContainText("Gemini's safety ratings");
  await expect(safety).toContainText('Flagged');
  await expect(safety).toContainText('sexually explicit: medium');
  // The negligible ratings stay in the tooltip, as sent.
  await expect(safety).not.toContainText('hate speech');
  await expect(safety).toHaveAttribute('title', /hate speech: negligible/);
  await page.screenshot({ path: test.info().outputPath('run-dialog-safety.png') });
});
