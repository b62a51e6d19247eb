import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addOpenAIKey, expect, startGeneration, test } from './fixtures';

// Issue 7, hardening: the served app works under its full CSP, and the media route neither follows a
// link out of the library nor turns a malformed URL into a server error.

test('the app runs under the one CSP: header and meta tag, no violation while generating and showing images', async ({
  app,
  page,
}) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto(app.launchUrl);
  const header = response?.headers()['content-security-policy'] ?? '';
  expect(header).toContain("object-src 'none'");
  expect(header).toContain("form-action 'none'");
  expect(header).toContain("frame-ancestors 'none'");
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("base-uri 'none'");
  expect(meta).toContain('atelier-media:');

  await addOpenAIKey(page, 'sk-e2e-test-key-0009');
  await startGeneration(page, 'a heron standing in reeds');
  const image = page.getByRole('button', { name: 'View image 1 full size' });
  await expect(image).toBeVisible();
  // The stored image came through /media/ and decoded under the policy.
  await expect
    .poll(() => image.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/hardening-csp.png' });
  expect(violations).toEqual([]);
});

test('the media route refuses a link out of the library and answers malformed escapes with 400', async ({
  app,
  page,
}) => {
  const token = new URL(app.launchUrl).hash.replace('#token=', '');
  const secret = path.join(app.dataDir, '..', `${path.basename(app.dataDir)}-secret.txt`);
  writeFileSync(secret, 'not for the browser');
  try {
    mkdirSync(path.join(app.dataDir, 'media', 'ab'), { recursive: true });
    symlinkSync(secret, path.join(app.dataDir, 'media', 'ab', 'evil.png'));

    const linked = await page.request.get(`${app.origin}/media/media/ab/evil.png?token=${token}`);
    expect(linked.status()).toBe(404);
    expect(await linked.text()).not.toContain('not for the browser');

    const malformed = await page.request.get(`${app.origin}/media/%E0%A4%A?token=${token}`);
    expect(malformed.status()).toBe(400);
    expect((await malformed.json()).error.code).toBe('invalid_input');
    expect(app.output()).not.toContain('loopback request failed');
  } finally {
    rmSync(secret, { force: true });
  }
});

test('a call body past its limit is refused with 413 and a sentence, in the browser', async ({
  app,
  page,
}) => {
  await page.goto(app.launchUrl);
  const token = new URL(app.launchUrl).hash.replace('#token=', '');
  const reply = await page.evaluate(async (bearer) => {
    const response = await fetch('/api/call/runs.tag', {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 1, tags: ['x'.repeat(2 * 1024 * 1024)] }),
    });
    return { status: response.status, body: await response.json() };
  }, token);
  expect(reply.status).toBe(413);
  expect(reply.body.error).toMatchObject({
    code: 'invalid_input',
    message: 'body: the request is larger than the 1 MB this call accepts.',
  });
});
