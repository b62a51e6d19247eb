/**
 * Gemini image models ("Nano Banana"): `POST /v1beta/models/{model}:generateContent` with `x-goog-api-key`,
 * JSON in, base64 `inlineData` parts out. Safety refusals arrive as HTTP 200 and are classified here.
 * One image per request: a count above 1 is made by sequential requests (see generate).
 */
import type { AspectRatio } from '../../../shared/domain';
import {
  answered,
  askWithKey,
  type Classified,
  failure,
  is2xx,
  isKeyCheck,
  isProblem,
  postJson,
  refusal,
} from './attempt';
import { type CatalogModel, pricePerImage } from './catalog';
import { clip, decodeBase64, exchange, isRecord, parseJson, redact, retryAfterMs } from './http';
import {
  catalogSize,
  describeImage,
  foldNegativePrompt,
  nearestRatio,
  negativePromptWarning,
  referenceNotTakenWarning,
  roundUsd,
  samplingIgnored,
} from './image-params';
import { documentedOptions } from './options';
import { safetyFlag } from './outputs';
import type {
  AttemptResult,
  DescribeCall,
  DescribeResult,
  KeyCheck,
  ProviderAdapter,
  ProviderImage,
} from './types';

const NAME = 'Gemini';
export const SEED_WARNING = 'Gemini image models take no seed; this run cannot be reproduced exactly';
export const NEGATIVE_PROMPT_WARNING = negativePromptWarning('Gemini');

/** Finish reasons (and prompt block reasons) that mean a safety or policy filter withheld the image. */
const BLOCKED_REASONS = new Set([
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/** Top-level generateContent fields a user may pass through `options`; the API refuses unknown names. */
const OPTION_FIELDS = new Set([
  'generationConfig',
  'safetySettings',
  'systemInstruction',
  'tools',
  'toolConfig',
]);

/** Quality values that are Gemini `imageSize` settings; other values (e.g. "standard") send no imageSize. */
const IMAGE_SIZE = /^[124]K$/;

interface GenerationConfig {
  responseModalities: string[];
  imageConfig: Record<string, unknown>;
  [field: string]: unknown;
}

interface GeminiBody {
  contents: Array<{ parts: Array<Record<string, unknown>> }>;
  generationConfig: GenerationConfig;
  [field: string]: unknown;
}

export const geminiAdapter: ProviderAdapter = {
  id: 'gemini',

  async generate(call): Promise<AttemptResult> {
    const { request, model, apiKey: key } = call;
    const apiKey = key ?? '';
    const warnings: string[] = [];

    if (model.status === 'retired') {
      const instead = model.successor ? ` Use ${model.successor} instead.` : '';
      return failure(
        { requestSent: {}, warnings },
        'invalid_request',
        null,
        'model_retired',
        `${model.name} (${model.id}) was retired${model.retiredOn ? ` on ${model.retiredOn}` : ''}.${instead}`,
      );
    }

    const aspectRatio = pickAspectRatio(model, request.aspectRatio, request.size, warnings);
    const n = Math.min(request.count, model.capabilities.maxCount);
    if (n < request.count) {
      warnings.push(`${model.name} makes at most ${n} images per run; asked for ${request.count}, made ${n}`);
    }
    if (n > 1) {
      warnings.push(
        `Gemini makes one image per request, so this run sent up to ${n} requests one after another`,
      );
    }
    const prompt = foldNegativePrompt(request, NEGATIVE_PROMPT_WARNING, warnings);
    if (!model.capabilities.seed) warnings.push(SEED_WARNING);
    samplingIgnored(model, request, warnings);

    const parts: Array<Record<string, unknown>> = [{ text: prompt }];
    const sentParts: Array<Record<string, unknown>> = [{ text: prompt }];
    if (call.reference) {
      const ref = call.reference;
      parts.push({ inlineData: { mimeType: ref.mime, data: Buffer.from(ref.bytes).toString('base64') } });
      sentParts.push({ inlineData: { mimeType: ref.mime, data: describeImage(ref) } });
      warnings.push(
        `Gemini uses the reference as guidance and has no strength setting; strength ${ref.strength} was ignored`,
      );
    } else if (request.reference) {
      warnings.push(referenceNotTakenWarning(model.name));
    }

    const quality = model.qualityTiers[request.quality];
    const imageConfig: Record<string, unknown> = { aspectRatio };
    if (IMAGE_SIZE.test(quality)) imageConfig.imageSize = quality;
    const body: GeminiBody = {
      contents: [{ parts }],
      // Image only: a text answer is the model declining, which this adapter reports as no_image.
      generationConfig: { responseModalities: ['IMAGE'], imageConfig },
    };
    mergeOptions(body, call.options, warnings);
    const requestSent: Record<string, unknown> = { ...body, contents: [{ parts: sentParts }] };
    const base = { requestSent, warnings };

    const url = `${apiBase(call.endpoint)}/v1beta/models/${encodeURIComponent(model.id)}:generateContent`;
    const payload = JSON.stringify(body);
    const images: ProviderImage[] = [];
    const texts: string[] = [];
    let httpStatus: number | null = null;
    for (let i = 0; i < n; i += 1) {
      call.onProgress({ fraction: n > 1 ? i / n : null, message: n > 1 ? `Image ${i + 1} of ${n}` : null });
      const exchanged = await exchange(
        call.fetch,
        url,
        {
          method: 'POST',
          headers: {
            'x-goog-api-key': apiKey,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: payload,
          signal: call.signal,
        },
        NAME,
      );
      const answer = answered(exchanged, classify, apiKey, call.clock);
      // Cancel wins over partial results: the designer asked to stop this run.
      if (isProblem(answer) && answer.outcome === 'cancelled') return { ...base, ...answer };
      const outcome = isProblem(answer) ? answer : readImages(answer.status, answer.text, apiKey);
      if (exchanged.kind === 'response') httpStatus = exchanged.status;
      if ('outcome' in outcome) {
        if (images.length === 0) return { ...base, ...outcome };
        warnings.push(
          `Gemini made ${images.length} of ${n} images; request ${i + 1} ended as ${outcome.outcome}: ${outcome.providerMessage}`,
        );
        break;
      }
      images.push(...outcome.images);
      if (outcome.text) texts.push(outcome.text);
    }

    // Catalog price per image for the quality used; prompt tokens (fractions of a cent) are not counted.
    const price = pricePerImage(model, aspectRatio, quality);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus,
      warnings,
      images,
      seedUsed: null,
      costUsd: price === null ? null : roundUsd(price * images.length),
      providerMessage: texts.length > 0 ? clip(texts.join('\n'), 1000) : null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const apiKey = call.apiKey ?? '';
    const modelId = call.provider.defaultModel;
    const answer = await askWithKey(
      call,
      {
        url: `${apiBase(call.endpoint)}/v1beta/models/${encodeURIComponent(modelId)}`,
        headers: { 'x-goog-api-key': apiKey, accept: 'application/json' },
      },
      NAME,
      apiKey,
      classify,
      // The key is checked before the model is looked up, so a missing model still proves the key works.
      (status) => status === 404 || is2xx(status),
    );
    if (isKeyCheck(answer)) return answer;
    if (answer.status === 404) {
      return { outcome: 'ok', message: `Gemini accepted the key, but ${modelId} is not offered to it.` };
    }
    return { outcome: 'ok', message: `Gemini accepted the key; ${modelId} is available.` };
  },

  describeImage: describeWithGemini,
};

/** `generateContent` on a text model with the image as an inline part; the answer's text parts joined. */
async function describeWithGemini(call: DescribeCall): Promise<DescribeResult> {
  const url = `${apiBase(call.endpoint)}/v1beta/models/${encodeURIComponent(call.model)}:generateContent`;
  const body = {
    contents: [
      {
        role: 'user',
        parts: [
          { text: call.prompt },
          {
            inlineData: { mimeType: call.image.mime, data: Buffer.from(call.image.bytes).toString('base64') },
          },
        ],
      },
    ],
    generationConfig: { maxOutputTokens: call.maxOutputTokens, temperature: 0.2 },
  };
  const answer = await postJson(
    call,
    { url, headers: { 'x-goog-api-key': call.apiKey }, body },
    NAME,
    classify,
    call.apiKey,
  );
  if (isProblem(answer)) return answer;
  const parsed = parseJson(answer.text);
  const fail = (outcome: 'content_blocked' | 'no_image', code: string | null, message: string) => ({
    outcome,
    httpStatus: answer.status,
    providerCode: code,
    providerMessage: redact(clip(message, 500), call.apiKey),
  });
  if (!isRecord(parsed)) return fail('no_image', null, 'Gemini returned a response that is not JSON');
  const feedback = isRecord(parsed.promptFeedback) ? parsed.promptFeedback : null;
  if (feedback && typeof feedback.blockReason === 'string') {
    return fail(
      'content_blocked',
      feedback.blockReason,
      `Gemini blocked the request (${feedback.blockReason})`,
    );
  }
  const candidate = Array.isArray(parsed.candidates) ? parsed.candidates.find(isRecord) : undefined;
  const content = candidate && isRecord(candidate.content) ? candidate.content : {};
  const parts = Array.isArray(content.parts) ? content.parts.filter(isRecord) : [];
  const text = parts
    .flatMap((p) => (typeof p.text === 'string' && p.thought !== true ? [p.text] : []))
    .join('')
    .trim();
  const reason = candidate && typeof candidate.finishReason === 'string' ? candidate.finishReason : null;
  if (text === '') {
    if (reason !== null && BLOCKED_REASONS.has(reason)) {
      return fail('content_blocked', reason, `Gemini withheld the description (${reason})`);
    }
    return fail('no_image', reason, `Gemini answered without text (finish reason ${reason ?? 'unknown'})`);
  }
  return { outcome: 'ok', text, httpStatus: answer.status };
}

/** The aspect ratio Gemini is asked for: the request's, or the nearest one to an exact size it cannot make. */
function pickAspectRatio(
  model: CatalogModel,
  wanted: AspectRatio,
  size: { width: number; height: number } | undefined,
  warnings: string[],
): string {
  const listed = Object.values(model.capabilities.aspectRatios).filter((r): r is string => r != null);
  if (size && listed.length > 0) {
    const ratio = nearestRatio(listed, size.width / size.height);
    warnings.push(
      `${model.name} cannot make an exact ${size.width}×${size.height} image; it made the nearest aspect ratio, ${ratio}`,
    );
    return ratio;
  }
  return catalogSize(model, wanted, 'aspect ratio', warnings);
}

/** Merges the user's escape-hatch options last; generationConfig and its imageConfig merge field by field. */
function mergeOptions(body: GeminiBody, options: Record<string, unknown>, warnings: string[]): void {
  const kept = documentedOptions(
    options,
    {
      documented: OPTION_FIELDS,
      undocumented: (field) => `Gemini option "${field}" is not a generateContent field; it was not sent`,
    },
    warnings,
  );
  for (const [field, value] of Object.entries(kept)) {
    if (field === 'generationConfig' && isRecord(value)) {
      const { imageConfig, ...rest } = value;
      body.generationConfig = {
        ...body.generationConfig,
        ...rest,
        responseModalities: Array.isArray(rest.responseModalities)
          ? rest.responseModalities.map(String)
          : body.generationConfig.responseModalities,
        imageConfig: { ...body.generationConfig.imageConfig, ...(isRecord(imageConfig) ? imageConfig : {}) },
      };
      continue;
    }
    body[field] = value;
  }
}

/** Reads a 200 answer: images, or why there are none (a safety block is content_blocked, anything else no_image). */
function readImages(
  status: number,
  text: string,
  apiKey: string,
): Classified | { images: ProviderImage[]; text: string | null } {
  const fail = (outcome: 'content_blocked' | 'no_image', code: string | null, message: string) => ({
    outcome,
    httpStatus: status,
    providerCode: code,
    providerMessage: redact(clip(message, 1000), apiKey),
    retryAfterMs: null,
  });
  const parsed = parseJson(text);
  if (!isRecord(parsed)) return fail('no_image', null, 'Gemini returned a response that is not JSON');

  const feedback = isRecord(parsed.promptFeedback) ? parsed.promptFeedback : null;
  const blockReason = feedback && typeof feedback.blockReason === 'string' ? feedback.blockReason : null;
  if (blockReason) {
    const detail = typeof feedback?.blockReasonMessage === 'string' ? `: ${feedback.blockReasonMessage}` : '';
    return fail('content_blocked', blockReason, `Gemini blocked the prompt (${blockReason})${detail}`);
  }

  const candidates = Array.isArray(parsed.candidates) ? parsed.candidates.filter(isRecord) : [];
  const images: ProviderImage[] = [];
  const texts: string[] = [];
  let finishReason: string | null = null;
  let finishMessage: string | null = null;
  for (const candidate of candidates) {
    // The candidate's ratings speak for the images it carries.
    const safety = safetyFlag('safetyRatings', candidate.safetyRatings);
    if (typeof candidate.finishReason === 'string') finishReason ??= candidate.finishReason;
    if (typeof candidate.finishMessage === 'string') finishMessage ??= candidate.finishMessage;
    const content = isRecord(candidate.content) ? candidate.content : {};
    const parts = Array.isArray(content.parts) ? content.parts.filter(isRecord) : [];
    for (const part of parts) {
      // Gemini 3 Pro Image shows interim "thought" images while it reasons; only the final image is the output.
      if (part.thought === true) continue;
      const inline = isRecord(part.inlineData)
        ? part.inlineData
        : isRecord(part.inline_data)
          ? part.inline_data
          : null;
      if (inline && typeof inline.data === 'string') {
        const bytes = decodeBase64(inline.data);
        const mime = typeof inline.mimeType === 'string' ? inline.mimeType : inline.mime_type;
        if (bytes) images.push({ bytes, declaredMime: typeof mime === 'string' ? mime : null, safety });
      } else if (typeof part.text === 'string' && part.text.trim() !== '') {
        texts.push(part.text.trim());
      }
    }
  }
  const said = texts.join('\n') || finishMessage;
  if (images.length > 0) return { images, text: texts.length > 0 ? texts.join('\n') : null };
  if (finishReason !== null && BLOCKED_REASONS.has(finishReason)) {
    return fail('content_blocked', finishReason, said ?? `Gemini withheld the image (${finishReason})`);
  }
  if (candidates.length === 0)
    return fail('no_image', null, 'Gemini answered successfully but sent no candidates');
  return fail(
    'no_image',
    finishReason,
    said ?? `Gemini answered without an image (finish reason ${finishReason ?? 'unknown'})`,
  );
}

/** Maps a Gemini error answer (`{ error: { code, message, status, details } }`) onto the closed set of outcomes. */
export function classify(
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
  apiKey: string,
): Classified {
  let parsed = parseJson(text);
  // Some Google front ends wrap the error in a one-element array.
  if (Array.isArray(parsed)) parsed = parsed[0];
  const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : {};
  const grpcStatus = typeof error.status === 'string' ? error.status : null;
  const details = Array.isArray(error.details) ? error.details.filter(isRecord) : [];
  const ofType = (suffix: string) =>
    details.filter((d) => typeof d['@type'] === 'string' && d['@type'].endsWith(suffix));
  const reason = ofType('google.rpc.ErrorInfo')
    .map((d) => d.reason)
    .find((r): r is string => typeof r === 'string');
  const quotaIds = ofType('google.rpc.QuotaFailure').flatMap((d) =>
    Array.isArray(d.violations)
      ? d.violations.flatMap((v) => (isRecord(v) && typeof v.quotaId === 'string' ? [v.quotaId] : []))
      : [],
  );
  const retryDelay = ofType('google.rpc.RetryInfo')
    .map((d) => durationMs(d.retryDelay))
    .find((ms): ms is number => ms !== null);

  const rawMessage =
    typeof error.message === 'string' && error.message.trim() !== ''
      ? error.message
      : (plainText(text) ?? `Gemini answered HTTP ${status} without an error message`);
  const wait = retryDelay ?? retryAfterMs(headers, nowMs);
  const { as: result } = refusal(status, reason ?? grpcStatus, rawMessage, NAME, apiKey);

  if (reason === 'API_KEY_INVALID' || /API key not valid|API key expired/i.test(rawMessage)) {
    return result('auth_failed');
  }
  if (status === 401 || status === 403) return result('auth_failed');
  if (status === 429) {
    // A daily quota, or a tier with no allowance for this model ("limit: 0"), will not come back in seconds.
    const daily = quotaIds.some((id) => /PerDay/i.test(id)) || /per day|limit: 0\b/i.test(rawMessage);
    return daily ? result('quota_exhausted') : result('rate_limited', wait);
  }
  // Free tier not offered in the region, or billing required for the model.
  if (grpcStatus === 'FAILED_PRECONDITION') return result('quota_exhausted');
  if (status === 408 || status === 504 || grpcStatus === 'DEADLINE_EXCEEDED') return result('timeout', wait);
  if (status >= 500) return result('unavailable', wait);
  return result('invalid_request');
}

/** `"30s"` or `"20.04466179s"` (protobuf Duration as JSON) -> ms. */
function durationMs(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match ? Math.round(Number(match[1]) * 1000) : null;
}

function plainText(text: string): string | null {
  const trimmed = text.trim();
  return trimmed !== '' && trimmed.length <= 300 && !trimmed.startsWith('<') && !trimmed.startsWith('{')
    ? trimmed
    : null;
}

/** Accepts a base URL with the version too (`…/v1beta`), as other tools write it. */
function apiBase(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/v1(beta)?$/, '');
}
