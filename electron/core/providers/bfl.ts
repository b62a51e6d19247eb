/**
 * Black Forest Labs FLUX API: `POST /v1/{model}` with `x-key` → `{ id, polling_url, cost? }`, then the returned
 * `polling_url` (regional, e.g. api.us1.bfl.ai; never built here) until `Ready` → `result.sample`, a URL that
 * expires after 10 minutes and is fetched at once, without the key. BFL has no cancel endpoint: an abort stops
 * polling and says the task may still finish. One image per task.
 */
import { type CatalogModel, pricePerImage, sizeFor, sizeRatio } from './catalog';
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

const NAME = 'Black Forest Labs';
export const POLL_INTERVAL_MS = 500;
/** A task still pending after this long is reported as a timeout (BFL cannot be asked to stop it). */
export const MAX_WAIT_MS = 10 * 60_000;
const POLL_RETRIES = 3;
/** BFL's default moderation level, sent so the recorded request says which level applied. */
export const SAFETY_TOLERANCE = 2;
export const NEGATIVE_PROMPT_NOTE =
  'FLUX has no negative prompt, and naming the unwanted things in the prompt tends to add them; the negative prompt was dropped';
/** Ultra and Kontext take any ratio between 21:9 and 9:21. */
const WIDEST = 21 / 9;

const COMMON = ['prompt', 'seed', 'safety_tolerance', 'output_format', 'prompt_upsampling'];
const FLUX2 = [
  ...COMMON,
  'width',
  'height',
  ...['', '_2', '_3', '_4', '_5', '_6', '_7', '_8'].map((n) => `input_image${n}`),
];
/** Fields each model documents; options outside them are dropped with a warning (BFL validates strictly). */
const FIELDS: Record<string, readonly string[]> = {
  'flux-pro-1.1': [...COMMON, 'width', 'height', 'image_prompt'],
  'flux-pro-1.1-ultra': [...COMMON, 'aspect_ratio', 'raw', 'image_prompt', 'image_prompt_strength'],
  'flux-dev': [...COMMON, 'width', 'height', 'steps', 'guidance', 'image_prompt'],
  'flux-kontext-pro': [...COMMON, 'input_image', 'aspect_ratio'],
  'flux-2-pro': FLUX2,
  'flux-2-max': FLUX2,
  'flux-2-flex': [...FLUX2, 'steps', 'guidance'],
};
const OWNED = new Set(['seed']);

type Classified = Omit<AttemptFailure, 'requestSent' | 'warnings'>;

export const bflAdapter: ProviderAdapter = {
  id: 'bfl',

  async generate(call): Promise<AttemptResult> {
    const { request, model, clock } = call;
    const apiKey = call.apiKey ?? '';
    const warnings: string[] = [];
    const body: Record<string, unknown> = { prompt: request.prompt };

    if (request.negativePrompt.trim() !== '') warnings.push(NEGATIVE_PROMPT_NOTE);
    const reference = call.reference && model.capabilities.imageInput ? call.reference : null;
    if (call.reference && !reference) {
      warnings.push(
        `${model.name} takes no reference image; it was ignored and the image made from the prompt alone`,
      );
    }
    if (reference) {
      body.input_image = Buffer.from(reference.bytes).toString('base64');
      warnings.push(
        `${model.name} edits the reference as the prompt says; it has no strength setting, so ${reference.strength} was not used`,
      );
      shapeWarning(call, reference, warnings);
    } else {
      Object.assign(body, sizing(call, warnings));
    }
    if (request.count > 1) {
      warnings.push(`${NAME} makes one image per task; asked for ${request.count}, made 1`);
    }
    body.seed = request.seed;
    applySteps(call, body, warnings);
    applyGuidance(call, body, warnings);
    body.safety_tolerance = SAFETY_TOLERANCE;
    body.output_format = 'png';
    mergeOptions(body, call.options, model, warnings);

    const requestSent: Record<string, unknown> = reference
      ? { ...body, input_image: describeImage(reference) }
      : { ...body };
    const base = { requestSent, warnings };
    if (!call.apiKey) return failure(base, plain('auth_failed', `No API key for ${NAME}.`));

    const apiBase = call.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    const headers = { 'x-key': apiKey, accept: 'application/json' };
    call.onProgress({ fraction: null, message: 'Sending to Black Forest Labs' });
    const submitted = await exchange(
      call.fetch,
      `${apiBase}/v1/${encodeURIComponent(model.id)}`,
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
    const task = parseJson(submitted.text);
    const id = isRecord(task) && typeof task.id === 'string' ? task.id : null;
    const pollingUrl = isRecord(task) && typeof task.polling_url === 'string' ? task.polling_url : null;
    // Credits BFL reports for the task (1 credit = $0.01); FLUX.2 prices by megapixel, so this beats the catalog.
    const credits = isRecord(task) && typeof task.cost === 'number' && task.cost >= 0 ? task.cost : null;
    let httpStatus = submitted.status;
    if (!id || !pollingUrl) {
      return failure(base, {
        ...plain('unavailable', `${NAME} accepted the task but sent no id and polling_url`),
        httpStatus,
      });
    }
    if (!trustedPollingUrl(pollingUrl, apiBase)) {
      return failure(base, {
        ...plain(
          'unavailable',
          `${NAME} answered with a polling_url on an unexpected host (${originOf(pollingUrl) ?? clip(pollingUrl, 80)}); Atelier sends the key only to ${new URL(apiBase).hostname} and its regional hosts`,
        ),
        httpStatus,
      });
    }
    const noCancel = `${NAME} has no cancel endpoint, so task ${id} may still finish (and be billed)`;

    const startedAt = clock.now();
    let failures = 0;
    let sample: string | null = null;
    let seedUsed: number | null = null;
    for (;;) {
      if (clock.now() - startedAt > MAX_WAIT_MS) {
        return failure(base, {
          ...plain(
            'timeout',
            `No result from ${NAME} within ${Math.round(MAX_WAIT_MS / 60_000)} minutes; ${noCancel}.`,
          ),
          httpStatus,
        });
      }
      try {
        await clock.sleep(POLL_INTERVAL_MS, call.signal);
      } catch {
        return failure(base, plain('cancelled', `Cancelled; stopped polling. ${noCancel}.`));
      }
      const polled = await exchange(
        call.fetch,
        pollingUrl,
        { method: 'GET', headers, signal: call.signal },
        NAME,
      );
      if (polled.kind === 'cancelled')
        return failure(base, plain('cancelled', `Cancelled; stopped polling. ${noCancel}.`));
      if (polled.kind === 'network' || polled.status < 200 || polled.status > 299) {
        const problem =
          polled.kind === 'network'
            ? plain('unavailable', redact(polled.message, apiKey))
            : classify(polled.status, polled.headers, polled.text, clock.now(), apiKey);
        failures += 1;
        if (
          !['unavailable', 'rate_limited', 'timeout'].includes(problem.outcome) ||
          failures > POLL_RETRIES
        ) {
          return failure(base, problem);
        }
        continue;
      }
      failures = 0;
      httpStatus = polled.status;
      const state = parseJson(polled.text);
      const status = isRecord(state) && typeof state.status === 'string' ? state.status : '';
      if (status === 'Ready') {
        const result = isRecord(state) && isRecord(state.result) ? state.result : {};
        sample = typeof result.sample === 'string' ? result.sample : null;
        seedUsed = typeof result.seed === 'number' ? result.seed : null;
        break;
      }
      const said = isRecord(state) ? describeDetails(state) : null;
      if (status === 'Request Moderated' || status === 'Content Moderated') {
        const stage = status === 'Request Moderated' ? 'the prompt or input image' : 'the generated image';
        return failure(base, {
          outcome: 'content_blocked',
          httpStatus,
          providerCode: status,
          providerMessage: redact(
            clip(`${NAME} moderation flagged ${stage} (${status})${said ? `: ${said}` : ''}`, 1000),
            apiKey,
          ),
          retryAfterMs: null,
        });
      }
      if (status === 'Error' || status === 'Failed' || status === 'Task not found') {
        return failure(base, {
          outcome: 'unavailable',
          httpStatus,
          providerCode: status,
          providerMessage: redact(
            clip(`${NAME} reported "${status}" for task ${id}${said ? `: ${said}` : ''}`, 1000),
            apiKey,
          ),
          retryAfterMs: null,
        });
      }
      const progress = isRecord(state) && typeof state.progress === 'number' ? state.progress : null;
      call.onProgress({
        fraction: progress === null ? null : Math.min(1, progress > 1 ? progress / 100 : progress),
        message: status === 'Pending' || status === '' ? 'Generating' : status,
      });
    }

    if (!sample)
      return failure(base, {
        ...plain('no_image', `${NAME} reported the task Ready but sent no result.sample URL`),
        httpStatus,
      });
    call.onProgress({ fraction: 1, message: 'Downloading' });
    const image = await download(call, sample, apiKey);
    if ('outcome' in image) return failure(base, image);

    const price = pricePerImage(model, String(body.aspect_ratio ?? ''), model.qualityTiers[request.quality]);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus,
      warnings,
      images: [image],
      seedUsed: seedUsed ?? request.seed,
      costUsd: credits !== null ? Math.round(credits * 1e4) / 1e6 : price,
      costCredits: credits,
      providerMessage: null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const apiKey = call.apiKey ?? '';
    if (!call.apiKey) return { outcome: 'auth_failed', message: `No API key for ${NAME}.` };
    const apiBase = call.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    const answer = await exchange(
      call.fetch,
      `${apiBase}/v1/credits`,
      { method: 'GET', headers: { 'x-key': apiKey, accept: 'application/json' }, signal: call.signal },
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
          : `${NAME} accepted the key; ${credits} credits left (about $${(credits / 100).toFixed(2)}).`,
    };
  },
};

/** Maps a BFL error answer (FastAPI's `{ detail }`, a string or a list of `{ loc, msg, type }`) onto the closed set. */
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
  const code = entries.length > 0 && typeof entries[0]!.type === 'string' ? entries[0]!.type : null;
  const message = redact(
    clip(stated ?? `${NAME} answered HTTP ${status} without an error message`, 1000),
    apiKey,
  );
  const result = (outcome: Classified['outcome'], retry: number | null = null): Classified => ({
    outcome,
    httpStatus: status,
    providerCode: code,
    providerMessage: message,
    retryAfterMs: retry,
  });
  if (status === 401 || status === 403) return result('auth_failed');
  if (status === 402) return result('quota_exhausted');
  if (status === 429) return result('rate_limited', retryAfterMs(headers, nowMs));
  if (status === 408) return result('timeout');
  if (status >= 500) return result('unavailable', retryAfterMs(headers, nowMs));
  return result('invalid_request');
}

/**
 * The key may go to the endpoint's host, or to a sibling under the same domain (api.bfl.ai → api.us1.bfl.ai),
 * over the same scheme; any other host in a polling_url is refused.
 */
export function trustedPollingUrl(url: string, endpoint: string): boolean {
  let target: URL;
  let home: URL;
  try {
    target = new URL(url);
    home = new URL(endpoint);
  } catch {
    return false;
  }
  if (target.protocol !== home.protocol) return false;
  if (target.host === home.host) return true;
  const named = (host: string) => host.includes('.') && /[a-z]/i.test(host.split('.').at(-1) ?? '');
  if (!named(target.hostname) || !named(home.hostname)) return false;
  const domain = (host: string) => host.split('.').slice(-2).join('.');
  return domain(target.hostname) === domain(home.hostname);
}

/** Width and height for the models that take them, an aspect ratio for Ultra and Kontext. */
function sizing(call: AdapterCall, warnings: string[]): Record<string, unknown> {
  const { request, model } = call;
  const exact = model.capabilities.exactSize;
  if (request.size) {
    const { width, height } = request.size;
    if (exact) {
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
    const ratio = ratioString(width, height);
    warnings.push(
      `${model.name} takes an aspect ratio, not an exact size; asked for ${width}×${height}, sent ${ratio} (size set by ${NAME})`,
    );
    return { aspect_ratio: ratio };
  }
  const { size, exact: same } = sizeFor(model, request.aspectRatio);
  if (!same) warnings.push(`${model.name} has no ${request.aspectRatio} size; it made ${size} instead`);
  const pixels = /^(\d+)x(\d+)$/.exec(size);
  return pixels ? { width: Number(pixels[1]), height: Number(pixels[2]) } : { aspect_ratio: size };
}

/** `1920×1080` → `16:9`, kept within 21:9 … 9:21. */
function ratioString(width: number, height: number): string {
  if (width / height > WIDEST) return '21:9';
  if (height / width > WIDEST) return '9:21';
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(width, height);
  return `${width / g}:${height / g}`;
}

function shapeWarning(call: AdapterCall, reference: ReferenceImage, warnings: string[]): void {
  const { request, model } = call;
  const wanted = request.size
    ? request.size.width / request.size.height
    : (sizeRatio(request.aspectRatio) ?? 1);
  if (Math.abs(Math.log(wanted / (reference.width / reference.height))) > 0.02) {
    const asked = request.size ? `${request.size.width}×${request.size.height}` : request.aspectRatio;
    warnings.push(
      `With a reference ${model.name} keeps the reference's shape (${reference.width}×${reference.height}); the requested ${asked} was not used`,
    );
  }
}

function applySteps(call: AdapterCall, body: Record<string, unknown>, warnings: string[]): void {
  const { request, model } = call;
  if (request.steps === undefined) return;
  const steps = model.capabilities.steps;
  if (!steps) {
    warnings.push(`${model.name} chooses its own sampling steps; steps ${request.steps} was ignored`);
    return;
  }
  const value = Math.min(steps.max, Math.max(steps.min, request.steps));
  if (value !== request.steps) {
    warnings.push(
      `${model.name} takes ${steps.min}–${steps.max} steps; steps ${request.steps} was clamped to ${value}`,
    );
  }
  body.steps = value;
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

/** `call.options` goes last: the model's documented fields only (any field for a model not described here). */
function mergeOptions(
  body: Record<string, unknown>,
  options: Record<string, unknown>,
  model: CatalogModel,
  warnings: string[],
): void {
  const documented = FIELDS[model.id];
  for (const [key, value] of Object.entries(options)) {
    if (OWNED.has(key))
      warnings.push(`Option "${key}" is set by Atelier for ${NAME}; the option was ignored`);
    else if (documented && !documented.includes(key))
      warnings.push(`Option "${key}" is not a parameter of ${model.id}; it was ignored`);
    else body[key] = value;
  }
}

/** BFL's `details` (moderation reasons, error text) or `error`, as one line. */
function describeDetails(state: Record<string, unknown>): string | null {
  const details = state.details ?? state.error;
  if (typeof details === 'string') return details;
  if (isRecord(details)) {
    const parts = Object.entries(details).map(
      ([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`,
    );
    return parts.length > 0 ? parts.join('; ') : null;
  }
  return null;
}

/** Fetches the sample at once, without the key (the delivery host needs none); it expires after 10 minutes. */
async function download(call: AdapterCall, url: string, apiKey: string): Promise<ProviderImage | Classified> {
  const origin = originOf(url);
  if (origin === null)
    return plain('no_image', `${NAME} sent a sample URL Atelier does not fetch: ${clip(url, 80)}`);
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
        `The image at ${origin} had expired when fetched (HTTP ${response.status}); ${NAME} sample URLs last 10 minutes`,
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
