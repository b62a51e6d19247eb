import { addOpenAIKey, expect, openScreen, startGeneration, test } from './fixtures';

// Issue 7, hardening (item 8): a banned term is caught behind a zero-width space or a look-alike letter.

test('a banned term hidden by a zero-width space or a Cyrillic letter is refused before anything is sent', async ({
  app,
  openai,
  page,
}) => {
  await page.goto(app.launchUrl);
  await addOpenAIKey(page, 'sk-e2e-test-key-0012');
  await openScreen(page, 'Settings');
  await page.getByRole('tab', { name: 'Style library' }).click();
  await page.getByRole('textbox', { name: 'Banned term' }).fill('forbiddenword');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByRole('list', { name: 'Banned terms' })).toContainText('forbiddenword');
  await page.screenshot({ path: 'test-results/core-hardening-banned-terms.png' });

  for (const prompt of ['a forbidden\u200bword cat', 'a f\u043erbiddenword cat']) {
    await startGeneration(page, prompt);
    await expect(page.getByText(/banned term "forbiddenword" in Subject \+ action/)).toBeVisible();
  }
  await page.screenshot({ path: 'test-results/core-hardening-refused.png' });
  expect(openai.requests.filter((r) => r.path === '/v1/images/generations')).toHaveLength(0);
});
