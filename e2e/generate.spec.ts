import { addOpenAIKey, expect, openScreen, startGeneration, test } from './fixtures';

test('first start shows what to do next instead of an empty screen', async ({ app, page }) => {
  await page.goto(app.launchUrl);
  await expect(page.getByRole('button', { name: 'Add an API key' })).toBeVisible();
  // The token left the address bar once read.
  await expect.poll(() => page.url()).not.toContain('token=');
});

test('add a key, generate, see the thumbnail, open the details', async ({ app, openai, page }) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-test-key-0001');
  const prompt = 'a brass teapot on a linen cloth, soft window light';
  await startGeneration(page, prompt, 'blurry, watermark');

  const image = page.getByRole('img', { name: prompt }).first();
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  expect(openai.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(1);

  await openScreen(page, 'History');
  const card = page.getByRole('button', { name: /^Run 1: a brass teapot/ });
  const thumbnail = card.getByRole('img');
  await expect(thumbnail).toBeVisible();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await card.click();
  await expect(page.getByRole('heading', { name: 'Run 1' })).toBeVisible();
  await expect(page.getByText('blurry, watermark').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copy seed' })).toBeVisible();
  const attempts = page.getByRole('list', { name: 'Attempts' });
  // The default route tries Gemini and Leonardo first; without their keys they are skipped, and say so.
  // Named as the catalog names them; the model id stays behind "What Atelier sent".
  await expect(attempts.getByRole('listitem').last()).toContainText('OpenAI · GPT Image 1');
  await expect(attempts).toContainText(/skipped/i);
});

test('a rejected key is shown as a readable error, not raw JSON', async ({ app, openai, page }) => {
  openai.setScenario('invalid_api_key');
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-wrong-key-9999');
  await startGeneration(page, 'a lighthouse at dusk');

  const alert = page.getByRole('alert');
  await expect(alert).toContainText('rejected the API key');
  await expect(alert).not.toContainText('{');
  await expect(alert).not.toContainText('sk-e2e-wrong-key');
});
