/**
 * AUTOMATIC1111 / Forge web UI API (started with --api): `POST /sdapi/v1/txt2img` or `/img2img`.
 * The call blocks until the images are made (A1111 queues requests internally), so while it runs
 * `GET /sdapi/v1/progress` is polled for progress; cancelling sends `POST /sdapi/v1/interrupt`.
 */
import { z } from 'zod';
import { settingsPath } from '../../../shared/settings-tabs';
import { type Classified, failure, plain, unreachable } from './attempt';
import { clip, decodeBase64, type Exchange, exchange, isRecord, parseJson, redact } from './http';
import {
  basicAuthHeader,
  basicAuthSecret,
  cappedCount,
  describeImage,
  guidanceScale,
  type PixelSize,
  pixelSize,
  samplingSteps,
  sniffImageMime,
} from './image-params';
import type {
  AdapterCall,
  AttemptResult,
  KeyCheck,
  ProviderAdapter,
  ProviderImage,
  ReferenceImage,
  ServerInspection,
} from './types';

const NAME = 'A1111';
/** How often progress is read while the blocking call runs. */
export const PROGRESS_MS = 1_000;
const INTERRUPT_MS = 5_000;

const LoraSpec = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .regex(/^[^<>:]+$/, 'must be a LoRA name without < > or :'),
  weight: z.number().min(-5).max(5).default(1),
});
/** `options.a1111`: checkpoint and lora are translated; every other key goes into the body as it is (A1111 ignores unknown ones). */
const A1111Options = z.looseObject({
  checkpoint: z.string().trim().min(1).optional(),
  lora: z.union([LoraSpec, z.array(LoraSpec).max(8)]).optional(),
  override_settings: z.record(z.string(), z.unknown()).optional(),
});

export const a1111Adapter: ProviderAdapter = {
  id: 'a1111',

  async generate(call): Promise<AttemptResult> {
    const { request, model } = call;
    const reference = call.reference ?? null;
    const warnings: string[] = [];
    const requestSent: Record<string, unknown> = {};
    const base = { requestSent, warnings };
    const http = httpFor(call);

    const parsed = A1111Options.safeParse(call.options ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `options.a1111.${i.path.join('.')}: ${i.message}`);
      return failure(base, 'invalid_request', null, 'invalid_options', problems.join('; '));
    }
    const { checkpoint, lora, override_settings: overrides, ...passthrough } = parsed.data;

    const size = pixelSize(model, request, warnings);
    const steps = samplingSteps(model, request, warnings);
    const cfg = guidanceScale(model, request, warnings);
    const count = cappedCount(model, request.count, warnings);
    const loras = lora === undefined ? [] : Array.isArray(lora) ? lora : [lora];
    const tags = loras.map((l) => `<lora:${l.name}:${l.weight}>`);
    const settings = { ...overrides, ...(checkpoint ? { sd_model_checkpoint: checkpoint } : {}) };

    const body: Record<string, unknown> = {
      prompt: tags.length > 0 ? `${request.prompt} ${tags.join(' ')}` : request.prompt,
      negative_prompt: request.negativePrompt,
      seed: request.seed,
      steps,
      cfg_scale: cfg,
      width: size.width,
      height: size.height,
      batch_size: count,
      n_iter: 1,
      ...(reference ? imageToImage(reference, size, warnings) : {}),
      ...(Object.keys(settings).length > 0 ? { override_settings: settings } : {}),
      ...passthrough,
    };
    Object.assign(requestSent, body);
    if (reference) requestSent.init_images = [describeImage(reference)];
    // A1111 reads LoRAs from prompt tags; the note says where the tag came from, so a reader is not surprised.
    if (tags.length > 0)
      requestSent._note = `LoRA from options.a1111.lora added to the prompt as ${tags.join(' ')}`;

    // The blocking call and the progress poller run side by side; the poller stops when the call returns.
    const path = reference ? '/sdapi/v1/img2img' : '/sdapi/v1/txt2img';
    const stopPolling = new AbortController();
    const poller = pollProgress(call, http, AbortSignal.any([call.signal, stopPolling.signal]));
    let answer: Exchange;
    try {
      answer = await http.post(path, body, call.signal);
    } finally {
      stopPolling.abort();
      await poller;
    }

    if (answer.kind === 'cancelled') {
      // A1111 keeps rendering after the client leaves; only an interrupt stops the GPU work.
      await http.post('/sdapi/v1/interrupt', {}, AbortSignal.timeout(INTERRUPT_MS));
      return failure(
        base,
        'cancelled',
        null,
        null,
        `Cancelled; ${NAME} was asked to interrupt the generation.`,
      );
    }
    if (answer.kind === 'network') {
      return failure(
        base,
        'unavailable',
        null,
        null,
        unreachable(NAME, call.endpoint, answer.message, http.secret),
      );
    }
    if (answer.status < 200 || answer.status > 299) {
      return { ...base, ...classifyA1111(answer.status, answer.text, path, call, http.secret) };
    }

    const result = parseJson(answer.text);
    if (!isRecord(result)) {
      return failure(base, 'no_image', answer.status, null, `${NAME} returned a response that is not JSON`);
    }
    const info = readInfo(result.info);
    const encoded = Array.isArray(result.images) ? result.images : [];
    // A grid image (older builds, or return_grid) comes first; extension outputs (ControlNet maps) come after.
    const first = typeof info.index_of_first_image === 'number' ? info.index_of_first_image : 0;
    const images: ProviderImage[] = [];
    let unreadable = 0;
    for (const item of encoded.slice(first, first + count)) {
      const bytes =
        typeof item === 'string' ? decodeBase64(item.replace(/^data:image\/\w+;base64,/, '')) : null;
      if (bytes) images.push({ bytes, declaredMime: sniffImageMime(bytes) });
      else unreadable += 1;
    }
    if (images.length === 0) {
      const why = encoded.length === 0 ? 'no images' : 'no decodable base64 image';
      return failure(base, 'no_image', answer.status, null, `${NAME} answered successfully but sent ${why}`);
    }
    if (unreadable > 0) warnings.push(`${unreadable} of the images ${NAME} sent had no usable data`);
    if (images.length < count)
      warnings.push(`Asked ${NAME} for ${count} images and received ${images.length}`);

    const used =
      typeof info.sd_model_name === 'string' && info.sd_model_name !== '' ? info.sd_model_name : null;
    if (checkpoint && used && !checkpoint.includes(used)) {
      // A1111 falls back to another checkpoint, with only a console line, when the named one is missing.
      warnings.push(`${NAME} has no checkpoint "${checkpoint}"; it used ${used} instead`);
    }
    return {
      outcome: 'ok',
      requestSent,
      httpStatus: answer.status,
      warnings,
      images,
      seedUsed: typeof info.seed === 'number' ? info.seed : request.seed,
      costUsd: 0,
      providerMessage: used ? `Checkpoint: ${used}` : null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const http = httpFor(call);
    const answer = await http.get('/sdapi/v1/sd-models');
    const failed = failedAnswer(answer, '/sdapi/v1/sd-models', call, http.secret);
    if (failed) return { outcome: failed.outcome, message: failed.providerMessage };
    const models = listOf(answer, 'title');
    return { outcome: 'ok', message: `${NAME} answers; ${models.length} checkpoints.` };
  },

  async inspect(call): Promise<ServerInspection> {
    const http = httpFor(call);
    const answer = await http.get('/sdapi/v1/sd-models');
    const failed = failedAnswer(answer, '/sdapi/v1/sd-models', call, http.secret);
    if (failed) {
      const state = answer.kind === 'network' ? 'unreachable' : 'error';
      return { state, message: failed.providerMessage, models: [], loras: [] };
    }
    const models = listOf(answer, 'title');
    // The LoRA list comes from the built-in Lora extension; a server without it simply has none.
    const loraAnswer = await http.get('/sdapi/v1/loras');
    const loras =
      loraAnswer.kind === 'response' && loraAnswer.status === 200 ? listOf(loraAnswer, 'name') : [];
    return {
      state: 'healthy',
      message: `${NAME} answers; ${models.length} checkpoints, ${loras.length} LoRAs.`,
      models,
      loras,
    };
  },
};

/** img2img fields: the reference as base64, its strength as denoising, cropped (not stretched) to the output. */
function imageToImage(
  reference: ReferenceImage,
  size: PixelSize,
  warnings: string[],
): Record<string, unknown> {
  const wanted = size.width / size.height;
  const actual = reference.width / reference.height;
  if (Math.abs(Math.log(actual / wanted)) > 0.01) {
    warnings.push(
      `The reference (${reference.width}×${reference.height}) was cropped to the output shape ${size.width}×${size.height}`,
    );
  }
  return {
    init_images: [Buffer.from(reference.bytes).toString('base64')],
    denoising_strength: reference.strength,
    resize_mode: 1,
  };
}

interface ServerHttp {
  secret: string;
  get(path: string, signal?: AbortSignal): Promise<Exchange>;
  post(path: string, body: unknown, signal?: AbortSignal): Promise<Exchange>;
}

function httpFor(call: Pick<AdapterCall, 'endpoint' | 'server' | 'fetch' | 'signal'>): ServerHttp {
  const origin = call.endpoint.replace(/\/+$/, '');
  const headers = { ...basicAuthHeader(call.server?.basicAuth), accept: 'application/json' };
  return {
    secret: basicAuthSecret(call.server?.basicAuth),
    get: (path, signal) =>
      exchange(
        call.fetch,
        `${origin}${path}`,
        { method: 'GET', headers, signal: signal ?? call.signal },
        NAME,
      ),
    post: (path, body, signal) =>
      exchange(
        call.fetch,
        `${origin}${path}`,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: signal ?? call.signal,
        },
        NAME,
      ),
  };
}

/** Reads `/sdapi/v1/progress` every PROGRESS_MS until `signal` stops it; best effort, never fails the call. */
async function pollProgress(call: AdapterCall, http: ServerHttp, signal: AbortSignal): Promise<void> {
  for (;;) {
    try {
      await call.clock.sleep(PROGRESS_MS, signal);
    } catch {
      return;
    }
    if (signal.aborted) return;
    const answer = await http.get('/sdapi/v1/progress?skip_current_image=true', signal);
    if (signal.aborted) return;
    if (answer.kind !== 'response' || answer.status !== 200) continue;
    const body = parseJson(answer.text);
    if (!isRecord(body)) continue;
    const state = isRecord(body.state) ? body.state : {};
    const fraction = typeof body.progress === 'number' ? Math.min(1, Math.max(0, body.progress)) : 0;
    const step = typeof state.sampling_step === 'number' ? state.sampling_step : 0;
    const steps = typeof state.sampling_steps === 'number' ? state.sampling_steps : 0;
    const eta =
      typeof body.eta_relative === 'number' && body.eta_relative > 0 ? Math.ceil(body.eta_relative) : null;
    if (fraction > 0 || steps > 0) {
      const left = eta === null ? '' : `, about ${eta} s left`;
      call.onProgress({
        fraction,
        message: steps > 0 ? `Step ${step} of ${steps}${left}` : `Working${left}`,
      });
    } else {
      call.onProgress({ fraction: null, message: `Waiting for ${NAME} (queued, or loading the checkpoint)` });
    }
  }
}

/**
 * A1111 errors: `{ error, detail, body, errors }` from its exception handler, or FastAPI's own
 * `{ detail }` (404 for a route that does not exist, 422 `{ detail: [{ loc, msg }] }` for a bad body).
 */
function classifyA1111(
  status: number,
  text: string,
  path: string,
  call: Pick<AdapterCall, 'endpoint' | 'server'>,
  secret: string,
): Classified {
  const body = parseJson(text);
  const record = isRecord(body) ? body : {};
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const error = str(record.error) || null;
  const detail = Array.isArray(record.detail)
    ? record.detail
        .map((d) => (isRecord(d) ? `${Array.isArray(d.loc) ? d.loc.join('.') : ''}: ${str(d.msg)}` : ''))
        .filter((s) => s !== '')
        .join('; ')
    : str(record.detail);
  const errors = str(record.errors);
  const result = (
    outcome: Classified['outcome'],
    message: string,
    code: string | null = error,
    ours = false,
  ): Classified => ({
    outcome,
    httpStatus: status,
    providerCode: code,
    // Only what the server said is redacted: a password's word must not blank out our own wording.
    providerMessage: ours ? message : redact(clip(message, 1000), secret),
    retryAfterMs: null,
  });
  if (status === 401 || status === 403) {
    return result(
      'auth_failed',
      call.server?.basicAuth
        ? `${NAME} refused the user name or password set for this server (its --api-auth)`
        : `${NAME} wants a user name and password: it was started with --api-auth; add user:password to this server in ${settingsPath('local')}`,
      error,
      true,
    );
  }
  if (status === 404 && (detail === 'Not Found' || detail === '')) {
    return result(
      'invalid_request',
      `${NAME} at ${call.endpoint} has no ${path}: the server was not started with --api (add --api to its command line arguments)`,
      'api_disabled',
    );
  }
  const message = detail || errors || `${NAME} answered HTTP ${status}${quoted(text)}`;
  if (/out of memory|OutOfMemory/i.test(`${error ?? ''} ${message}`)) {
    return result('unavailable', `${NAME} ran out of GPU memory: ${message}`);
  }
  if (status >= 500) {
    // A deliberate refusal (HTTPException: "Invalid encoded image") repeats; a crash may not.
    if (error === 'HTTPException' && detail !== '') return result('invalid_request', message);
    return result(
      'unavailable',
      error && error !== 'HTTPException' ? `${NAME} failed: ${error}: ${message}` : message,
    );
  }
  return result('invalid_request', message);
}

/** `: body` for a short plain-text answer worth quoting; '' otherwise. */
function quoted(text: string): string {
  const trimmed = text.trim();
  return trimmed !== '' && trimmed.length <= 200 && !trimmed.startsWith('<') ? `: ${trimmed}` : '';
}

/** A failed exchange as a classified failure; null for a 2xx answer. */
function failedAnswer(
  answer: Exchange,
  path: string,
  call: Pick<AdapterCall, 'endpoint' | 'server'>,
  secret: string,
): Classified | null {
  if (answer.kind === 'cancelled') return plain('cancelled', answer.message);
  if (answer.kind === 'network')
    return plain('unavailable', unreachable(NAME, call.endpoint, answer.message, secret));
  if (answer.status >= 200 && answer.status <= 299) return null;
  return classifyA1111(answer.status, answer.text, path, call, secret);
}

/** The `info` of a result: a JSON string in A1111 (an object in some forks); {} when unreadable. */
function readInfo(value: unknown): Record<string, unknown> {
  if (isRecord(value)) return value;
  const parsed = typeof value === 'string' ? parseJson(value) : undefined;
  return isRecord(parsed) ? parsed : {};
}

/** `field` of each entry of a JSON array answer (`title` of sd-models, `name` of loras). */
function listOf(answer: Exchange, field: string): string[] {
  const body = answer.kind === 'response' ? parseJson(answer.text) : undefined;
  return Array.isArray(body)
    ? body.flatMap((entry) => (isRecord(entry) && typeof entry[field] === 'string' ? [entry[field]] : []))
    : [];
}
