import type { Page } from '@playwright/test';
import { expect, openScreen, testWithLeonardo } from './fixtures';

// Issue 9, the rest: failure modes edited in Settings → Review and used in the review queue (with the
// mitigation applied to the next Branch), one image of a multi-image run trashed from the viewer and
// restored, and Vary asking when a variation changes more than one thing. Leonardo (seeds, several images).
const test = testWithLeonardo('e2e-history-more');

const generateButton = (page: Page) =>
  page.locator('main').getByRole('button', { name: 'Generate', exact: true });

async function generate(page: Page, prompt: string, seed: string, images = 1) {
  await openScreen(page, 'Generate');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.getByRole('textbox', { name: 'Seed' }).fill(seed);
  await page.getByRole('spinbutton', { name: 'Images' }).fill(String(images));
  await generateButton(page).click();
  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
}

test('a failure mode edited in Settings is offered in Review; its mitigation goes into the next Branch', async ({
  app,
  page,
}) => {
  // Settings, Review, Generate, Settings again, History and Settings once more: a long walk on a busy machine.
  await page.goto(app.launchUrl);
  await generate(page, 'a hand holding a teacup', '99');

  await openScreen(page, 'Settings');
  await page.getByRole('tab', { name: 'Review' }).click();
  const list = page.getByRole('list', { name: 'Failure modes' });
  await expect(list.getByRole('textbox', { name: 'Name of reason 2' })).toHaveValue('Anatomy');
  // A name that is taken, then an empty one, are refused by field before anything is sent.
  await list.getByRole('textbox', { name: 'Name of reason 2' }).fill('Mangled text');
  await expect(list.getByText('Another reason has this name.')).toBeVisible();
  await list.getByRole('textbox', { name: 'Name of reason 2' }).fill('Extra fingers');
  await list.getByRole('textbox', { name: 'Description of reason 2' }).fill('Six fingers, fused hands.');
  await list.getByRole('combobox', { name: 'Negative group of reason 2' }).selectOption('blur');
  // Moved to the top of the reject menu.
  await list.getByRole('button', { name: 'Move reason 2 up' }).click();
  await expect(list.getByRole('textbox', { name: 'Name of reason 1' })).toHaveValue('Extra fingers');
  await page.getByRole('button', { name: 'Save list' }).click();
  await expect(page.getByText('Saved. Review offers these reasons now.')).toBeVisible();
  await page.screenshot({ path: 'test-results/history-more-settings-review.png', fullPage: true });

  const nav = page.getByRole('navigation');
  await nav.getByRole('link', { name: /Review/ }).click();
  const side = page.getByRole('complementary', { name: 'Review' });
  await expect(side).toContainText('Image 1 of 1');
  await page.keyboard.press('x');
  const picker = page.getByRole('listbox', { name: 'Reject reason' });
  await expect(picker.getByRole('option').first()).toContainText('Extra fingers');
  await expect(picker).toContainText('Six fingers, fused hands.');
  await page.keyboard.press('1');
  await expect(side).toContainText('Rejected');
  await expect(side).toContainText('Extra fingers');

  await side.getByRole('button', { name: 'Apply mitigation to next Branch' }).click();
  await expect(page.getByText('Branching from Run 1, seed 99 locked')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Negative prompt' })).toHaveValue(
    /blurry, out of focus, motion blur/,
  );

  // Removed from the list, the reason still reads on the image it rejected.
  await openScreen(page, 'Settings');
  await page.getByRole('tab', { name: 'Review' }).click();
  await list.getByRole('button', { name: 'Remove reason 1' }).click();
  await page.getByRole('button', { name: 'Save list' }).click();
  await expect(page.getByText('Saved. Review offers these reasons now.')).toBeVisible();
  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a hand/ }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText('Extra fingers')).toBeVisible();
  await expect(dialog.getByText('(removed from the list)')).toBeVisible();
  await page.keyboard.press('Escape');

  // Reset asks first, then brings the shipped list back.
  await openScreen(page, 'Settings');
  await page.getByRole('tab', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Reset to the shipped list' }).click();
  await expect(page.getByRole('alert')).toContainText(
    'Replace this list with the reasons Atelier ships with?',
  );
  await page.getByRole('button', { name: 'Reset the list' }).click();
  await expect(page.getByText('Back to the shipped list.')).toBeVisible();
  await expect(list.getByRole('textbox', { name: 'Name of reason 2' })).toHaveValue('Anatomy');
});

test('one image of a multi-image run goes to the trash from the viewer and comes back from Trash', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  await generate(page, 'three pears on a plate', '5', 2);

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: three pears/ }).click();
  const dialog = page.getByRole('dialog');
  const images = dialog.getByRole('list', { name: 'Images' });
  await expect(images.getByRole('listitem')).toHaveCount(2);
  await expect(images.getByRole('button', { name: 'Move image 2 to trash' })).toBeVisible();
  await page.screenshot({ path: 'test-results/history-more-dialog-two-images.png' });
  await images.getByRole('button', { name: 'View image 2 full size' }).click();
  const viewer = page.getByRole('dialog').last();
  await expect(viewer.getByRole('heading', { name: /Image 2 of 2/ })).toBeVisible();
  await viewer.getByRole('button', { name: 'Move this image to trash' }).click();
  await expect(viewer.getByRole('heading', { name: /Image 1 of 1/ })).toBeVisible();
  await page.screenshot({ path: 'test-results/history-more-viewer-trashed.png' });
  await viewer.getByRole('button', { name: 'Close image' }).click();
  await expect(images.getByRole('listitem')).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: /^Run 1: three pears/ })).toBeVisible();

  await page.getByRole('navigation').getByRole('link', { name: 'Trash' }).click();
  const trash = page.getByRole('list', { name: 'In the trash' });
  await expect(trash).toContainText('Image from run 1');
  await trash.getByRole('button', { name: /^Restore image/ }).click();
  await expect(page.getByText('The trash is empty')).toBeVisible();

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: three pears/ }).click();
  await expect(images.getByRole('listitem')).toHaveCount(2);
});

test('Vary: "What changes?" lights the field; two changes are asked about, and can go as a branch', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  await generate(page, 'a fox in snow', '314');
  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1: a fox/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Vary' }).click();

  await expect(page.getByText('Varying Run 1, seed 314 locked')).toBeVisible();
  const chooser = page.getByRole('group', { name: 'What changes?' });
  await chooser.getByRole('button', { name: 'Prompt', exact: true }).click();
  const prompt = page.getByRole('textbox', { name: 'Prompt', exact: true });
  await expect(prompt).toBeFocused();
  await page.screenshot({ path: 'test-results/history-more-vary-chooser.png' });

  await prompt.fill('a fox in snow, at dusk');
  await page.getByRole('textbox', { name: 'Negative prompt' }).fill('blurry');
  await generateButton(page).click();
  const warning = page.getByRole('alert').filter({ hasText: 'a variation changes one thing' });
  await expect(warning).toContainText(
    'You changed the prompt and the negative prompt: a variation changes one thing.',
  );
  await page.screenshot({ path: 'test-results/history-more-vary-warning.png' });
  await warning.getByRole('button', { name: 'Make it a branch' }).click();
  await expect(page.getByRole('img', { name: 'a fox in snow, at dusk' }).first()).toBeVisible();

  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 2: a fox/ }).click();
  await expect(page.getByRole('dialog').getByRole('region', { name: 'Lineage' })).toContainText(
    'Branch of Run 1',
  );
});

test('an approval shows on the card and in the run dialog; Delete trashes a selection after asking', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  await generate(page, 'a brass key', '21');
  await generate(page, 'a silver spoon', '22');

  const nav = page.getByRole('navigation');
  await nav.getByRole('link', { name: /Review/ }).click();
  const side = page.getByRole('complementary', { name: 'Review' });
  await expect(side).toContainText('Image 1 of 2');
  await page.getByLabel('Approval reference (optional)').fill('LEGAL-7');
  await page.getByLabel('Approval reference (optional)').press('Enter');
  await page.keyboard.press('a');
  await expect(side).toContainText('Image 2 of 2 · 1 reviewed');

  await openScreen(page, 'History');
  const key = page.getByRole('button', { name: /^Run 1: a brass key/ });
  await expect(key).toHaveAccessibleName(/approved with sign-off LEGAL-7/);
  await expect(key).toContainText('LEGAL-7');
  await key.click();
  const approval = page.getByRole('dialog').getByTestId('output-approval');
  await expect(approval).toContainText('Approved');
  await expect(approval).toContainText('sign-off LEGAL-7');
  await page.screenshot({ path: 'test-results/history-more-approval.png' });
  await page.keyboard.press('Escape');

  await key.click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: /^Run 2: a silver spoon/ }).click({ modifiers: ['ControlOrMeta'] });
  await expect(page.getByTestId('selection-count')).toHaveText('2 selected');
  await page.keyboard.press('Delete');
  const question = page.getByRole('alert').filter({ hasText: 'Move these 2 runs to the trash?' });
  await expect(question).toBeVisible();
  await page.screenshot({ path: 'test-results/history-more-selection-trash.png' });
  await question.getByRole('button', { name: 'Move to trash' }).click();
  await expect(page.getByRole('button', { name: /^Run \d/ })).toHaveCount(0);
  await expect(page.getByTestId('selection-count')).toBeHidden();
});
