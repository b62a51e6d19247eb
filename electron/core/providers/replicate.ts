/**
 * Replicate official models: `POST /v1/models/{owner}/{name}/predictions` with `Prefer: wait=N`, then
 * `GET /v1/predictions/{id}` until the prediction settles, `POST /v1/predictions/{id}/cancel` on abort.
 * Outputs are URLs on replicate.delivery: fetched at once, without the key, and returned as bytes.
 */
import { MAX_SEED } from '../../../shared/domain';
import { answered, askWithKey, type Classified, isKeyCheck, isProblem, plain, refusal } from './attempt';
import { type CatalogModel, pricePerImage } from './catalog';
import { clip, exchange, isRecord, parseJson, plainText, redact, retryAfterMs } from './http';
import {
  catalogSize,
  clampedGuidance,
  clampedSteps,
  describeImage,
  FLUX_NEGATIVE_PROMPT_NOTE,
  gridSize,
  nearestRatio,
  referenceIgnoredWarning,
  referenceShapeWarning,
  roundUsd,
} from './image-params';
import { documentedOptions, ownedBy } from './options';
import { fetchOutputs } from './outputs';
import { askToCancel, pollUntilSettled, unread, unsettled } from './polling';
import type { AdapterCall, AttemptResult, KeyCheck, ProviderAdapter, ReferenceImage } from './types';

const NAME = 'Replicate';
/**
 * Seconds Replicate may hold the create request open. Short on purpose: while it is open the prediction id is
 * unknown, so an abort then cannot cancel (and stop the billing of) the prediction. Schnell finishes within it;
 * slower models come back `processing` and are polled, cancellable throughout.
 */
export const SYNC_WAIT_S = 5;
export const POLL_INTERVAL_MS = 1_000;
/** A prediction still running after this long is cancelled and reported as a timeout. */
export const MAX_WAIT_MS = 10 * 60_000;
/** Consecutive failed polls (network, 429, 5xx) tolerated before the attempt gives up. */
const POLL_RETRIES = 3;
export const NEGATIVE_PROMPT_NOTE = FLUX_NEGATIVE_PROMPT_NOTE;
/** Aspect ratios the Replicate FLUX models accept (1.1 [pro] also `custom` with width and height). */
const RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const;

/** Inputs each model documents; options outside them are dropped with a warning. */
const INPUTS: Record<string, readonly string[]> = {
  'black-forest-labs/flux-schnell': [
    'prompt',
    'aspect_ratio',
    'num_outputs',
    'num_inference_steps',
    'seed',
    'output_format',
    'output_quality',
    'go_fast',
    'megapixels',
  ],
  'black-forest-labs/flux-dev': [
    'prompt',
    'aspect_ratio',
    'num_outputs',
    'num_inference_steps',
    'guidance',
    'seed',
    'output_format',
    'output_quality',
    'go_fast',
    'megapixels',
    'image',
    'prompt_strength',
  ],
  'black-forest-labs/flux-1.1-pro': [
    'prompt',
    'aspect_ratio',
    'width',
    'height',
    'seed',
    'output_format',
    'output_quality',
    'safety_tolerance',
    'prompt_upsampling',
    'image_prompt',
  ],
};
/** `go_fast` (fp8) makes outputs non-deterministic even with a seed; Atelier keeps seeds reproducible. */
const GO_FAST_MODELS = new Set(['black-forest-labs/flux-schnell', 'black-forest-labs/flux-dev']);
/** Never sent: the safety checker stays on, whatever the options say. */
const FORBIDDEN = new Set(['disable_safety_checker']);
const OWNED = ['seed'];

interface Prediction {
  id: string;
  status: string;
  output: unknown;
  error: string | null;
  logs: string;
}

export const replicateAdapter: ProviderAdapter = {
  id: 'replicate',

  async generate(call): Promise<AttemptResult> {
    const { request, model, clock } = call;
    const apiKey = call.apiKey ?? '';
    const warnings: string[] = [];
    const input: Record<string, unknown> = { prompt: request.prompt };

    if (request.negativePrompt.trim() !== '') warnings.push(NEGATIVE_PROMPT_NOTE);
    const reference = call.reference && model.capabilities.imageInput ? call.reference : null;
    if (call.reference && !reference) warnings.push(referenceIgnoredWarning(model.name));
    if (reference)
      referenceShapeWarning(request, reference, `In image-to-image mode ${model.name}`, warnings);
    Object.assign(input, sizing(call, warnings));

    const n = Math.min(request.count, model.capabilities.maxCount);
    if (n < request.count) {
      warnings.push(
        `${model.name} makes at most ${n} image${n === 1 ? '' : 's'} per request; asked for ${request.count}, made ${n}`,
      );
    }
    if (model.capabilities.maxCount > 1) input.num_outputs = n;
    input.seed = request.seed;
    const steps = clampedSteps(model, request, warnings);
    if (steps !== null) input.num_inference_steps = steps;
    const guidance = clampedGuidance(model, request, warnings);
    if (guidance) input[guidance.param] = guidance.value;
    input.output_format = 'png';
    if (GO_FAST_MODELS.has(model.id)) input.go_fast = false;
    if (reference) {
      input.image = dataUrl(reference);
      input.prompt_strength = Math.round(reference.strength * 1000) / 1000;
    }
    mergeOptions(input, call.options, model, warnings);

    const requestSent: Record<string, unknown> = {
      input: reference ? { ...input, image: describeImage(reference) } : { ...input },
    };
    const base = { requestSent, warnings };
    if (!call.apiKey) return { ...base, ...plain('auth_failed', `No API key for ${NAME}.`) };
    if (!/^[\w.-]+\/[\w.-]+$/.test(model.id)) {
      const named = `"${model.id}" is not a Replicate model name of the form owner/name.`;
      return { ...base, ...plain('invalid_request', named) };
    }

    const apiBase = call.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    const headers = { authorization: `Bearer ${apiKey}`, accept: 'application/json' };
    call.onProgress({ fraction: null, message: 'Sending to Replicate' });
    const exchanged = await exchange(
      call.fetch,
      `${apiBase}/v1/models/${model.id}/predictions`,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', prefer: `wait=${SYNC_WAIT_S}` },
        body: JSON.stringify({ input }),
        signal: call.signal,
      },
      NAME,
    );
    const created = answered(exchanged, classify, apiKey, clock);
    if (isProblem(created)) {
      if (created.outcome !== 'cancelled') return { ...base, ...created };
      const unknown = `The prediction id was not known yet, so it could not be cancelled at ${NAME}.`;
      return { ...base, ...created, providerMessage: `${created.providerMessage} ${unknown}` };
    }
    let prediction = readPrediction(created.text);
    if (!prediction) {
      const odd = `${NAME} accepted the request but its answer is not a prediction`;
      return { ...base, ...plain('no_image', odd, created.status) };
    }
    let httpStatus = created.status;
    const predictionId = prediction.id;

    const running = (p: Prediction) => p.status === 'starting' || p.status === 'processing';
    if (running(prediction)) {
      const job = { provider: NAME, kind: 'prediction', id: predictionId };
      const end = await pollUntilSettled<Prediction>({
        clock,
        signal: call.signal,
        intervalMs: POLL_INTERVAL_MS,
        deadlineMs: MAX_WAIT_MS,
        retries: POLL_RETRIES,
        beforeWait: () => call.onProgress(progressOf(prediction!)),
        poll: async () => {
          const polled = await exchange(
            call.fetch,
            `${apiBase}/v1/predictions/${encodeURIComponent(predictionId)}`,
            { method: 'GET', headers, signal: call.signal },
            NAME,
          );
          const answer = answered(polled, classify, apiKey, clock);
          if (isProblem(answer)) return unread(answer);
          const next = readPrediction(answer.text);
          if (!next) {
            const odd = `${NAME} answered a status check with something that is not a prediction`;
            return { kind: 'unreadable', problem: plain('unavailable', odd, answer.status) };
          }
          prediction = next;
          httpStatus = answer.status;
          return running(next) ? { kind: 'pending' } : { kind: 'settled', value: next };
        },
        cancel: () =>
          askToCancel(
            call.fetch,
            {
              url: `${apiBase}/v1/predictions/${encodeURIComponent(predictionId)}/cancel`,
              method: 'POST',
              headers,
            },
            job,
            apiKey,
          ),
        cancelOnFailure: true,
      });
      if (end.kind !== 'settled') return { ...base, ...unsettled(end, job, MAX_WAIT_MS, httpStatus) };
      prediction = end.value;
    }

    if (prediction.status === 'canceled') {
      return {
        ...base,
        ...plain('cancelled', `Prediction ${prediction.id} was canceled at ${NAME}.`, httpStatus),
      };
    }
    if (prediction.status !== 'succeeded') {
      const said = redact(
        clip(prediction.error ?? `the prediction ended as "${prediction.status}"`, 1000),
        apiKey,
      );
      // E005 is Replicate's code for input or output flagged as sensitive; the FLUX models say "NSFW".
      const blocked = /\bE005\b|flagged as sensitive|nsfw/i.test(said);
      const code = /\b(E\d{3,4})\b/.exec(said)?.[1] ?? prediction.status;
      return {
        ...base,
        ...{
          outcome: blocked ? 'content_blocked' : 'unavailable',
          httpStatus,
          providerCode: code,
          providerMessage: said,
          retryAfterMs: null,
        },
      };
    }

    const urls = (Array.isArray(prediction.output) ? prediction.output : [prediction.output]).filter(
      (u): u is string => typeof u === 'string' && u !== '',
    );
    if (urls.length === 0) {
      return {
        ...base,
        ...plain('no_image', `${NAME} reported success but the prediction has no output URL`, httpStatus),
      };
    }
    call.onProgress({ fraction: 1, message: 'Downloading' });
    const fetched = await fetchOutputs(call, urls, {
      name: NAME,
      secret: apiKey,
      noun: 'outputs',
      dataUrls: true,
      unfetchable: (url, protocol) =>
        protocol === null
          ? `${NAME} sent an output that is not a URL: ${clip(url, 80)}`
          : `${NAME} sent an output URL Atelier does not fetch (${protocol})`,
      expired: (where, status) =>
        `The image at ${where} was gone when fetched (HTTP ${status}); ${NAME} output URLs expire`,
    });
    if (isProblem(fetched)) return { ...base, ...fetched };
    const { images } = fetched;
    warnings.push(...fetched.warnings);
    if (images.length < n) warnings.push(`Asked ${NAME} for ${n} images and received ${images.length}`);

    const price = pricePerImage(model, String(input.aspect_ratio ?? ''), model.qualityTiers[request.quality]);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus,
      warnings,
      images,
      seedUsed: seedFromLogs(prediction.logs) ?? (typeof input.seed === 'number' ? input.seed : request.seed),
      costUsd: price === null ? null : roundUsd(price * images.length),
      providerMessage: null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const apiKey = call.apiKey ?? '';
    if (!call.apiKey) return { outcome: 'auth_failed', message: `No API token for ${NAME}.` };
    const apiBase = call.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    const answer = await askWithKey(
      call,
      {
        url: `${apiBase}/v1/account`,
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
      },
      NAME,
      apiKey,
      classify,
    );
    if (isKeyCheck(answer)) return answer;
    const body = parseJson(answer.text);
    const who = isRecord(body) && typeof body.username === 'string' ? ` (account ${body.username})` : '';
    return { outcome: 'ok', message: `${NAME} accepted the token${who}.` };
  },
};

/** Maps a Replicate error answer (`{ title, detail, status }`) onto the closed set of outcomes. */
export function classify(
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
  apiKey: string,
): Classified {
  const body = parseJson(text);
  const field = (name: string) =>
    isRecord(body) && typeof body[name] === 'string' ? (body[name] as string) : null;
  const stated = field('detail') ?? field('title') ?? (body === undefined ? plainText(text) : null);
  const { message, as: result } = refusal(status, field('title'), stated, NAME, apiKey);
  if (status === 401 || status === 403) return result('auth_failed');
  if (status === 402) return result('quota_exhausted');
  if (status === 429) {
    // "Request was throttled. Your rate limit resets in ~30s." when no Retry-After is sent.
    const resets = /resets in ~?\s*(\d+(?:\.\d+)?)\s*s/i.exec(message);
    return result(
      'rate_limited',
      retryAfterMs(headers, nowMs) ?? (resets ? Math.round(Number(resets[1]) * 1000) : null),
    );
  }
  if (status === 408) return result('timeout');
  if (status >= 500) return result('unavailable', retryAfterMs(headers, nowMs));
  return result('invalid_request');
}

/** The aspect ratio (or custom size) for the request, with a warning wherever it is not what was asked. */
function sizing(call: AdapterCall, warnings: string[]): Record<string, unknown> {
  const { request, model } = call;
  const exact = model.capabilities.exactSize;
  if (!request.size)
    return { aspect_ratio: catalogSize(model, request.aspectRatio, 'aspect ratio', warnings) };
  const { width, height } = request.size;
  if (exact) return { aspect_ratio: 'custom', ...gridSize(model, request.size, exact, warnings) };
  const ratio = nearestRatio(RATIOS, width / height);
  warnings.push(
    `${model.name} makes only fixed aspect ratios, not exact sizes; asked for ${width}×${height}, made ${ratio}`,
  );
  return { aspect_ratio: ratio };
}

/** `call.options` goes last: documented inputs only (any input for a model not described here), never the safety switch. */
function mergeOptions(
  input: Record<string, unknown>,
  options: Record<string, unknown>,
  model: CatalogModel,
  warnings: string[],
): void {
  const owned = ownedBy(OWNED, NAME);
  const kept = documentedOptions(
    options,
    {
      documented: INPUTS[model.id] ?? null,
      refused: (key) =>
        FORBIDDEN.has(key)
          ? `Option "${key}" was not sent: Atelier never turns off ${NAME}'s safety checker`
          : owned(key),
      undocumented: (key) => `Option "${key}" is not an input of ${model.id}; it was ignored`,
    },
    warnings,
  );
  Object.assign(input, kept);
}

function readPrediction(text: string): Prediction | null {
  const body = parseJson(text);
  if (!isRecord(body) || typeof body.id !== 'string' || typeof body.status !== 'string') return null;
  return {
    id: body.id,
    status: body.status,
    output: body.output,
    error:
      typeof body.error === 'string' ? body.error : body.error == null ? null : JSON.stringify(body.error),
    logs: typeof body.logs === 'string' ? body.logs : '',
  };
}

/** The last tqdm percentage in the logs (`50%|█████     | 14/28`), when the model prints one. */
function progressOf(prediction: Prediction): { fraction: number | null; message: string } {
  const percents = [...prediction.logs.matchAll(/(\d{1,3})%\|/g)];
  const last = percents.at(-1);
  const fraction = last ? Math.min(1, Number(last[1]) / 100) : null;
  return {
    fraction,
    message: prediction.status === 'starting' ? 'Starting (the model may be booting)' : 'Generating',
  };
}

function seedFromLogs(logs: string): number | null {
  const match = /Using seed:\s*(\d+)/i.exec(logs);
  if (!match) return null;
  const seed = Number(match[1]);
  return seed <= MAX_SEED ? seed : null;
}

function dataUrl(image: ReferenceImage): string {
  return `data:${image.mime};base64,${Buffer.from(image.bytes).toString('base64')}`;
}
