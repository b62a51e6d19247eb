/** Shared plumbing for provider adapters: calling fetch without throwing, reading errors, Retry-After, redaction. */
import type { FetchLike } from '../ports';
import { redactSecrets } from './redact';

/** What a provider's answer looked like, read whole, or why there was none. */
export type Exchange =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'cancelled'; message: string }
  | { kind: 'network'; message: string };

/** The same, with the body kept as bytes (an answer that is the image itself). */
export type BinaryExchange =
  | { kind: 'response'; status: number; headers: Headers; bytes: Uint8Array }
  | { kind: 'cancelled'; message: string }
  | { kind: 'network'; message: string };

/**
 * Sends one request and reads the whole body. Never throws for the network or an abort:
 * an abort (before or during the body) is `cancelled`, anything else that stops the exchange is `network`.
 */
export async function exchange(
  fetch: FetchLike,
  url: string,
  init: RequestInit & { signal: AbortSignal },
  providerName: string,
): Promise<Exchange> {
  const got = await send(fetch, url, init, providerName, (response) => response.text());
  return got.kind === 'response'
    ? { kind: 'response', status: got.status, headers: got.headers, text: got.body }
    : got;
}

/** `exchange`, keeping the body as bytes. */
export async function exchangeBytes(
  fetch: FetchLike,
  url: string,
  init: RequestInit & { signal: AbortSignal },
  providerName: string,
): Promise<BinaryExchange> {
  const got = await send(
    fetch,
    url,
    init,
    providerName,
    async (response) => new Uint8Array(await response.arrayBuffer()),
  );
  return got.kind === 'response'
    ? { kind: 'response', status: got.status, headers: got.headers, bytes: got.body }
    : got;
}

async function send<T>(
  fetch: FetchLike,
  url: string,
  init: RequestInit & { signal: AbortSignal },
  providerName: string,
  read: (response: Response) => Promise<T>,
): Promise<
  | { kind: 'response'; status: number; headers: Headers; body: T }
  | { kind: 'cancelled' | 'network'; message: string }
> {
  const { signal } = init;
  if (signal.aborted) {
    return { kind: 'cancelled', message: `Cancelled before the request was sent to ${providerName}.` };
  }
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (signal.aborted) return { kind: 'cancelled', message: `Cancelled while waiting for ${providerName}.` };
    return {
      kind: 'network',
      message: `Could not reach ${providerName} at ${originOf(url)}: ${describeError(error)}.`,
    };
  }
  try {
    const body = await read(response);
    return { kind: 'response', status: response.status, headers: response.headers, body };
  } catch (error) {
    if (signal.aborted) {
      return { kind: 'cancelled', message: `Cancelled while ${providerName} was answering.` };
    }
    return {
      kind: 'network',
      message: `The connection to ${providerName} broke mid-answer: ${describeError(error)}.`,
    };
  }
}

/** `fetch failed (ECONNREFUSED)` rather than a bare `fetch failed`. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  const code =
    cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : null;
  return code ? `${error.message} (${code})` : error.message;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** JSON.parse that answers `undefined` for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The common `{ error: { message, type, code, param } }` body (OpenAI and many others); fields null when absent. */
export interface ProviderErrorBody {
  message: string | null;
  type: string | null;
  code: string | null;
  param: string | null;
}

export function readErrorBody(text: string): ProviderErrorBody {
  const body = parseJson(text);
  const error = isRecord(body) && isRecord(body.error) ? body.error : isRecord(body) ? body : {};
  const str = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
  return {
    message: str(error.message) ?? (body === undefined ? plainText(text) : null),
    type: str(error.type),
    code: str(error.code) ?? (typeof error.code === 'number' ? String(error.code) : null),
    param: str(error.param),
  };
}

/** A short plain-text error body is worth showing; an HTML error page from a proxy is not. */
export function plainText(text: string): string | null {
  const trimmed = text.trim();
  return trimmed !== '' && trimmed.length <= 300 && !trimmed.startsWith('<') ? trimmed : null;
}

/**
 * How long the provider asks us to wait, in ms, or null when it did not say:
 * `retry-after-ms` (ms, OpenAI) wins over `retry-after` (seconds, or an HTTP date measured against `nowMs`).
 */
export function retryAfterMs(headers: Headers, nowMs: number): number | null {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.round(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/**
 * Removes the key wherever a provider or a library echoed it, in any common encoding or in part
 * (see redact.ts); messages are stored and shown.
 */
export function redact(text: string, secret: string | readonly string[]): string {
  return redactSecrets(text, typeof secret === 'string' ? [secret] : secret);
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Decodes standard or URL-safe base64; null when the string is not base64 at all. */
export function decodeBase64(value: string): Uint8Array | null {
  const compact = value.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) return null;
  return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
}

/** FastAPI / pydantic field errors (`{ detail: [{ loc, msg, type }] }`) as `field: message` lines. */
export function fieldErrors(entries: readonly Record<string, unknown>[]): string[] {
  return entries.map((e) => {
    const where = Array.isArray(e.loc) ? e.loc.filter((p) => p !== 'body').join('.') : '';
    const msg = typeof e.msg === 'string' ? e.msg : 'invalid';
    return where ? `${where}: ${msg}` : msg;
  });
}
