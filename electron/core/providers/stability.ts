/**
 * Stability AI Stable Image (v2beta): `POST /v2beta/stable-image/generate/{ultra|core|sd3}`, multipart in,
 * the image's bytes out (`Accept: image/*`) with `finish-reason` and `seed` headers.
 * The API makes one image per request. For a count above one the adapter makes that many requests in turn,
 * with seeds seed, seed+1, …: a designer asking for four variations gets four, each reproducible from its seed,
 * within the catalog's maxCount (4) so one attempt stays well inside the dispatcher's deadline and the
 * provider's 150 requests per 10 s. A later request failing keeps the images already paid for, with a warning.
 */
import { MAX_SEED } from '../../../shared/domain';
import { type CatalogModel, pricePerImage, sizeFor, sizeRatio } from './catalog';
import {
  clip,
  decodeBase64,
  describeError,
  exchange,
  isRecord,
  parseJson,
  redact,
  retryAfterMs,
} from './http';
import type {
  AdapterCall,
  AttemptFailure,
  AttemptResult,
  KeyCheck,
  ProviderAdapter,
  ProviderImage,
  ReferenceImage,
} from './types';

const NAME = 'Stability AI';
/** Stability documents 150 requests per 10 s and sends no Retry-After: the window is the wait. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 10_000;
/** Every ratio the v2beta generate endpoints accept. */
export const STABILITY_RATIOS = ['16:9', '1:1', '21:9', '2:3', '3:2', '4:5', '5:4', '9:16', '9:21'] as const;

type Route = 'ultra' | 'core' | 'sd3';
/** Form fields each endpoint documents; anything else in `options` is dropped with a warning. */
const FIELDS: Record<Route, readonly string[]> = {
  ultra: ['prompt', 'negative_prompt', 'aspect_ratio', 'seed', 'output_format', 'image', 'strength'],
  core: ['prompt', 'negative_prompt', 'aspect_ratio', 'seed', 'output_format', 'style_preset'],
  sd3: [
    'prompt',
    'negative_prompt',
    'aspect_ratio',
    'seed',
    'output_format',
    'model',
    'mode',
    'image',
    'strength',
    'cfg_scale',
  ],
};
/** Fields the adapter owns: the model, the mode, the input image, and the seed (one per request, recorded). */
const OWNED = new Set(['model', 'mode', 'image', 'seed']);
const MIME_BY_FORMAT: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export const stabilityAdapter: ProviderAdapter = {
  id: 'stability',

  async generate(call): Promise<AttemptResult> {
    const { request, model, clock } = call;
    const apiKey = call.apiKey ?? '';
    const route = routeOf(model);
    const warnings: string[] = [];
    const form: Record<string, string | number> = { prompt: request.prompt };

    if (route === 'sd3') form.model = model.id;
    if (request.negativePrompt.trim() !== '') {
      if (model.capabilities.negativePrompt) form.negative_prompt = request.negativePrompt.trim();
      else
        warnings.push(
          `${model.name} takes no negative prompt; "${clip(request.negativePrompt.trim(), 80)}" was dropped`,
        );
    }

    const reference = call.reference && model.capabilities.imageInput ? call.reference : null;
    if (call.reference && !reference) {
      warnings.push(
        `${model.name} takes no reference image; it was ignored and the image made from the prompt alone`,
      );
    }
    if (reference) {
      if (route === 'sd3') form.mode = 'image-to-image';
      form.strength = round(reference.strength, 3);
      const wanted = request.size
        ? request.size.width / request.size.height
        : (sizeRatio(request.aspectRatio) ?? 1);
      if (Math.abs(Math.log(wanted / (reference.width / reference.height))) > 0.02) {
        warnings.push(
          `In image-to-image mode ${NAME} keeps the reference's shape (${reference.width}×${reference.height}); the requested ${shapeWanted(call)} was not used`,
        );
      }
    } else {
      form.aspect_ratio = aspectFor(call, warnings);
    }

    const guidance = model.capabilities.guidance;
    if (request.guidance !== undefined) {
      if (guidance) {
        const clamped = Math.min(guidance.max, Math.max(guidance.min, request.guidance));
        if (clamped !== request.guidance) {
          warnings.push(
            `${model.name} takes ${guidance.param} ${guidance.min}–${guidance.max}; guidance ${request.guidance} was clamped to ${clamped}`,
          );
        }
        form[guidance.param] = clamped;
      } else {
        warnings.push(`${model.name} sets its own guidance; guidance ${request.guidance} was ignored`);
      }
    }
    if (request.steps !== undefined) {
      warnings.push(`${NAME} chooses the sampling steps itself; steps ${request.steps} was ignored`);
    }
    form.output_format = 'png';
    mergeOptions(form, call.options, route, warnings);

    const n = Math.min(request.count, model.capabilities.maxCount);
    if (n < request.count) {
      warnings.push(
        `${NAME} makes one image per request and Atelier sends at most ${n} in a row; asked for ${request.count}, made ${n}`,
      );
    }
    // Past the top the seeds wrap to 1, not 0: seed 0 asks Stability for a random one.
    const seeds = Array.from({ length: n }, (_, i) =>
      request.seed + i > MAX_SEED ? request.seed + i - MAX_SEED : request.seed + i,
    );
    if (n > 1) {
      warnings.push(
        `${NAME} makes one image per request: made ${n} requests with seeds ${seeds.join(', ')}; the run records the first`,
      );
    }

    const requestSent: Record<string, unknown> = { ...form, seed: seeds[0] };
    if (reference) requestSent.image = describeImage(reference);
    if (n > 1) requestSent.seeds = seeds;
    const base = { requestSent, warnings };
    if (!call.apiKey) return failure(base, 'auth_failed', null, null, `No API key for ${NAME}.`, null);

    const url = `${apiBase(call.endpoint)}/v2beta/stable-image/generate/${route}`;
    const images: ProviderImage[] = [];
    let seedUsed: number | null = null;
    let httpStatus: number | null = null;
    for (let i = 0; i < n; i += 1) {
      call.onProgress({
        fraction: n > 1 ? i / n : null,
        message: n > 1 ? `Image ${i + 1} of ${n}` : 'Generating',
      });
      const one = await requestOne(call, url, { ...form, seed: seeds[i]! }, reference, apiKey, clock.now());
      if (one.outcome !== 'ok') {
        if (images.length === 0 || one.outcome === 'cancelled') {
          const discarded =
            images.length > 0 ? ` (${images.length} image(s) already made were discarded)` : '';
          return { ...base, ...one, providerMessage: `${one.providerMessage}${discarded}` };
        }
        warnings.push(
          `${NAME} refused image ${i + 1} of ${n} (${one.outcome}: ${clip(one.providerMessage, 200)}); kept the ${images.length} already made`,
        );
        break;
      }
      images.push(one.image);
      httpStatus = one.httpStatus;
      seedUsed ??= one.seed;
    }
    call.onProgress({ fraction: 1, message: null });

    const price = pricePerImage(model, String(form.aspect_ratio ?? ''), model.qualityTiers[request.quality]);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus,
      warnings,
      images,
      seedUsed: seedUsed ?? seeds[0]!,
      costUsd: price === null ? null : roundUsd(price * images.length),
      providerMessage: null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const apiKey = call.apiKey ?? '';
    if (!call.apiKey) return { outcome: 'auth_failed', message: `No API key for ${NAME}.` };
    const answer = await exchange(
      call.fetch,
      `${apiBase(call.endpoint)}/v1/user/balance`,
      {
        method: 'GET',
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
        signal: call.signal,
      },
      NAME,
    );
    if (answer.kind === 'cancelled') return { outcome: 'cancelled', message: answer.message };
    if (answer.kind === 'network') return { outcome: 'unavailable', message: redact(answer.message, apiKey) };
    if (answer.status < 200 || answer.status > 299) {
      const failed = classify(answer.status, answer.headers, answer.text, call.clock.now(), apiKey);
      return { outcome: failed.outcome, message: failed.providerMessage };
    }
    const body = parseJson(answer.text);
    const credits = isRecord(body) && typeof body.credits === 'number' ? body.credits : null;
    return {
      outcome: 'ok',
      message:
        credits === null
          ? `${NAME} accepted the key.`
          : `${NAME} accepted the key; ${round(credits, 2)} credits left (about $${round(credits / 100, 2)}).`,
    };
  },
};

type Classified = Omit<AttemptFailure, 'requestSent' | 'warnings'>;
type OneImage = { outcome: 'ok'; image: ProviderImage; seed: number | null; httpStatus: number } | Classified;

/** One generate request: the image and the seed Stability used, or the classified failure. */
async function requestOne(
  call: AdapterCall,
  url: string,
  fields: Record<string, string | number>,
  reference: ReferenceImage | null,
  apiKey: string,
  nowMs: number,
): Promise<OneImage> {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, String(value));
  if (reference) {
    const extension = reference.mime.split('/')[1];
    body.append(
      'image',
      new Blob([Uint8Array.from(reference.bytes)], { type: reference.mime }),
      `reference.${extension}`,
    );
  }
  // FormData sets the multipart boundary itself, so no content-type header is written here.
  const answer = await exchangeBytes(call, url, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, accept: 'image/*' },
    body,
  });
  if (answer.kind === 'cancelled') return plain('cancelled', answer.message);
  if (answer.kind === 'network') return plain('unavailable', redact(answer.message, apiKey));
  const { status, headers, bytes } = answer;
  if (status < 200 || status > 299)
    return classify(status, headers, new TextDecoder().decode(bytes), nowMs, apiKey);

  const contentType = (headers.get('content-type') ?? '').toLowerCase();
  let finish = headers.get('finish-reason');
  let seed = toSeed(headers.get('seed'));
  let image: Uint8Array | null = bytes;
  let mime: string | null = contentType.startsWith('image/') ? contentType.split(';')[0]!.trim() : null;
  // Asked for image/*, but a JSON answer (base64) is the documented alternative: read it rather than fail.
  if (contentType.startsWith('application/json')) {
    const parsed = parseJson(new TextDecoder().decode(bytes));
    const encoded = isRecord(parsed) && typeof parsed.image === 'string' ? parsed.image : null;
    image = encoded === null ? null : decodeBase64(encoded);
    if (isRecord(parsed)) {
      finish = typeof parsed.finish_reason === 'string' ? parsed.finish_reason : finish;
      seed = typeof parsed.seed === 'number' ? parsed.seed : seed;
    }
    const type = /type=(image\/[a-z]+)/.exec(contentType)?.[1];
    mime = type ?? MIME_BY_FORMAT[String(fields.output_format)] ?? null;
  }
  if (finish?.toUpperCase() === 'CONTENT_FILTERED') {
    return {
      outcome: 'content_blocked',
      httpStatus: status,
      providerCode: 'CONTENT_FILTERED',
      providerMessage: `${NAME} generated the image but its content filter withheld it (finish-reason CONTENT_FILTERED).`,
      retryAfterMs: null,
    };
  }
  if (!image || image.byteLength === 0) {
    return {
      outcome: 'no_image',
      httpStatus: status,
      providerCode: null,
      providerMessage: `${NAME} answered successfully but sent no image bytes`,
      retryAfterMs: null,
    };
  }
  return { outcome: 'ok', image: { bytes: image, declaredMime: mime }, seed, httpStatus: status };
}

/** Maps a Stability error (`{ id, name, errors: [...] }`, or `{ message }`) onto the closed set of outcomes. */
export function classify(
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
  apiKey: string,
): Classified {
  const body = parseJson(text);
  const name = isRecord(body) && typeof body.name === 'string' ? body.name : null;
  const errors =
    isRecord(body) && Array.isArray(body.errors)
      ? body.errors.filter((e): e is string => typeof e === 'string')
      : [];
  const stated =
    errors.length > 0
      ? errors.join('; ')
      : isRecord(body) && typeof body.message === 'string'
        ? body.message
        : body === undefined &&
            text.trim() !== '' &&
            text.trim().length <= 300 &&
            !text.trim().startsWith('<')
          ? text.trim()
          : null;
  const message = redact(
    clip(stated ?? `${NAME} answered HTTP ${status} without an error message`, 1000),
    apiKey,
  );
  const result = (outcome: Classified['outcome'], retry: number | null = null): Classified => ({
    outcome,
    httpStatus: status,
    providerCode: name,
    providerMessage: message,
    retryAfterMs: retry,
  });
  if (status === 401) return result('auth_failed');
  if (status === 402) return result('quota_exhausted');
  if (status === 403) {
    // 403 is Stability's moderation answer; a 403 that does not say so is a permission problem with the key.
    return name === 'content_moderation' || /moderat|flagged/i.test(message)
      ? result('content_blocked')
      : result('auth_failed');
  }
  if (status === 429)
    return result('rate_limited', retryAfterMs(headers, nowMs) ?? DEFAULT_RATE_LIMIT_WAIT_MS);
  if (status === 408) return result('timeout');
  if (status >= 500) return result('unavailable', retryAfterMs(headers, nowMs));
  return result('invalid_request');
}

type BinaryExchange =
  | { kind: 'response'; status: number; headers: Headers; bytes: Uint8Array }
  | { kind: 'cancelled'; message: string }
  | { kind: 'network'; message: string };

/** Like `exchange`, but keeps the body as bytes: a successful answer is the image itself. */
async function exchangeBytes(call: AdapterCall, url: string, init: RequestInit): Promise<BinaryExchange> {
  const { signal } = call;
  if (signal.aborted)
    return { kind: 'cancelled', message: `Cancelled before the request was sent to ${NAME}.` };
  let response: Response;
  try {
    response = await call.fetch(url, { ...init, signal });
  } catch (error) {
    if (signal.aborted) return { kind: 'cancelled', message: `Cancelled while waiting for ${NAME}.` };
    return {
      kind: 'network',
      message: `Could not reach ${NAME} at ${new URL(url).origin}: ${describeError(error)}.`,
    };
  }
  try {
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { kind: 'response', status: response.status, headers: response.headers, bytes };
  } catch (error) {
    if (signal.aborted) return { kind: 'cancelled', message: `Cancelled while ${NAME} was answering.` };
    return {
      kind: 'network',
      message: `The connection to ${NAME} broke mid-answer: ${describeError(error)}.`,
    };
  }
}

function routeOf(model: CatalogModel): Route {
  if (model.id === 'ultra' || model.id === 'core') return model.id;
  return 'sd3';
}

/** The Stability ratio for the request: the catalog's for an aspect ratio, the nearest one for an exact size. */
function aspectFor(call: AdapterCall, warnings: string[]): string {
  const { request, model } = call;
  if (request.size) {
    const { width, height } = request.size;
    const ratio = nearestRatio(width / height);
    warnings.push(
      `${NAME} makes only fixed aspect ratios, not exact sizes; asked for ${width}×${height}, made ${ratio} (size set by ${NAME})`,
    );
    return ratio;
  }
  const { size, exact } = sizeFor(model, request.aspectRatio);
  if (!exact)
    warnings.push(`${model.name} has no ${request.aspectRatio} aspect ratio; it made ${size} instead`);
  return size;
}

function nearestRatio(wanted: number): string {
  let best: string = STABILITY_RATIOS[0];
  for (const ratio of STABILITY_RATIOS) {
    const distance = (r: string) => Math.abs(Math.log((sizeRatio(r) ?? 1) / wanted));
    if (distance(ratio) < distance(best)) best = ratio;
  }
  return best;
}

/** `call.options` goes last; only the endpoint's documented scalar fields, never the ones the adapter owns. */
function mergeOptions(
  form: Record<string, string | number>,
  options: Record<string, unknown>,
  route: Route,
  warnings: string[],
): void {
  for (const [key, value] of Object.entries(options)) {
    const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    if (OWNED.has(key)) {
      warnings.push(`Option "${key}" is set by Atelier for ${NAME}; the option was ignored`);
      continue;
    }
    if (!FIELDS[route].includes(key) || !scalar) {
      warnings.push(`Option "${key}" is not a ${route} parameter Atelier passes to ${NAME}; it was ignored`);
      continue;
    }
    form[key] = typeof value === 'boolean' ? String(value) : value;
  }
}

function shapeWanted(call: AdapterCall): string {
  const { size, aspectRatio } = call.request;
  return size ? `${size.width}×${size.height}` : aspectRatio;
}

function toSeed(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** `<png 1024×1024, 182 KB>`: how an input image appears in the recorded request. */
export function describeImage(image: ReferenceImage): string {
  const format = image.mime.split('/')[1] ?? 'image';
  return `<${format} ${image.width}×${image.height}, ${Math.max(1, Math.round(image.bytes.byteLength / 1024))} KB>`;
}

/** Accepts a base URL copied with `/v2beta` on it too. */
function apiBase(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/v2beta$/, '');
}

function plain(outcome: Classified['outcome'], message: string): Classified {
  return { outcome, httpStatus: null, providerCode: null, providerMessage: message, retryAfterMs: null };
}

function failure(
  base: { requestSent: Record<string, unknown>; warnings: string[] },
  outcome: AttemptFailure['outcome'],
  httpStatus: number | null,
  providerCode: string | null,
  providerMessage: string,
  retry: number | null,
): AttemptFailure {
  return { ...base, outcome, httpStatus, providerCode, providerMessage, retryAfterMs: retry };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function roundUsd(value: number): number {
  return round(value, 6);
}
