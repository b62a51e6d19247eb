import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HtmlTagDescriptor } from 'vite';
import { describe, expect, it } from 'vitest';
import viteConfig, { cspMetaTag } from '../vite.config';
import { contentSecurityPolicy, windowContentSecurityPolicy, withContentSecurityPolicy } from './csp';

/** directive -> its sources */
function parse(policy: string): Map<string, string> {
  return new Map(
    policy.split(';').map((part) => {
      const [name, ...sources] = part.trim().split(/\s+/);
      return [name!, sources.join(' ')];
    }),
  );
}

describe('content security policy', () => {
  it('locks down plugins, the base URL and form targets, besides our own files only', () => {
    const policy = parse(contentSecurityPolicy());
    expect(policy.get('default-src')).toBe("'self'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('object-src')).toBe("'none'");
    expect(policy.get('base-uri')).toBe("'none'");
    expect(policy.get('form-action')).toBe("'none'");
    expect(policy.get('frame-ancestors')).toBe("'none'");
    expect(policy.get('img-src')).toBe("'self' data: blob:");
  });

  it('lets the desktop window load stored images from atelier-media:, and leaves frame-ancestors out of the meta form', () => {
    expect(parse(windowContentSecurityPolicy()).get('img-src')).toBe("'self' data: blob: atelier-media:");
    const meta = parse(windowContentSecurityPolicy('meta'));
    expect(meta.has('frame-ancestors')).toBe(false);
    expect(meta.get('object-src')).toBe("'none'");
  });

  it('is written into index.html at build time from the one definition, with no copy in the source', () => {
    const source = readFileSync(path.join(import.meta.dirname, '..', 'renderer', 'index.html'), 'utf8');
    expect(source).not.toMatch(/Content-Security-Policy"\s+content=/i);
    const plugins = (viteConfig as { plugins: Array<{ name: string }> }).plugins;
    expect(plugins.map((p) => p.name)).toContain('atelier-csp');
    const transform = cspMetaTag().transformIndexHtml as unknown as (html: string) => HtmlTagDescriptor[];
    const tags = transform(source);
    expect(tags).toEqual([
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: windowContentSecurityPolicy('meta') },
        injectTo: 'head-prepend',
      },
    ]);
  });

  it('replaces any policy a response brought, whatever the header case, and keeps the other headers', () => {
    const headers = withContentSecurityPolicy(
      {
        'content-security-policy': ['default-src *'],
        'Content-Security-Policy-Report-Only': 'default-src *',
        'Content-Type': ['image/png'],
        'X-One': 'a',
      },
      "default-src 'self'",
    );
    expect(headers).toEqual({
      'Content-Type': ['image/png'],
      'X-One': ['a'],
      'Content-Security-Policy': ["default-src 'self'"],
    });
    expect(withContentSecurityPolicy(undefined, 'p')).toEqual({ 'Content-Security-Policy': ['p'] });
  });
});
