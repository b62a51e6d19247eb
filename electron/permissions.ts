// Which web permissions the window gets: none, except what the renderer truly uses. Electron-free so
// it is tested in plain Node; main.ts wires it into the session's request and check handlers.

/**
 * What the renderer uses: "Copy prompt" / "Copy seed" call `navigator.clipboard.writeText`
 * (renderer/lib/clipboard.ts). Camera, microphone, notifications, geolocation, clipboard reading,
 * HID/serial/USB, fullscreen, opening external apps and every permission Electron adds later are denied.
 */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** The document part of a URL: what a page is, whatever view its fragment shows. */
function documentUrl(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

/**
 * Grants a permission only when it is one the app uses and it is asked for by our own page
 * (`appUrl`, the renderer's index.html); everything else is denied.
 */
export function permissionGranted(permission: string, requestingUrl: string | null, appUrl: string): boolean {
  if (!GRANTED_PERMISSIONS.has(permission)) return false;
  return requestingUrl !== null && documentUrl(requestingUrl) === documentUrl(appUrl);
}
