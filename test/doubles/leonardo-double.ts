/**
 * A protocol double of Leonardo.Ai's REST API (v1) for tests: create a generation, poll it, delete it,
 * the presigned init-image upload (with a stand-in for the storage bucket), the CDN that serves outputs,
 * and `/me`. It checks requests as Leonardo's GraphQL-backed layer does (unknown fields, 32-bit Ints, ranges)
 * and answers with its `{ error, path, code }` shape. The scenario is set by the test; the key never chooses one.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type Answer,
  contentType,
  doubleFace,
  fitWithin,
  ImageHost,
  type Incoming,
  isObject,
  jsonOf,
  type RecordedBase,
  Rejection,
  readForm,
  scenarioState,
  stampedImage,
  startDoubleServer,
} from './kit';

export const SCENARIOS = [
  'success',
  'invalid_api_key',
  'rate_limited',
  'not_enough_tokens',
  'moderation_blocked',
  'server_error',
  'malformed_json',
  /** The job ends FAILED without a reason. */
  'generation_failed',
  /** The job ends FAILED with a prompt moderation classification. */
  'generation_moderated',
  /** COMPLETE, but the CDN links have already expired. */
  'expired_urls',
  /** COMPLETE, with the first image flagged nsfw. */
  'nsfw',
  /** The job stays PENDING for ever. */
  'never_finishes',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Parsed JSON, the multipart field names for uploads, or the raw text; the Authorization value is never kept. */
export interface RecordedRequest extends RecordedBase {
  authorization: boolean;
}

export interface LeonardoDoubleOptions {
  scenario?: Scenario;
  /** How many polls answer PENDING before the job settles (default 2). */
  pendingPolls?: number;
  /** Largest side of the images made; the requested size when unset. */
  maxImageSide?: number;
}

export interface GenerationRecord {
  id: string;
  status: 'PENDING' | 'COMPLETE' | 'FAILED';
  deleted: boolean;
  request: Record<string, unknown>;
}

export interface LeonardoDouble {
  url: string;
  readonly scenario: Scenario;
  setScenario(scenario: Scenario): void;
  /** Plays `scenario` for the next generation request only (queued: each call covers one more request). */
  failNext(scenario: Scenario): void;
  requests: RecordedRequest[];
  generations: Map<string, GenerationRecord>;
  close(): Promise<void>;
}

export const MODELS = {
  phoenix: 'de7d3faf-762f-48e0-b3b7-9d0ac3a3fcf3',
  lucidOrigin: '7b592283-e8a7-4c5a-9ba6-d18c31f258b9',
  kinoXl: 'aa77f04e-3eec-4034-9c07-d0f619684628',
} as const;
/** Models that require `contrast` and do not take `alchemy` (Lucid) or take it as Quality mode (Phoenix). */
const CONTRAST_MODELS = new Set<string>([MODELS.phoenix, MODELS.lucidOrigin]);
const CONTRASTS = [1.0, 1.3, 1.8, 2.5, 3, 3.5, 4, 4.5];

type FieldType = 'String' | 'Int' | 'Float' | 'Boolean' | 'json';
/** createGeneration's input fields and their GraphQL types. */
const FIELDS: Record<string, FieldType> = {
  prompt: 'String',
  negative_prompt: 'String',
  modelId: 'String',
  width: 'Int',
  height: 'Int',
  num_images: 'Int',
  seed: 'Int',
  num_inference_steps: 'Int',
  guidance_scale: 'Int',
  presetStyle: 'String',
  alchemy: 'Boolean',
  photoReal: 'Boolean',
  photoRealVersion: 'String',
  photoRealStrength: 'Float',
  promptMagic: 'Boolean',
  promptMagicVersion: 'String',
  promptMagicStrength: 'Float',
  highContrast: 'Boolean',
  highResolution: 'Boolean',
  expandedDomain: 'Boolean',
  contrast: 'Float',
  styleUUID: 'String',
  enhancePrompt: 'Boolean',
  enhancePromptInstruction: 'String',
  ultra: 'Boolean',
  init_image_id: 'String',
  init_generation_image_id: 'String',
  init_strength: 'Float',
  scheduler: 'String',
  sd_version: 'String',
  tiling: 'Boolean',
  transparency: 'String',
  public: 'Boolean',
  elements: 'json',
  userElements: 'json',
  controlnets: 'json',
  imagePrompts: 'json',
  imagePromptWeight: 'Float',
  weighting: 'Float',
};
const PRESET_STYLES = [
  'ANIME',
  'BOKEH',
  'CINEMATIC',
  'CINEMATIC_CLOSEUP',
  'CREATIVE',
  'DYNAMIC',
  'ENVIRONMENT',
  'FASHION',
  'FILM',
  'FOOD',
  'GENERAL',
  'HDR',
  'ILLUSTRATION',
  'LEONARDO',
  'LONG_EXPOSURE',
  'MACRO',
  'MINIMALISTIC',
  'MONOCHROME',
  'MOODY',
  'NONE',
  'NEUTRAL',
  'PHOTOGRAPHY',
  'PORTRAIT',
  'RAYTRACED',
  'RENDER_3D',
  'RETRO',
  'SKETCH_BW',
  'SKETCH_COLOR',
  'STOCK_PHOTO',
  'VIBRANT',
  'UNPROCESSED',
];
const EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp'];

function leoError(status: number, error: string, code = 'unexpected', path = '$'): Answer {
  return { status, body: JSON.stringify({ error, path, code }) };
}

function reject(error: string, code = 'unexpected', path = '$'): never {
  throw new Rejection(leoError(400, error, code, path));
}

function json(body: unknown): Answer {
  return { status: 200, body: JSON.stringify(body) };
}

function s3Error(status: number, code: string, message: string): Answer {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>DOUBLE</RequestId></Error>`,
    headers: { 'content-type': 'application/xml' },
  };
}

interface Job extends GenerationRecord {
  pollsLeft: number;
  width: number;
  height: number;
  count: number;
  seed: number;
  images: Array<{ id: string; url: string; nsfw: boolean }>;
  failure: 'plain' | 'moderated' | null;
  nsfw: boolean;
  createdAt: string;
}

export async function startLeonardoDouble(opts: LeonardoDoubleOptions = {}): Promise<LeonardoDouble> {
  const scenario = scenarioState<Scenario>(opts.scenario ?? 'success');
  const pendingPolls = opts.pendingPolls ?? 2;
  const jobs = new Map<string, Job>();
  const uploads = new Map<string, { fields: Record<string, string>; done: boolean }>();
  const cdn = new ImageHost({
    missing: s3Error(404, 'NoSuchKey', 'The specified key does not exist.'),
    expired: s3Error(403, 'AccessDenied', 'Request has expired'),
  });
  let imageCounter = 0;
  /** Scenarios queued by `failNext`, each played by one generation request. */
  const once: Scenario[] = [];
  const server = await startDoubleServer<RecordedRequest>({
    secretHeaders: ['authorization'],
    describe: ({ req }) => ({ authorization: req.headers.authorization !== undefined }),
    answer: handle,
    crashed: (error) => leoError(500, `leonardo-double crashed: ${String(error)}`),
    headers: () => ({ 'content-type': 'application/json' }),
  });

  async function handle(incoming: Incoming): Promise<Answer> {
    const { req, path } = incoming;
    if (path.startsWith('/storage/')) {
      const form = await readForm(incoming);
      if (form) incoming.recorded = [...form.keys()];
      return storageUpload(req, path, form);
    }
    if (path.startsWith('/cdn/')) {
      incoming.recorded = '';
      return cdn.serve(incoming.method, path, scenario.current === 'expired_urls');
    }
    return api(req, path, incoming.text);
  }

  async function api(req: IncomingMessage, path: string, raw: string): Promise<Answer> {
    const method = req.method ?? '';
    const one = /^\/api\/rest\/v1\/generations\/([^/]+)$/.exec(path);
    const known =
      (method === 'POST' && path === '/api/rest/v1/generations') ||
      (method === 'POST' && path === '/api/rest/v1/init-image') ||
      (method === 'GET' && path === '/api/rest/v1/me') ||
      ((method === 'GET' || method === 'DELETE') && one);
    if (!known) return leoError(404, 'resource does not exist', 'not-found');
    checkAuthorization(req.headers.authorization);
    if (scenario.current === 'invalid_api_key')
      throw new Rejection(leoError(401, 'Invalid API key', 'access-denied'));

    if (method === 'GET' && path === '/api/rest/v1/me') return me();
    if (one && method === 'GET') return poll(decodeURIComponent(one[1]!));
    if (one && method === 'DELETE') return remove(decodeURIComponent(one[1]!));

    const body = readJson(req, raw);
    if (path === '/api/rest/v1/init-image') return initImage(body);
    return create(body);
  }

  function readJson(req: IncomingMessage, raw: string): Record<string, unknown> {
    if (contentType(req) !== 'application/json')
      reject('Content-Type must be application/json', 'invalid-headers');
    const body = (jsonOf(raw) ?? reject('invalid json', 'invalid-json')).value;
    if (!isObject(body)) reject("expected an object for type 'SDGenerationInput'", 'validation-failed');
    return body;
  }

  function create(body: Record<string, unknown>): Answer {
    const request = validateGeneration(body, uploads);
    const current = once.shift() ?? scenario.current;
    switch (current) {
      case 'rate_limited':
        return leoError(429, 'Too many requests, please slow down.', 'rate-limit-exceeded');
      case 'not_enough_tokens':
        return leoError(400, 'not enough api tokens userId: 0f5e4a1c-double-user');
      case 'moderation_blocked':
        return leoError(
          400,
          'Your prompt was flagged by our content moderation filter and cannot be generated.',
        );
      case 'server_error':
        return leoError(500, 'Internal server error');
      case 'malformed_json':
        return { status: 200, body: '{"sdGenerationJob": {"generationId": "' };
      default:
        break;
    }
    const id = randomUUID();
    const job: Job = {
      id,
      status: 'PENDING',
      deleted: false,
      request: body,
      pollsLeft: current === 'never_finishes' ? Number.POSITIVE_INFINITY : pendingPolls,
      width: request.width,
      height: request.height,
      count: request.count,
      seed: request.seed ?? Math.floor(Math.random() * 2_147_483_647),
      images: [],
      failure:
        current === 'generation_failed' ? 'plain' : current === 'generation_moderated' ? 'moderated' : null,
      nsfw: current === 'nsfw',
      createdAt: new Date().toISOString(),
    };
    jobs.set(id, job);
    const credits = request.count * (body.alchemy === true || body.ultra === true ? 16 : 8);
    return json({ sdGenerationJob: { generationId: id, apiCreditCost: credits } });
  }

  async function poll(id: string): Promise<Answer> {
    const job = jobs.get(id);
    if (!job || job.deleted) return json({ generations_by_pk: null });
    if (job.status === 'PENDING') {
      if (job.pollsLeft > 0) {
        job.pollsLeft -= 1;
      } else if (job.failure) {
        job.status = 'FAILED';
      } else {
        for (let i = 0; i < job.count; i += 1) {
          const file = `/cdn/users/0f5e4a1c/generations/${id}/Leonardo_Phoenix_${i}.png`;
          cdn.put(file, await makeImage(job.width, job.height));
          job.images.push({ id: randomUUID(), url: `${server.url}${file}`, nsfw: job.nsfw && i === 0 });
        }
        job.status = 'COMPLETE';
      }
    }
    const r = job.request;
    return json({
      generations_by_pk: {
        generated_images: job.images.map((image) => ({
          url: image.url,
          nsfw: image.nsfw,
          id: image.id,
          likeCount: 0,
          motionMP4URL: null,
          generated_image_variation_generics: [],
        })),
        modelId: r.modelId ?? null,
        motion: null,
        motionModel: null,
        motionStrength: null,
        prompt: r.prompt,
        negativePrompt: r.negative_prompt ?? '',
        imageHeight: job.height,
        imageToVideo: null,
        imageWidth: job.width,
        inferenceSteps: r.num_inference_steps ?? 15,
        seed: job.seed,
        ultra: r.ultra ?? false,
        public: r.public ?? false,
        scheduler: r.scheduler ?? 'EULER_DISCRETE',
        sdVersion: 'PHOENIX',
        status: job.status,
        presetStyle: r.presetStyle ?? null,
        initStrength: r.init_strength ?? null,
        guidanceScale: r.guidance_scale ?? 7,
        id,
        createdAt: job.createdAt,
        promptMagic: false,
        promptMagicVersion: null,
        promptMagicStrength: null,
        photoReal: r.photoReal ?? false,
        photoRealStrength: null,
        fantasyAvatar: null,
        prompt_moderations: [{ moderationClassification: job.failure === 'moderated' ? ['nsfw'] : [] }],
        generation_elements: [],
      },
    });
  }

  function remove(id: string): Answer {
    const job = jobs.get(id);
    if (!job || job.deleted) return json({ delete_generations_by_pk: null });
    job.deleted = true;
    return json({ delete_generations_by_pk: { id } });
  }

  function initImage(body: Record<string, unknown>): Answer {
    for (const name of Object.keys(body)) {
      if (name !== 'extension') {
        reject(
          `field '${name}' not found in type: 'InitImageInput'`,
          'validation-failed',
          `$.selectionSet.uploadInitImage.args.arg1.${name}`,
        );
      }
    }
    const extension = body.extension;
    if (typeof extension !== 'string' || !EXTENSIONS.includes(extension)) {
      reject(`Invalid extension: ${String(extension)}. Supported: ${EXTENSIONS.join(', ')}`);
    }
    const id = randomUUID();
    const key = `user-uploads/0f5e4a1c/initImages/${id}.${extension}`;
    const fields = {
      'Content-Type': `image/${extension === 'jpg' ? 'jpeg' : extension}`,
      bucket: 'leonardo-double-uploads',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'DOUBLEKEY/20260101/us-west-2/s3/aws4_request',
      'X-Amz-Date': '20260101T000000Z',
      key,
      Policy: Buffer.from(JSON.stringify({ key, id })).toString('base64'),
      'X-Amz-Signature': randomUUID().replace(/-/g, ''),
    };
    uploads.set(id, { fields, done: false });
    return json({
      uploadInitImage: {
        id,
        fields: JSON.stringify(fields),
        key,
        url: `${server.url}/storage/leonardo-double-uploads`,
      },
    });
  }

  async function storageUpload(req: IncomingMessage, path: string, form: FormData | null): Promise<Answer> {
    if (req.method !== 'POST' || path !== '/storage/leonardo-double-uploads') {
      return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    if (req.headers.authorization !== undefined) {
      return s3Error(400, 'InvalidArgument', 'Unsupported Authorization Type');
    }
    if (!form)
      return s3Error(
        412,
        'PreconditionFailed',
        'Bucket POST must be of the enclosure-type multipart/form-data',
      );
    const names = [...form.keys()];
    if (names.at(-1) !== 'file') {
      return s3Error(400, 'InvalidArgument', 'Bucket POST must contain a file field as the last field');
    }
    const key = form.get('key');
    const slot = [...uploads.values()].find((u) => u.fields.key === key);
    if (!slot)
      return s3Error(
        403,
        'AccessDenied',
        'Invalid according to Policy: Policy Condition failed: ["eq", "$key"]',
      );
    for (const [name, value] of Object.entries(slot.fields)) {
      if (form.get(name) !== value) {
        return s3Error(
          403,
          'AccessDenied',
          `Invalid according to Policy: Policy Condition failed: ["eq", "$${name}"]`,
        );
      }
    }
    const file = form.get('file');
    if (!(file instanceof Blob) || file.size === 0)
      return s3Error(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
    slot.done = true;
    return { status: 204, body: '' };
  }

  function me(): Answer {
    return json({
      user_details: [
        {
          user: { id: '0f5e4a1c-double-user', username: 'atelier-double' },
          tokenRenewalDate: null,
          paidTokens: 0,
          subscriptionTokens: 0,
          subscriptionGptTokens: 0,
          subscriptionModelTokens: 0,
          apiConcurrencySlots: 10,
          apiPaidTokens: 1200,
          apiSubscriptionTokens: 3500,
          apiPlanTokenRenewalDate: '2026-12-01T00:00:00.000Z',
        },
      ],
    });
  }

  function makeImage(w: number, h: number): Promise<Buffer> {
    const { width, height } = fitWithin(w, h, opts.maxImageSide);
    imageCounter += 1;
    return stampedImage(width, height, imageCounter);
  }

  return doubleFace(server, scenario, {
    generations: jobs,
    failNext: (next: Scenario) => void once.push(next),
  });
}

/** Leonardo API keys are UUIDs sent as Bearer tokens. */
function checkAuthorization(header: string | undefined): void {
  if (!header || !/^Bearer\s+\S/.test(header)) {
    throw new Rejection(leoError(401, 'Malformed Authorization header', 'invalid-headers'));
  }
  const key = header.replace(/^Bearer\s+/, '').trim();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key)) {
    throw new Rejection(leoError(401, 'Invalid API key', 'access-denied'));
  }
}

const INT32_MAX = 2_147_483_647;

function validateGeneration(
  body: Record<string, unknown>,
  uploads: Map<string, { done: boolean }>,
): { width: number; height: number; count: number; seed: number | null } {
  const at = (name: string) => `$.selectionSet.sdGenerationJob.args.arg1.${name}`;
  for (const [name, value] of Object.entries(body)) {
    const type = FIELDS[name];
    if (!type)
      reject(`field '${name}' not found in type: 'SDGenerationInput'`, 'validation-failed', at(name));
    if (value === null || type === 'json') continue;
    const bad = (what: string) =>
      reject(
        `expected ${what} for type '${type}', but found ${JSON.stringify(value)}`,
        'validation-failed',
        at(name),
      );
    if (type === 'String' && typeof value !== 'string') bad('a string');
    if (type === 'Boolean' && typeof value !== 'boolean') bad('a boolean');
    if (type === 'Float' && typeof value !== 'number') bad('a float');
    if (type === 'Int') {
      if (typeof value !== 'number' || !Number.isInteger(value)) bad('an integer');
      if (Math.abs(value as number) > INT32_MAX) {
        reject(
          `expected a 32-bit integer for type 'Int', but found ${String(value)}`,
          'validation-failed',
          at(name),
        );
      }
    }
  }
  if (typeof body.prompt !== 'string')
    reject("missing required field 'prompt'", 'validation-failed', at('prompt'));
  if (body.prompt.trim() === '') reject('prompt must not be empty');
  const modelId = body.modelId;
  if (
    modelId !== undefined &&
    !Object.values(MODELS).includes(modelId as (typeof MODELS)[keyof typeof MODELS])
  ) {
    reject(`Model not found: ${String(modelId)}`);
  }
  const width = (body.width as number | undefined) ?? 1024;
  const height = (body.height as number | undefined) ?? 1024;
  for (const [name, side] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (side < 32 || side > 1536 || side % 8 !== 0) {
      reject(`${name} must be between 32 and 1536 and a multiple of 8; got ${side}`);
    }
  }
  const count = (body.num_images as number | undefined) ?? 4;
  const maxCount = Math.max(width, height) > 768 ? 4 : 8;
  if (count < 1 || count > maxCount) {
    reject(`num_images must be between 1 and ${maxCount} for a ${width}x${height} generation; got ${count}`);
  }
  const seed = body.seed as number | undefined;
  if (seed !== undefined && seed < 0) reject(`seed must be 0 or more; got ${seed}`);
  const steps = body.num_inference_steps as number | undefined;
  if (steps !== undefined && (steps < 10 || steps > 60))
    reject(`num_inference_steps must be between 10 and 60; got ${steps}`);
  const guidance = body.guidance_scale as number | undefined;
  if (guidance !== undefined && (guidance < 1 || guidance > 20))
    reject(`guidance_scale must be between 1 and 20; got ${guidance}`);
  if (body.presetStyle !== undefined && !PRESET_STYLES.includes(body.presetStyle as string)) {
    reject(`Invalid presetStyle: ${String(body.presetStyle)}`);
  }
  if (typeof modelId === 'string' && CONTRAST_MODELS.has(modelId)) {
    if (body.contrast === undefined) reject('contrast is required for this model');
    if (!CONTRASTS.includes(body.contrast as number)) reject(`Invalid contrast: ${String(body.contrast)}`);
    if (modelId === MODELS.lucidOrigin && body.alchemy === true)
      reject('alchemy is not supported for this model');
    if (body.init_image_id !== undefined) reject('init_image_id is not supported for this model');
  }
  const strength = body.init_strength as number | undefined;
  if (strength !== undefined) {
    if (body.init_image_id === undefined) reject('init_strength requires init_image_id');
    if (strength < 0.1 || strength > 0.9)
      reject(`init_strength must be between 0.1 and 0.9; got ${strength}`);
  }
  if (body.init_image_id !== undefined && !uploads.get(body.init_image_id as string)?.done) {
    reject(`Init image ${String(body.init_image_id)} not found or not uploaded yet`);
  }
  return { width, height, count, seed: seed ?? null };
}
