// History: search + two filters + sort, the facet counts beside the filters, and the view kept across a reload.
import path from 'node:path';
import { closeDatabase, openDatabase } from '../electron/core/store';
import type { SeedRun } from '../test/support/history';
import { seedLibrary } from '../test/support/history';
import { expect, openScreen, test } from './fixtures';

const BASE: Omit<SeedRun, 'id' | 'prompt' | 'provider' | 'createdAt' | 'costUsd' | 'outputs'> = {
  negativePrompt: '',
  model: null,
  status: 'succeeded',
  taskType: 'default',
  durationMs: 3000,
  style: null,
  template: null,
  reference: false,
  tags: [],
  trashed: false,
};
const rated = (rating: number) => [
  { rating, favorite: false, review: 'pending' as const, boards: [], trashed: false },
];

test('search, two filters and a sort narrow History, show counts and survive a reload', async ({
  app,
  page,
}) => {
  // Written beside the running app (WAL): the served core sees the rows on its next read.
  const db = openDatabase(path.join(app.dataDir, 'atelier.db'));
  try {
    seedLibrary(db, [
      {
        ...BASE,
        prompt: 'a misty lake at dawn, gouache',
        provider: 'openai',
        createdAt: 1_000,
        costUsd: 0.04,
        outputs: rated(5),
      },
      {
        ...BASE,
        prompt: 'misty harbour with a red boat',
        provider: 'openai',
        createdAt: 2_000,
        costUsd: 0.19,
        outputs: rated(4),
      },
      {
        ...BASE,
        prompt: 'misty mountains over a lake',
        provider: 'gemini',
        createdAt: 3_000,
        costUsd: 0.5,
        outputs: rated(5),
      },
      {
        ...BASE,
        prompt: 'misty forest, low rated',
        provider: 'openai',
        createdAt: 4_000,
        costUsd: 0.9,
        outputs: rated(2),
      },
      {
        ...BASE,
        prompt: 'a teapot in the snow',
        provider: 'openai',
        createdAt: 5_000,
        costUsd: 0.3,
        outputs: rated(5),
      },
      {
        ...BASE,
        prompt: 'misty café terrace',
        provider: 'openai',
        createdAt: 6_000,
        costUsd: 0.07,
        outputs: rated(4),
      },
    ]);
  } finally {
    closeDatabase(db);
  }

  await page.goto(app.launchUrl);
  await openScreen(page, 'History');
  // Each tile's image is named by its run's prompt.
  const prompts = page.locator('.gallery-tile__img');
  const shown = () => prompts.evaluateAll((images) => images.map((image) => image.getAttribute('alt')));
  await expect(prompts).toHaveCount(6);

  await page.getByRole('searchbox', { name: 'Search prompts' }).fill('misty -lake');
  await expect(prompts).toHaveCount(3); // harbour, forest, café
  const provider = page.getByRole('combobox', { name: 'Provider' });
  await expect(provider.locator('option', { hasText: 'OpenAI (3)' })).toHaveCount(1);
  await provider.selectOption('openai');
  const rating = page.getByRole('combobox', { name: 'Rating' });
  // Beside "4 stars or more": how many of the three would stay.
  await expect(rating.locator('option', { hasText: '★★★★ or more (2)' })).toHaveCount(1);
  await rating.selectOption('4');
  await expect.poll(shown).toEqual(['misty café terrace', 'misty harbour with a red boat']);

  await page.getByRole('combobox', { name: 'Sort' }).selectOption('cost:desc');
  await expect.poll(shown).toEqual(['misty harbour with a red boat', 'misty café terrace']);
  await expect(page.getByText('2 runs match')).toBeVisible();

  await page.reload();
  await openScreen(page, 'History');
  await expect(page.getByRole('searchbox', { name: 'Search prompts' })).toHaveValue('misty -lake');
  await expect(page.getByRole('combobox', { name: 'Sort' })).toHaveValue('cost:desc');
  await expect.poll(shown).toEqual(['misty harbour with a red boat', 'misty café terrace']);

  // Folded, the bar is one row and the grid takes the height of the selects; what is set is still said and can
  // be cleared from the search row, and the fold is kept across a reload.
  const grid = page.locator('.history__scroll');
  const tall = (await grid.boundingBox())?.height ?? 0;
  await page.getByRole('button', { name: 'Hide filters' }).click();
  await expect(page.getByRole('combobox', { name: 'Provider' })).toHaveCount(0);
  await expect.poll(async () => (await grid.boundingBox())?.height ?? 0).toBeGreaterThan(tall + 60);
  await page.screenshot({ path: test.info().outputPath('history-filters-folded.png') });
  await page.reload();
  await openScreen(page, 'History');
  const fold = page.getByRole('button', { name: 'Filters (2)' });
  await expect(fold).toHaveAttribute('aria-expanded', 'false');
  await expect.poll(shown).toEqual(['misty harbour with a red boat', 'misty café terrace']);

  await page.getByRole('button', { name: 'Clear 2 filters' }).click();
  await expect(prompts).toHaveCount(3);
  await expect(page.getByRole('button', { name: 'Filters', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Filters', exact: true }).click();
  await expect(page.getByRole('combobox', { name: 'Provider' })).toHaveValue('');
  await page.screenshot({ path: test.info().outputPath('history-filters.png') });
});
