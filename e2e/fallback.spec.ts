import { type GeminiDouble, startGeminiDouble } from '../test/doubles/gemini-double';
import { addOpenAIKey, test as base, expect, openScreen, startServedApp } from './fixtures';

/** The default route starts with Gemini; here its double answers 429 so the image must come from the fallback. */
const test = base.extend<{ gemini: GeminiDouble }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  gemini: async ({}, use) => {
    const double = await startGeminiDouble({ scenario: 'rate_limited' });
    await use(double);
    await double.close();
  },
  app: async ({ openai, gemini }, use) => {
    const app = await startServedApp({
      ATELIER_ENDPOINT_OPENAI: openai.url,
      ATELIER_ENDPOINT_GEMINI: gemini.url,
      // Shaped like a Google key (the double checks the shape), built at run time so no key-like literal is committed.
      ATELIER_KEY_GEMINI: `AIza${'e2e-fallback'.padEnd(35, '0')}`,
    });
    await use(app);
    await app.stop();
  },
});

test('the primary answers 429, the image comes from the fallback, and the timeline shows both', async ({
  app,
  gemini,
  openai,
  page,
}) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-fallback-0002');
  await openScreen(page, 'Generate');
  const prompt = 'a paper crane on a marble desk, morning light';
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();

  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
  expect(gemini.requests.filter((r) => r.path.includes(':generateContent')).length).toBeGreaterThanOrEqual(1);
  expect(openai.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(1);

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a paper crane/ }).click();
  const attempts = page.getByRole('list', { name: 'Attempts' });
  await expect(attempts).toContainText(/Gemini/);
  await expect(attempts).toContainText(/rate limited/i);
  await expect(attempts).toContainText('429');
  await expect(attempts).toContainText(/OpenAI/);
  await expect(attempts.getByRole('listitem').last()).toContainText(/ok/i);
});
