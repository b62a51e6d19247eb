import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from './core/providers/catalog';
import { externalLinkOrigins, externalUrlAllowed } from './external-links';

const catalog = loadCatalog(path.join(import.meta.dirname, '..', 'resources', 'providers'));
const origins = externalLinkOrigins(catalog.providers);

describe('external links', () => {
  it("are allowed to exactly the sites of the catalog's key pages", () => {
    const expected = catalog.providers.flatMap((p) => (p.keyUrl ? [new URL(p.keyUrl).origin] : []));
    expect(expected.length).toBeGreaterThan(5);
    expect([...origins].sort()).toEqual([...new Set(expected)].sort());
    for (const provider of catalog.providers) {
      if (provider.keyUrl) expect(externalUrlAllowed(provider.keyUrl, origins), provider.id).toBe(true);
    }
  });

  it('open other pages of those sites, not other sites', () => {
    expect(externalUrlAllowed('https://platform.openai.com/docs/guides/images', origins)).toBe(true);
    expect(externalUrlAllowed('https://evil.example/', origins)).toBe(false);
    expect(externalUrlAllowed('https://platform.openai.com.evil.example/api-keys', origins)).toBe(false);
    expect(externalUrlAllowed('https://openai.com/', origins)).toBe(false);
  });

  it('refuse other schemes, ports, credentials and what is not a URL', () => {
    expect(externalUrlAllowed('http://platform.openai.com/api-keys', origins)).toBe(false);
    expect(externalUrlAllowed('https://platform.openai.com:8443/api-keys', origins)).toBe(false);
    expect(externalUrlAllowed('https://user:pw@platform.openai.com/api-keys', origins)).toBe(false);
    expect(externalUrlAllowed('file:///etc/passwd', origins)).toBe(false);
    expect(externalUrlAllowed('ms-msdt:/id PCWDiagnostic', origins)).toBe(false);
    expect(externalUrlAllowed('javascript:alert(1)', origins)).toBe(false);
    expect(externalUrlAllowed('not a url', origins)).toBe(false);
  });

  it('ignore key pages that are not https', () => {
    expect([
      ...externalLinkOrigins([
        { keyUrl: 'http://insecure.example/keys' },
        { keyUrl: null },
        { keyUrl: 'https://a.example/k' },
      ]),
    ]).toEqual(['https://a.example']);
  });
});
