/**
 * Leonardo.Ai REST API (asynchronous): `POST /api/rest/v1/generations` (Bearer) returns a generation id and its
 * credit cost; `GET /api/rest/v1/generations/{id}` is polled until COMPLETE or FAILED; the CDN URLs are fetched at once.
 * A reference goes up first through the presigned `init-image` upload. On abort the generation is deleted.
 */
import {
  answered,
  askWithKey,
  type Classified,
  failure,
  isKeyCheck,
  isProblem,
  plain,
  refusal,
} from './attempt';
import { type CatalogModel, pricePerImage, sizeFor } from './catalog';
import { clip, exchange, isRecord, parseJson, plainText, redact, retryAfterMs } from './http';
import {
  cappedCount,
  foldNegativePrompt,
  negativePromptWarning,
  noGuidanceWarning,
  ownStepsWarning,
  referenceNotTakenWarning,
  roundUsd,
} from './image-params';
import { documentedOptions } from './options';
import { fetchSignedLinks } from './outputs';
import { pollUntilSettled, unread } from './polling';
import type { AdapterCall, AttemptResult, KeyCheck, ProviderAdapter, ReferenceImage } from './types';

const NAME = 'Leonardo';
const API = '/api/rest/v1';
export const POLL_INTERVAL_MS = 2_000;
/** Longer than any image job Leonardo runs; past it the job is deleted and the attempt is a timeout. */
export const POLL_DEADLINE_MS = 600_000;
/** Leonardo takes at most 4 images per request once a side is above 768 px. */
const LARGE_SIDE = 768;
const LARGE_MAX_COUNT = 4;
/** Transient poll failures (429, 5xx, network) tolerated in a row before the attempt gives up. */
const MAX_TRANSIENT_POLL_FAILURES = 3;
/** `generations_by_pk: null` answers tolerated before the job counts as gone. */
const MAX_MISSING_POLLS = 3;
const CANCEL_TIMEOUT_MS = 5_000;
const INIT_STRENGTH = { min: 0.1, max: 0.9 } as const;

/** Documented createGeneration fields a user may pass through `options`; the GraphQL layer refuses others. */
const OPTION_FIELDS = new Set([
  'presetStyle',
  'alchemy',
  'photoReal',
  'photoRealVersion',
  'photoRealStrength',
  'promptMagic',
  'promptMagicVersion',
  'promptMagicStrength',
  'highContrast',
  'highResolution',
  'expandedDomain',
  'contrast',
  'styleUUID',
  'enhancePrompt',
  'enhancePromptInstruction',
  'ultra',
  'scheduler',
  'sd_version',
  'tiling',
  'transparency',
  'public',
  'elements',
  'userElements',
  'controlnets',
  'imagePrompts',
  'imagePromptWeight',
  'weighting',
]);

/** What a platform model needs that the unified request has no word for (contrast is required; no prompt rewriting). */
const MODEL_DEFAULTS: Record<string, Record<string, unknown>> = {
  // Leonardo Phoenix 1.0
  'de7d3faf-762f-48e0-b3b7-9d0ac3a3fcf3': { contrast: 3.5, enhancePrompt: false },
  // Lucid Origin
  '7b592283-e8a7-4c5a-9ba6-d18c31f258b9': { contrast: 3.5, enhancePrompt: false },
};

/** Catalog quality values -> the request flags they stand for. */
const QUALITY_FLAGS: Record<string, Record<string, boolean>> = {
  fast: { alchemy: false },
  quality: { alchemy: true },
  standard: { ultra: false },
  ultra: { ultra: true },
};

const EXTENSION: Record<ReferenceImage['mime'], string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

const QUOTA_WORDING =
  /not enough (api )?(tokens|credits)|insufficient (api )?(tokens|credits|balance|funds)|top.?up/i;
const MODERATION_WORDING = /moderat|nsfw|not safe for work|inappropriate|content polic|flagged|prohibited/i;

export const leonardoAdapter: ProviderAdapter = {
  id: 'leonardo',

  async generate(call): Promise<AttemptResult> {
    const { request, model, clock, signal } = call;
    const apiKey = call.apiKey ?? '';
    const base = apiBase(call.endpoint);
    const auth = { authorization: `Bearer ${apiKey}`, accept: 'application/json' };
    const warnings: string[] = [];
    const caps = model.capabilities;

    const { width, height } = pickSize(model, request.aspectRatio, request.size, warnings);
    let n = Math.min(request.count, caps.maxCount);
    if (Math.max(width, height) > LARGE_SIDE && n > LARGE_MAX_COUNT) {
      n = LARGE_MAX_COUNT;
      warnings.push(
        `Leonardo makes at most ${LARGE_MAX_COUNT} images per request above ${LARGE_SIDE} px; asked for ${request.count}, made ${n}`,
      );
    } else {
      n = cappedCount(model, request.count, warnings);
    }

    const body: Record<string, unknown> = { modelId: model.id, prompt: request.prompt };
    const negative = request.negativePrompt.trim();
    if (negative !== '' && caps.negativePrompt) body.negative_prompt = negative;
    else body.prompt = foldNegativePrompt(request, negativePromptWarning(model.name), warnings);
    body.width = width;
    body.height = height;
    body.num_images = n;
    // Sent as given: the dispatcher keeps seeds inside the catalog's range, and a changed seed is another image.
    const seed = request.seed;
    body.seed = seed;
    if (request.steps !== undefined) {
      if (caps.steps) {
        body.num_inference_steps = fitToRange(
          request.steps,
          caps.steps.min,
          caps.steps.max,
          'steps',
          model,
          warnings,
        );
      } else {
        warnings.push(ownStepsWarning(model.name, request.steps));
      }
    }
    if (request.guidance !== undefined) {
      if (caps.guidance) {
        body[caps.guidance.param] = fitToRange(
          request.guidance,
          caps.guidance.min,
          caps.guidance.max,
          'guidance',
          model,
          warnings,
        );
      } else {
        warnings.push(noGuidanceWarning(model.name, request.guidance));
      }
    }
    const quality = model.qualityTiers[request.quality];
    Object.assign(body, QUALITY_FLAGS[quality] ?? {}, MODEL_DEFAULTS[model.id] ?? {});

    const reference = caps.imageInput ? call.reference : null;
    let initStrength: number | null = null;
    if (reference) {
      const wanted = Math.round((1 - reference.strength) * 100) / 100;
      initStrength = Math.min(INIT_STRENGTH.max, Math.max(INIT_STRENGTH.min, wanted));
      if (initStrength !== wanted) {
        warnings.push(
          `Leonardo takes init_strength ${INIT_STRENGTH.min}–${INIT_STRENGTH.max}; reference strength ${reference.strength} was sent as init_strength ${initStrength}`,
        );
      }
    } else if (request.reference) {
      warnings.push(referenceNotTakenWarning(model.name));
    }
    // Designers' work stays out of Leonardo's public community feed.
    body.public = false;
    const options = documentedOptions(
      call.options,
      {
        documented: OPTION_FIELDS,
        undocumented: (field) =>
          `Leonardo option "${field}" is not a documented generation field; it was not sent`,
      },
      warnings,
    );
    Object.assign(body, options);
    const sent = { requestSent: body, warnings };

    if (reference && initStrength !== null) {
      call.onProgress({ fraction: null, message: 'Uploading the reference to Leonardo' });
      const uploaded = await uploadReference(call, base, apiKey, reference);
      if ('outcome' in uploaded) return { ...sent, ...uploaded };
      body.init_image_id = uploaded.id;
      body.init_strength = initStrength;
    }

    call.onProgress({ fraction: null, message: 'Sending the request to Leonardo' });
    const exchanged = await exchange(
      call.fetch,
      `${base}${API}/generations`,
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      },
      NAME,
    );
    const created = answered(exchanged, classify, apiKey, clock);
    if (isProblem(created)) return { ...sent, ...created };
    const job = parseJson(created.text);
    const sdJob = isRecord(job) && isRecord(job.sdGenerationJob) ? job.sdGenerationJob : null;
    const generationId = sdJob && typeof sdJob.generationId === 'string' ? sdJob.generationId : null;
    const credits = sdJob && typeof sdJob.apiCreditCost === 'number' ? sdJob.apiCreditCost : null;
    if (!generationId) {
      return failure(
        sent,
        'no_image',
        created.status,
        null,
        'Leonardo accepted the request but sent no generation id',
      );
    }
    const deleted = () => deleteGeneration(call, base, apiKey, generationId);

    // Poll until the job settles; a job already paid for rides out a short outage of the status endpoint.
    let missing = 0;
    let pollStatus: number | null = null;
    const end = await pollUntilSettled<Record<string, unknown>>({
      clock,
      signal,
      intervalMs: POLL_INTERVAL_MS,
      deadlineMs: POLL_DEADLINE_MS,
      retries: MAX_TRANSIENT_POLL_FAILURES,
      cancel: deleted,
      poll: async () => {
        const polled = await exchange(
          call.fetch,
          `${base}${API}/generations/${encodeURIComponent(generationId)}`,
          { method: 'GET', headers: auth, signal },
          NAME,
        );
        const answer = answered(polled, classify, apiKey, clock);
        if (isProblem(answer)) return unread(answer);
        pollStatus = answer.status;
        const parsed = parseJson(answer.text);
        const current =
          isRecord(parsed) && isRecord(parsed.generations_by_pk) ? parsed.generations_by_pk : null;
        if (!current) {
          missing += 1;
          if (missing < MAX_MISSING_POLLS) return { kind: 'pending' };
          const gone = `Leonardo has no generation ${generationId} any more`;
          return { kind: 'unreadable', problem: plain('no_image', gone, answer.status) };
        }
        const status = typeof current.status === 'string' ? current.status : 'PENDING';
        if (status === 'COMPLETE' || status === 'FAILED') return { kind: 'settled', value: current };
        call.onProgress({ fraction: null, message: `Leonardo: ${status.toLowerCase()}` });
        return { kind: 'pending' };
      },
    });
    if (end.kind === 'cancelled') {
      return failure(
        sent,
        'cancelled',
        null,
        null,
        `Cancelled while Leonardo was generating; ${end.cancelNote}`,
      );
    }
    if (end.kind === 'timeout') {
      return failure(
        sent,
        'timeout',
        pollStatus,
        'PENDING',
        `Leonardo had not finished generation ${generationId} after ${Math.round(POLL_DEADLINE_MS / 60_000)} minutes; ${end.cancelNote}`,
      );
    }
    if (end.kind === 'failed') return { ...sent, ...end.problem };
    const generation = end.value;
    if (generation.status === 'FAILED') {
      return { ...sent, ...failedGeneration(generation, generationId, pollStatus ?? 200, apiKey) };
    }

    const listed = Array.isArray(generation.generated_images)
      ? generation.generated_images.filter(isRecord)
      : [];
    const urls = listed.flatMap((image) =>
      typeof image.url === 'string' && image.url !== '' ? [image.url] : [],
    );
    if (urls.length === 0) {
      return failure(
        sent,
        'no_image',
        pollStatus,
        'COMPLETE',
        `Leonardo finished generation ${generationId} without images`,
      );
    }
    const flagged = listed.filter((image) => image.nsfw === true).length;
    if (flagged > 0) warnings.push(`Leonardo flagged ${flagged} of ${listed.length} images as NSFW`);

    call.onProgress({ fraction: null, message: 'Fetching the images from Leonardo' });
    // Leonardo's CDN links are signed and short-lived: fetch them now, without the key.
    const fetched = await fetchSignedLinks(call, urls, NAME);
    if (fetched.kind === 'cancelled') {
      return failure(
        sent,
        'cancelled',
        null,
        null,
        `Cancelled while fetching the images; ${await deleted()}`,
      );
    }
    if (fetched.kind === 'none') return failure(sent, fetched.outcome, pollStatus, null, fetched.message);
    const { images } = fetched;
    if (fetched.warning) warnings.push(fetched.warning);
    if (images.length < n) warnings.push(`Asked Leonardo for ${n} images and received ${images.length}`);

    const price = pricePerImage(model, `${width}x${height}`, quality);
    return {
      outcome: 'ok',
      requestSent: body,
      httpStatus: pollStatus,
      warnings,
      images,
      seedUsed: typeof generation.seed === 'number' ? generation.seed : seed,
      // Leonardo bills in API credits and reports them per call; no per-image dollar price is published.
      costUsd: price === null ? null : roundUsd(price * images.length),
      costCredits: credits,
      providerMessage: null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const apiKey = call.apiKey ?? '';
    const answer = await askWithKey(
      call,
      {
        url: `${apiBase(call.endpoint)}${API}/me`,
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
      },
      NAME,
      apiKey,
      classify,
    );
    if (isKeyCheck(answer)) return answer;
    const parsed = parseJson(answer.text);
    const details = isRecord(parsed) && Array.isArray(parsed.user_details) ? parsed.user_details[0] : null;
    const credits = isRecord(details)
      ? [details.apiSubscriptionTokens, details.apiPaidTokens].filter(
          (v): v is number => typeof v === 'number',
        )
      : [];
    if (credits.length === 0) return { outcome: 'ok', message: 'Leonardo accepted the key.' };
    const left = credits.reduce((a, b) => a + b, 0);
    return {
      outcome: 'ok',
      message: `Leonardo accepted the key; ${left.toLocaleString('en-US')} API credits left.`,
    };
  },
};

/** Pixel size: the catalog's for the aspect ratio, or an exact size fitted to Leonardo's bounds and multiple. */
function pickSize(
  model: CatalogModel,
  aspectRatio: AdapterCall['request']['aspectRatio'],
  size: { width: number; height: number } | undefined,
  warnings: string[],
): { width: number; height: number } {
  const bounds = model.capabilities.exactSize;
  if (size && bounds) {
    const scale = Math.min(1, bounds.max / Math.max(size.width, size.height));
    const snap = (value: number) => {
      const stepped = Math.round((value * scale) / bounds.multiple) * bounds.multiple;
      const low = Math.ceil(bounds.min / bounds.multiple) * bounds.multiple;
      const high = Math.floor(bounds.max / bounds.multiple) * bounds.multiple;
      return Math.min(high, Math.max(low, stepped));
    };
    const fitted = { width: snap(size.width), height: snap(size.height) };
    if (fitted.width !== size.width || fitted.height !== size.height) {
      warnings.push(
        `${model.name} makes sides of ${bounds.min}–${bounds.max} px in steps of ${bounds.multiple}; ${size.width}×${size.height} became ${fitted.width}×${fitted.height}`,
      );
    }
    return fitted;
  }
  const { size: chosen, exact } = sizeFor(model, aspectRatio);
  const [w, h] = chosen.split('x').map(Number) as [number, number];
  if (size) {
    warnings.push(`${model.name} takes no exact size; ${size.width}×${size.height} was made as ${chosen}`);
  } else if (!exact) {
    warnings.push(`${model.name} has no ${aspectRatio} size; it made ${chosen} instead`);
  }
  return { width: w, height: h };
}

/** Clamps into the model's range and rounds to the whole numbers Leonardo takes, saying what changed. */
function fitToRange(
  value: number,
  min: number,
  max: number,
  what: string,
  model: CatalogModel,
  warnings: string[],
): number {
  const fitted = Math.round(Math.min(max, Math.max(min, value)));
  if (fitted !== value)
    warnings.push(
      `${model.name} takes ${what} ${min}–${max} in whole numbers; ${value} was sent as ${fitted}`,
    );
  return fitted;
}

/** The presigned upload: ask Leonardo for a slot, then post the bytes straight to storage (never with the key). */
async function uploadReference(
  call: AdapterCall,
  base: string,
  apiKey: string,
  reference: ReferenceImage,
): Promise<{ id: string } | Classified> {
  const extension = EXTENSION[reference.mime];
  const asked = await exchange(
    call.fetch,
    `${base}${API}/init-image`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        accept: 'application/json',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ extension }),
      signal: call.signal,
    },
    NAME,
  );
  const slot = answered(asked, classify, apiKey, call.clock);
  if (isProblem(slot)) return slot;
  const parsed = parseJson(slot.text);
  const upload = isRecord(parsed) && isRecord(parsed.uploadInitImage) ? parsed.uploadInitImage : null;
  const rawFields = upload
    ? typeof upload.fields === 'string'
      ? parseJson(upload.fields)
      : upload.fields
    : null;
  if (!upload || typeof upload.id !== 'string' || typeof upload.url !== 'string' || !isRecord(rawFields)) {
    return plain('unavailable', 'Leonardo gave no usable upload slot for the reference image', slot.status);
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(rawFields)) form.append(name, String(value));
  // Storage reads the policy fields first; the file must come last.
  form.append(
    'file',
    new Blob([Buffer.from(reference.bytes)], { type: reference.mime }),
    `reference.${extension}`,
  );
  const posted = await exchange(
    call.fetch,
    upload.url,
    { method: 'POST', body: form, signal: call.signal },
    `${NAME} storage`,
  );
  const stored = answered(posted, storageRefusal, apiKey, call.clock);
  if (isProblem(stored)) return stored;
  return { id: upload.id };
}

/** The storage bucket answers S3's XML errors. */
function storageRefusal(
  status: number,
  _headers: Headers,
  text: string,
  _nowMs: number,
  secret: string,
): Classified {
  return {
    outcome: status >= 500 ? 'unavailable' : 'invalid_request',
    httpStatus: status,
    providerCode: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? null,
    providerMessage: redact(
      clip(
        `Uploading the reference to Leonardo's storage failed: ${/<Message>([^<]+)<\/Message>/.exec(text)?.[1] ?? `HTTP ${status}`}`,
        600,
      ),
      secret,
    ),
    retryAfterMs: null,
  };
}

/** Leonardo's cancel: deleting the generation stops it. Best effort, on its own short deadline. */
async function deleteGeneration(
  call: AdapterCall,
  base: string,
  apiKey: string,
  id: string,
): Promise<string> {
  const answer = await exchange(
    call.fetch,
    `${base}${API}/generations/${encodeURIComponent(id)}`,
    {
      method: 'DELETE',
      headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
    },
    NAME,
  );
  if (answer.kind === 'response' && answer.status >= 200 && answer.status <= 299) {
    return `generation ${id} was deleted at Leonardo.`;
  }
  const why = answer.kind === 'response' ? `HTTP ${answer.status}` : answer.message;
  return `deleting generation ${id} at Leonardo failed (${redact(why, apiKey)}).`;
}

/** A FAILED job: moderation when Leonardo says so, otherwise a provider failure worth retrying elsewhere. */
function failedGeneration(
  generation: Record<string, unknown>,
  id: string,
  status: number,
  apiKey: string,
): Classified {
  const moderation = Array.isArray(generation.prompt_moderations)
    ? generation.prompt_moderations.flatMap((m) =>
        isRecord(m) && Array.isArray(m.moderationClassification)
          ? m.moderationClassification.map(String)
          : [],
      )
    : [];
  const reason = [generation.failedReason, generation.error, generation.message].find(
    (v): v is string => typeof v === 'string' && v.trim() !== '',
  );
  if (moderation.length > 0 || (reason && MODERATION_WORDING.test(reason))) {
    const why = reason ?? `moderation: ${moderation.join(', ')}`;
    return {
      outcome: 'content_blocked',
      httpStatus: status,
      providerCode: 'FAILED',
      providerMessage: redact(clip(`Leonardo stopped generation ${id} (${why})`, 600), apiKey),
      retryAfterMs: null,
    };
  }
  return {
    outcome: 'unavailable',
    httpStatus: status,
    providerCode: 'FAILED',
    providerMessage: redact(
      clip(`Leonardo reports generation ${id} FAILED${reason ? `: ${reason}` : ' without a reason'}`, 600),
      apiKey,
    ),
    retryAfterMs: null,
  };
}

/** Maps a Leonardo error answer (`{ error, path, code }` from its GraphQL layer) onto the closed set of outcomes. */
export function classify(
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
  apiKey: string,
): Classified {
  const body = parseJson(text);
  const str = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
  let said: string | null = null;
  let code: string | null = null;
  if (isRecord(body)) {
    const nested = isRecord(body.error) ? body.error : null;
    said = str(body.error) ?? str(nested?.message) ?? str(body.message) ?? str(body.detail);
    code = str(body.code) ?? str(nested?.code);
  } else {
    said = plainText(text);
  }
  const { as: result } = refusal(status, code, said, 'Leonardo', apiKey);
  const wording = said ?? '';
  if (status === 401 || code === 'access-denied' || code === 'invalid-jwt' || code === 'invalid-headers') {
    return result('auth_failed');
  }
  if (status === 402 || QUOTA_WORDING.test(wording)) return result('quota_exhausted');
  if (status === 429) return result('rate_limited', retryAfterMs(headers, nowMs));
  if ((status === 400 || status === 403) && MODERATION_WORDING.test(wording))
    return result('content_blocked');
  if (status === 403) return result('auth_failed');
  if (status === 408 || status === 504) return result('timeout', retryAfterMs(headers, nowMs));
  if (status >= 500) return result('unavailable', retryAfterMs(headers, nowMs));
  return result('invalid_request');
}

/** Accepts the SDK's base URL (`https://cloud.leonardo.ai/api/rest/v1`) as well as the bare origin. */
function apiBase(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/api\/rest\/v1$/, '');
}
