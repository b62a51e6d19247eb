import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { type LeonardoDouble, startLeonardoDouble } from '../test/doubles/leonardo-double';
import { type OpenAIDouble, startOpenAIDouble } from '../test/doubles/openai-double';
import { callApi, type ServedApp, startServedApp } from './served-app';

export { callApi, type ServedApp, startServedApp };

export const test = base.extend<{ openai: OpenAIDouble; app: ServedApp }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  openai: async ({}, use) => {
    const double = await startOpenAIDouble();
    await use(double);
    await double.close();
  },
  app: async ({ openai }, use) => {
    const app = await startServedApp({ ATELIER_ENDPOINT_OPENAI: openai.url });
    await use(app);
    await app.stop();
  },
});

export { expect };

/**
 * The app with Leonardo and OpenAI doubles and keys given at launch. The default route is Gemini (no key
 * here, so skipped) → Leonardo → OpenAI, so a run goes to Leonardo, which takes seeds and bills in credits.
 */
export function testWithLeonardo(keyLabel: string) {
  return test.extend<{ leonardo: LeonardoDouble }>({
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    leonardo: async ({}, use) => {
      const double = await startLeonardoDouble({ pendingPolls: 0 });
      await use(double);
      await double.close();
    },
    app: async ({ openai, leonardo }, use) => {
      const app = await startServedApp(leonardoEnv(keyLabel, { openai: openai.url, leonardo: leonardo.url }));
      await use(app);
      await app.stop();
    },
  });
}

/** The launch environment of `testWithLeonardo`: both endpoints and a key for each. */
export function leonardoEnv(
  keyLabel: string,
  urls: { openai: string; leonardo: string },
): Record<string, string> {
  return {
    ATELIER_ENDPOINT_OPENAI: urls.openai,
    ATELIER_ENDPOINT_LEONARDO: urls.leonardo,
    // Shaped as each double checks (a UUID for Leonardo), built at run time: no key-like literal is committed.
    ATELIER_KEY_LEONARDO: crypto.randomUUID(),
    ATELIER_KEY_OPENAI: `sk-${keyLabel.padEnd(24, '0')}`,
  };
}

/** Opens a screen from the navigation. */
export async function openScreen(
  page: Page,
  name: 'Generate' | 'History' | 'Batches' | 'Styles' | 'References' | 'Settings',
) {
  await page.getByRole('navigation').getByRole('link', { name }).click();
}

/** Settings → API keys: saves a key for OpenAI and waits for its masked form. */
export async function addOpenAIKey(page: Page, secret: string): Promise<void> {
  await openScreen(page, 'Settings');
  const row = page.getByRole('group', { name: 'OpenAI', exact: true });
  await row.getByRole('textbox', { name: 'OpenAI API key' }).fill(secret);
  await row.getByRole('button', { name: 'Save key' }).click();
  await expect(row.getByText(secret.slice(-4))).toBeVisible();
}

/** Generate screen: fills the prompt (and negative prompt) and presses Generate. */
export async function startGeneration(page: Page, prompt: string, negativePrompt?: string): Promise<void> {
  await openScreen(page, 'Generate');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  if (negativePrompt !== undefined)
    await page.getByRole('textbox', { name: 'Negative prompt' }).fill(negativePrompt);
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
}

/**
 * Generate → Batch… on the request in the form: `variants` seed variants of each ticked aspect ratio. Waits for the
 * item count and returns the dialog (its cost table and Start button) still open.
 */
export async function composeBatch(
  page: Page,
  spec: { variants: number; aspectRatios: string[] },
): Promise<Locator> {
  await page.locator('main').getByRole('button', { name: 'Batch…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Batch' });
  await dialog.getByRole('spinbutton', { name: 'Variants' }).fill(String(spec.variants));
  for (const ratio of spec.aspectRatios) await dialog.getByRole('checkbox', { name: ratio }).check();
  const items = spec.variants * Math.max(1, spec.aspectRatios.length);
  await expect(dialog.getByTestId('batch-count')).toContainText(`${items} items`);
  return dialog;
}

/** Review (sidebar): approves the first `count` of the `total` images waiting, with the A key. */
export async function approveInReview(page: Page, count: number, total: number): Promise<void> {
  await page
    .getByRole('navigation')
    .getByRole('link', { name: /Review/ })
    .click();
  const side = page.getByRole('complementary', { name: 'Review' });
  await expect(side).toContainText(`Image 1 of ${total}`);
  for (let i = 1; i <= count; i += 1) {
    await page.keyboard.press('a');
    // The last image of the queue reviewed, the panel moves on from the count.
    if (i < total) await expect(side).toContainText(`${i} reviewed`);
  }
}

/** Every file under `dir`, relative and `/`-separated, sorted. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
