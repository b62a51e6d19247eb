import { addOpenAIKey, expect, openScreen, startGeneration, test } from './fixtures';

test.use({ viewport: { width: 1440, height: 900 } });

const PROMPTS = [
  'a brass teapot on a linen cloth',
  'a copper teapot on a linen cloth',
  'a brass teapot on a slate table',
];

// The compare path: make a board, put three outputs on it (dragged, from the run dialog, from the
// viewer), compare the three, set a baseline and compare another output with it.
test('create a board, add three outputs, compare them, set a baseline and compare with it', async ({
  app,
  page,
}, testInfo) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-test-key-0001');
  for (const prompt of PROMPTS) {
    await startGeneration(page, prompt);
    await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
  }

  await openScreen(page, 'History');
  const sidebar = page.getByRole('navigation', { name: 'Boards' });
  await sidebar.getByRole('textbox', { name: 'New board name' }).fill('Spring brief');
  await sidebar.getByRole('button', { name: 'Create board' }).click();
  const board = sidebar.getByRole('button', { name: /Spring brief/ });
  await expect(board).toContainText('0');
  // The same name in another case is refused, naming the field.
  await sidebar.getByRole('textbox', { name: 'New board name' }).fill('SPRING BRIEF');
  await sidebar.getByRole('button', { name: 'Create board' }).click();
  await expect(sidebar.getByRole('alert')).toContainText('already exists');

  // 1. Drag the first run's card onto the board.
  await page.getByRole('button', { name: /^Run 1: / }).dragTo(board);
  await expect(board).toContainText('1');
  // The run's card names the board it is on now.
  await expect(page.getByRole('button', { name: /^Run 1: / }).getByTestId('card-board')).toHaveText(
    'Spring brief',
  );

  // 2. From the run dialog.
  await page.getByRole('button', { name: /^Run 2: / }).click();
  await page.getByRole('button', { name: 'Add to board' }).click();
  const picker = page.getByRole('dialog', { name: 'Add to board' });
  await picker.getByRole('button', { name: /Spring brief/ }).click();
  await expect(picker.getByRole('button', { name: /Spring brief/ })).toHaveAttribute('aria-pressed', 'true');
  await picker.getByRole('button', { name: 'Close' }).click();
  await page.keyboard.press('Escape');

  // 3. From the viewer.
  await page.getByRole('button', { name: /^Run 3: / }).click();
  await page.getByRole('button', { name: 'View image 1 full size' }).click();
  await page.getByRole('dialog', { name: /image/i }).getByRole('button', { name: 'Add to board' }).click();
  await picker.getByRole('button', { name: /Spring brief/ }).click();
  await expect(picker.getByRole('button', { name: /Spring brief/ })).toHaveAttribute('aria-pressed', 'true');
  await picker.getByRole('button', { name: 'Close' }).click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(board).toContainText('3');
  await page.screenshot({ path: testInfo.outputPath('history-sidebar.png') });

  // Open the board and compare all three.
  await board.click();
  const view = page.getByRole('dialog', { name: 'Board' });
  const tiles = view.getByRole('list', { name: 'Outputs on this board' }).getByRole('listitem');
  await expect(tiles).toHaveCount(3);
  for (const box of await view.getByRole('checkbox').all()) await box.check();
  await view.getByRole('button', { name: 'Compare selected (3)' }).click();
  const compare = page.getByRole('dialog', { name: 'Compare' });
  await expect(compare.getByRole('heading', { name: 'Compare 3 outputs' })).toBeVisible();
  const promptRow = compare.locator('tr[data-row="prompt"]');
  await expect(promptRow).toHaveClass(/is-different/);
  await expect(promptRow.locator('ins').first()).toBeVisible();
  await expect(compare.locator('tr[data-row="provider"]')).toContainText('OpenAI');
  await expect(compare.locator('tr[data-row="provider"]')).not.toHaveClass(/is-different/);
  // Zoom is shared: zooming in once shows on every frame.
  await compare.getByRole('button', { name: 'Zoom in' }).click();
  await expect(compare.getByText('150%')).toBeVisible();
  const transforms = await compare
    .locator('.compare__content')
    .evaluateAll((els) => els.map((el) => (el as HTMLElement).style.transform));
  expect(new Set(transforms).size).toBe(1);
  expect(transforms[0]).toContain('scale(1.5)');
  await page.screenshot({ path: testInfo.outputPath('compare-three.png') });
  await compare.getByRole('button', { name: 'Close compare' }).click();

  // Set the last-added output (run 3) as the baseline and compare run 1's output with it.
  const run3 = tiles.filter({ hasText: PROMPTS[2]! });
  await run3.getByRole('button', { name: 'Set as baseline' }).click();
  await expect(run3).toContainText('Baseline');
  const run1 = tiles.filter({ hasText: PROMPTS[0]! });
  await run1.getByRole('button', { name: 'Compare with baseline' }).click();
  await expect(compare.getByRole('heading', { name: 'Compare 2 outputs' })).toBeVisible();
  // The baseline is column A: run 1's prompt reads against it.
  await expect(compare.locator('tr[data-row="prompt"] td').first()).toContainText(PROMPTS[2]!);
  const against = compare.locator('tr[data-row="prompt"] td').nth(1);
  await expect(against.locator('del').first()).toHaveText('slate');
  await expect(against.locator('ins').first()).toHaveText('linen');
  // The radio is drawn by its label, which takes the click.
  await compare.getByText('A/B wipe', { exact: true }).click();
  await expect(compare.getByRole('radio', { name: 'A/B wipe' })).toBeChecked();
  await compare.getByRole('slider', { name: 'Wipe position' }).fill('30');
  await expect(compare.locator('.compare__overlay')).toHaveAttribute(
    'style',
    /inset\(0px 0px 0px 30%\)|inset\(0 0 0 30%\)/,
  );
  await page.screenshot({ path: testInfo.outputPath('compare-wipe.png') });
  await compare.getByText('Onion skin', { exact: true }).click();
  await compare.getByRole('slider', { name: 'Opacity of B' }).fill('70');
  await expect(compare.locator('.compare__overlay')).toHaveAttribute('style', /opacity: 0\.7/);
  await compare.getByRole('button', { name: 'Close compare' }).click();
  await page.screenshot({ path: testInfo.outputPath('board-view.png') });

  // Renamed, the board's new name is on the cards in History.
  await view.getByRole('button', { name: 'Rename' }).click();
  await view.getByRole('textbox', { name: 'Board name' }).fill('Autumn brief');
  await view.getByRole('button', { name: 'Save' }).click();
  await view.getByRole('button', { name: 'Close board' }).click();
  await expect(page.getByRole('button', { name: /^Run 1: / }).getByTestId('card-board')).toHaveText(
    'Autumn brief',
  );
});

// The selection bar's actions: History selects runs, Compare and Add to board take each run's images.
test('runs selected in History are compared and added to a board from the selection bar', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-test-key-0002');
  for (const prompt of PROMPTS.slice(0, 2)) {
    await startGeneration(page, prompt);
    await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
  }
  await openScreen(page, 'History');
  const sidebar = page.getByRole('navigation', { name: 'Boards' });
  await sidebar.getByRole('textbox', { name: 'New board name' }).fill('Selection brief');
  await sidebar.getByRole('button', { name: 'Create board' }).click();

  const bar = page.getByRole('toolbar', { name: 'Selection' });
  await page.getByRole('button', { name: /^Run 1: / }).click({ modifiers: ['ControlOrMeta'] });
  await expect(bar.getByRole('button', { name: 'Compare' })).toBeDisabled();
  await page.getByRole('button', { name: /^Run 2: / }).click({ modifiers: ['ControlOrMeta'] });
  await expect(page.getByTestId('selection-count')).toContainText('2 selected');

  await bar.getByRole('button', { name: 'Compare' }).click();
  const compare = page.getByRole('dialog', { name: 'Compare' });
  await expect(compare.getByRole('heading', { name: 'Compare 2 outputs' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(compare).toBeHidden();

  await bar.getByRole('button', { name: 'Add to board…' }).click();
  const picker = page.getByRole('dialog', { name: 'Add to board' });
  await expect(picker).toBeVisible();
  await picker.getByRole('button', { name: /Selection brief/ }).click();
  await expect(picker.getByRole('button', { name: /Selection brief/ })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await picker.getByRole('button', { name: 'Close' }).click();
  await expect(sidebar.getByRole('button', { name: /Selection brief/ })).toContainText('2');
});
