/**
 * Stability AI Stable Image (v2beta): `POST /v2beta/stable-image/generate/{ultra|core|sd3}`, multipart in,
 * the image's bytes out (`Accept: image/*`) with `finish-reason` and `seed` headers.
 * The API makes one image per request. For a count above one the adapter makes that many requests in turn,
 * with seeds seed, seed+1, …: a designer asking for four variations gets four, each reproducible from its seed,
 * within the catalog's maxCount (4) so one attempt stays well inside the dispatcher's deadline and the
 * provider's 150 requests per 10 s. A later request failing keeps the images already paid for, with a warning.
 */
import { MAX_SEED } from '../../../shared/domain';
import { askWithKey, type Classified, failure, isKeyCheck, plain, refusal } from './attempt';
import { type CatalogModel, pricePerImage } from './catalog';
import {
  clip,
  decodeBase64,
  exchangeBytes,
  isRecord,
  parseJson,
  plainText,
  redact,
  retryAfterMs,
} from './http';
import {
  catalogSize,
  clampedGuidance,
  describeImage,
  nearestRatio,
  referenceIgnoredWarning,
  referenceShapeWarning,
  roundUsd,
} from './image-params';
import { documentedOptions, ownedBy } from './options';
import type {
  AdapterCall,
  AttemptResult,
  KeyCheck,
  ProviderAdapter,
  ProviderImage,
  ReferenceImage,
} from './types';

/** `<png 1024×1024, 182 KB>`: how an input image appears in the recorded request. */
export { describeImage };

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
const OWNED = ['model', 'mode', 'image', 'seed'];
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
    if (call.reference && !reference) warnings.push(referenceIgnoredWarning(model.name));
    if (reference) {
      if (route === 'sd3') form.mode = 'image-to-image';
      form.strength = round(reference.strength, 3);
      referenceShapeWarning(request, reference, `In image-to-image mode ${NAME}`, warnings);
    } else {
      form.aspect_ratio = aspectFor(call, warnings);
    }

    const guidance = clampedGuidance(model, request, warnings, `${model.name} sets its own guidance`);
    if (guidance) form[guidance.param] = guidance.value;
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
    if (!call.apiKey) return failure(base, 'auth_failed', null, null, `No API key for ${NAME}.`);

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
    const answer = await askWithKey(
      call,
      {
        url: `${apiBase(call.endpoint)}/v1/user/balance`,
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
      },
      NAME,
      apiKey,
      classify,
    );
    if (isKeyCheck(answer)) return answer;
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
    body.append(
      'image',
      new Blob([Uint8Array.from(reference.bytes)], { type: reference.mime }),
      `reference.${reference.mime.split('/')[1]}`,
    );
  }
  // FormData sets the multipart boundary itself, so no content-type header is written here.
  const answer = await exchangeBytes(
    call.fetch,
    url,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, accept: 'image/*' },
      body,
      signal: call.signal,
    },
    NAME,
  );
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
      ...plain(
        'content_blocked',
        `${NAME} generated the image but its content filter withheld it (finish-reason CONTENT_FILTERED).`,
        status,
      ),
      providerCode: 'CONTENT_FILTERED',
    };
  }
  if (!image || image.byteLength === 0) {
    return plain('no_image', `${NAME} answered successfully but sent no image bytes`, status);
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
        : body === undefined
          ? plainText(text)
          : null;
  const { message, as: result } = refusal(status, name, stated, NAME, apiKey);
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

function routeOf(model: CatalogModel): Route {
  if (model.id === 'ultra' || model.id === 'core') return model.id;
  return 'sd3';
}

/** The Stability ratio for the request: the catalog's for an aspect ratio, the nearest one for an exact size. */
function aspectFor(call: AdapterCall, warnings: string[]): string {
  const { request, model } = call;
  if (!request.size) return catalogSize(model, request.aspectRatio, 'aspect ratio', warnings);
  const { width, height } = request.size;
  const ratio = nearestRatio(STABILITY_RATIOS, width / height);
  warnings.push(
    `${NAME} makes only fixed aspect ratios, not exact sizes; asked for ${width}×${height}, made ${ratio} (size set by ${NAME})`,
  );
  return ratio;
}

/** `call.options` goes last; only the endpoint's documented scalar fields, never the ones the adapter owns. */
function mergeOptions(
  form: Record<string, string | number>,
  options: Record<string, unknown>,
  route: Route,
  warnings: string[],
): void {
  const kept = documentedOptions(
    options,
    {
      documented: FIELDS[route],
      refused: ownedBy(OWNED, NAME),
      accepts: (value) =>
        typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean',
      undocumented: (key) =>
        `Option "${key}" is not a ${route} parameter Atelier passes to ${NAME}; it was ignored`,
    },
    warnings,
  );
  for (const [key, value] of Object.entries(kept)) {
    form[key] = typeof value === 'number' ? value : String(value);
  }
}

function toSeed(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** Accepts a base URL copied with `/v2beta` on it too. */
function apiBase(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/v2beta$/, '');
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
