import { test as base, expect, type Page } from '@playwright/test';
import { type LeonardoDouble, startLeonardoDouble } from '../test/doubles/leonardo-double';
import { type OpenAIDouble, startOpenAIDouble } from '../test/doubles/openai-double';
import { type ServedApp, startServedApp } from './served-app';

export { type ServedApp, startServedApp };

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
      const app = await startServedApp({
        ATELIER_ENDPOINT_OPENAI: openai.url,
        ATELIER_ENDPOINT_LEONARDO: leonardo.url,
        // Shaped as each double checks (a UUID for Leonardo), built at run time: no key-like literal is committed.
        ATELIER_KEY_LEONARDO: crypto.randomUUID(),
        ATELIER_KEY_OPENAI: `sk-${keyLabel.padEnd(24, '0')}`,
      });
      await use(app);
      await app.stop();
    },
  });
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
