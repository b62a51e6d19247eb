import { describe, expect, it } from 'vitest';
import { clip, redact } from './http';
import { PROVIDER_EXCERPT_CHARS, providerExcerpt } from './redact';

const KEY = 'sk-proj-Zx81QmT4vLp0aB7cN2dE5fG9hJ3kW6';
const b64 = (text: string, form: 'base64' | 'base64url' = 'base64') =>
  Buffer.from(text, 'utf8').toString(form);

/** Every run of 8 characters of the key's common encodings, lower-cased: what must never be left. */
function keyRuns(secret: string): string[] {
  const forms = [
    secret,
    b64(secret),
    b64(`user:${secret}`),
    b64(`ab:${secret}`, 'base64url'),
    b64(`a:${secret}`),
    Buffer.from(secret).toString('hex'),
    encodeURIComponent(secret),
  ];
  const runs = new Set<string>();
  for (const form of forms) {
    // The first and last base64 characters of an embedded key also carry its neighbours' bits.
    const inner = form.length > 12 ? form.slice(4, -4) : form;
    for (let i = 0; i + 8 <= inner.length; i += 1) runs.add(inner.slice(i, i + 8).toLowerCase());
  }
  return [...runs];
}

function leaked(text: string, secret: string): string[] {
  const lower = text.toLowerCase();
  return keyRuns(secret).filter((run) => lower.includes(run));
}

describe('redact', () => {
  it.each([
    ['as is', KEY],
    ['upper-cased', KEY.toUpperCase()],
    ['lower-cased', KEY.toLowerCase()],
    ['minus its last character', KEY.slice(0, -1)],
    ['minus its first characters', KEY.slice(5)],
    ['a middle part', KEY.slice(6, 20)],
    ['base64', b64(KEY)],
    ['base64url', b64(KEY, 'base64url')],
    ['base64 of user:key', b64(`user:${KEY}`)],
    ['base64 of ab:key (another alignment)', b64(`ab:${KEY}`)],
    ['base64 of a:key (the third alignment)', b64(`a:${KEY}`, 'base64url')],
    ['base64 minus padding and its last characters', b64(KEY).replace(/=+$/, '').slice(0, -3)],
    ['hex', Buffer.from(KEY).toString('hex')],
    ['upper-case hex', Buffer.from(KEY).toString('hex').toUpperCase()],
  ])('removes the key echoed %s', (_, echoed) => {
    const text = `upstream refused: key "${echoed}" is not valid for this gateway`;
    const out = redact(text, KEY);
    expect(out).toContain('[redacted key]');
    expect(leaked(out, KEY)).toEqual([]);
    expect(out).toMatch(/^upstream refused: key "/);
    expect(out).toMatch(/" is not valid for this gateway$/);
  });

  it('removes a URL-encoded key, and a key with characters URL encoding changes', () => {
    const odd = 'pa$$w0rd+with/slashes=and spaces';
    const text = `GET /v1?key=${encodeURIComponent(odd)} and ${encodeURIComponent(odd).toLowerCase()}`;
    const out = redact(text, odd);
    expect(out).not.toContain('w0rd');
    expect(out).not.toMatch(/slashes/i);
    expect(out.startsWith('GET /v1?key=')).toBe(true);
  });

  it('leaves ordinary text alone, including short runs that happen to match', () => {
    const text = 'The sk-proj prefix is fine; so is a quota of 0aB7 images.';
    expect(redact(text, KEY)).toBe(text);
    expect(redact('nothing here', '')).toBe('nothing here');
  });

  it('redacts several secrets at once (a key and a basic-auth password)', () => {
    const out = redact(`token ${KEY} and password hunter2-swordfish`, [KEY, 'hunter2-swordfish']);
    expect(out).toBe('token [redacted key] and password [redacted key]');
  });
});

describe('providerExcerpt', () => {
  it('keeps a bounded excerpt of a provider body, with the key removed', () => {
    const body = `${'x'.repeat(480)} ${KEY} ${'y'.repeat(5000)}`;
    const out = providerExcerpt(body, [KEY]);
    expect(out.length).toBeLessThanOrEqual(PROVIDER_EXCERPT_CHARS + '[redacted key]'.length);
    expect(leaked(out, KEY)).toEqual([]);
    expect(providerExcerpt('short', [KEY])).toBe('short');
    expect(clip('abc', 2)).toBe('a…');
  });
});
