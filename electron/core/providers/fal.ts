/**
 * fal queue API for FLUX: `POST {queue}/fal-ai/flux/{schnell|dev}` (image-to-image at `…/dev/image-to-image`) with
 * `Authorization: Key …` → `{ request_id, status_url, response_url, cancel_url }`; poll `status_url` until COMPLETED,
 * read `response_url`, and `PUT cancel_url` on abort. The URLs fal returns are used as given (the status and result
 * paths drop the model's sub-path), but only on the endpoint's own origin, so the key never travels elsewhere.
 * Image URLs (fal.media) are fetched at once, without the key, and returned as bytes.
 */
import { pricePerImage, sizeFor, sizeRatio } from './catalog';
import { clip, describeError, exchange, isRecord, parseJson, redact, retryAfterMs } from './http';
import type {
  AdapterCall,
  AttemptFailure,
  AttemptResult,
  KeyCheck,
  ProviderAdapter,
  ProviderImage,
  ReferenceImage,
} from './types';

const NAME = 'fal';
export const POLL_INTERVAL_MS = 500;
/** A request still unfinished after this long is cancelled and reported as a timeout. */
export const MAX_WAIT_MS = 10 * 60_000;
const POLL_RETRIES = 3;
export const NEGATIVE_PROMPT_NOTE =
  'FLUX has no negative prompt, and naming the unwanted things in the prompt tends to add them; the negative prompt was dropped';
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
const LOCKED = new Set(['enable_safety_checker', 'seed', 'image_url']);

type Classified = Omit<AttemptFailure, 'requestSent' | 'warnings'>;

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
    if (call.reference && !reference) {
      warnings.push(
        `${model.name} takes no reference image; it was ignored and the image made from the prompt alone`,
      );
    }
    if (reference) {
      body.image_url = `data:${reference.mime};base64,${Buffer.from(reference.bytes).toString('base64')}`;
      const strength = Math.max(MIN_STRENGTH, Math.round(reference.strength * 1000) / 1000);
      if (strength !== reference.strength) {
        warnings.push(
          `fal takes an image-to-image strength of at least ${MIN_STRENGTH}; ${reference.strength} was raised to ${strength}`,
        );
      }
      body.strength = strength;
      shapeWarning(call, reference, warnings);
    } else {
      body.image_size = imageSize(call, warnings);
    }

    const n = Math.min(request.count, model.capabilities.maxCount);
    if (n < request.count) {
      warnings.push(
        `${model.name} makes at most ${n} images per request; asked for ${request.count}, made ${n}`,
      );
    }
    body.num_images = n;
    body.seed = request.seed;
    applySteps(call, body, mode, warnings);
    applyGuidance(call, body, warnings);
    body.enable_safety_checker = true;
    // The image-to-image endpoint documents no output_format (it answers JPEG); text-to-image is asked for PNG.
    if (mode === 'text') body.output_format = 'png';
    mergeOptions(body, call.options, mode, warnings);

    const requestSent: Record<string, unknown> = reference
      ? { ...body, image_url: describeImage(reference) }
      : { ...body };
    const base = { requestSent, warnings };
    if (!call.apiKey) return failure(base, plain('auth_failed', `No API key for ${NAME}.`));

    const queue = call.endpoint.replace(/\/+$/, '');
    const headers = { authorization: `Key ${apiKey}`, accept: 'application/json' };
    const submitUrl = `${queue}/${model.id}${reference ? '/image-to-image' : ''}`;
    call.onProgress({ fraction: null, message: 'Sending to fal' });
    const submitted = await exchange(
      call.fetch,
      submitUrl,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: call.signal,
      },
      NAME,
    );
    if (submitted.kind === 'cancelled') return failure(base, plain('cancelled', submitted.message));
    if (submitted.kind === 'network')
      return failure(base, plain('unavailable', redact(submitted.message, apiKey)));
    if (submitted.status < 200 || submitted.status > 299) {
      return failure(
        base,
        classify(submitted.status, submitted.headers, submitted.text, clock.now(), apiKey),
      );
    }
    const ticket = readTicket(submitted.text, queue);
    if (typeof ticket === 'string')
      return failure(base, { ...plain('unavailable', ticket), httpStatus: submitted.status });
    let httpStatus = submitted.status;

    const cancelRemote = async (why: string): Promise<string> => {
      const answer = await exchange(
        call.fetch,
        ticket.cancelUrl,
        { method: 'PUT', headers, signal: AbortSignal.timeout(5_000) },
        NAME,
      );
      const said =
        answer.kind === 'response'
          ? `it answered HTTP ${answer.status}`
          : `the cancel request failed: ${redact(answer.message, apiKey)}`;
      return `${why}; asked ${NAME} to cancel request ${ticket.id} (${said}).`;
    };

    const startedAt = clock.now();
    let failures = 0;
    let status = readStatus(submitted.text);
    while (status.state !== 'COMPLETED') {
      call.onProgress(progressOf(status));
      if (clock.now() - startedAt > MAX_WAIT_MS) {
        const message = await cancelRemote(
          `No result from ${NAME} within ${Math.round(MAX_WAIT_MS / 60_000)} minutes`,
        );
        return failure(base, { ...plain('timeout', message), httpStatus });
      }
      try {
        await clock.sleep(POLL_INTERVAL_MS, call.signal);
      } catch {
        return failure(
          base,
          plain('cancelled', await cancelRemote(`Cancelled while ${NAME} was generating`)),
        );
      }
      const polled = await exchange(
        call.fetch,
        ticket.statusUrl,
        { method: 'GET', headers, signal: call.signal },
        NAME,
      );
      if (polled.kind === 'cancelled') {
        return failure(
          base,
          plain('cancelled', await cancelRemote(`Cancelled while ${NAME} was generating`)),
        );
      }
      if (polled.kind === 'response' && polled.status >= 200 && polled.status <= 299) {
        failures = 0;
        httpStatus = polled.status;
        status = readStatus(polled.text);
        continue;
      }
      const problem =
        polled.kind === 'network'
          ? plain('unavailable', redact(polled.message, apiKey))
          : classify(polled.status, polled.headers, polled.text, clock.now(), apiKey);
      failures += 1;
      if (!['unavailable', 'rate_limited', 'timeout'].includes(problem.outcome) || failures > POLL_RETRIES) {
        return failure(base, {
          ...problem,
          providerMessage: await cancelRemote(`Checking on the request failed: ${problem.providerMessage}`),
        });
      }
    }

    call.onProgress({ fraction: 1, message: 'Fetching the result' });
    const result = await exchange(
      call.fetch,
      ticket.responseUrl,
      { method: 'GET', headers, signal: call.signal },
      NAME,
    );
    if (result.kind === 'cancelled') return failure(base, plain('cancelled', result.message));
    if (result.kind === 'network') return failure(base, plain('unavailable', redact(result.message, apiKey)));
    if (result.status < 200 || result.status > 299) {
      return failure(base, classify(result.status, result.headers, result.text, clock.now(), apiKey));
    }
    httpStatus = result.status;
    const output = parseJson(result.text);
    const items = isRecord(output) && Array.isArray(output.images) ? output.images : [];
    const flags = isRecord(output) && Array.isArray(output.has_nsfw_concepts) ? output.has_nsfw_concepts : [];
    const urls: string[] = [];
    let flagged = 0;
    items.forEach((item, i) => {
      const url = isRecord(item) && typeof item.url === 'string' ? item.url : null;
      if (!url) return;
      // A flagged image comes back black: it is not an output, whatever its URL.
      if (flags[i] === true) flagged += 1;
      else urls.push(url);
    });
    if (urls.length === 0) {
      if (flagged > 0) {
        return failure(base, {
          outcome: 'content_blocked',
          httpStatus,
          providerCode: 'has_nsfw_concepts',
          providerMessage: `${NAME}'s safety checker flagged ${flagged === 1 ? 'the image' : `all ${flagged} images`} as NSFW and withheld ${flagged === 1 ? 'it' : 'them'}.`,
          retryAfterMs: null,
        });
      }
      return failure(base, {
        ...plain('no_image', `${NAME} reported success but sent no image URL`),
        httpStatus,
      });
    }
    if (flagged > 0) {
      warnings.push(
        `${NAME}'s safety checker flagged ${flagged} of the ${flagged + urls.length} images as NSFW; they were dropped`,
      );
    }

    const images: ProviderImage[] = [];
    const problems: Classified[] = [];
    for (const url of urls) {
      const got = await download(call, url, apiKey);
      if (!('outcome' in got)) {
        images.push(got);
        continue;
      }
      if (got.outcome === 'cancelled') return failure(base, got);
      problems.push(got);
    }
    if (images.length === 0) return failure(base, problems[0]!);
    for (const problem of problems)
      warnings.push(`One of the ${urls.length} images could not be fetched: ${problem.providerMessage}`);
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
      costUsd: price === null ? null : Math.round(price * images.length * 1e6) / 1e6,
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
    const answer = await exchange(
      call.fetch,
      `${queue}/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status`,
      {
        method: 'GET',
        headers: { authorization: `Key ${apiKey}`, accept: 'application/json' },
        signal: call.signal,
      },
      NAME,
    );
    if (answer.kind === 'cancelled') return { outcome: 'cancelled', message: answer.message };
    if (answer.kind === 'network') return { outcome: 'unavailable', message: redact(answer.message, apiKey) };
    if (answer.status === 404 || (answer.status >= 200 && answer.status <= 299)) {
      return { outcome: 'ok', message: `${NAME} accepted the key.` };
    }
    const failed = classify(answer.status, answer.headers, answer.text, call.clock.now(), apiKey);
    return { outcome: failed.outcome, message: failed.providerMessage };
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
        ? entries
            .map((e) => {
              const where = Array.isArray(e.loc) ? e.loc.filter((p) => p !== 'body').join('.') : '';
              const msg = typeof e.msg === 'string' ? e.msg : 'invalid';
              return where ? `${where}: ${msg}` : msg;
            })
            .join('; ')
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
    providerCode: errorType,
    providerMessage: message,
    retryAfterMs: retry,
  });
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
  if (request.size && exact) {
    const { width, height } = request.size;
    const snap = (v: number) =>
      Math.min(
        Math.floor(exact.max / exact.multiple) * exact.multiple,
        Math.max(
          Math.ceil(exact.min / exact.multiple) * exact.multiple,
          Math.round(v / exact.multiple) * exact.multiple,
        ),
      );
    const size = { width: snap(width), height: snap(height) };
    if (size.width !== width || size.height !== height) {
      warnings.push(
        `${model.name} takes sizes of ${exact.min}–${exact.max} px in steps of ${exact.multiple}; asked for ${width}×${height}, made ${size.width}×${size.height}`,
      );
    }
    return size;
  }
  const { size, exact: same } = sizeFor(model, request.aspectRatio);
  if (!same) warnings.push(`${model.name} has no ${request.aspectRatio} size; it made ${size} instead`);
  const pixels = /^(\d+)x(\d+)$/.exec(size);
  return pixels ? { width: Number(pixels[1]), height: Number(pixels[2]) } : size;
}

function shapeWarning(call: AdapterCall, reference: ReferenceImage, warnings: string[]): void {
  const { request, model } = call;
  const wanted = request.size
    ? request.size.width / request.size.height
    : (sizeRatio(request.aspectRatio) ?? 1);
  if (Math.abs(Math.log(wanted / (reference.width / reference.height))) > 0.02) {
    const asked = request.size ? `${request.size.width}×${request.size.height}` : request.aspectRatio;
    warnings.push(
      `In image-to-image mode ${model.name} keeps the reference's shape (${reference.width}×${reference.height}); the requested ${asked} was not used`,
    );
  }
}

function applySteps(
  call: AdapterCall,
  body: Record<string, unknown>,
  mode: 'text' | 'image',
  warnings: string[],
): void {
  const { request, model } = call;
  if (request.steps === undefined) return;
  const steps = model.capabilities.steps;
  if (!steps) {
    warnings.push(`${model.name} chooses its own sampling steps; steps ${request.steps} was ignored`);
    return;
  }
  const range = mode === 'image' ? I2I_STEPS : steps;
  const value = Math.min(range.max, Math.max(range.min, request.steps));
  if (value !== request.steps) {
    const where = mode === 'image' ? ' in image-to-image mode' : '';
    warnings.push(
      `${model.name} takes ${range.min}–${range.max} steps${where}; steps ${request.steps} was clamped to ${value}`,
    );
  }
  body.num_inference_steps = value;
}

function applyGuidance(call: AdapterCall, body: Record<string, unknown>, warnings: string[]): void {
  const { request, model } = call;
  if (request.guidance === undefined) return;
  const guidance = model.capabilities.guidance;
  if (!guidance) {
    warnings.push(`${model.name} takes no guidance setting; guidance ${request.guidance} was ignored`);
    return;
  }
  const value = Math.min(guidance.max, Math.max(guidance.min, request.guidance));
  if (value !== request.guidance) {
    warnings.push(
      `${model.name} takes ${guidance.param} ${guidance.min}–${guidance.max}; guidance ${request.guidance} was clamped to ${value}`,
    );
  }
  body[guidance.param] = value;
}

/** `call.options` goes last: the endpoint's documented fields only, never the safety switch or the seed. */
function mergeOptions(
  body: Record<string, unknown>,
  options: Record<string, unknown>,
  mode: 'text' | 'image',
  warnings: string[],
): void {
  const documented: readonly string[] = FIELDS[mode];
  for (const [key, value] of Object.entries(options)) {
    if (LOCKED.has(key)) {
      warnings.push(`Option "${key}" is set by Atelier for ${NAME}; the option was ignored`);
    } else if (!documented.includes(key)) {
      warnings.push(
        `Option "${key}" is not a ${mode === 'image' ? 'image-to-image' : 'text-to-image'} parameter of ${NAME}; it was ignored`,
      );
    } else {
      body[key] = value;
    }
  }
}

/** Fetches an image URL at once, without the key (the CDN needs none and must never see it). */
async function download(call: AdapterCall, url: string, apiKey: string): Promise<ProviderImage | Classified> {
  const origin = originOf(url);
  if (origin === null)
    return plain('no_image', `${NAME} sent an image URL Atelier does not fetch: ${clip(url, 80)}`);
  let response: Response;
  try {
    response = await call.fetch(url, { method: 'GET', signal: call.signal });
  } catch (error) {
    if (call.signal.aborted) return plain('cancelled', `Cancelled while fetching the image from ${origin}.`);
    return plain(
      'unavailable',
      redact(`Could not fetch the image from ${origin}: ${describeError(error)}.`, apiKey),
    );
  }
  if (response.status === 403 || response.status === 404 || response.status === 410) {
    return {
      ...plain(
        'no_image',
        `The image at ${origin} was gone when fetched (HTTP ${response.status}); ${NAME} image URLs expire`,
      ),
      httpStatus: response.status,
    };
  }
  if (!response.ok) {
    const outcome = response.status >= 500 ? 'unavailable' : 'no_image';
    return {
      ...plain(outcome, `Fetching the image from ${origin} failed with HTTP ${response.status}`),
      httpStatus: response.status,
    };
  }
  try {
    const bytes = new Uint8Array(await response.arrayBuffer());
    const type = response.headers.get('content-type')?.split(';')[0]?.trim() ?? null;
    return { bytes, declaredMime: type?.startsWith('image/') ? type : null };
  } catch (error) {
    if (call.signal.aborted) return plain('cancelled', `Cancelled while fetching the image from ${origin}.`);
    return plain('unavailable', `The image download from ${origin} broke off: ${describeError(error)}.`);
  }
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

function describeImage(image: ReferenceImage): string {
  const format = image.mime.split('/')[1] ?? 'image';
  return `<${format} ${image.width}×${image.height}, ${Math.max(1, Math.round(image.bytes.byteLength / 1024))} KB>`;
}

function plain(outcome: Classified['outcome'], message: string): Classified {
  return { outcome, httpStatus: null, providerCode: null, providerMessage: message, retryAfterMs: null };
}

function failure(
  base: { requestSent: Record<string, unknown>; warnings: string[] },
  classified: Classified,
): AttemptFailure {
  return { ...base, ...classified };
}
