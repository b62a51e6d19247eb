// Errors carry their fix as data (issue 8, item 3): the card offers the Settings tab that mends it.
import { addOpenAIKey, expect, startGeneration, test } from './fixtures';

test('a rejected key offers Settings → API keys, and the button goes there', async ({
  app,
  openai,
  page,
}) => {
  openai.setScenario('invalid_api_key');
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-wrong-key-9999');
  await startGeneration(page, 'a lighthouse at dusk');

  const alert = page.getByRole('alert').filter({ hasText: 'rejected the API key' });
  await expect(alert).toHaveAttribute('data-fix', 'keys');
  await page.screenshot({ path: 'test-results/error-details-key.png' });
  await alert.getByRole('button', { name: 'Open Settings → API keys' }).click();
  await expect(page.getByRole('tab', { name: 'API keys' })).toHaveAttribute('aria-selected', 'true');
});

test('a request over a budget offers Settings → Budgets', async ({ app, page }) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-budget-key-0000');
  await page.getByRole('tab', { name: 'Budgets' }).click();
  await page.getByLabel('Overall daily budget (USD)').fill('0.01');
  await page.getByRole('button', { name: 'Save budgets' }).click();
  await expect(page.getByText('Budgets saved.')).toBeVisible();

  await startGeneration(page, 'a copper kettle');
  const alert = page.getByRole('alert').filter({ hasText: 'Budget reached' });
  await expect(alert).toHaveAttribute('data-fix', 'budgets');
  await page.screenshot({ path: 'test-results/error-details-budget.png' });
  await alert.getByRole('button', { name: 'Open Settings → Budgets' }).click();
  await expect(page.getByRole('tab', { name: 'Budgets' })).toHaveAttribute('aria-selected', 'true');
});
