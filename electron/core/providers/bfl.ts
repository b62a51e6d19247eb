/**
 * Black Forest Labs FLUX API: `POST /v1/{model}` with `x-key` → `{ id, polling_url, cost? }`, then the returned
 * `polling_url` (regional, e.g. api.us1.bfl.ai; never built here) until `Ready` → `result.sample`, a URL that
 * expires after 10 minutes and is fetched at once, without the key. BFL has no cancel endpoint: an abort stops
 * polling and says the task may still finish. One image per task.
 */
import { answered, askWithKey, type Classified, isKeyCheck, isProblem, plain, refusal } from './attempt';
import { type CatalogModel, pricePerImage } from './catalog';
import { clip, exchange, fieldErrors, isRecord, parseJson, plainText, redact, retryAfterMs } from './http';
import {
  catalogSize,
  clampedGuidance,
  clampedSteps,
  describeImage,
  FLUX_NEGATIVE_PROMPT_NOTE,
  gridSize,
  referenceIgnoredWarning,
  referenceShapeWarning,
} from './image-params';
import { documentedOptions, ownedBy } from './options';
import { fetchOutputs } from './outputs';
import { pollUntilSettled, unread } from './polling';
import type { AdapterCall, AttemptResult, KeyCheck, ProviderAdapter } from './types';

const NAME = 'Black Forest Labs';
export const POLL_INTERVAL_MS = 500;
/** A task still pending after this long is reported as a timeout (BFL cannot be asked to stop it). */
export const MAX_WAIT_MS = 10 * 60_000;
const POLL_RETRIES = 3;
/** BFL's default moderation level, sent so the recorded request says which level applied. */
export const SAFETY_TOLERANCE = 2;
export const NEGATIVE_PROMPT_NOTE = FLUX_NEGATIVE_PROMPT_NOTE;
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
const OWNED = ['seed'];
/** Task states that end the wait; anything else is still running. */
const SETTLED = new Set([
  'Ready',
  'Request Moderated',
  'Content Moderated',
  'Error',
  'Failed',
  'Task not found',
]);

export const bflAdapter: ProviderAdapter = {
  id: 'bfl',

  async generate(call): Promise<AttemptResult> {
    const { request, model, clock } = call;
    const apiKey = call.apiKey ?? '';
    const warnings: string[] = [];
    const body: Record<string, unknown> = { prompt: request.prompt };

    if (request.negativePrompt.trim() !== '') warnings.push(NEGATIVE_PROMPT_NOTE);
    const reference = call.reference && model.capabilities.imageInput ? call.reference : null;
    if (call.reference && !reference) warnings.push(referenceIgnoredWarning(model.name));
    if (reference) {
      body.input_image = Buffer.from(reference.bytes).toString('base64');
      warnings.push(
        `${model.name} edits the reference as the prompt says; it has no strength setting, so ${reference.strength} was not used`,
      );
      referenceShapeWarning(request, reference, `With a reference ${model.name}`, warnings);
    } else {
      Object.assign(body, sizing(call, warnings));
    }
    if (request.count > 1) {
      warnings.push(`${NAME} makes one image per task; asked for ${request.count}, made 1`);
    }
    body.seed = request.seed;
    const steps = clampedSteps(model, request, warnings);
    if (steps !== null) body.steps = steps;
    const guidance = clampedGuidance(model, request, warnings);
    if (guidance) body[guidance.param] = guidance.value;
    body.safety_tolerance = SAFETY_TOLERANCE;
    body.output_format = 'png';
    mergeOptions(body, call.options, model, warnings);

    const requestSent: Record<string, unknown> = reference
      ? { ...body, input_image: describeImage(reference) }
      : { ...body };
    const base = { requestSent, warnings };
    if (!call.apiKey) return { ...base, ...plain('auth_failed', `No API key for ${NAME}.`) };

    const apiBase = call.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    const headers = { 'x-key': apiKey, accept: 'application/json' };
    call.onProgress({ fraction: null, message: 'Sending to Black Forest Labs' });
    const submitted = answered(
      await exchange(
        call.fetch,
        `${apiBase}/v1/${encodeURIComponent(model.id)}`,
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
    const task = parseJson(submitted.text);
    const id = isRecord(task) && typeof task.id === 'string' ? task.id : null;
    const pollingUrl = isRecord(task) && typeof task.polling_url === 'string' ? task.polling_url : null;
    // Credits BFL reports for the task (1 credit = $0.01); FLUX.2 prices by megapixel, so this beats the catalog.
    const credits = isRecord(task) && typeof task.cost === 'number' && task.cost >= 0 ? task.cost : null;
    let httpStatus = submitted.status;
    if (!id || !pollingUrl) {
      const missing = `${NAME} accepted the task but sent no id and polling_url`;
      return { ...base, ...plain('unavailable', missing, httpStatus) };
    }
    if (!trustedPollingUrl(pollingUrl, apiBase)) {
      const where = originOf(pollingUrl) ?? clip(pollingUrl, 80);
      const refused = `${NAME} answered with a polling_url on an unexpected host (${where}); Atelier sends the key only to ${new URL(apiBase).hostname} and its regional hosts`;
      return { ...base, ...plain('unavailable', refused, httpStatus) };
    }
    const noCancel = `${NAME} has no cancel endpoint, so task ${id} may still finish (and be billed)`;

    const end = await pollUntilSettled<Record<string, unknown>>({
      clock,
      signal: call.signal,
      intervalMs: POLL_INTERVAL_MS,
      deadlineMs: MAX_WAIT_MS,
      retries: POLL_RETRIES,
      poll: async () => {
        const polled = await exchange(
          call.fetch,
          pollingUrl,
          { method: 'GET', headers, signal: call.signal },
          NAME,
        );
        const answer = answered(polled, classify, apiKey, clock);
        if (isProblem(answer)) return unread(answer);
        httpStatus = answer.status;
        const parsed = parseJson(answer.text);
        const state = isRecord(parsed) ? parsed : {};
        const status = typeof state.status === 'string' ? state.status : '';
        if (SETTLED.has(status)) return { kind: 'settled', value: state };
        const progress = typeof state.progress === 'number' ? state.progress : null;
        call.onProgress({
          fraction: progress === null ? null : Math.min(1, progress > 1 ? progress / 100 : progress),
          message: status === 'Pending' || status === '' ? 'Generating' : status,
        });
        return { kind: 'pending' };
      },
    });
    if (end.kind === 'timeout') {
      const late = `No result from ${NAME} within ${Math.round(MAX_WAIT_MS / 60_000)} minutes; ${noCancel}.`;
      return { ...base, ...plain('timeout', late, httpStatus) };
    }
    if (end.kind === 'cancelled') {
      return { ...base, ...plain('cancelled', `Cancelled; stopped polling. ${noCancel}.`) };
    }
    if (end.kind === 'failed') return { ...base, ...end.problem };
    const state = end.value;
    const status = String(state.status);
    const said = describeDetails(state);
    if (status === 'Request Moderated' || status === 'Content Moderated') {
      const stage = status === 'Request Moderated' ? 'the prompt or input image' : 'the generated image';
      return {
        ...base,
        outcome: 'content_blocked',
        httpStatus,
        providerCode: status,
        providerMessage: redact(
          clip(`${NAME} moderation flagged ${stage} (${status})${said ? `: ${said}` : ''}`, 1000),
          apiKey,
        ),
        retryAfterMs: null,
      };
    }
    if (status !== 'Ready') {
      return {
        ...base,
        outcome: 'unavailable',
        httpStatus,
        providerCode: status,
        providerMessage: redact(
          clip(`${NAME} reported "${status}" for task ${id}${said ? `: ${said}` : ''}`, 1000),
          apiKey,
        ),
        retryAfterMs: null,
      };
    }
    const result = isRecord(state.result) ? state.result : {};
    const sample = typeof result.sample === 'string' ? result.sample : null;
    const seedUsed = typeof result.seed === 'number' ? result.seed : null;

    if (!sample) {
      const empty = `${NAME} reported the task Ready but sent no result.sample URL`;
      return { ...base, ...plain('no_image', empty, httpStatus) };
    }
    call.onProgress({ fraction: 1, message: 'Downloading' });
    const fetched = await fetchOutputs(call, [sample], {
      name: NAME,
      secret: apiKey,
      noun: 'samples',
      unfetchable: (url) => `${NAME} sent a sample URL Atelier does not fetch: ${clip(url, 80)}`,
      expired: (where, status) =>
        `The image at ${where} had expired when fetched (HTTP ${status}); ${NAME} sample URLs last 10 minutes`,
    });
    if (isProblem(fetched)) return { ...base, ...fetched };

    const price = pricePerImage(model, String(body.aspect_ratio ?? ''), model.qualityTiers[request.quality]);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus,
      warnings,
      images: fetched.images,
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
    const answer = await askWithKey(
      call,
      { url: `${apiBase}/v1/credits`, headers: { 'x-key': apiKey, accept: 'application/json' } },
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
        ? fieldErrors(entries).join('; ')
        : body === undefined
          ? plainText(text)
          : null;
  const code = entries.length > 0 && typeof entries[0]!.type === 'string' ? entries[0]!.type : null;
  const { as: result } = refusal(status, code, stated, NAME, apiKey);
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
    if (exact) return { ...gridSize(model, request.size, exact, warnings) };
    const ratio = ratioString(width, height);
    warnings.push(
      `${model.name} takes an aspect ratio, not an exact size; asked for ${width}×${height}, sent ${ratio} (size set by ${NAME})`,
    );
    return { aspect_ratio: ratio };
  }
  const size = catalogSize(model, request.aspectRatio, 'size', warnings);
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

/** `call.options` goes last: the model's documented fields only (any field for a model not described here). */
function mergeOptions(
  body: Record<string, unknown>,
  options: Record<string, unknown>,
  model: CatalogModel,
  warnings: string[],
): void {
  const kept = documentedOptions(
    options,
    {
      documented: FIELDS[model.id] ?? null,
      refused: ownedBy(OWNED, NAME),
      undocumented: (key) => `Option "${key}" is not a parameter of ${model.id}; it was ignored`,
    },
    warnings,
  );
  Object.assign(body, kept);
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

function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : null;
  } catch {
    return null;
  }
}
