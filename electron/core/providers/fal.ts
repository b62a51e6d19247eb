/**
 * fal queue API for FLUX: `POST {queue}/fal-ai/flux/{schnell|dev}` (image-to-image at `…/dev/image-to-image`) with
 * `Authorization: Key …` → `{ request_id, status_url, response_url, cancel_url }`; poll `status_url` until COMPLETED,
 * read `response_url`, and `PUT cancel_url` on abort. The URLs fal returns are used as given (the status and result
 * paths drop the model's sub-path), but only on the endpoint's own origin, so the key never travels elsewhere.
 * Image URLs (fal.media) are fetched at once, without the key, and returned as bytes.
 */
import type { ProviderSafety } from '../../../shared/domain';
import {
  answered,
  askWithKey,
  type Classified,
  is2xx,
  isKeyCheck,
  isProblem,
  plain,
  refusal,
} from './attempt';
import { pricePerImage } from './catalog';
import { clip, exchange, fieldErrors, isRecord, parseJson, plainText, retryAfterMs } from './http';
import {
  cappedCount,
  catalogSize,
  clampedGuidance,
  clampedSteps,
  describeImage,
  FLUX_NEGATIVE_PROMPT_NOTE,
  gridSize,
  referenceIgnoredWarning,
  referenceShapeWarning,
  roundUsd,
} from './image-params';
import { documentedOptions, ownedBy } from './options';
import { fetchOutputs, safetyFlag } from './outputs';
import { askToCancel, pollUntilSettled, unread, unsettled } from './polling';
import type { AdapterCall, AttemptResult, KeyCheck, ProviderAdapter } from './types';

const NAME = 'fal';
export const POLL_INTERVAL_MS = 500;
/** A request still unfinished after this long is cancelled and reported as a timeout. */
export const MAX_WAIT_MS = 10 * 60_000;
const POLL_RETRIES = 3;
export const NEGATIVE_PROMPT_NOTE = FLUX_NEGATIVE_PROMPT_NOTE;
/** The image-to-image endpoint documents 10–50 steps (text-to-image allows fewer). */
const I2I_STEPS = { min: 10, max: 50 } as const;
/** fal's lowest accepted image-to-image strength. */
const MIN_STRENGTH = 0.01;

/** Fields each endpoint documents (less sync_mode: queue results are fetched anyway); others are dropped with a warning. */
const FIELDS = {
  text: [
    'prompt',
    'image_size',
    'num_inference_steps',
    'guidance_scale',
    'num_images',
    'seed',
    'enable_safety_checker',
    'output_format',
    'acceleration',
  ],
  image: [
    'prompt',
    'image_url',
    'strength',
    'num_inference_steps',
    'guidance_scale',
    'num_images',
    'seed',
    'enable_safety_checker',
  ],
} as const;
/** The safety checker stays on and the seed is the run's: options cannot change either. */
const LOCKED = ['enable_safety_checker', 'seed', 'image_url'];

export const falAdapter: ProviderAdapter = {
  id: 'fal',

  async generate(call): Promise<AttemptResult> {
    const { request, model, clock } = call;
    const apiKey = call.apiKey ?? '';
    const warnings: string[] = [];
    const reference = call.reference && model.capabilities.imageInput ? call.reference : null;
    const mode = reference ? 'image' : 'text';
    const body: Record<string, unknown> = { prompt: request.prompt };

    if (request.negativePrompt.trim() !== '') warnings.push(NEGATIVE_PROMPT_NOTE);
    if (call.reference && !reference) warnings.push(referenceIgnoredWarning(model.name));
    if (reference) {
      body.image_url = `data:${reference.mime};base64,${Buffer.from(reference.bytes).toString('base64')}`;
      const strength = Math.max(MIN_STRENGTH, Math.round(reference.strength * 1000) / 1000);
      if (strength !== reference.strength) {
        warnings.push(
          `fal takes an image-to-image strength of at least ${MIN_STRENGTH}; ${reference.strength} was raised to ${strength}`,
        );
      }
      body.strength = strength;
      referenceShapeWarning(request, reference, `In image-to-image mode ${model.name}`, warnings);
    } else {
      body.image_size = imageSize(call, warnings);
    }

    const n = cappedCount(model, request.count, warnings);
    body.num_images = n;
    body.seed = request.seed;
    const steps = clampedSteps(
      model,
      request,
      warnings,
      mode === 'image' ? { range: I2I_STEPS, where: ' in image-to-image mode' } : undefined,
    );
    if (steps !== null) body.num_inference_steps = steps;
    const guidance = clampedGuidance(model, request, warnings);
    if (guidance) body[guidance.param] = guidance.value;
    body.enable_safety_checker = true;
    // The image-to-image endpoint documents no output_format (it answers JPEG); text-to-image is asked for PNG.
    if (mode === 'text') body.output_format = 'png';
    mergeOptions(body, call.options, mode, warnings);

    const requestSent: Record<string, unknown> = reference
      ? { ...body, image_url: describeImage(reference) }
      : { ...body };
    const base = { requestSent, warnings };
    if (!call.apiKey) return { ...base, ...plain('auth_failed', `No API key for ${NAME}.`) };

    const queue = call.endpoint.replace(/\/+$/, '');
    const headers = { authorization: `Key ${apiKey}`, accept: 'application/json' };
    const submitUrl = `${queue}/${model.id}${reference ? '/image-to-image' : ''}`;
    call.onProgress({ fraction: null, message: 'Sending to fal' });
    const submitted = answered(
      await exchange(
        call.fetch,
        submitUrl,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: call.signal,
        },
        NAME,
      ),
      classify,
      apiKey,
      clock,
    );
    if (isProblem(submitted)) return { ...base, ...submitted };
    const ticket = readTicket(submitted.text, queue);
    if (typeof ticket === 'string') return { ...base, ...plain('unavailable', ticket, submitted.status) };
    let httpStatus = submitted.status;

    let status = readStatus(submitted.text);
    if (status.state !== 'COMPLETED') {
      const job = { provider: NAME, kind: 'request', id: ticket.id };
      const end = await pollUntilSettled({
        clock,
        signal: call.signal,
        intervalMs: POLL_INTERVAL_MS,
        deadlineMs: MAX_WAIT_MS,
        retries: POLL_RETRIES,
        beforeWait: () => call.onProgress(progressOf(status)),
        poll: async () => {
          const polled = await exchange(
            call.fetch,
            ticket.statusUrl,
            { method: 'GET', headers, signal: call.signal },
            NAME,
          );
          const answer = answered(polled, classify, apiKey, clock);
          if (isProblem(answer)) return unread(answer);
          httpStatus = answer.status;
          status = readStatus(answer.text);
          return status.state === 'COMPLETED' ? { kind: 'settled', value: status } : { kind: 'pending' };
        },
        cancel: () => askToCancel(call.fetch, { url: ticket.cancelUrl, method: 'PUT', headers }, job, apiKey),
        cancelOnFailure: true,
      });
      if (end.kind !== 'settled') return { ...base, ...unsettled(end, job, MAX_WAIT_MS, httpStatus) };
    }

    call.onProgress({ fraction: 1, message: 'Fetching the result' });
    const result = answered(
      await exchange(call.fetch, ticket.responseUrl, { method: 'GET', headers, signal: call.signal }, NAME),
      classify,
      apiKey,
      clock,
    );
    if (isProblem(result)) return { ...base, ...result };
    httpStatus = result.status;
    const output = parseJson(result.text);
    const items = isRecord(output) && Array.isArray(output.images) ? output.images : [];
    const flags = isRecord(output) && Array.isArray(output.has_nsfw_concepts) ? output.has_nsfw_concepts : [];
    const urls: string[] = [];
    const safety: Array<ProviderSafety | null> = [];
    let flagged = 0;
    items.forEach((item, i) => {
      const url = isRecord(item) && typeof item.url === 'string' ? item.url : null;
      if (!url) return;
      // A flagged image comes back black: it is not an output, whatever its URL.
      if (flags[i] === true) flagged += 1;
      else {
        urls.push(url);
        safety.push(safetyFlag('has_nsfw_concepts', flags[i]));
      }
    });
    if (urls.length === 0) {
      if (flagged > 0) {
        return {
          ...base,
          outcome: 'content_blocked',
          httpStatus,
          providerCode: 'has_nsfw_concepts',
          providerMessage: `${NAME}'s safety checker flagged ${flagged === 1 ? 'the image' : `all ${flagged} images`} as NSFW and withheld ${flagged === 1 ? 'it' : 'them'}.`,
          retryAfterMs: null,
        };
      }
      return { ...base, ...plain('no_image', `${NAME} reported success but sent no image URL`, httpStatus) };
    }
    if (flagged > 0) {
      warnings.push(
        `${NAME}'s safety checker flagged ${flagged} of the ${flagged + urls.length} images as NSFW; they were dropped`,
      );
    }

    const fetched = await fetchOutputs(
      call,
      urls,
      {
        name: NAME,
        secret: apiKey,
        noun: 'images',
        unfetchable: (url) => `${NAME} sent an image URL Atelier does not fetch: ${clip(url, 80)}`,
        expired: (where, status) =>
          `The image at ${where} was gone when fetched (HTTP ${status}); ${NAME} image URLs expire`,
      },
      safety,
    );
    if (isProblem(fetched)) return { ...base, ...fetched };
    const { images } = fetched;
    warnings.push(...fetched.warnings);
    if (flagged === 0 && images.length < n)
      warnings.push(`Asked ${NAME} for ${n} images and received ${images.length}`);

    const seed = isRecord(output) && typeof output.seed === 'number' ? output.seed : null;
    const price = pricePerImage(
      model,
      String(typeof body.image_size === 'string' ? body.image_size : ''),
      model.qualityTiers[request.quality],
    );
    return {
      outcome: 'ok',
      requestSent,
      httpStatus,
      warnings,
      images,
      seedUsed: seed ?? request.seed,
      costUsd: price === null ? null : roundUsd(price * images.length),
      providerMessage: null,
    };
  },

  /**
   * fal has no account endpoint on the queue host, so the key is checked by asking the status of a request
   * that cannot exist: fal refuses a bad key (401/403) and answers a good one with "not found". Nothing is billed.
   */
  async testKey(call): Promise<KeyCheck> {
    const apiKey = call.apiKey ?? '';
    if (!call.apiKey) return { outcome: 'auth_failed', message: `No API key for ${NAME}.` };
    const queue = call.endpoint.replace(/\/+$/, '');
    const answer = await askWithKey(
      call,
      {
        url: `${queue}/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status`,
        headers: { authorization: `Key ${apiKey}`, accept: 'application/json' },
      },
      NAME,
      apiKey,
      classify,
      (status) => status === 404 || is2xx(status),
    );
    if (isKeyCheck(answer)) return answer;
    return { outcome: 'ok', message: `${NAME} accepted the key.` };
  },
};

/**
 * Maps a fal error onto the closed set: model errors (`{ detail: [{ loc, msg, type }] }`) and request errors
 * (`{ detail: "…", error_type }`, also in `X-Fal-Error-Type`).
 */
export function classify(
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
  apiKey: string,
): Classified {
  const body = parseJson(text);
  const detail = isRecord(body) ? body.detail : undefined;
  const entries = Array.isArray(detail) ? detail.filter(isRecord) : [];
  const types = entries.map((e) => (typeof e.type === 'string' ? e.type : '')).filter((t) => t !== '');
  const errorType =
    (isRecord(body) && typeof body.error_type === 'string' ? body.error_type : null) ??
    headers.get('x-fal-error-type') ??
    types[0] ??
    null;
  const stated =
    typeof detail === 'string'
      ? detail
      : entries.length > 0
        ? fieldErrors(entries).join('; ')
        : body === undefined
          ? plainText(text)
          : null;
  const { message, as: result } = refusal(status, errorType, stated, NAME, apiKey);
  if (status === 401) return result('auth_failed');
  // fal locks an account whose balance is spent with a 403 that says so.
  if (status === 402 || (status === 403 && /balance|billing|credit|locked/i.test(message)))
    return result('quota_exhausted');
  if (status === 403) return result('auth_failed');
  if (status === 429) return result('rate_limited', retryAfterMs(headers, nowMs));
  if (
    types.includes('content_policy_violation') ||
    (status === 422 && /content (policy|checker)|nsfw|unsafe/i.test(message))
  ) {
    return result('content_blocked');
  }
  if (
    status === 408 ||
    status === 504 ||
    errorType === 'request_timeout' ||
    errorType === 'startup_timeout'
  ) {
    return result('timeout');
  }
  if (status >= 500) return result('unavailable', retryAfterMs(headers, nowMs));
  return result('invalid_request');
}

interface Ticket {
  id: string;
  statusUrl: string;
  responseUrl: string;
  cancelUrl: string;
}

/** The submit answer's URLs, or why they cannot be used: missing, or on a host other than the endpoint's. */
function readTicket(text: string, queue: string): Ticket | string {
  const body = parseJson(text);
  const str = (name: string) =>
    isRecord(body) && typeof body[name] === 'string' ? (body[name] as string) : null;
  const id = str('request_id');
  const statusUrl = str('status_url');
  const responseUrl = str('response_url');
  const cancelUrl = str('cancel_url');
  if (!id || !statusUrl || !responseUrl || !cancelUrl) {
    return `${NAME} accepted the request but did not say where to follow it (request_id, status_url, response_url, cancel_url)`;
  }
  const origin = new URL(queue).origin;
  for (const url of [statusUrl, responseUrl, cancelUrl]) {
    if (originOf(url) !== origin) {
      return `${NAME} answered with a URL on another host (${originOf(url) ?? url}); Atelier sends the key only to ${origin}`;
    }
  }
  return { id, statusUrl, responseUrl, cancelUrl };
}

function readStatus(text: string): { state: string; position: number | null } {
  const body = parseJson(text);
  const state = isRecord(body) && typeof body.status === 'string' ? body.status : 'IN_QUEUE';
  const position = isRecord(body) && typeof body.queue_position === 'number' ? body.queue_position : null;
  return { state, position };
}

function progressOf(status: { state: string; position: number | null }): { fraction: null; message: string } {
  if (status.state === 'IN_PROGRESS') return { fraction: null, message: 'Generating' };
  return {
    fraction: null,
    message: status.position === null ? 'Queued at fal' : `Queued at fal (position ${status.position + 1})`,
  };
}

/** A named fal size (`square_hd`, `landscape_16_9`, …) or `{ width, height }`, with a warning when not as asked. */
function imageSize(call: AdapterCall, warnings: string[]): string | { width: number; height: number } {
  const { request, model } = call;
  const exact = model.capabilities.exactSize;
  if (request.size && exact) return gridSize(model, request.size, exact, warnings);
  const size = catalogSize(model, request.aspectRatio, 'size', warnings);
  const pixels = /^(\d+)x(\d+)$/.exec(size);
  return pixels ? { width: Number(pixels[1]), height: Number(pixels[2]) } : size;
}

/** `call.options` goes last: the endpoint's documented fields only, never the safety switch or the seed. */
function mergeOptions(
  body: Record<string, unknown>,
  options: Record<string, unknown>,
  mode: 'text' | 'image',
  warnings: string[],
): void {
  const kept = documentedOptions(
    options,
    {
      documented: FIELDS[mode],
      refused: ownedBy(LOCKED, NAME),
      undocumented: (key) =>
        `Option "${key}" is not a ${mode === 'image' ? 'image-to-image' : 'text-to-image'} parameter of ${NAME}; it was ignored`,
    },
    warnings,
  );
  Object.assign(body, kept);
}

/** The origin of an http(s) URL, or null for anything else. */
function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : null;
  } catch {
    return null;
  }
}
