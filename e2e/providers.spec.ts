import type { Locator, Page } from '@playwright/test';
import { addOpenAIKey, expect, openScreen, test } from './fixtures';

/** Settings → one of its tabs (Settings opens on API keys). */
async function openSettingsTab(
  page: Page,
  name: 'API keys' | 'Providers' | 'Routes' | 'Budgets' | 'Local GPU',
): Promise<void> {
  await openScreen(page, 'Settings');
  await page.getByRole('tab', { name }).click();
  await expect(page.getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true');
}

/** The provider ids of a route's chain, in order, as its "Provider for step N" boxes show them. */
function chainOrder(route: Locator): Promise<string[]> {
  return route
    .getByRole('list', { name: 'Chain' })
    .getByRole('combobox', { name: /^Provider for step \d+$/ })
    .evaluateAll((boxes) => boxes.map((box) => (box as HTMLSelectElement).value));
}

test('route editor: reorder a chain, save it, find it after a reload, reset it', async ({ app, page }) => {
  await page.goto(app.launchUrl);
  await openSettingsTab(page, 'Routes');
  const general = page.getByRole('group', { name: 'General', exact: true });
  const steps = general.getByRole('list', { name: 'Chain' }).getByRole('listitem');
  await expect(steps.first()).toBeVisible();
  const shipped = await chainOrder(general);
  expect(shipped.length).toBeGreaterThanOrEqual(2);
  const [first, second, ...rest] = shipped;
  const swapped = [second!, first!, ...rest];

  // Moved with the keyboard: focus stays on the step that moved.
  await steps.first().getByRole('button', { name: 'Move down' }).focus();
  await page.keyboard.press('Enter');
  await expect.poll(() => chainOrder(general)).toEqual(swapped);
  await expect(steps.nth(1).locator(':focus')).toHaveCount(1);
  await expect(steps.first().getByRole('button', { name: 'Move up' })).toBeDisabled();

  await general.getByRole('button', { name: 'Save route' }).click();
  await expect(general.getByText('Saved.')).toBeVisible();
  await expect(general.getByText('Customized')).toBeVisible();

  await page.reload();
  await openSettingsTab(page, 'Routes');
  await expect.poll(() => chainOrder(general)).toEqual(swapped);

  await general.getByRole('button', { name: 'Reset to default' }).click();
  await expect.poll(() => chainOrder(general)).toEqual(shipped);
  await expect(general.getByText('Customized')).toHaveCount(0);

  await page.reload();
  await openSettingsTab(page, 'Routes');
  await expect.poll(() => chainOrder(general)).toEqual(shipped);
});

test('route editor: steps can be added and removed, and an empty chain cannot be saved', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  await openSettingsTab(page, 'Routes');
  const draft = page.getByRole('group', { name: 'Fast draft', exact: true });
  const steps = draft.getByRole('list', { name: 'Chain' }).getByRole('listitem');
  await expect(steps.first()).toBeVisible();
  const count = await steps.count();

  await draft.getByRole('button', { name: 'Add step' }).click();
  await expect(steps).toHaveCount(count + 1);
  // The new step's provider box takes focus, ready to pick.
  await expect(steps.last().getByRole('combobox', { name: `Provider for step ${count + 1}` })).toBeFocused();

  while ((await steps.count()) > 0) await steps.first().getByRole('button', { name: 'Remove step' }).click();
  await expect(draft.getByRole('alert')).toContainText('at least one provider');
  await expect(draft.getByRole('button', { name: 'Save route' })).toBeDisabled();
});

test('the provider panel shows the OpenAI key as ready once one is added', async ({ app, page }) => {
  await page.goto(app.launchUrl);
  await openSettingsTab(page, 'Providers');
  const openai = page.getByRole('region', { name: 'OpenAI', exact: true });
  await expect(openai).toContainText('No key');

  await addOpenAIKey(page, 'sk-e2e-test-key-0002');
  await page.getByRole('tab', { name: 'Providers' }).click();
  await expect(openai).toContainText('Key ready');
  await expect(openai).toContainText('0002');
  await expect(openai).toContainText('Healthy');
  await expect(openai.getByRole('button', { name: 'Allowance' })).toBeVisible();
});

test('budgets are saved, shown again after a reload, and reach the provider panel', async ({ app, page }) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-test-key-0003');
  await page.getByRole('tab', { name: 'Budgets' }).click();

  const daily = page.getByLabel('Overall daily budget (USD)');
  const monthly = page.getByLabel('Overall monthly budget (USD)');
  const openaiDaily = page.getByRole('textbox', { name: 'OpenAI daily budget (USD)', exact: true });
  await expect(daily).toHaveValue('');
  await expect(page.getByText('Spent today')).toBeVisible();
  await daily.fill('5');
  await monthly.fill('50.50');
  await openaiDaily.fill('2');
  await page.getByRole('button', { name: 'Save budgets' }).click();
  await expect(page.getByText('Budgets saved.')).toBeVisible();

  await page.reload();
  await openSettingsTab(page, 'Budgets');
  await expect(daily).toHaveValue('5');
  await expect(monthly).toHaveValue('50.5');
  await expect(openaiDaily).toHaveValue('2');

  await page.getByRole('tab', { name: 'Providers' }).click();
  const openai = page.getByRole('region', { name: 'OpenAI', exact: true });
  await expect(openai.getByRole('meter', { name: 'OpenAI spend today' })).toHaveAttribute(
    'aria-valuetext',
    '$0.00 of $2.00',
  );

  // An amount that is not one is refused in place, and nothing is sent.
  await page.getByRole('tab', { name: 'Budgets' }).click();
  await daily.fill('five');
  await page.getByRole('button', { name: 'Save budgets' }).click();
  await expect(page.getByRole('alert')).toContainText('not valid');
  await expect(daily).toHaveAttribute('aria-invalid', 'true');
});

test('Generate routes by task on Auto, and Advanced remembers being open', async ({ app, page }) => {
  await page.goto(app.launchUrl);
  await openScreen(page, 'Generate');
  await expect(page.getByRole('combobox', { name: 'Task' })).toHaveValue('default');
  const provider = page.getByRole('combobox', { name: 'Provider', exact: true });
  await expect(provider).toHaveValue('');
  await expect(provider.locator('option:checked')).toHaveText(/^Auto \(route: .+\)$/);
  await expect(page.getByRole('list', { name: 'Route' }).getByRole('listitem').first()).toBeVisible();

  const advanced = page.getByRole('button', { name: 'Advanced' });
  await expect(advanced).toHaveAttribute('aria-expanded', 'false');
  await advanced.click();
  await expect(page.getByRole('checkbox', { name: 'Bypass cache' })).toBeVisible();
  // Steps and guidance appear only for a pinned model that takes them; Auto pins none.
  await expect(page.getByRole('spinbutton', { name: 'Steps' })).toHaveCount(0);

  await page.reload();
  await expect(page.getByRole('button', { name: 'Advanced' })).toHaveAttribute('aria-expanded', 'true');
});
