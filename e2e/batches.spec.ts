import { addOpenAIKey, composeBatch, expect, openScreen, test } from './fixtures';

test('a 3 × 2 batch with one failing item: retried from the dead-letter list, then opened in History', async ({
  app,
  openai,
  page,
}) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-batches-0012');
  await openScreen(page, 'Generate');
  const prompt = 'a glass lighthouse at dusk, product shot';
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  // One of the six requests is refused by the provider's moderation: a permanent failure.
  openai.failNext('moderation_blocked');

  const dialog = await composeBatch(page, { variants: 3, aspectRatios: ['1:1', '16:9'] });
  const costs = dialog.getByRole('table');
  await expect(costs.getByRole('row', { name: /OpenAI 6/ })).toBeVisible();
  // gpt-image takes no seed: the dialog says its variants cannot be brought back by a seed.
  await expect(dialog.getByRole('note')).toContainText('OpenAI takes no seed');
  await dialog.getByRole('button', { name: 'Start 6 items' }).click();

  // The Batches screen: five succeed, one lands in the dead-letter list with its reason.
  await expect(page.getByRole('heading', { name: 'Batches', level: 1 })).toBeVisible();
  const row = page.getByTestId('batch-1');
  await expect(row.getByTestId('batch-facts')).toContainText('6 of 6 settled', { timeout: 20_000 });
  await expect(row.getByTestId('batch-facts')).toContainText('5 succeeded');
  await expect(row.getByTestId('batch-facts')).toContainText('1 failed');
  await expect(row.getByText('Done')).toBeVisible();
  // The batch just started opens with its items.
  await expect(row.getByRole('button', { name: 'Hide items' })).toBeVisible();
  const dead = row.getByRole('region', { name: 'Dead-letter list' }).getByRole('listitem');
  await expect(dead).toHaveCount(1);
  // Its reason in words, never the raw code.
  await expect(dead).toContainText('Blocked by content policy.');
  await expect(dead).not.toContainText('content_blocked');
  expect(openai.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(6);

  await dead.getByRole('button', { name: 'Retry', exact: true }).click();
  await expect(row.getByTestId('batch-facts')).toContainText('6 succeeded', { timeout: 20_000 });
  await expect(row.getByRole('region', { name: 'Dead-letter list' })).toContainText('No failed items.');
  expect(openai.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(7);

  // Open in History: the batch's runs only (the failed first try too), each with its coordinates.
  await row.getByRole('button', { name: 'Open in History' }).click();
  await expect(page.getByRole('button', { name: 'Stop showing only Batch 1' })).toBeVisible();
  const cards = page.getByTestId('card-batch');
  await expect(cards).toHaveCount(7);
  await expect(cards.filter({ hasText: '16:9 · variant 3' })).toHaveCount(1);
  await page.getByRole('button', { name: /^Run 1: a glass lighthouse/ }).click();
  await expect(page.getByTestId('detail-batch')).toContainText(/Batch 1, item \d · (1:1|16:9) · variant \d/);
  await page.keyboard.press('Escape');

  // Export… on the batch: History shows the batch and its Export dialog opens on it (six images).
  await openScreen(page, 'Batches');
  await page.getByTestId('batch-1').getByRole('button', { name: 'Export…' }).click();
  const exporter = page.getByRole('dialog', { name: 'Export' });
  await expect(exporter.getByRole('radio', { name: 'Current filter' })).toBeChecked();
  await expect(exporter.getByRole('heading', { name: '6 images' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Stop showing only Batch 1' })).toBeVisible();
});
