/**
 * Removing a key from anything a provider (or a gateway in front of it) said before it is stored, returned or
 * emitted. Echoes are rarely exact: a gateway may upper-case the key, quote it base64-encoded inside a Basic
 * `user:key` header, URL-encode it, print it in hex, or cut it short. Any run of at least `MIN_RUN`
 * characters that appears in one of those encodings is removed, compared case-insensitively.
 */

export const REDACTED = '[redacted key]';
/** Shorter runs are left: they cannot identify a key, and matching them would mangle ordinary words. */
export const MIN_RUN = 8;
/** The most of a provider's own text that is ever stored or shown (messages, progress notes). */
export const PROVIDER_EXCERPT_CHARS = 500;

/** Lower-cases A–Z only, so that positions in the result are positions in the original. */
function lowerAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The encodings a secret is commonly echoed in, lower-cased. */
function encodingsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>([
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
    bytes.toString('hex'),
  ]);
  // Inside `user:key` (or any prefix) the key's base64 depends on where it starts within a 3-byte group:
  // for each of the three alignments, keep the characters made of the key's bits alone.
  for (const shift of [0, 1, 2]) {
    const shifted = Buffer.concat([Buffer.alloc(shift), bytes]);
    const from = Math.ceil((shift * 8) / 6);
    const to = Math.floor(((shift + bytes.length) * 8) / 6);
    forms.add(shifted.toString('base64').slice(from, to));
    forms.add(shifted.toString('base64url').slice(from, to));
  }
  return [...forms].map(lowerAscii);
}

/** Every `size`-character piece of every encoding of every secret. */
function piecesOf(secrets: readonly string[], size: number): Set<string> {
  const pieces = new Set<string>();
  for (const secret of secrets) {
    for (const form of encodingsOf(secret)) {
      for (let i = 0; i + size <= form.length; i += 1) pieces.add(form.slice(i, i + size));
    }
  }
  return pieces;
}

/**
 * `text` with every long run of a secret's characters, in any of the common encodings, replaced by
 * "[redacted key]". Secrets shorter than 4 characters are not redacted (they would match everywhere).
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const usable = secrets.filter((s) => s.length >= 4);
  if (usable.length === 0 || text === '') return text;
  const size = Math.min(MIN_RUN, ...usable.map((s) => s.length));
  const pieces = piecesOf(usable, size);
  const lower = lowerAscii(text);
  const hidden = new Uint8Array(text.length);
  let any = false;
  for (let i = 0; i + size <= lower.length; i += 1) {
    if (!pieces.has(lower.slice(i, i + size))) continue;
    hidden.fill(1, i, i + size);
    any = true;
  }
  if (!any) return text;
  let out = '';
  for (let i = 0; i < text.length; ) {
    if (hidden[i] === 0) {
      out += text[i];
      i += 1;
      continue;
    }
    while (i < text.length && hidden[i] === 1) i += 1;
    out += REDACTED;
  }
  return out;
}

/** A bounded excerpt of a provider's text with the secrets removed: what may be stored and emitted. */
export function providerExcerpt(text: string, secrets: readonly string[]): string {
  // Clipped first, so a long body costs nothing; a key cut at the edge is still caught down to MIN_RUN.
  const clipped =
    text.length <= PROVIDER_EXCERPT_CHARS ? text : `${text.slice(0, PROVIDER_EXCERPT_CHARS - 1)}…`;
  return redactSecrets(clipped, secrets);
}

/** The secrets one adapter call holds: its key, and a local server's `user:password` and password. */
export function secretsOfCall(call: {
  apiKey: string | null;
  server: { basicAuth: string | null } | null;
}): string[] {
  const secrets: string[] = [];
  if (call.apiKey) secrets.push(call.apiKey);
  const basicAuth = call.server?.basicAuth;
  if (basicAuth) {
    secrets.push(basicAuth);
    const colon = basicAuth.indexOf(':');
    if (colon >= 0) secrets.push(basicAuth.slice(colon + 1));
  }
  return secrets;
}

/**
 * An adapter's result as it may be stored and emitted: whatever the adapter did, the provider's message and
 * code are bounded excerpts without the call's secrets, and so are the warnings.
 */
export function scrubAttempt<
  T extends {
    providerMessage: string | null;
    warnings: string[];
    providerCode?: string | null;
  },
>(result: T, secrets: readonly string[]): T {
  return {
    ...result,
    providerMessage:
      result.providerMessage === null ? null : providerExcerpt(result.providerMessage, secrets),
    ...(result.providerCode ? { providerCode: providerExcerpt(result.providerCode, secrets) } : {}),
    warnings: result.warnings.map((w) => providerExcerpt(w, secrets)),
  };
}
