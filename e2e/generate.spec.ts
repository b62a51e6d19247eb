import { expect, test } from './fixtures';

test('first start shows what to do next instead of an empty screen', async ({ app, page }) => {
  await page.goto(app.launchUrl);
  await expect(page.getByRole('button', { name: 'Add an API key' })).toBeVisible();
  // The token left the address bar once read.
  await expect.poll(() => page.url()).not.toContain('token=');
});

test('add a key, generate, see the thumbnail, open the details', async ({ app, openai, page }) => {
  await page.goto(app.launchUrl);
  await page
    .getByRole('link', { name: 'Settings' })
    .or(page.getByRole('button', { name: 'Settings' }))
    .first()
    .click();
  const row = page.getByRole('group', { name: 'OpenAI' });
  await row.getByRole('textbox', { name: 'OpenAI API key' }).fill('sk-e2e-test-key-0001');
  await row.getByRole('button', { name: 'Save key' }).click();
  await expect(row.getByText('0001')).toBeVisible();

  await page
    .getByRole('link', { name: 'Generate' })
    .or(page.getByRole('button', { name: 'Generate', exact: true }))
    .first()
    .click();
  await page
    .getByRole('textbox', { name: 'Prompt', exact: true })
    .fill('a brass teapot on a linen cloth, soft window light');
  await page.getByRole('textbox', { name: 'Negative prompt' }).fill('blurry, watermark');
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();

  const thumbnail = page
    .getByRole('img', { name: 'a brass teapot on a linen cloth, soft window light' })
    .first();
  await expect(thumbnail).toBeVisible();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  expect(openai.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(1);

  await page
    .getByRole('link', { name: 'History' })
    .or(page.getByRole('button', { name: 'History' }))
    .first()
    .click();
  const card = page.getByRole('button', { name: /^Run 1: a brass teapot/ });
  await expect(card.getByRole('img')).toBeVisible();
  await card.click();
  await expect(page.getByRole('heading', { name: 'Run 1' })).toBeVisible();
  await expect(page.getByText('blurry, watermark').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copy seed' })).toBeVisible();
  const attempts = page.getByRole('list', { name: 'Attempts' });
  await expect(attempts.getByRole('listitem')).toHaveCount(1);
  await expect(attempts).toContainText('gpt-image-1');
});

test('a rejected key is shown as a readable error, not raw JSON', async ({ app, openai, page }) => {
  openai.setScenario('invalid_api_key');
  await page.goto(app.launchUrl);
  await page
    .getByRole('link', { name: 'Settings' })
    .or(page.getByRole('button', { name: 'Settings' }))
    .first()
    .click();
  const row = page.getByRole('group', { name: 'OpenAI' });
  await row.getByRole('textbox', { name: 'OpenAI API key' }).fill('sk-e2e-wrong-key-9999');
  await row.getByRole('button', { name: 'Save key' }).click();
  await page
    .getByRole('link', { name: 'Generate' })
    .or(page.getByRole('button', { name: 'Generate', exact: true }))
    .first()
    .click();
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('a lighthouse at dusk');
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();

  const alert = page.getByRole('alert');
  await expect(alert).toContainText('rejected the API key');
  await expect(alert).not.toContainText('{');
  await expect(alert).not.toContainText('sk-e2e-wrong-key');
});
