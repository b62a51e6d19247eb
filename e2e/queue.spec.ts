import type { Page } from '@playwright/test';
import { addOpenAIKey, expect, openScreen, test } from './fixtures';

const PROMPTS = [
  'a heron standing in reeds at dawn',
  'a lighthouse on a cliff at dusk',
  'a paper crane on an oak desk',
] as const;

/** Types a prompt and presses Generate; the button stays usable while other runs are in flight. */
async function queueRun(page: Page, prompt: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  const generate = page.locator('main').getByRole('button', { name: 'Generate', exact: true });
  await expect(generate).toBeEnabled();
  await generate.click();
}

const inFlight = (page: Page) => page.getByRole('list', { name: 'In flight' }).getByRole('article');
const card = (page: Page, prompt: string) =>
  page.getByRole('list', { name: 'In flight' }).getByRole('article', { name: new RegExp(`: ${prompt}`) });

test('queue three runs, cancel the middle one, reload: the other two are still in flight, then finish', async ({
  app,
  openai,
  page,
}) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-queue-key-0001');
  openai.hold();
  await openScreen(page, 'Generate');
  for (const prompt of PROMPTS) await queueRun(page, prompt);

  await expect(inFlight(page)).toHaveCount(3);
  await expect(page.getByText('3 runs in flight. Generate queues another.')).toBeVisible();
  // All three are out to OpenAI at once (its catalog allows 4), each with its own progress.
  await expect.poll(() => openai.held).toBe(3);
  for (const prompt of PROMPTS) await expect(card(page, prompt)).toContainText('Generating with OpenAI');

  await card(page, PROMPTS[1])
    .getByRole('button', { name: /^Cancel run \d+$/ })
    .click();
  await expect(inFlight(page)).toHaveCount(2);
  await expect(card(page, PROMPTS[1])).toHaveCount(0);
  await expect.poll(() => openai.held).toBe(2);
  await expect(page.getByRole('heading', { name: /^Run \d+ was cancelled$/ })).toBeVisible();

  await page.reload();
  await openScreen(page, 'Generate');
  await expect(inFlight(page)).toHaveCount(2);
  await expect(card(page, PROMPTS[0])).toContainText('Generating with OpenAI');
  await expect(card(page, PROMPTS[2])).toContainText('Generating with OpenAI');
  await expect(card(page, PROMPTS[1])).toHaveCount(0);

  openai.release();
  await expect(inFlight(page)).toHaveCount(0);
  const result = page.getByRole('img', { name: PROMPTS[2] }).or(page.getByRole('img', { name: PROMPTS[0] }));
  await expect(result.first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'View details' }).first()).toBeVisible();

  const answered = openai.requests.filter((r) => r.path === '/v1/images/generations');
  expect(answered.map((r) => r.status).sort()).toEqual([200, 200, 499]);

  await openScreen(page, 'History');
  await expect(page.getByRole('button', { name: new RegExp(`: ${PROMPTS[0]}`) })).toBeVisible();
  await expect(page.getByRole('button', { name: new RegExp(`: ${PROMPTS[2]}`) })).toBeVisible();
});

test('with one OpenAI request at a time, later runs wait in line and say where they are', async ({
  app,
  openai,
  page,
}) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-queue-key-0002');
  await page.getByRole('tab', { name: 'Providers' }).click();
  const openaiCard = page.getByRole('region', { name: 'OpenAI', exact: true });
  await openaiCard.getByRole('button', { name: 'Allowance' }).click();
  await openaiCard.getByRole('spinbutton', { name: 'At once' }).fill('1');
  await openaiCard.getByRole('button', { name: 'Save allowance' }).click();
  await expect(openaiCard.getByText('Saved.')).toBeVisible();

  openai.hold();
  await openScreen(page, 'Generate');
  // Ctrl+Enter queues as the button does.
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(PROMPTS[0]);
  await page.keyboard.press('Control+Enter');
  await queueRun(page, PROMPTS[1]);
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(PROMPTS[2]);
  await page.keyboard.press('Control+Enter');

  await expect(inFlight(page)).toHaveCount(3);
  await expect(card(page, PROMPTS[0])).toContainText('Generating with OpenAI');
  await expect(card(page, PROMPTS[1])).toContainText('Waiting for OpenAI, next in line');
  await expect(card(page, PROMPTS[2])).toContainText('Waiting for OpenAI, 2nd in line');
  await expect.poll(() => openai.held).toBe(1);

  // Cancelling the one at the head of the line lets the next one go; the last moves up.
  await card(page, PROMPTS[0])
    .getByRole('button', { name: /^Cancel run \d+$/ })
    .click();
  await expect(card(page, PROMPTS[1])).toContainText('Generating with OpenAI');
  await expect(card(page, PROMPTS[2])).toContainText('Waiting for OpenAI, next in line');

  await page.reload();
  await openScreen(page, 'Generate');
  await expect(card(page, PROMPTS[1])).toContainText('Generating with OpenAI');
  await expect(card(page, PROMPTS[2])).toContainText('Waiting for OpenAI, next in line');

  openai.release();
  await expect(inFlight(page)).toHaveCount(0);
  await expect(page.getByRole('img', { name: PROMPTS[2] }).first()).toBeVisible();
  await page.getByText(/^Earlier results/).click();
  await expect(page.getByText(new RegExp(`Run \\d+ · ${PROMPTS[1]}`))).toBeVisible();
  await expect(page.getByText(new RegExp(`Run \\d+ · ${PROMPTS[0]}`))).toHaveCount(0);
});
