// Which links may leave the app for the user's browser: only the sites the app itself links to.
// Electron-free so it is tested in plain Node; main.ts wires it into `setWindowOpenHandler`.

interface LinkingProvider {
  keyUrl: string | null;
}

/**
 * The origins the app links to, derived from data: each provider's key page (`keyUrl` in
 * resources/providers/<id>.json, shown as "Get a key" in Settings → API keys). Only https.
 */
export function externalLinkOrigins(providers: readonly LinkingProvider[]): ReadonlySet<string> {
  const origins = new Set<string>();
  for (const { keyUrl } of providers) {
    const url = keyUrl === null ? null : URL.parse(keyUrl);
    if (url?.protocol === 'https:') origins.add(url.origin);
  }
  return origins;
}

/**
 * True when `url` may be opened in the user's browser: https, no credentials in it, and an origin
 * (scheme, host and port) the app links to. Anything else (other hosts, `file:`, custom schemes that
 * start other programs, look-alike hosts such as `platform.openai.com.example`) stays closed.
 */
export function externalUrlAllowed(url: string, origins: ReadonlySet<string>): boolean {
  const parsed = URL.parse(url);
  if (parsed === null || parsed.protocol !== 'https:') return false;
  if (parsed.username !== '' || parsed.password !== '') return false;
  return origins.has(parsed.origin);
}
