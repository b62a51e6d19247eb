import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { addOpenAIKey, expect, openScreen, test } from './fixtures';

// The end-to-end test: a run keeps pointing at the style version it used, after the style is edited.
test('create a style, approve it, generate with it, edit it: the earlier run still shows the earlier version', async ({
  app,
  openai,
  page,
}) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-test-key-0001');

  // Create.
  await openScreen(page, 'Styles');
  await page.getByRole('button', { name: 'New style' }).click();
  const editor = page.getByRole('form', { name: 'Style editor' });
  await editor.getByRole('textbox', { name: 'Name', exact: true }).fill('E2E Teal Look');
  await editor.getByRole('textbox', { name: 'Owner' }).fill('Design QA');
  await editor.getByRole('textbox', { name: 'Style tokens' }).fill('teal and orange, film grain');
  // No template: Generate's prompt is the subject.
  await editor.getByRole('combobox', { name: 'Template' }).selectOption('');
  await editor.getByRole('button', { name: 'Create style' }).click();
  await expect(page.getByText('Style created as version 1.')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'E2E Teal Look' })).toBeVisible();

  // Approve: a new version with only the status changed.
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toHaveText(/Approved: version 2\./);
  await expect(page.getByRole('button', { name: 'Back to draft' })).toBeVisible();

  // Generate with it.
  await page.getByRole('button', { name: 'Generate with this style' }).click();
  const styleNote = page.getByRole('region', { name: 'Style' });
  await expect(styleNote).toContainText('E2E Teal Look');
  await expect(styleNote).toContainText('v2');
  await page.getByRole('combobox', { name: 'Provider' }).selectOption('openai');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('a brass teapot on a linen cloth');
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('button', { name: 'View image 1 full size' })).toBeVisible();
  const sent = openai.requests.filter((r) => r.path === '/v1/images/generations');
  expect(sent).toHaveLength(1);
  // The style's tokens were rendered into what the provider received.
  expect(JSON.stringify(sent[0])).toContain('teal and orange');

  // Edit: saving makes version 3.
  await openScreen(page, 'Styles');
  await expect(page.getByRole('heading', { level: 1, name: 'E2E Teal Look' })).toBeVisible();
  await editor.getByRole('textbox', { name: 'Style tokens' }).fill('cold blue, hard shadows');
  await page.getByRole('textbox', { name: 'Version note' }).fill('cooler palette');
  await editor.getByRole('button', { name: 'Save version' }).click();
  await expect(page.getByText('Saved as version 3.')).toBeVisible();

  // The version history shows all three and what changed.
  await page.getByRole('tab', { name: 'Versions' }).click();
  await expect(page.getByRole('row', { name: /v3/ })).toContainText('cooler palette');
  const changes = page.getByRole('region', { name: 'Changes from v2 to v3' });
  await expect(changes).toContainText('Style tokens');
  await expect(changes.getByRole('insertion').first()).toContainText('cold');

  // The earlier run still shows the version it used.
  await openScreen(page, 'History');
  await page.getByRole('button', { name: /^Run 1:/ }).click();
  await expect(page.getByRole('heading', { name: 'Run 1' })).toBeVisible();
  const styleRow = page.getByRole('dialog').locator('.kv__row', { hasText: 'Style' }).first();
  await expect(styleRow).toContainText('E2E Teal Look');
  await expect(styleRow).toContainText('version 2');
  await expect(styleRow).not.toContainText('version 3');
});

// Reference images: import one on References, attach it to a new style, and see it under the style.
test('import a reference, attach it to a new style, save: the style lists it', async ({ app, page }) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atelier-e2e-ref-'));
  const file = path.join(dir, 'teal-swatch.png');
  writeFileSync(
    file,
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 20, g: 140, b: 140 } } })
      .png()
      .toBuffer(),
  );

  await page.goto(app.launchUrl);
  await openScreen(page, 'References');
  await page.getByLabel('Image files').setInputFiles(file);
  await expect(page.getByRole('list', { name: 'Import results' })).toContainText('teal-swatch.png');
  await expect(page.getByRole('button', { name: /^teal-swatch, 64×48/ })).toBeVisible();

  // A new style, with the reference picked from the library.
  await openScreen(page, 'Styles');
  await page.getByRole('button', { name: 'New style' }).click();
  const editor = page.getByRole('form', { name: 'Style editor' });
  await editor.getByRole('textbox', { name: 'Name', exact: true }).fill('E2E Referenced Look');
  await editor.getByRole('button', { name: 'Attach references' }).click();
  const picker = page.getByRole('dialog', { name: 'Attach references' });
  await picker.getByRole('searchbox', { name: 'Search references' }).fill('teal');
  const card = picker.getByRole('button', { name: /^teal-swatch, 64×48/ });
  await card.click();
  await expect(card).toHaveAttribute('aria-pressed', 'true');
  await picker.getByRole('button', { name: 'Attach selected' }).click();
  await expect(picker).toBeHidden();
  const attached = editor.getByRole('list', { name: 'Attached references' });
  await expect(attached.getByRole('listitem')).toHaveCount(1);

  await editor.getByRole('button', { name: 'Create style' }).click();
  await expect(page.getByText('Style created as version 1.')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'E2E Referenced Look' })).toBeVisible();
  // Saved with the style: still listed once the editor shows the stored version.
  await expect(attached.getByRole('img', { name: 'Reference 1' })).toBeVisible();
  // The metadata-free copy: a PNG with nothing to strip is its own copy (stored once, under media/).
  await expect(attached.getByRole('img', { name: 'Reference 1' })).toHaveAttribute('src', /references|media/);

  // The reference names the style that attaches it.
  await openScreen(page, 'References');
  await page.getByRole('button', { name: /^teal-swatch, 64×48/ }).click();
  const usedIn = page.getByRole('dialog').getByRole('list', { name: 'Used in' });
  await expect(usedIn).toContainText('E2E Referenced Look');
  await expect(usedIn).toContainText('v1');
});
