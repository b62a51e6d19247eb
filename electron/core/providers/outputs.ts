/**
 * Output images that providers answer with as URLs: fetched at once (the links expire), never with the
 * key unless the URL is the provider's own, and returned as bytes or as the reason there are none.
 */
import type { ProviderSafety, SafetyRating } from '../../../shared/domain';
import type { FetchLike } from '../ports';
import { type Classified, plain } from './attempt';
import { clip, describeError, redact } from './http';
import type { ProviderImage } from './types';

/** An image fetched by URL, or why not. */
export type FetchedImage =
  | { kind: 'bytes'; bytes: Uint8Array; mime: string | null }
  | { kind: 'status'; status: number }
  | { kind: 'cancelled' }
  /** `midBody`: the answer began but broke off. */
  | { kind: 'network'; message: string; midBody: boolean };

/** The one download every adapter uses; never throws for the network or an abort. */
export async function fetchImage(
  fetch: FetchLike,
  url: string,
  init: { signal: AbortSignal; headers?: Record<string, string> },
): Promise<FetchedImage> {
  if (init.signal.aborted) return { kind: 'cancelled' };
  let response: Response;
  try {
    response = await fetch(url, { method: 'GET', headers: init.headers ?? {}, signal: init.signal });
  } catch (error) {
    if (init.signal.aborted) return { kind: 'cancelled' };
    return { kind: 'network', message: describeError(error), midBody: false };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'status', status: response.status };
  }
  try {
    const bytes = new Uint8Array(await response.arrayBuffer());
    const type = response.headers.get('content-type');
    return { kind: 'bytes', bytes, mime: type ? type.split(';')[0]!.trim() : null };
  } catch (error) {
    if (init.signal.aborted) return { kind: 'cancelled' };
    return { kind: 'network', message: describeError(error), midBody: true };
  }
}

/** Gemini ratings at these probabilities flag an image, as does any rating marked blocked. */
const FLAGGING = new Set(['MEDIUM', 'HIGH']);

/**
 * A provider's per-image safety field, recorded on the output: a yes/no flag (fal `has_nsfw_concepts`,
 * Ideogram `is_image_safe`, read so that `flagged` means unsafe) or Gemini's `safetyRatings` as sent.
 * Null when the provider sent nothing readable: absence is never turned into "safe".
 */
export function safetyFlag(
  field: 'has_nsfw_concepts' | 'is_image_safe',
  value: unknown,
): ProviderSafety | null;
export function safetyFlag(field: 'safetyRatings', value: unknown): ProviderSafety | null;
export function safetyFlag(field: ProviderSafety['field'], value: unknown): ProviderSafety | null {
  if (field !== 'safetyRatings') {
    if (typeof value !== 'boolean') return null;
    return { field, flagged: field === 'is_image_safe' ? !value : value, ratings: [] };
  }
  if (!Array.isArray(value)) return null;
  const ratings: SafetyRating[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    const { category, probability, blocked } = item as Record<string, unknown>;
    if (typeof category !== 'string' || typeof probability !== 'string') continue;
    ratings.push({ category, probability, blocked: blocked === true });
  }
  if (ratings.length === 0) return null;
  return { field, flagged: ratings.some((r) => r.blocked || FLAGGING.has(r.probability)), ratings };
}

/** Statuses a storage host answers for a link that has expired. */
const GONE = new Set([403, 404, 410]);

/** How an adapter words the outputs it fetches one by one (Replicate, fal, BFL). */
export interface OutputWording {
  name: string;
  /** The key, removed from any message. */
  secret: string;
  /** What each URL is called in a warning: `One of the 2 outputs could not be fetched`. */
  noun: string;
  /** `data:` URLs are fetched too (Replicate may inline small outputs). */
  dataUrls?: boolean;
  /** Why a URL is not fetched; `protocol` is null when it does not parse at all. */
  unfetchable(url: string, protocol: string | null): string;
  /** The message for a link that had expired (`where` is its origin). */
  expired(where: string, status: number): string;
}

/**
 * Fetches outputs in turn, without the key: the images, with a warning for each one lost, or the
 * failure when none came (an abort ends it at once).
 */
export async function fetchOutputs(
  call: { fetch: FetchLike; signal: AbortSignal },
  urls: readonly string[],
  wording: OutputWording,
  /** The provider's safety flag for each URL, in the same order; it stays with its image. */
  safety: readonly (ProviderSafety | null)[] = [],
): Promise<{ images: ProviderImage[]; warnings: string[] } | Classified> {
  const images: ProviderImage[] = [];
  const problems: Classified[] = [];
  for (const [i, url] of urls.entries()) {
    const got = await fetchOutput(call, url, wording);
    if (!('outcome' in got)) {
      images.push({ ...got, safety: safety[i] ?? null });
      continue;
    }
    if (got.outcome === 'cancelled') return got;
    problems.push(got);
  }
  if (images.length === 0) return problems[0]!;
  const warnings = problems.map(
    (problem) => `One of the ${urls.length} ${wording.noun} could not be fetched: ${problem.providerMessage}`,
  );
  return { images, warnings };
}

async function fetchOutput(
  call: { fetch: FetchLike; signal: AbortSignal },
  url: string,
  wording: OutputWording,
): Promise<ProviderImage | Classified> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return plain('no_image', wording.unfetchable(url, null));
  }
  const schemes = wording.dataUrls ? ['https:', 'http:', 'data:'] : ['https:', 'http:'];
  if (!schemes.includes(parsed.protocol)) {
    return plain('no_image', wording.unfetchable(url, parsed.protocol));
  }
  const where = parsed.protocol === 'data:' ? 'a data URL' : parsed.origin;
  const got = await fetchImage(call.fetch, url, { signal: call.signal });
  switch (got.kind) {
    case 'cancelled':
      return plain('cancelled', `Cancelled while fetching the image from ${where}.`);
    case 'network':
      return plain(
        'unavailable',
        got.midBody
          ? `The image download from ${where} broke off: ${got.message}.`
          : redact(`Could not fetch the image from ${where}: ${got.message}.`, wording.secret),
      );
    case 'status':
      if (GONE.has(got.status)) return plain('no_image', wording.expired(where, got.status), got.status);
      return plain(
        got.status >= 500 ? 'unavailable' : 'no_image',
        `Fetching the image from ${where} failed with HTTP ${got.status}`,
        got.status,
      );
    case 'bytes':
      return { bytes: got.bytes, declaredMime: got.mime?.startsWith('image/') ? got.mime : null };
  }
}

/** What fetching signed links side by side came to (Leonardo, Ideogram). */
export type FetchedLinks =
  | { kind: 'images'; images: ProviderImage[]; warning: string | null }
  | { kind: 'none'; outcome: 'unavailable' | 'no_image'; message: string }
  | { kind: 'cancelled' };

/**
 * Fetches signed, short-lived links all at once, without the key: the images (a warning names the ones
 * lost), or why none came. The caller words the cancel, which may need the provider's cancel call.
 */
export async function fetchSignedLinks(
  call: { fetch: FetchLike; signal: AbortSignal },
  urls: readonly string[],
  name: string,
  /** The provider's safety flag for each link, in the same order; it stays with its image. */
  safety: readonly (ProviderSafety | null)[] = [],
): Promise<FetchedLinks> {
  const fetched = await Promise.all(
    urls.map((url) => fetchImage(call.fetch, url, { signal: call.signal, headers: { accept: 'image/*' } })),
  );
  if (call.signal.aborted) return { kind: 'cancelled' };
  const images: ProviderImage[] = [];
  const errors: Array<{ error: string; network: boolean }> = [];
  for (const [i, got] of fetched.entries()) {
    if (got.kind === 'bytes')
      images.push({ bytes: got.bytes, declaredMime: got.mime, safety: safety[i] ?? null });
    else if (got.kind === 'status') {
      const hint = GONE.has(got.status) ? ' (the link may have expired)' : '';
      errors.push({ error: `HTTP ${got.status}${hint}`, network: got.status >= 500 });
    } else errors.push({ error: got.kind === 'network' ? got.message : 'cancelled', network: true });
  }
  if (images.length === 0) {
    return {
      kind: 'none',
      outcome: errors.every((e) => e.network) ? 'unavailable' : 'no_image',
      message: `${name} made ${urls.length} images but none could be fetched: ${clip(errors.map((e) => e.error).join('; '), 600)}`,
    };
  }
  const warning =
    errors.length > 0
      ? `${errors.length} of ${urls.length} images could not be fetched from ${name}: ${errors[0]!.error}`
      : null;
  return { kind: 'images', images, warning };
}
