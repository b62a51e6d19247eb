import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { type GeminiDouble, startGeminiDouble } from '../test/doubles/gemini-double';
import { type LeonardoDouble, startLeonardoDouble } from '../test/doubles/leonardo-double';
import { addOpenAIKey, test as base, expect, openScreen, startServedApp } from './fixtures';

// Issue 7, items 1, 3 and 6: the style workflow a designer hits in the first hour.

async function openStarterStyle(page: Page, name: string) {
  await openScreen(page, 'Styles');
  await page.getByRole('button', { name: new RegExp(`^${name}, `) }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

function generationsSent(openai: { requests: { path: string; body: unknown }[] }) {
  return openai.requests.filter((r) => r.path === '/v1/images/generations' || r.path === '/v1/images/edits');
}

base.describe('Generate with a style', () => {
  const test = base;

  test('the typed subject is in the rendered prompt and in what is sent; the run keeps the values; Reuse brings them back', async ({
    app,
    openai,
    page,
  }) => {
    await page.goto(app.launchUrl);
    await addOpenAIKey(page, 'sk-e2e-style-workflow-01');
    await openStarterStyle(page, 'Watercolor');
    await page.getByRole('button', { name: 'Generate with this style' }).click();

    // The style's template: the Prompt box is its subject, its other variable a field of its own.
    await expect(page.getByRole('region', { name: 'Style' })).toContainText('Watercolor');
    const subject = page.getByRole('textbox', { name: 'Subject', exact: true });
    await expect(subject).toHaveValue('');
    await subject.fill('a heron standing in reeds');
    const fields = page.getByRole('group', { name: 'Scene fields' });
    await fields.getByRole('textbox', { name: 'Setting' }).fill('a misty lake at dawn');

    // What will be sent, for the provider that will be called (the route's first that can run: OpenAI).
    const rendered = page.getByRole('region', { name: 'Rendered prompt' });
    await expect(rendered).toContainText('to OpenAI');
    await expect(rendered).toContainText('a heron standing in reeds');
    await expect(rendered).toContainText('a misty lake at dawn');
    await expect(rendered).not.toContainText('teapot');

    await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
    await expect(page.getByRole('button', { name: 'View image 1 full size' })).toBeVisible();
    const sent = generationsSent(openai);
    expect(sent).toHaveLength(1);
    const prompt = (sent[0]?.body as { prompt?: string } | undefined)?.prompt ?? '';
    expect(prompt.split('\n')[0]).toBe('a heron standing in reeds');
    expect(prompt).toContain('a misty lake at dawn');
    expect(prompt).not.toContain('teapot');
    // The form showed exactly what went out.
    await expect(rendered.getByTestId('generate-rendered-prompt')).toHaveText(prompt);

    // The run records the values it used.
    await openScreen(page, 'History');
    await page.getByRole('button', { name: /^Run 1:/ }).click();
    const dialog = page.getByRole('dialog');
    const templateValues = dialog.getByLabel('Template values');
    await expect(templateValues).toContainText('Subject and action');
    await expect(templateValues).toContainText('a heron standing in reeds');
    await expect(templateValues).toContainText('a misty lake at dawn');

    // Reuse brings the subject, the field and the style back (not the rendered prompt).
    await dialog.getByRole('button', { name: 'Reuse settings' }).click();
    await expect(page.getByRole('region', { name: 'Style' })).toContainText('Watercolor');
    await expect(page.getByRole('textbox', { name: 'Subject', exact: true })).toHaveValue(
      'a heron standing in reeds',
    );
    await expect(
      page.getByRole('group', { name: 'Scene fields' }).getByRole('textbox', { name: 'Setting' }),
    ).toHaveValue('a misty lake at dawn');
    await expect(page.getByRole('region', { name: 'Rendered prompt' })).toContainText(
      'a heron standing in reeds',
    );
  });

  test('a choice is a select and a number keeps its range', async ({ app, page }) => {
    await page.goto(app.launchUrl);
    await openStarterStyle(page, 'Photoreal product');
    await page.getByRole('button', { name: 'Generate with this style' }).click();
    const fields = page.getByRole('group', { name: 'Product shot fields' });
    await expect(fields.getByRole('combobox', { name: 'Angle' })).toHaveValue('three-quarter');
    const lens = fields.getByRole('spinbutton', { name: 'Lens' });
    await expect(lens).toHaveAttribute('min', '24');
    await expect(lens).toHaveAttribute('max', '200');
    await expect(page.getByRole('textbox', { name: 'Subject', exact: true })).toHaveAttribute(
      'maxlength',
      '120',
    );
  });

  test('a reference attached once is shown and removed in one click: the next run goes without it', async ({
    app,
    openai,
    page,
  }) => {
    await page.goto(app.launchUrl);
    await addOpenAIKey(page, 'sk-e2e-style-workflow-02');
    await openScreen(page, 'Generate');
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('openai');
    await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('a paper crane');
    await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
    await expect(page.getByRole('button', { name: 'View image 1 full size' })).toBeVisible();

    await openScreen(page, 'History');
    await page.getByRole('button', { name: /^Run 1:/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Use as reference' }).first().click();

    // Visible on the form without opening Advanced, with the pinned provider beside it.
    const attached = page.getByRole('region', { name: 'Attached to the next run' });
    await expect(attached).toContainText('Reference from run 1');
    await expect(attached).toContainText('Pinned to OpenAI');
    await attached.getByRole('button', { name: 'Remove reference' }).click();
    await expect(attached).not.toContainText('Reference');

    await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
    await expect.poll(() => generationsSent(openai).length).toBe(2);
    const sent = generationsSent(openai);
    // No image went with the second request: a text-to-image call, not an edit.
    expect(sent[1]?.path).toBe('/v1/images/generations');

    // Everything attached goes in one click.
    await expect(attached).toContainText('Pinned to OpenAI');
    await page.getByRole('button', { name: 'Unpin provider' }).click();
    await expect(page.getByRole('region', { name: 'Attached to the next run' })).toHaveCount(0);
  });
});

/** Gemini first (it ignores seeds) and Leonardo second (it keeps them), both with keys. */
const withSeeds = base.extend<{ gemini: GeminiDouble; leonardo: LeonardoDouble }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  gemini: async ({}, use) => {
    const double = await startGeminiDouble();
    await use(double);
    await double.close();
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  leonardo: async ({}, use) => {
    const double = await startLeonardoDouble({ pendingPolls: 0 });
    await use(double);
    await double.close();
  },
  app: async ({ openai, gemini, leonardo }, use) => {
    const app = await startServedApp({
      ATELIER_ENDPOINT_OPENAI: openai.url,
      ATELIER_ENDPOINT_GEMINI: gemini.url,
      ATELIER_ENDPOINT_LEONARDO: leonardo.url,
      // Key shapes the doubles check, built at run time so no key-like literal is committed.
      ATELIER_KEY_GEMINI: `AIza${'e2e-previews'.padEnd(35, '0')}`,
      ATELIER_KEY_LEONARDO: randomUUID(),
    });
    await use(app);
    await app.stop();
  },
});

withSeeds(
  'previews of a starter style are made with fixed seeds on the first provider that keeps them',
  async ({ app, gemini, leonardo, page }) => {
    await page.goto(app.launchUrl);
    await openStarterStyle(page, 'Watercolor');
    await page.getByRole('tab', { name: /Previews/ }).click();
    await page.getByRole('combobox', { name: 'Number of previews' }).selectOption('2');
    await page.getByRole('button', { name: 'Generate previews' }).click();

    const grid = page.getByRole('list', { name: 'Previews' });
    await expect(grid.getByRole('img')).toHaveCount(2);
    await expect(grid).toContainText('Seed 1000 · Leonardo');
    await expect(grid).toContainText('Seed 8919 · Leonardo');
    await expect(page.getByRole('status')).toContainText('Sent to Leonardo');
    const created = leonardo.requests.filter(
      (r) => r.method === 'POST' && r.path === '/api/rest/v1/generations',
    );
    expect(created.map((r) => (r.body as { seed?: number }).seed).sort()).toEqual([1000, 8919]);
    expect(gemini.requests.filter((r) => r.path.includes(':generateContent'))).toHaveLength(0);
  },
);

base('previews say plainly when they cannot be reproduced', async ({ app, openai, page }) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-style-workflow-03');
  await openStarterStyle(page, 'Watercolor');
  await page.getByRole('tab', { name: /Previews/ }).click();
  await page.getByRole('combobox', { name: 'Number of previews' }).selectOption('1');
  await page.getByRole('button', { name: 'Generate previews' }).click();
  // A full generation on a loaded 2-core CI machine can outlast the default 10 s wait.
  await expect(page.getByRole('status')).toContainText('cannot be reproduced', { timeout: 25_000 });
  const grid = page.getByRole('list', { name: 'Previews' });
  await expect(grid.getByRole('img')).toHaveCount(1, { timeout: 25_000 });
  await expect(grid).toContainText('ignored by OpenAI: cannot be reproduced');
  expect(generationsSent(openai)).toHaveLength(1);
});
