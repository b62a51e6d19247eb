import type { LeonardoDouble } from '../test/doubles/leonardo-double';
import { expect, openScreen, testWithLeonardo } from './fixtures';

/**
 * Leonardo and OpenAI doubles with keys given at launch. The default route is Gemini (no key here, so
 * skipped) → Leonardo → OpenAI, so a run goes to Leonardo, which bills in credits.
 */
const test = testWithLeonardo('e2e-seed-budget');

function generations(leonardo: LeonardoDouble) {
  return leonardo.requests.filter((r) => r.method === 'POST' && r.path === '/api/rest/v1/generations');
}

async function generate(page: import('@playwright/test').Page, prompt: string) {
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
}

test('a typed seed is the seed of the run, without touching the lock', async ({ app, leonardo, page }) => {
  await page.goto(app.launchUrl);
  await openScreen(page, 'Generate');
  await page.getByRole('textbox', { name: 'Seed' }).fill('424242');
  await expect(page.getByRole('button', { name: 'Lock seed' })).toHaveAttribute('aria-pressed', 'true');
  const prompt = 'a heron standing in reeds, early mist';
  await generate(page, prompt);
  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
  expect(generations(leonardo).map((r) => (r.body as { seed?: number }).seed)).toEqual([424242]);

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a heron/ }).click();
  const dialog = page.getByRole('dialog');
  const seedRow = dialog.locator('.kv__row', { hasText: 'Seed' }).first();
  await expect(seedRow.locator('code')).toHaveText('424242');
  await expect(seedRow).not.toContainText('random');
});

test('a seed a provider cannot take is named on the form: skipped in a route, refused when pinned', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  await openScreen(page, 'Generate');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('a kite over dunes');
  // In the route, the provider that cannot take it is named as skipped for this seed.
  await page.getByRole('textbox', { name: 'Seed' }).fill('3000000000');
  await expect(page.getByText('Outside the seed range of Leonardo.Ai, so it is skipped.')).toBeVisible();
  await page.getByRole('combobox', { name: 'Provider' }).selectOption({ label: 'Leonardo.Ai' });
  await generate(page, 'a kite over dunes');
  await expect(page.getByText('Leonardo.Ai takes seeds from 0 to 2,147,483,647')).toBeVisible();
});

test('Leonardo credits count against the budget as ≈ $, and the next run over it is refused', async ({
  app,
  leonardo,
  openai,
  page,
}) => {
  await page.goto(app.launchUrl);
  await openScreen(page, 'Settings');
  await page.getByRole('tab', { name: 'Budgets' }).click();
  await page.getByLabel('Overall daily budget (USD)').fill('0.03');
  await page.getByRole('button', { name: 'Save budgets' }).click();
  await expect(page.getByText('Budgets saved.')).toBeVisible();

  await openScreen(page, 'Generate');
  const prompt = 'a copper kettle on a stove';
  await generate(page, prompt);
  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
  expect(generations(leonardo)).toHaveLength(1);

  // The double bills 16 credits for one final-quality image: at $0.0015 a credit, ≈ $0.024.
  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a copper kettle/ }).click();
  const costRow = page.getByRole('dialog').locator('.kv__row', { hasText: 'Cost' }).first();
  await expect(costRow).toContainText('≈ $0.024');
  await expect(costRow).toContainText('16 credits');
  await page.keyboard.press('Escape');

  await openScreen(page, 'Settings');
  await page.getByRole('tab', { name: 'Budgets' }).click();
  await expect(page.locator('.budget-card__spent').first()).toContainText('Spent today: ≈ $0.02');
  const leonardoRow = page.getByRole('row', { name: /Leonardo\.Ai/ });
  await expect(leonardoRow).toContainText('≈ $0.02');

  await openScreen(page, 'Generate');
  await generate(page, 'a second copper kettle');
  await expect(page.getByRole('alert')).toContainText(/budget/i);
  expect(generations(leonardo)).toHaveLength(1);
  expect(openai.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(0);
});
