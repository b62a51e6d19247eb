/** One Content-Security-Policy for the window and the served page: our own files, nothing else. */
export function contentSecurityPolicy(extraImgSources: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${extraImgSources.join(' ')}`.trim(),
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const MEDIA_SCHEME = 'atelier-media';
