// Export: approve four outputs, export them with two presets from History's Export dialog (alt text typed and
// approved there, the dry run listing the files first), then check the folder on disk, the images' sizes and
// the manifest.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { approveInReview, expect, filesIn, openScreen, testWithLeonardo } from './fixtures';

const test = testWithLeonardo('e2e-export');

async function generate(page: Page, prompt: string, seed: string) {
  await openScreen(page, 'Generate');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(prompt);
  await page.getByRole('textbox', { name: 'Seed' }).fill(seed);
  await page.locator('main').getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('img', { name: prompt }).first()).toBeVisible();
}

test('four approved images exported with two presets: files, sizes and manifest on disk', async ({
  app,
  page,
}) => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'atelier-e2e-export-'));
  try {
    await page.goto(app.launchUrl);
    const prompts = ['a brass key', 'a silver spoon', 'a copper kettle', 'a glass bottle'];
    for (const [i, prompt] of prompts.entries()) await generate(page, prompt, String(31 + i));

    await approveInReview(page, 4, 4);

    await openScreen(page, 'History');
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export' });
    await expect(dialog.getByRole('radio', { name: 'Approved images' })).toBeChecked();
    await expect(dialog.getByRole('heading', { name: '4 images' })).toBeVisible();
    await dialog.getByRole('checkbox', { name: /Web hero/ }).uncheck();
    await dialog.getByRole('checkbox', { name: /Meta feed/ }).check();
    await dialog.getByRole('checkbox', { name: /App icons/ }).check();
    await dialog.getByRole('textbox', { name: 'Folder' }).fill(folder);
    await expect(dialog.getByText(/28 files from 4 images/)).toBeVisible();
    await expect(dialog.getByText(/4 image\(s\) need approved alt text/)).toBeVisible();
    await expect(dialog.getByRole('button', { name: /^Export 28 files/ })).toBeDisabled();

    for (const [i, prompt] of prompts.entries()) {
      const box = dialog.getByRole('textbox', { name: /^Alt text for image/ }).nth(i);
      await box.fill(`Product shot: ${prompt} on a plain background`);
      await box.locator('xpath=..').getByRole('button', { name: 'Approve' }).click();
    }
    await expect(dialog.getByText('Approved', { exact: true })).toHaveCount(4);
    await expect(dialog.getByText(/need approved alt text/)).toHaveCount(0);
    await expect(dialog.locator('.export-crop__safe')).toBeVisible();
    await dialog.getByRole('button', { name: 'Move crop right' }).click();
    await page.screenshot({ path: 'test-results/export-dialog.png', fullPage: true });

    await dialog.getByRole('button', { name: /^Export 28 files/ }).click();
    await expect(dialog.getByRole('status')).toContainText('Done: 28 written', { timeout: 60_000 });
    await page.screenshot({ path: 'test-results/export-done.png' });

    const files = filesIn(folder);
    expect(files.filter((f) => f.startsWith('meta-feed/'))).toHaveLength(4);
    expect(files.filter((f) => f.startsWith('app-icons/'))).toHaveLength(24);
    expect(files).toContain('manifest.json');
    expect(files).toContain('manifest.csv');
    expect(files.some((f) => f.includes('.atelier-export-'))).toBe(false);
    for (const file of files.filter((f) => f.startsWith('meta-feed/'))) {
      expect(await sharp(path.join(folder, file)).metadata()).toMatchObject({
        width: 1080,
        height: 1350,
        format: 'jpeg',
      });
    }
    for (const file of files.filter((f) => f.startsWith('app-icons/'))) {
      const { width, height } = await sharp(path.join(folder, file)).metadata();
      expect(file).toContain(`-${width}x${height}.png`);
      expect(width).toBe(height);
    }
    const manifest = JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.files).toHaveLength(28);
    const entry = manifest.files.find(
      (f: { preset: string; prompt: string }) => f.preset === 'meta-feed' && f.prompt === 'a copper kettle',
    );
    expect(entry).toMatchObject({
      format: 'jpeg',
      width: 1080,
      height: 1350,
      seed: 33,
      altText: 'Product shot: a copper kettle on a plain background',
    });
    expect(entry.provider).toBe('leonardo');
    expect(entry.licence).toMatch(/Leonardo/);
    expect(readFileSync(path.join(folder, 'manifest.csv'), 'utf8').trim().split('\r\n')).toHaveLength(29);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
