/**
 * OpenAI Images API (gpt-image models): `POST /v1/images/generations`, JSON in, `data[].b64_json` out.
 * No SDK and no retries: the dispatcher decides what to do with each classified outcome.
 */
import { pricePerImage, sizeFor, sizeRatio } from './catalog';
import {
  clip,
  decodeBase64,
  exchange,
  isRecord,
  parseJson,
  readErrorBody,
  redact,
  retryAfterMs,
} from './http';
import type { AttemptFailure, AttemptResult, KeyCheck, ProviderAdapter, ProviderImage } from './types';

const NAME = 'OpenAI';
export const SEED_WARNING = 'OpenAI gpt-image does not take a seed; this run cannot be reproduced exactly';
export const NEGATIVE_PROMPT_WARNING =
  'OpenAI gpt-image has no negative prompt; it was added to the end of the prompt as "Avoid: …"';

/** Codes OpenAI uses when its safety system refuses a prompt or an output. */
const BLOCKED_CODES = new Set(['moderation_blocked', 'content_policy_violation']);
/** Codes that mean money, not speed: waiting will not help. */
const QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached']);

const MIME_BY_FORMAT: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export const openaiAdapter: ProviderAdapter = {
  id: 'openai',

  async generate(call): Promise<AttemptResult> {
    const { request, model, apiKey, clock } = call;
    const warnings: string[] = [];

    const { size, exact } = sizeFor(model, request.aspectRatio);
    if (!exact) {
      warnings.push(
        `${model.name} has no ${request.aspectRatio} size; it made ${size} (${shapeOf(size)}) instead`,
      );
    }
    const n = Math.min(request.count, model.capabilities.maxCount);
    if (n < request.count) {
      warnings.push(
        `${model.name} makes at most ${n} images per request; asked for ${request.count}, made ${n}`,
      );
    }
    let prompt = request.prompt;
    if (request.negativePrompt.trim() !== '') {
      prompt = `${prompt}\n\nAvoid: ${request.negativePrompt.trim()}`;
      warnings.push(NEGATIVE_PROMPT_WARNING);
    }
    if (!model.capabilities.seed) warnings.push(SEED_WARNING);
    const quality = model.qualityTiers[request.quality];

    // gpt-image always answers with b64_json and rejects `response_format`, so it is never sent.
    const body = { model: model.id, prompt, n, size, quality, output_format: 'png' };
    const requestSent: Record<string, unknown> = { ...body };

    const answer = await exchange(
      call.fetch,
      `${apiBase(call.endpoint)}/v1/images/generations`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal: call.signal,
      },
      NAME,
    );
    const base = { requestSent, warnings };
    if (answer.kind === 'cancelled') return failure(base, 'cancelled', null, null, answer.message, null);
    if (answer.kind === 'network') {
      return failure(base, 'unavailable', null, null, redact(answer.message, apiKey), null);
    }
    if (answer.status < 200 || answer.status > 299) {
      return { ...base, ...classify(answer.status, answer.headers, answer.text, clock.now(), apiKey) };
    }

    const parsed = parseJson(answer.text);
    if (parsed === undefined) {
      return failure(
        base,
        'no_image',
        answer.status,
        null,
        'OpenAI returned a response that is not JSON',
        null,
      );
    }
    const items = isRecord(parsed) && Array.isArray(parsed.data) ? parsed.data : [];
    const format =
      isRecord(parsed) && typeof parsed.output_format === 'string' ? parsed.output_format : 'png';
    const images: ProviderImage[] = [];
    let unreadable = 0;
    for (const item of items) {
      const encoded = isRecord(item) && typeof item.b64_json === 'string' ? item.b64_json : null;
      const bytes = encoded === null ? null : decodeBase64(encoded);
      if (bytes) images.push({ bytes, declaredMime: MIME_BY_FORMAT[format] ?? null });
      else unreadable += 1;
    }
    if (images.length === 0) {
      const why = items.length === 0 ? 'no data[] entries' : 'no base64 image in data[].b64_json';
      return failure(
        base,
        'no_image',
        answer.status,
        null,
        `OpenAI answered successfully but sent ${why}`,
        null,
      );
    }
    if (unreadable > 0) {
      warnings.push(`${unreadable} of the ${items.length} images OpenAI sent had no usable data`);
    }
    if (images.length < n) warnings.push(`Asked OpenAI for ${n} images and received ${images.length}`);

    // Catalog price per image for the size and quality used; prompt text tokens (fractions of a cent) are not counted.
    const price = pricePerImage(model, size, quality);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus: answer.status,
      warnings,
      images,
      seedUsed: null,
      costUsd: price === null ? null : roundUsd(price * images.length),
      providerMessage: null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const { apiKey, provider } = call;
    const answer = await exchange(
      call.fetch,
      `${apiBase(call.endpoint)}/v1/models`,
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
    const parsed = parseJson(answer.text);
    const listed =
      isRecord(parsed) && Array.isArray(parsed.data)
        ? parsed.data.flatMap((entry) => (isRecord(entry) && typeof entry.id === 'string' ? [entry.id] : []))
        : null;
    if (listed === null) return { outcome: 'ok', message: 'OpenAI accepted the key.' };
    if (listed.includes(provider.defaultModel)) {
      return { outcome: 'ok', message: `OpenAI accepted the key; ${provider.defaultModel} is available.` };
    }
    return {
      outcome: 'ok',
      message: `OpenAI accepted the key, but ${provider.defaultModel} is not listed for this account (the organization may need verification).`,
    };
  },
};

type Classified = Omit<AttemptFailure, 'requestSent' | 'warnings'>;

/** Maps an OpenAI error answer (`{ error: { message, type, param, code } }`) onto the closed set of outcomes. */
export function classify(
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
  apiKey: string,
): Classified {
  const error = readErrorBody(text);
  const code = error.code ?? error.type;
  const message = redact(
    clip(error.message ?? `OpenAI answered HTTP ${status} without an error message`, 1000),
    apiKey,
  );
  const wait = retryAfterMs(headers, nowMs);
  const result = (outcome: Classified['outcome'], retry: number | null = null): Classified => ({
    outcome,
    httpStatus: status,
    providerCode: code,
    providerMessage: message,
    retryAfterMs: retry,
  });
  if (code !== null && QUOTA_CODES.has(code)) return result('quota_exhausted');
  if (status === 401 || status === 403) return result('auth_failed');
  if (status === 429) return result('rate_limited', wait);
  if (code !== null && BLOCKED_CODES.has(code)) return result('content_blocked');
  if (status === 408) return result('timeout', wait);
  if (status >= 500) return result('unavailable', wait);
  return result('invalid_request');
}

/** Accepts the SDK convention too (`https://api.openai.com/v1`), so a base URL copied from elsewhere works. */
function apiBase(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
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

/** `1536x1024` -> `3:2`, for a warning a designer can read. */
function shapeOf(size: string): string {
  const ratio = sizeRatio(size);
  if (ratio === null) return size;
  for (const [w, h] of [
    [1, 1],
    [3, 2],
    [2, 3],
    [4, 3],
    [3, 4],
    [16, 9],
    [9, 16],
    [7, 4],
    [4, 7],
  ] as const) {
    if (Math.abs(ratio - w / h) < 0.01) return `${w}:${h}`;
  }
  return ratio > 1 ? 'landscape' : 'portrait';
}

function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
