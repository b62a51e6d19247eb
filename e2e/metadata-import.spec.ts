// Import from other tools: a mixed folder (A1111, ComfyUI, InvokeAI, a plain photo, a corrupt file) becomes runs
// in History, counted per tool with the failed file listed; they are searchable by prompt and filterable by
// source; one is reproduced on a ComfyUI double with its graph as it is. Also: files sent from the browser.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ComfyUIDouble, startComfyUIDouble } from '../test/doubles/comfyui-double';
import { mixedFolderFiles } from '../test/support/metadata-files';
import { callApi, expect, openScreen, test } from './fixtures';

const SHOTS = process.env.ATELIER_SHOTS;

async function writeFolder(): Promise<string> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'atelier-e2e-archive-'));
  for (const file of await mixedFolderFiles()) {
    const target = path.join(root, file.name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.bytes);
  }
  return root;
}

let comfy: ComfyUIDouble;
let folder: string;
test.beforeAll(async () => {
  comfy = await startComfyUIDouble({ maxImageSide: 32 });
  folder = await writeFolder();
});
test.afterAll(async () => {
  await comfy.close();
  rmSync(folder, { recursive: true, force: true });
});

test('a mixed folder imports with a report per tool; runs are searchable and one is reproduced on ComfyUI', async ({
  app,
  page,
}) => {
  await callApi(app, 'localServers.add', { kind: 'comfyui', url: comfy.url, slots: 1 });
  await page.goto(app.launchUrl);
  await openScreen(page, 'History');
  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import images' });
  await dialog.getByLabel('Or a folder on this computer').fill(folder);
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'import-dialog.png') });
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();

  await expect(dialog.getByText('Done: 5 new runs.')).toBeVisible();
  const count = (source: string) => dialog.locator(`dd[data-source="${source}"]`);
  await expect(count('a1111')).toHaveText('2');
  await expect(count('comfyui')).toHaveText('1');
  await expect(count('invokeai')).toHaveText('1');
  await expect(count('plain')).toHaveText('1');
  await expect(count('failed')).toHaveText('1');
  const failure = dialog.getByRole('list', { name: 'Files not imported' }).getByRole('listitem');
  await expect(failure).toHaveCount(1);
  await expect(failure).toContainText('broken.png');
  await expect(failure).toContainText('Damaged');
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'import-report.png') });
  await dialog.getByRole('button', { name: 'Close' }).click();

  const tiles = page.locator('.gallery-tile__img');
  await expect(tiles).toHaveCount(5);
  const source = page.getByRole('combobox', { name: 'Source' });
  await expect(source.locator('option', { hasText: 'AUTOMATIC1111 / Forge (2)' })).toHaveCount(1);
  await page.getByRole('searchbox', { name: 'Search prompts' }).fill('lighthouse');
  await expect(tiles).toHaveCount(1);
  await expect(tiles.first()).toHaveAttribute('alt', 'a glass lighthouse in a storm');
  await page.getByRole('searchbox', { name: 'Search prompts' }).fill('owl');
  await expect(tiles).toHaveCount(1);
  await page.getByRole('searchbox', { name: 'Search prompts' }).fill('');
  await source.selectOption('comfyui');
  await expect(tiles).toHaveCount(1);

  await tiles.first().click();
  const run = page.getByRole('dialog').filter({ has: page.getByRole('region', { name: 'Imported image' }) });
  const panel = run.getByRole('region', { name: 'Imported image' });
  await expect(panel).toContainText('Made outside Atelier with ComfyUI');
  await expect(panel).toContainText('18446744073709551614');
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'imported-run.png') });
  await panel.getByRole('button', { name: 'ComfyUI (graph as it is)' }).click();
  await expect(panel.getByRole('status')).toContainText('Queued as run');
  await expect
    .poll(() =>
      comfy.requests.some((r) => r.path === '/prompt' && r.text.includes('"seed":18446744073709551614')),
    )
    .toBe(true);
  await page.keyboard.press('Escape');
  await source.selectOption('');
  await expect(tiles).toHaveCount(6);
});

test('files picked in the browser import in batches, and the same files again are duplicates', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  await openScreen(page, 'History');
  await page.getByRole('button', { name: 'Import…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import images' });
  const pick = async () => {
    const chooser = page.waitForEvent('filechooser');
    await dialog.getByRole('button', { name: 'Choose folder' }).click();
    await (await chooser).setFiles(folder);
  };
  await pick();
  await expect(dialog.getByRole('heading', { name: '6 images chosen' })).toBeVisible();
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByText('Done: 5 new runs.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Import more' }).click();
  await pick();
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByText('Done: 0 new runs.')).toBeVisible();
  await expect(dialog.locator('dd[data-source="duplicates"]')).toHaveText('5');
});
