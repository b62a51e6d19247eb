import { addOpenAIKey, expect, startGeneration, test } from './fixtures';

// Browser mode reads its events from one long-lived stream; a refused or dropped stream is restored with backoff.
test('the event stream comes back after two refused connections, and run events arrive through it', async ({
  app,
  page,
}) => {
  let connections = 0;
  await page.route('**/api/events', async (route) => {
    connections += 1;
    if (connections <= 2) return route.abort('connectionreset');
    return route.continue();
  });
  await page.goto(app.launchUrl);
  await expect(page.locator('.nav__conn')).toContainText('Browser · Connected');
  expect(connections).toBe(3);
  await addOpenAIKey(page, 'sk-e2e-test-key-0001');
  await startGeneration(page, 'a brass teapot on a linen cloth');
  await expect(page.getByRole('img', { name: 'a brass teapot on a linen cloth' }).first()).toBeVisible();
});
