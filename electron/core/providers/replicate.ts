/**
 * Replicate official models: `POST /v1/models/{owner}/{name}/predictions` with `Prefer: wait=N`, then
 * `GET /v1/predictions/{id}` until the prediction settles, `POST /v1/predictions/{id}/cancel` on abort.
 * Outputs are URLs on replicate.delivery: fetched at once, without the key, and returned as bytes.
 */
import { MAX_SEED } from '../../../shared/domain';
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
export const NEGATIVE_PROMPT_NOTE =
  'FLUX has no negative prompt, and naming the unwanted things in the prompt tends to add them; the negative prompt was dropped';
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
const OWNED = new Set(['seed']);

type Classified = Omit<AttemptFailure, 'requestSent' | 'warnings'>;

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
    if (call.reference && !reference) {
      warnings.push(
        `${model.name} takes no reference image; it was ignored and the image made from the prompt alone`,
      );
    }
    Object.assign(input, sizing(call, reference, warnings));

    const n = Math.min(request.count, model.capabilities.maxCount);
    if (n < request.count) {
      warnings.push(
        `${model.name} makes at most ${n} image${n === 1 ? '' : 's'} per request; asked for ${request.count}, made ${n}`,
      );
    }
    if (model.capabilities.maxCount > 1) input.num_outputs = n;
    input.seed = request.seed;
    applySteps(call, input, warnings);
    applyGuidance(call, input, warnings);
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
    if (!call.apiKey) return failure(base, plain('auth_failed', `No API key for ${NAME}.`));
    if (!/^[\w.-]+\/[\w.-]+$/.test(model.id)) {
      return failure(
        base,
        plain('invalid_request', `"${model.id}" is not a Replicate model name of the form owner/name.`),
      );
    }

    const apiBase = call.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    const headers = { authorization: `Bearer ${apiKey}`, accept: 'application/json' };
    call.onProgress({ fraction: null, message: 'Sending to Replicate' });
    const created = await exchange(
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
    if (created.kind === 'cancelled') {
      return failure(
        base,
        plain(
          'cancelled',
          `${created.message} The prediction id was not known yet, so it could not be cancelled at ${NAME}.`,
        ),
      );
    }
    if (created.kind === 'network')
      return failure(base, plain('unavailable', redact(created.message, apiKey)));
    if (created.status < 200 || created.status > 299) {
      return failure(base, classify(created.status, created.headers, created.text, clock.now(), apiKey));
    }
    let prediction = readPrediction(created.text);
    if (!prediction) {
      return failure(base, {
        ...plain('no_image', `${NAME} accepted the request but its answer is not a prediction`),
        httpStatus: created.status,
      });
    }
    let httpStatus = created.status;
    const predictionId = prediction.id;

    const cancelRemote = async (why: string): Promise<string> => {
      const id = predictionId;
      const answer = await exchange(
        call.fetch,
        `${apiBase}/v1/predictions/${encodeURIComponent(id)}/cancel`,
        { method: 'POST', headers, signal: AbortSignal.timeout(5_000) },
        NAME,
      );
      const said =
        answer.kind === 'response'
          ? `it answered HTTP ${answer.status}`
          : `the cancel request failed: ${redact(answer.message, apiKey)}`;
      return `${why}; asked ${NAME} to cancel prediction ${id} (${said}).`;
    };

    const startedAt = clock.now();
    let failures = 0;
    while (prediction.status === 'starting' || prediction.status === 'processing') {
      call.onProgress(progressOf(prediction));
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
        `${apiBase}/v1/predictions/${encodeURIComponent(prediction.id)}`,
        { method: 'GET', headers, signal: call.signal },
        NAME,
      );
      if (polled.kind === 'cancelled') {
        return failure(
          base,
          plain('cancelled', await cancelRemote(`Cancelled while ${NAME} was generating`)),
        );
      }
      const next =
        polled.kind === 'response' && polled.status >= 200 && polled.status <= 299
          ? readPrediction(polled.text)
          : null;
      if (!next) {
        const problem =
          polled.kind === 'network'
            ? plain('unavailable', redact(polled.message, apiKey))
            : polled.status >= 200 && polled.status <= 299
              ? {
                  ...plain(
                    'unavailable',
                    `${NAME} answered a status check with something that is not a prediction`,
                  ),
                  httpStatus: polled.status,
                }
              : classify(polled.status, polled.headers, polled.text, clock.now(), apiKey);
        const transient = ['unavailable', 'rate_limited', 'timeout'].includes(problem.outcome);
        failures += 1;
        if (!transient || failures > POLL_RETRIES) {
          const message = await cancelRemote(`Checking on the prediction failed: ${problem.providerMessage}`);
          return failure(base, { ...problem, providerMessage: message });
        }
        continue;
      }
      failures = 0;
      prediction = next;
      httpStatus = polled.kind === 'response' ? polled.status : httpStatus;
    }

    if (prediction.status === 'canceled') {
      return failure(base, {
        ...plain('cancelled', `Prediction ${prediction.id} was canceled at ${NAME}.`),
        httpStatus,
      });
    }
    if (prediction.status !== 'succeeded') {
      const said = redact(
        clip(prediction.error ?? `the prediction ended as "${prediction.status}"`, 1000),
        apiKey,
      );
      // E005 is Replicate's code for input or output flagged as sensitive; the FLUX models say "NSFW".
      const blocked = /\bE005\b|flagged as sensitive|nsfw/i.test(said);
      const code = /\b(E\d{3,4})\b/.exec(said)?.[1] ?? prediction.status;
      return failure(base, {
        outcome: blocked ? 'content_blocked' : 'unavailable',
        httpStatus,
        providerCode: code,
        providerMessage: said,
        retryAfterMs: null,
      });
    }

    const urls = (Array.isArray(prediction.output) ? prediction.output : [prediction.output]).filter(
      (u): u is string => typeof u === 'string' && u !== '',
    );
    if (urls.length === 0) {
      return failure(base, {
        ...plain('no_image', `${NAME} reported success but the prediction has no output URL`),
        httpStatus,
      });
    }
    call.onProgress({ fraction: 1, message: 'Downloading' });
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
    for (const problem of problems) {
      warnings.push(`One of the ${urls.length} outputs could not be fetched: ${problem.providerMessage}`);
    }
    if (images.length < n) warnings.push(`Asked ${NAME} for ${n} images and received ${images.length}`);

    const price = pricePerImage(model, String(input.aspect_ratio ?? ''), model.qualityTiers[request.quality]);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus,
      warnings,
      images,
      seedUsed: seedFromLogs(prediction.logs) ?? (typeof input.seed === 'number' ? input.seed : request.seed),
      costUsd: price === null ? null : Math.round(price * images.length * 1e6) / 1e6,
      providerMessage: null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const apiKey = call.apiKey ?? '';
    if (!call.apiKey) return { outcome: 'auth_failed', message: `No API token for ${NAME}.` };
    const apiBase = call.endpoint.replace(/\/+$/, '').replace(/\/v1$/, '');
    const answer = await exchange(
      call.fetch,
      `${apiBase}/v1/account`,
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
  const plainText =
    body === undefined && text.trim() !== '' && text.trim().length <= 300 && !text.trim().startsWith('<');
  const stated = field('detail') ?? field('title') ?? (plainText ? text.trim() : null);
  const message = redact(
    clip(stated ?? `${NAME} answered HTTP ${status} without an error message`, 1000),
    apiKey,
  );
  const result = (outcome: Classified['outcome'], retry: number | null = null): Classified => ({
    outcome,
    httpStatus: status,
    providerCode: field('title'),
    providerMessage: message,
    retryAfterMs: retry,
  });
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
function sizing(
  call: AdapterCall,
  reference: ReferenceImage | null,
  warnings: string[],
): Record<string, unknown> {
  const { request, model } = call;
  const exact = model.capabilities.exactSize;
  if (reference) {
    const wanted = request.size
      ? request.size.width / request.size.height
      : (sizeRatio(request.aspectRatio) ?? 1);
    if (Math.abs(Math.log(wanted / (reference.width / reference.height))) > 0.02) {
      warnings.push(
        `In image-to-image mode ${model.name} keeps the reference's shape (${reference.width}×${reference.height}); the requested ${request.size ? `${request.size.width}×${request.size.height}` : request.aspectRatio} was not used`,
      );
    }
  }
  if (request.size) {
    const { width, height } = request.size;
    if (exact) {
      const w = snap(width, exact);
      const h = snap(height, exact);
      if (w !== width || h !== height) {
        warnings.push(
          `${model.name} takes sizes of ${exact.min}–${exact.max} px in steps of ${exact.multiple}; asked for ${width}×${height}, made ${w}×${h}`,
        );
      }
      return { aspect_ratio: 'custom', width: w, height: h };
    }
    const ratio = nearest(width / height);
    warnings.push(
      `${model.name} makes only fixed aspect ratios, not exact sizes; asked for ${width}×${height}, made ${ratio}`,
    );
    return { aspect_ratio: ratio };
  }
  const { size, exact: same } = sizeFor(model, request.aspectRatio);
  if (!same)
    warnings.push(`${model.name} has no ${request.aspectRatio} aspect ratio; it made ${size} instead`);
  return { aspect_ratio: size };
}

function applySteps(call: AdapterCall, input: Record<string, unknown>, warnings: string[]): void {
  const { request, model } = call;
  const steps = model.capabilities.steps;
  if (request.steps === undefined) return;
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
  input.num_inference_steps = value;
}

function applyGuidance(call: AdapterCall, input: Record<string, unknown>, warnings: string[]): void {
  const { request, model } = call;
  const guidance = model.capabilities.guidance;
  if (request.guidance === undefined) return;
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
  input[guidance.param] = value;
}

/** `call.options` goes last: documented inputs only (any input for a model not described here), never the safety switch. */
function mergeOptions(
  input: Record<string, unknown>,
  options: Record<string, unknown>,
  model: CatalogModel,
  warnings: string[],
): void {
  const documented = INPUTS[model.id];
  for (const [key, value] of Object.entries(options)) {
    if (FORBIDDEN.has(key)) {
      warnings.push(`Option "${key}" was not sent: Atelier never turns off ${NAME}'s safety checker`);
    } else if (OWNED.has(key)) {
      warnings.push(`Option "${key}" is set by Atelier for ${NAME}; the option was ignored`);
    } else if (documented && !documented.includes(key)) {
      warnings.push(`Option "${key}" is not an input of ${model.id}; it was ignored`);
    } else {
      input[key] = value;
    }
  }
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

/** Fetches an output URL at once, without the key (the delivery host needs none and must never see it). */
async function download(call: AdapterCall, url: string, apiKey: string): Promise<ProviderImage | Classified> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return plain('no_image', `${NAME} sent an output that is not a URL: ${clip(url, 80)}`);
  }
  if (!['https:', 'http:', 'data:'].includes(parsed.protocol)) {
    return plain('no_image', `${NAME} sent an output URL Atelier does not fetch (${parsed.protocol})`);
  }
  const where = parsed.protocol === 'data:' ? 'a data URL' : parsed.origin;
  let response: Response;
  try {
    response = await call.fetch(url, { method: 'GET', signal: call.signal });
  } catch (error) {
    if (call.signal.aborted) return plain('cancelled', `Cancelled while fetching the image from ${where}.`);
    return plain(
      'unavailable',
      redact(`Could not fetch the image from ${where}: ${describeError(error)}.`, apiKey),
    );
  }
  if (response.status === 403 || response.status === 404 || response.status === 410) {
    return {
      ...plain(
        'no_image',
        `The image at ${where} was gone when fetched (HTTP ${response.status}); ${NAME} output URLs expire`,
      ),
      httpStatus: response.status,
    };
  }
  if (!response.ok) {
    const outcome = response.status >= 500 ? 'unavailable' : 'no_image';
    return {
      ...plain(outcome, `Fetching the image from ${where} failed with HTTP ${response.status}`),
      httpStatus: response.status,
    };
  }
  try {
    const bytes = new Uint8Array(await response.arrayBuffer());
    const type = response.headers.get('content-type')?.split(';')[0]?.trim() ?? null;
    return { bytes, declaredMime: type?.startsWith('image/') ? type : null };
  } catch (error) {
    if (call.signal.aborted) return plain('cancelled', `Cancelled while fetching the image from ${where}.`);
    return plain('unavailable', `The image download from ${where} broke off: ${describeError(error)}.`);
  }
}

function nearest(wanted: number): string {
  let best: string = RATIOS[0];
  const distance = (r: string) => Math.abs(Math.log((sizeRatio(r) ?? 1) / wanted));
  for (const ratio of RATIOS) if (distance(ratio) < distance(best)) best = ratio;
  return best;
}

function snap(value: number, exact: { min: number; max: number; multiple: number }): number {
  const rounded = Math.round(value / exact.multiple) * exact.multiple;
  const low = Math.ceil(exact.min / exact.multiple) * exact.multiple;
  const high = Math.floor(exact.max / exact.multiple) * exact.multiple;
  return Math.min(high, Math.max(low, rounded));
}

function dataUrl(image: ReferenceImage): string {
  return `data:${image.mime};base64,${Buffer.from(image.bytes).toString('base64')}`;
}

/** `<png 1024×1024, 182 KB>`: how an input image appears in the recorded request. */
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
