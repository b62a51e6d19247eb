/**
 * OpenAI Images API (gpt-image models): `POST /v1/images/generations` (JSON), and with a reference
 * image `POST /v1/images/edits` (multipart, `image[]`). No SDK and no retries: the dispatcher decides
 * what to do with each classified outcome. The wire pieces (prompt folding, answer reading, error
 * classification) are exported for OpenAI-compatible servers, which speak the same format.
 */
import type { GenerationRequest } from '../../../shared/domain';
import type { FetchLike } from '../ports';
import {
  answered,
  askWithKey,
  type Classified,
  failure,
  isKeyCheck,
  isProblem,
  postJson,
  refusal,
} from './attempt';
import { type CatalogModel, pricePerImage, sizeFor, sizeRatio } from './catalog';
import { decodeBase64, exchange, isRecord, parseJson, readErrorBody, retryAfterMs } from './http';
import {
  cappedCount,
  describeImage,
  extensionFor,
  foldNegativePrompt,
  negativePromptWarning,
  roundUsd,
  shapeOf,
  sniffImageMime,
} from './image-params';
import { documentedOptions } from './options';
import { fetchImage } from './outputs';
import { redactSecrets } from './redact';
import type {
  AttemptResult,
  DescribeCall,
  DescribeResult,
  KeyCheck,
  ProviderAdapter,
  ProviderImage,
  ReferenceImage,
} from './types';

const NAME = 'OpenAI';
export const SEED_WARNING = 'OpenAI gpt-image does not take a seed; this run cannot be reproduced exactly';
export const NEGATIVE_PROMPT_WARNING = negativePromptWarning('OpenAI gpt-image');

/** Codes OpenAI uses when its safety system refuses a prompt or an output. */
const BLOCKED_CODES = new Set(['moderation_blocked', 'content_policy_violation']);
/** Codes that mean money, not speed: waiting will not help. */
const QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached']);

const MIME_BY_FORMAT: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** Documented parameters a caller may add through `options.openai`; OpenAI rejects unknown ones, so others are dropped. */
const GENERATION_OPTIONS = [
  'background',
  'moderation',
  'output_format',
  'output_compression',
  'quality',
  'user',
];
const EDIT_OPTIONS = [
  'background',
  'input_fidelity',
  'output_format',
  'output_compression',
  'quality',
  'user',
];

export function strengthWarning(strength: number): string {
  return (
    `OpenAI edits take no reference strength; ${strength} was not honoured ` +
    '(options.openai.input_fidelity "high" keeps more of the reference)'
  );
}

export const openaiAdapter: ProviderAdapter = {
  id: 'openai',

  async generate(call): Promise<AttemptResult> {
    const { request, model, clock } = call;
    // Tolerates callers that predate reference and options (they arrive as undefined there).
    const reference = call.reference ?? null;
    const options = call.options ?? {};
    const apiKey = call.apiKey ?? '';
    const warnings: string[] = [];

    const size = listedSize(model, request, warnings);
    const n = cappedCount(model, request.count, warnings);
    const prompt = foldNegativePrompt(request, NEGATIVE_PROMPT_WARNING, warnings);
    if (!model.capabilities.seed) warnings.push(SEED_WARNING);
    const edit = reference !== null && model.capabilities.edits;
    if (reference && !edit) {
      warnings.push(`${model.name} takes no reference image; it was ignored and the prompt alone was used`);
    }
    if (reference && edit) warnings.push(strengthWarning(reference.strength));
    const extra = documentedOptions(
      options,
      {
        documented: edit ? EDIT_OPTIONS : GENERATION_OPTIONS,
        undocumented: (name) =>
          name === 'input_fidelity' && !edit
            ? 'options.openai.input_fidelity applies only to edits (with a reference image); it was not sent'
            : `options.openai.${name} is not an OpenAI Images parameter here; it was not sent`,
      },
      warnings,
    );

    // gpt-image always answers with b64_json and rejects `response_format`, so it is never sent.
    const fields: Record<string, unknown> = {
      model: model.id,
      prompt,
      n,
      size,
      quality: model.qualityTiers[request.quality],
      output_format: 'png',
      ...extra,
    };
    const quality = String(fields.quality);
    const url = `${apiBase(call.endpoint)}/v1/images/${edit ? 'edits' : 'generations'}`;
    const headers = { authorization: `Bearer ${apiKey}`, accept: 'application/json' };
    const requestSent: Record<string, unknown> =
      edit && reference ? { 'image[]': describeImage(reference), ...fields } : { ...fields };

    const sent = await exchange(
      call.fetch,
      url,
      edit && reference
        ? { method: 'POST', headers, body: editForm(reference, fields), signal: call.signal }
        : {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify(fields),
            signal: call.signal,
          },
      NAME,
    );
    const base = { requestSent, warnings };
    const answer = answered(sent, classifyImagesError, apiKey, clock);
    if (isProblem(answer)) return { ...base, ...answer };

    const read = await readImagesAnswer(answer.text, { name: NAME, secret: apiKey, urls: null });
    if (!read.ok) return failure(base, read.outcome, answer.status, null, read.message);
    warnings.push(...read.warnings);
    if (read.images.length < n)
      warnings.push(`Asked OpenAI for ${n} images and received ${read.images.length}`);

    // Catalog price per output image for the size and quality used; text and input-image tokens are not counted.
    const price = pricePerImage(model, size, quality);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus: answer.status,
      warnings,
      images: read.images,
      seedUsed: null,
      costUsd: price === null ? null : roundUsd(price * read.images.length),
      providerMessage: null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const { provider } = call;
    const apiKey = call.apiKey ?? '';
    const answer = await askWithKey(
      call,
      {
        url: `${apiBase(call.endpoint)}/v1/models`,
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
      },
      NAME,
      apiKey,
      classifyImagesError,
    );
    if (isKeyCheck(answer)) return answer;
    const listed = listedModels(answer.text);
    if (listed === null) return { outcome: 'ok', message: 'OpenAI accepted the key.' };
    if (listed.includes(provider.defaultModel)) {
      return { outcome: 'ok', message: `OpenAI accepted the key; ${provider.defaultModel} is available.` };
    }
    return {
      outcome: 'ok',
      message: `OpenAI accepted the key, but ${provider.defaultModel} is not listed for this account (the organization may need verification).`,
    };
  },

  describeImage: describeWithOpenAI,
};

/** Chat Completions with the image as a data URL (`detail: low`, the cheapest tier); the message's text. */
async function describeWithOpenAI(call: DescribeCall): Promise<DescribeResult> {
  const dataUrl = `data:${call.image.mime};base64,${Buffer.from(call.image.bytes).toString('base64')}`;
  const body = {
    model: call.model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: call.prompt },
          { type: 'image_url', image_url: { url: dataUrl, detail: 'low' } },
        ],
      },
    ],
    max_completion_tokens: call.maxOutputTokens,
  };
  const answer = await postJson(
    call,
    {
      url: `${apiBase(call.endpoint)}/v1/chat/completions`,
      headers: { authorization: `Bearer ${call.apiKey}` },
      body,
    },
    NAME,
    classifyImagesError,
    call.apiKey,
  );
  if (isProblem(answer)) return answer;
  const parsed = parseJson(answer.text);
  const choice =
    isRecord(parsed) && Array.isArray(parsed.choices) ? parsed.choices.find(isRecord) : undefined;
  const message = choice && isRecord(choice.message) ? choice.message : {};
  const fail = (outcome: 'content_blocked' | 'no_image', message: string) => ({
    outcome,
    httpStatus: answer.status,
    providerCode: null,
    providerMessage: redactSecrets(message.slice(0, 500), [call.apiKey]),
  });
  if (typeof message.refusal === 'string' && message.refusal !== '') {
    return fail('content_blocked', `OpenAI declined: ${message.refusal}`);
  }
  const text = typeof message.content === 'string' ? message.content.trim() : '';
  if (text === '') return fail('no_image', 'OpenAI answered without text');
  return { outcome: 'ok', text, httpStatus: answer.status };
}

/** The edits body: the reference as `image[]` (a named file with its type), every other field as text. */
function editForm(reference: ReferenceImage, fields: Record<string, unknown>): FormData {
  const form = new FormData();
  const file = new Blob([new Uint8Array(reference.bytes)], { type: reference.mime });
  form.append('image[]', file, `reference.${extensionFor(reference.mime)}`);
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) form.append(name, String(value));
  }
  return form;
}

/**
 * A size the model lists: the catalog size for the aspect ratio, or for an exact size the listed
 * size nearest its shape (gpt-image-1 takes three sizes). Warns when the shape changed.
 */
function listedSize(model: CatalogModel, request: GenerationRequest, warnings: string[]): string {
  if (request.size) {
    const exact = model.capabilities.exactSize;
    const { width, height } = request.size;
    if (exact && width % exact.multiple === 0 && height % exact.multiple === 0) {
      if (width >= exact.min && width <= exact.max && height >= exact.min && height <= exact.max) {
        return `${width}x${height}`;
      }
    }
    const wanted = width / height;
    let best: string | null = null;
    for (const size of Object.values(model.capabilities.aspectRatios)) {
      const ratio = size == null ? null : sizeRatio(size);
      if (size == null || ratio === null) continue;
      const bestRatio = best === null ? null : sizeRatio(best);
      if (bestRatio === null || Math.abs(Math.log(ratio / wanted)) < Math.abs(Math.log(bestRatio / wanted))) {
        best = size;
      }
    }
    const chosen = best ?? sizeFor(model, request.aspectRatio).size;
    warnings.push(
      `${model.name} takes no ${width}×${height} size; it made ${chosen} (${shapeOf(chosen)}) instead`,
    );
    return chosen;
  }
  const { size, exact } = sizeFor(model, request.aspectRatio);
  if (!exact) {
    warnings.push(
      `${model.name} has no ${request.aspectRatio} size; it made ${size} (${shapeOf(size)}) instead`,
    );
  }
  return size;
}

/** What reading a successful Images answer produced. */
export type ImagesRead =
  | { ok: true; images: ProviderImage[]; warnings: string[] }
  | { ok: false; outcome: 'no_image' | 'cancelled' | 'unavailable'; message: string };

export interface ImagesReadContext {
  /** Provider name for messages. */
  name: string;
  /** Removed from any message (the key, when there is one). */
  secret: string;
  /**
   * How to download `data[].url` outputs at once (OpenAI-compatible servers; the URLs expire).
   * Null for OpenAI itself: gpt-image answers only with base64.
   */
  urls: { fetch: FetchLike; signal: AbortSignal; endpoint: string; headers: Record<string, string> } | null;
}

/** Reads `{ data: [{ b64_json } | { url }], output_format? }` into image bytes. */
export async function readImagesAnswer(text: string, ctx: ImagesReadContext): Promise<ImagesRead> {
  const parsed = parseJson(text);
  if (parsed === undefined) {
    return { ok: false, outcome: 'no_image', message: `${ctx.name} returned a response that is not JSON` };
  }
  const items = isRecord(parsed) && Array.isArray(parsed.data) ? parsed.data : [];
  const format = isRecord(parsed) && typeof parsed.output_format === 'string' ? parsed.output_format : null;
  const images: ProviderImage[] = [];
  const warnings: string[] = [];
  let unreadable = 0;
  let expired = 0;
  for (const item of items) {
    const encoded = isRecord(item) && typeof item.b64_json === 'string' ? item.b64_json : null;
    if (encoded !== null) {
      const bytes = decodeBase64(encoded);
      if (bytes) images.push({ bytes, declaredMime: declaredMime(format, bytes) });
      else unreadable += 1;
      continue;
    }
    const link = isRecord(item) && typeof item.url === 'string' && item.url !== '' ? item.url : null;
    if (link === null || ctx.urls === null) {
      unreadable += 1;
      continue;
    }
    const target = resolveUrl(link, ctx.urls.endpoint);
    if (target === null) {
      unreadable += 1;
      continue;
    }
    // The key goes only to the server it belongs to, never to a third-party storage host.
    const sameOrigin = target.origin === new URL(ctx.urls.endpoint).origin;
    const got = await fetchImage(ctx.urls.fetch, target.href, {
      signal: ctx.urls.signal,
      headers: sameOrigin ? ctx.urls.headers : {},
    });
    if (got.kind === 'cancelled') {
      return {
        ok: false,
        outcome: 'cancelled',
        message: `Cancelled while downloading the images from ${ctx.name}.`,
      };
    }
    if (got.kind === 'bytes') images.push({ bytes: got.bytes, declaredMime: got.mime });
    else if (got.kind === 'status') expired += 1;
    else unreadable += 1;
  }
  if (images.length === 0) {
    if (expired > 0) {
      return {
        ok: false,
        outcome: 'no_image',
        message: `${ctx.name} answered with image URLs that had already expired or could not be fetched`,
      };
    }
    const why =
      items.length === 0
        ? 'no data[] entries'
        : ctx.urls === null
          ? 'no base64 image in data[].b64_json'
          : 'no image in data[].b64_json or data[].url';
    return { ok: false, outcome: 'no_image', message: `${ctx.name} answered successfully but sent ${why}` };
  }
  const missing = unreadable + expired;
  if (missing > 0)
    warnings.push(`${missing} of the ${items.length} images ${ctx.name} sent had no usable data`);
  return { ok: true, images, warnings };
}

function declaredMime(format: string | null, bytes: Uint8Array): string | null {
  if (format !== null) return MIME_BY_FORMAT[format] ?? null;
  return sniffImageMime(bytes);
}

/** An absolute or server-relative URL, resolved against the endpoint; null for anything but http(s). */
function resolveUrl(link: string, endpoint: string): URL | null {
  try {
    const url = new URL(link, `${endpoint.replace(/\/+$/, '')}/`);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** Model ids from a `GET /v1/models` list, or null when the answer is not one. */
export function listedModels(text: string): string[] | null {
  const parsed = parseJson(text);
  return isRecord(parsed) && Array.isArray(parsed.data)
    ? parsed.data.flatMap((entry) => (isRecord(entry) && typeof entry.id === 'string' ? [entry.id] : []))
    : null;
}

/**
 * Maps an Images API error answer (`{ error: { message, type, param, code } }`) onto the closed set
 * of outcomes; `secret` (the key, if any) is removed from the message.
 */
export function classifyImagesError(
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
  secret: string,
  name = NAME,
): Classified {
  const error = readErrorBody(text);
  const code = error.code ?? error.type;
  const { as: result } = refusal(status, code, error.message, name, secret);
  const wait = retryAfterMs(headers, nowMs);
  if (code !== null && QUOTA_CODES.has(code)) return result('quota_exhausted');
  if (status === 401 || status === 403) return result('auth_failed');
  if (status === 429) return result('rate_limited', wait);
  if (code !== null && BLOCKED_CODES.has(code)) return result('content_blocked');
  if (status === 408) return result('timeout', wait);
  if (status >= 500) return result('unavailable', wait);
  return result('invalid_request');
}

/** Accepts the SDK convention too (`https://api.openai.com/v1`), so a base URL copied from elsewhere works. */
export function apiBase(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
}
