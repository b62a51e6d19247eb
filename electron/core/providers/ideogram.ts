/**
 * Ideogram 3.0: `POST /v1/ideogram-v3/generate` (or `/remix` with a reference image) as multipart/form-data with
 * the `Api-Key` header; answers `{ created, data: [{ url, seed, is_image_safe, prompt, resolution }] }`.
 * The URLs are ephemeral, so the images are fetched at once. Magic Prompt is off unless the user turns it on.
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
  refusal,
} from './attempt';
import { type CatalogModel, pricePerImage } from './catalog';
import { clip, exchange, isRecord, parseJson, plainText, retryAfterMs } from './http';
import {
  cappedCount,
  catalogSize,
  describeImage,
  extensionFor,
  foldNegativePrompt,
  negativePromptWarning,
  referenceNotTakenWarning,
  roundUsd,
  samplingIgnored,
} from './image-params';
import { documentedOptions } from './options';
import { fetchSignedLinks, safetyFlag } from './outputs';
import type { AttemptResult, KeyCheck, ProviderAdapter, ReferenceImage } from './types';

const NAME = 'Ideogram';
export const MAGIC_PROMPT_WARNING =
  'Magic Prompt is on: Ideogram rewrites the prompt before generating, so the prompt it used is not the one written';
const IMAGE_WEIGHT = { min: 1, max: 100 } as const;

/** The pixel sizes Ideogram 3.0 takes as `resolution` (its ResolutionV3 list). */
export const RESOLUTIONS: readonly string[] = [
  '512x1536 576x1408 576x1472 576x1536 640x1344 640x1408 640x1472 640x1536 704x1152 704x1216 704x1280 ',
  '704x1344 704x1408 704x1472 736x1312 768x1088 768x1216 768x1280 768x1344 800x1280 832x960 832x1024 ',
  '832x1088 832x1152 832x1216 832x1248 864x1152 896x960 896x1024 896x1088 896x1120 896x1152 960x832 ',
  '960x896 960x1024 960x1088 1024x832 1024x896 1024x960 1024x1024 1088x768 1088x832 1088x896 1088x960 ',
  '1120x896 1152x704 1152x832 1152x864 1152x896 1216x704 1216x768 1216x832 1248x832 1280x704 1280x768 ',
  '1280x800 1312x736 1344x640 1344x704 1344x768 1408x576 1408x640 1408x704 1472x576 1472x640 1472x704 ',
  '1536x512 1536x576 1536x640',
]
  .join('')
  .split(' ');

/** Parts sent as files; options may not replace them with text. */
const FILE_FIELDS = new Set([
  'image',
  'mask',
  'style_reference_images',
  'character_reference_images',
  'character_reference_images_mask',
]);

const CREDIT_WORDING = /credit|balance|payment|billing|top.?up/i;

export const ideogramAdapter: ProviderAdapter = {
  id: 'ideogram',

  async generate(call): Promise<AttemptResult> {
    const { request, model, signal } = call;
    const apiKey = call.apiKey ?? '';
    const warnings: string[] = [];

    const fields: Record<string, unknown> = { prompt: request.prompt };
    const negative = request.negativePrompt.trim();
    if (negative !== '' && model.capabilities.negativePrompt) fields.negative_prompt = negative;
    else fields.prompt = foldNegativePrompt(request, negativePromptWarning(model.name), warnings);
    Object.assign(fields, pickShape(model, request.aspectRatio, request.size, warnings));
    fields.rendering_speed = model.qualityTiers[request.quality];
    // Off by default: designers' prompts are structured on purpose and must reach the model as written.
    fields.magic_prompt = 'OFF';
    const n = cappedCount(model, request.count, warnings);
    fields.num_images = n;
    // Sent as given: the dispatcher keeps seeds inside the catalog's range, and a changed seed is another image.
    const seed = request.seed;
    fields.seed = seed;
    samplingIgnored(model, request, warnings);

    const reference = model.capabilities.imageInput ? call.reference : null;
    if (reference) {
      const wanted = Math.round((1 - reference.strength) * 100);
      const weight = Math.min(IMAGE_WEIGHT.max, Math.max(IMAGE_WEIGHT.min, wanted));
      if (weight !== wanted) {
        warnings.push(
          `Ideogram takes image_weight 1–100; reference strength ${reference.strength} was sent as ${weight}`,
        );
      }
      fields.image_weight = weight;
    } else if (request.reference) {
      warnings.push(referenceNotTakenWarning(model.name));
    }

    const options = documentedOptions(
      call.options,
      {
        documented: null,
        refused: (field) =>
          FILE_FIELDS.has(field)
            ? `Ideogram option "${field}" is a file upload and cannot be passed as an option; it was not sent`
            : null,
      },
      warnings,
    );
    Object.assign(fields, options);
    if (fields.magic_prompt !== 'OFF') warnings.push(MAGIC_PROMPT_WARNING);

    const requestSent: Record<string, unknown> = reference
      ? { ...fields, image: describeImage(reference) }
      : { ...fields };
    const sent = { requestSent, warnings };
    const form = toForm(fields, reference);
    const route = reference ? 'remix' : 'generate';

    call.onProgress({ fraction: null, message: 'Waiting for Ideogram' });
    const exchanged = await exchange(
      call.fetch,
      `${call.endpoint.replace(/\/+$/, '')}/v1/ideogram-v3/${route}`,
      { method: 'POST', headers: { 'Api-Key': apiKey, accept: 'application/json' }, body: form, signal },
      NAME,
    );
    const answer = answered(exchanged, classify, apiKey, call.clock);
    if (isProblem(answer)) return { ...sent, ...answer };

    const parsed = parseJson(answer.text);
    if (!isRecord(parsed)) {
      return failure(sent, 'no_image', answer.status, null, 'Ideogram returned a response that is not JSON');
    }
    const items = Array.isArray(parsed.data) ? parsed.data.filter(isRecord) : [];
    const usable = items.filter(
      (item) => item.is_image_safe !== false && typeof item.url === 'string' && item.url !== '',
    );
    const unsafe = items.filter((item) => item.is_image_safe === false).length;
    if (usable.length === 0) {
      if (unsafe > 0) {
        return failure(
          sent,
          'content_blocked',
          answer.status,
          'is_image_safe',
          `Ideogram's safety check withheld ${unsafe === 1 ? 'the image' : `all ${unsafe} images`}`,
        );
      }
      const why = items.length === 0 ? 'no data[] entries' : 'no image URL in data[]';
      return failure(sent, 'no_image', answer.status, null, `Ideogram answered successfully but sent ${why}`);
    }
    if (unsafe > 0) warnings.push(`Ideogram's safety check withheld ${unsafe} of ${items.length} images`);

    call.onProgress({ fraction: null, message: 'Fetching the images from Ideogram' });
    // The links are ephemeral and signed: fetch them now, without the key.
    const fetched = await fetchSignedLinks(
      call,
      usable.map((item) => String(item.url)),
      NAME,
      usable.map((item) => safetyFlag('is_image_safe', item.is_image_safe)),
    );
    if (fetched.kind === 'cancelled')
      return failure(sent, 'cancelled', null, null, 'Cancelled while fetching the images from Ideogram.');
    if (fetched.kind === 'none') return failure(sent, fetched.outcome, answer.status, null, fetched.message);
    const { images } = fetched;
    if (fetched.warning) warnings.push(fetched.warning);
    if (images.length < n) warnings.push(`Asked Ideogram for ${n} images and received ${images.length}`);

    const first = usable[0]!;
    const usedPrompt = typeof first.prompt === 'string' ? first.prompt : null;
    const speed = typeof fields.rendering_speed === 'string' ? fields.rendering_speed : '';
    const price = pricePerImage(model, String(fields.aspect_ratio ?? fields.resolution ?? ''), speed);
    return {
      outcome: 'ok',
      requestSent,
      httpStatus: answer.status,
      warnings,
      images,
      seedUsed: typeof first.seed === 'number' ? first.seed : seed,
      costUsd: price === null ? null : roundUsd(price * images.length),
      providerMessage:
        usedPrompt !== null && usedPrompt !== fields.prompt
          ? clip(`Ideogram used the prompt: ${usedPrompt}`, 1000)
          : null,
    };
  },

  async testKey(call): Promise<KeyCheck> {
    const apiKey = call.apiKey ?? '';
    // Ideogram has no account endpoint: a generate call without a prompt is checked for the key, then refused, free.
    const answer = await askWithKey(
      call,
      {
        url: `${call.endpoint.replace(/\/+$/, '')}/v1/ideogram-v3/generate`,
        method: 'POST',
        headers: { 'Api-Key': apiKey, accept: 'application/json' },
        body: new FormData(),
      },
      NAME,
      apiKey,
      classify,
      (status) => status === 400 || status === 422 || is2xx(status),
    );
    if (isKeyCheck(answer)) return answer;
    return { outcome: 'ok', message: 'Ideogram accepted the key (checked without generating an image).' };
  },
};

/** `aspect_ratio` for the request's ratio, or the nearest listed `resolution` for an exact size. */
function pickShape(
  model: CatalogModel,
  aspectRatio: AspectRatio,
  size: { width: number; height: number } | undefined,
  warnings: string[],
): { aspect_ratio: string } | { resolution: string } {
  if (size) {
    const ratio = size.width / size.height;
    const area = size.width * size.height;
    let best: { resolution: string; score: number } | null = null;
    for (const resolution of RESOLUTIONS) {
      const [w, h] = resolution.split('x').map(Number) as [number, number];
      // Shape matters more than pixel count.
      const score = Math.abs(Math.log(w / h / ratio)) + 0.1 * Math.abs(Math.log((w * h) / area));
      if (!best || score < best.score) best = { resolution, score };
    }
    const chosen = best!.resolution;
    if (chosen !== `${size.width}x${size.height}`) {
      warnings.push(
        `${model.name} has no ${size.width}×${size.height} size; it made the nearest listed one, ${chosen.replace('x', '×')}`,
      );
    }
    return { resolution: chosen };
  }
  return { aspect_ratio: catalogSize(model, aspectRatio, 'aspect ratio', warnings) };
}

/** Multipart fields: lists repeat the field, objects travel as JSON, the reference as a file part. */
function toForm(fields: Record<string, unknown>, reference: ReferenceImage | null): FormData {
  const form = new FormData();
  const put = (name: string, value: unknown) => {
    if (value === undefined || value === null) return;
    form.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  };
  for (const [name, value] of Object.entries(fields)) {
    if (Array.isArray(value)) for (const item of value) put(name, item);
    else put(name, value);
  }
  if (reference) {
    form.append(
      'image',
      new Blob([Buffer.from(reference.bytes)], { type: reference.mime }),
      `reference.${extensionFor(reference.mime)}`,
    );
  }
  return form;
}

/**
 * Maps an Ideogram error answer onto the closed set of outcomes. A 422 with `{ error }` is the documented
 * safety refusal; a 422 with a `detail` list is request validation.
 */
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
  let validation = false;
  if (isRecord(body)) {
    const detail = body.detail;
    const listed = Array.isArray(detail)
      ? detail.flatMap((d) => {
          if (!isRecord(d) || typeof d.msg !== 'string') return [];
          const where = Array.isArray(d.loc) ? d.loc.filter((p) => p !== 'body').join('.') : '';
          return [where ? `${where}: ${d.msg}` : d.msg];
        })
      : [];
    validation = listed.length > 0;
    said = str(body.error) ?? (validation ? listed.join('; ') : str(detail)) ?? str(body.message);
  } else {
    said = plainText(text);
  }
  const { as: result } = refusal(
    status,
    status === 422 && !validation ? 'safety_check' : null,
    said,
    'Ideogram',
    apiKey,
  );
  if (status === 401 || status === 403) return result('auth_failed');
  if (status === 402 || (status === 400 && CREDIT_WORDING.test(said ?? ''))) return result('quota_exhausted');
  if (status === 429) return result('rate_limited', retryAfterMs(headers, nowMs));
  if (status === 422) return validation ? result('invalid_request') : result('content_blocked');
  if (status === 408 || status === 504) return result('timeout', retryAfterMs(headers, nowMs));
  if (status >= 500) return result('unavailable', retryAfterMs(headers, nowMs));
  return result('invalid_request');
}
