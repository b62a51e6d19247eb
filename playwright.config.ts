import { defineConfig } from '@playwright/test';
import {
  CHROMIUM_ARGS,
  findChromium,
  findElectron,
  NO_BROWSER_MESSAGE,
  NO_ELECTRON_MESSAGE,
} from './e2e/browser';

const executablePath = findChromium();
if (!executablePath) {
  process.stderr.write(`${NO_BROWSER_MESSAGE}\n`);
  process.exit(1);
}

const hasElectron = findElectron() !== null;
if (!hasElectron && !process.env.ATELIER_QUIET_CONFIG) {
  process.stdout.write(`${NO_ELECTRON_MESSAGE}\n`);
  // Workers load this file again; say it once.
  process.env.ATELIER_QUIET_CONFIG = '1';
}

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  retries: 0,
  // A hang detector, not a speed check: CI machines run these tests 2–3× slower than a workstation
  // (the ten-generation review test took 49 s there against 16 s here), so the ceiling leaves that room.
  // No spec sets a lower one of its own (two used to set 90 s, below this).
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
  use: {
    screenshot: 'only-on-failure',
    // DOM snapshots and the action log, without the screencast: recording frames cost the browser more CPU
    // than the app under test (a ten-run test took 15 s with it and 11 s without); the failure screenshot stays.
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true },
    viewport: { width: 1280, height: 800 },
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: /electron\.spec\.ts/,
      use: { browserName: 'chromium', launchOptions: { executablePath, args: CHROMIUM_ARGS } },
    },
    // The real desktop app, where its binary exists; elsewhere the project is left out and says why.
    ...(hasElectron ? [{ name: 'electron', testMatch: /electron\.spec\.ts/ }] : []),
  ],
});
