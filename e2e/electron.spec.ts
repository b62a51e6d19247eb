import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { findElectron, NO_ELECTRON_MESSAGE } from './browser';

const ROOT = path.resolve(import.meta.dirname, '..');

// Registered as a Playwright project only where the Electron binary exists (see playwright.config.ts).
const binary = findElectron();

test('the desktop app opens a hardened window and reaches the core over IPC', async () => {
  if (!binary) throw new Error(NO_ELECTRON_MESSAGE);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-electron-'));
  const app = await electron.launch({
    executablePath: binary,
    args: [ROOT],
    env: { ...process.env, ATELIER_DATA_DIR: dataDir },
  });
  try {
    const window = await app.firstWindow();
    await expect(window.getByRole('button', { name: 'Add an API key' })).toBeVisible();
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    );
    const info = await window.evaluate(() =>
      (window as unknown as { atelier: { call(n: string, i: unknown): Promise<unknown> } }).atelier.call(
        'app.info',
        {},
      ),
    );
    expect(info).toMatchObject({ ok: true, value: { mode: 'desktop', dataDir } });
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
