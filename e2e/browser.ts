import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from '@playwright/test';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

export const NO_BROWSER_MESSAGE =
  'No Chromium for the end-to-end tests: install one (Debian/Ubuntu: apt-get install chromium; macOS: Google Chrome) or set CHROMIUM_PATH=/path/to/chrome.';

function playwrightsOwn(): string | null {
  const own = chromium.executablePath();
  return own && existsSync(own) ? own : null;
}

/** CHROMIUM_PATH, then a system Chromium or Chrome, then Playwright's own (installed if the network allows). */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  const system = CANDIDATES.find((candidate) => existsSync(candidate));
  if (system) return system;
  const own = playwrightsOwn();
  if (own) return own;
  const install = spawnSync('npx', ['playwright', 'install', 'chromium'], {
    stdio: 'ignore',
    timeout: 180_000,
  });
  return install.status === 0 ? playwrightsOwn() : null;
}

/** Flags for a headless run on a closed network, as root, without a GPU. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The real Electron binary, or null where it was never downloaded (as on machines without internet). */
export function findElectron(): string | null {
  const pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(pkgDir, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : null;
}

export const NO_ELECTRON_MESSAGE =
  'electron project skipped: the Electron binary is not installed on this machine (it cannot be downloaded here); the browser project covers the UI';
