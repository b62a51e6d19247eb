/** The scheme the desktop window loads stored images from (registered in main.ts). */
export const MEDIA_SCHEME = 'atelier-media';

export interface PolicyOptions {
  /** Extra image sources, e.g. `atelier-media:` in the desktop window. */
  imgSources?: readonly string[];
  /**
   * `header` (default) or `meta`: `frame-ancestors` works only as a response header, and browsers
   * warn when a meta tag carries it, so the meta form leaves it out.
   */
  delivery?: 'header' | 'meta';
}

/**
 * The one Content-Security-Policy for the window and the served page: our own files, nothing else.
 * Sent as a response header by the loopback server and the media protocol, injected as a meta tag
 * into index.html at build time (vite.config.ts), so no copy of it is written anywhere else.
 */
export function contentSecurityPolicy(options: PolicyOptions = {}): string {
  const directives: Array<[string, string]> = [
    ['default-src', "'self'"],
    ['script-src', "'self'"],
    ['style-src', "'self'"],
    ['img-src', ["'self'", 'data:', 'blob:', ...(options.imgSources ?? [])].join(' ')],
    ['connect-src', "'self'"],
    ['font-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ['frame-ancestors', "'none'"],
  ];
  return directives
    .filter(([name]) => options.delivery !== 'meta' || name !== 'frame-ancestors')
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}

/** The policy the desktop window's document carries (its page loads from file://, where no header applies). */
export function windowContentSecurityPolicy(delivery: 'header' | 'meta' = 'header'): string {
  return contentSecurityPolicy({ imgSources: [`${MEDIA_SCHEME}:`], delivery });
}

/**
 * Response headers with our policy in place of any the response brought (whatever the header's case),
 * in the shape Electron's `webRequest.onHeadersReceived` hands out and takes back.
 */
export function withContentSecurityPolicy(
  headers: Readonly<Record<string, string | string[]>> | undefined,
  policy: string,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-security-policy' || lower === 'content-security-policy-report-only') continue;
    result[name] = Array.isArray(value) ? [...value] : [value];
  }
  result['Content-Security-Policy'] = [policy];
  return result;
}
