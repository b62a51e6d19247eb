/**
 * A protocol double of Stability AI's Stable Image v2beta generate endpoints for tests (product code never imports it).
 * It parses the multipart body the way the real API does, checks every field against the documented ranges and
 * answers malformed requests with Stability's own `{ id, name, errors }` shape, so a test passes only when the
 * adapter speaks the documented protocol. The scenario is set by the test; the key sent never chooses an outcome.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import {
  type Answer,
  doubleFace,
  fitWithin,
  formRecord,
  type Incoming,
  type RecordedBase,
  Rejection,
  readForm,
  stampedImage,
  startDoubleServer,
} from './kit';

export const SCENARIOS = [
  'success',
  'json_answer',
  'invalid_api_key',
  'payment_required',
  'content_moderation',
  'content_filtered',
  'rate_limited',
  'request_too_large',
  'unprocessable',
  'server_error',
  'slow',
  'not_an_image',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** A multipart file part as recorded: its declared type, name and size, never its bytes. */
export interface RecordedFile {
  file: { type: string; name: string; bytes: number };
}

export interface RecordedRequest extends RecordedBase {
  /** Whether an Authorization header was sent; its value is never kept. */
  authorization: boolean;
  /** Multipart fields (files summarised), or the raw text for anything else. */
  body: Record<string, string | RecordedFile> | string;
}

export interface StabilityDoubleOptions {
  scenario?: Scenario;
  /** How long 'slow' holds the answer (ms). */
  slowMs?: number;
  /** Largest side of the PNGs it returns; about 1 MP at the requested ratio when unset. */
  maxImageSide?: number;
}

export interface StabilityDouble {
  url: string;
  readonly scenario: Scenario;
  /** One scenario for every request, or a list used one per generate request (the last one then sticks). */
  setScenario(scenario: Scenario | Scenario[]): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const RATIOS = ['16:9', '1:1', '21:9', '2:3', '3:2', '4:5', '5:4', '9:16', '9:21'];
const FORMATS = ['png', 'jpeg', 'webp'];
const SD3_MODELS = ['sd3.5-large', 'sd3.5-large-turbo', 'sd3.5-medium', 'sd3.5-flash'];
const STYLE_PRESETS = [
  '3d-model',
  'analog-film',
  'anime',
  'cinematic',
  'comic-book',
  'digital-art',
  'enhance',
  'fantasy-art',
  'isometric',
  'line-art',
  'low-poly',
  'modeling-compound',
  'neon-punk',
  'origami',
  'photographic',
  'pixel-art',
  'tile-texture',
];
const FIELDS: Record<string, readonly string[]> = {
  ultra: ['prompt', 'negative_prompt', 'aspect_ratio', 'seed', 'output_format', 'image', 'strength'],
  core: ['prompt', 'negative_prompt', 'aspect_ratio', 'seed', 'output_format', 'style_preset'],
  sd3: [
    'prompt',
    'negative_prompt',
    'aspect_ratio',
    'seed',
    'output_format',
    'model',
    'mode',
    'image',
    'strength',
    'cfg_scale',
  ],
};
const MAX_SEED = 4_294_967_294;
const MAX_BODY = 10 * 1024 * 1024;

function apiError(status: number, name: string, errors: string[], headers?: Record<string, string>): Answer {
  return {
    status,
    body: JSON.stringify({ id: randomBytes(16).toString('hex'), name, errors }),
    headers: { 'content-type': 'application/json', ...headers },
  };
}

function reject(message: string): never {
  throw new Rejection(apiError(400, 'bad_request', [message]));
}

export async function startStabilityDouble(opts: StabilityDoubleOptions = {}): Promise<StabilityDouble> {
  let queue: Scenario[] = [opts.scenario ?? 'success'];
  const slowMs = opts.slowMs ?? 10_000;
  let counter = 0;
  const server = await startDoubleServer<RecordedRequest>({
    secretHeaders: ['authorization'],
    describe: ({ req }) => ({ authorization: req.headers.authorization !== undefined }),
    answer: handle,
    crashed: (error) =>
      apiError(500, 'internal_error', [
        `stability-double crashed: ${error instanceof Error ? error.message : String(error)}`,
      ]),
    headers: () => ({ 'x-request-id': randomBytes(8).toString('hex') }),
  });

  async function handle(incoming: Incoming): Promise<Answer> {
    incoming.recorded = incoming.text;
    const form = await readForm(incoming);
    if (!form && /^multipart\/form-data/i.test(incoming.req.headers['content-type'] ?? '')) {
      reject('body: could not parse the multipart/form-data body');
    }
    if (form) {
      incoming.recorded = formRecord(form, (file) => ({
        file: { type: file.type, name: file.name, bytes: file.size },
      }));
    }
    return answerFor(incoming, form);
  }

  function nextScenario(): Scenario {
    const current = queue[0]!;
    if (queue.length > 1) queue = queue.slice(1);
    return current;
  }

  async function answerFor(incoming: Incoming, form: FormData | null): Promise<Answer> {
    const { req, res, path, method, bytes: raw } = incoming;
    if (method === 'GET' && path === '/v1/user/balance') {
      checkAuthorization(req.headers.authorization);
      if (queue[0] === 'invalid_api_key') return invalidKey();
      return {
        status: 200,
        body: JSON.stringify({ credits: 42.5 }),
        headers: { 'content-type': 'application/json' },
      };
    }
    const match = /^\/v2beta\/stable-image\/generate\/(ultra|core|sd3)$/.exec(path);
    if (!match || method !== 'POST') {
      return apiError(404, 'not_found', [`${method} ${path} is not a known route`]);
    }
    const route = match[1]!;
    checkAuthorization(req.headers.authorization);
    const scenario = nextScenario();
    if (scenario === 'invalid_api_key') return invalidKey();
    if (raw.byteLength > MAX_BODY || scenario === 'request_too_large') {
      return apiError(413, 'payload_too_large', ['body: payloads cannot be larger than 10MiB in size']);
    }
    const accept = (req.headers.accept ?? '').trim();
    if (accept !== 'image/*' && accept !== 'application/json') {
      reject(`accept: must be one of "image/*" or "application/json", received "${accept || 'none'}"`);
    }
    if (!form) reject('content-type: must be multipart/form-data');
    const request = validate(route, form);
    if (request.image) {
      const meta = await sharp(Buffer.from(await request.image.arrayBuffer()))
        .metadata()
        .catch(() => reject('image: could not be decoded as an image'));
      request.imageShape = (meta.width ?? 1) / (meta.height ?? 1);
    }

    switch (scenario) {
      case 'payment_required':
        return apiError(402, 'payment_required', [
          'You lack sufficient credits to make this request. Please purchase more credits at https://platform.stability.ai/account/credits and try again.',
        ]);
      case 'content_moderation':
        return apiError(403, 'content_moderation', [
          'Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.',
        ]);
      case 'rate_limited':
        return apiError(429, 'rate_limit_exceeded', [
          'You have exceeded the rate limit of 150 requests within a 10 second period, and have been timed out for 60 seconds.',
        ]);
      case 'unprocessable':
        return apiError(422, 'invalid_language', [
          'English is the only supported language for this service.',
        ]);
      case 'server_error':
        return apiError(500, 'internal_error', [
          'An unexpected server error has occurred, please try again later.',
        ]);
      case 'not_an_image':
        return success(request, accept, Buffer.from('plain text where the image bytes should be'), 'SUCCESS');
      case 'content_filtered':
        return success(request, accept, await makeImage(request, true), 'CONTENT_FILTERED');
      case 'json_answer':
        return success(request, 'application/json', await makeImage(request, false), 'SUCCESS');
      case 'slow':
        await server.hold(slowMs, { res });
        if (res.destroyed) return apiError(499, 'client_closed', ['The client closed the request.']);
        return success(request, accept, await makeImage(request, false), 'SUCCESS');
      default:
        return success(request, accept, await makeImage(request, false), 'SUCCESS');
    }
  }

  function success(request: Validated, accept: string, image: Buffer, finish: string): Answer {
    const seed = request.seed === 0 ? 1 + Math.floor(Math.random() * 1_000_000) : request.seed;
    const mime = `image/${request.outputFormat}`;
    if (accept === 'application/json') {
      return {
        status: 200,
        body: JSON.stringify({ image: image.toString('base64'), finish_reason: finish, seed }),
        headers: { 'content-type': `application/json; type=${mime}` },
      };
    }
    return {
      status: 200,
      body: image,
      headers: { 'content-type': mime, 'finish-reason': finish, seed: String(seed) },
    };
  }

  /** About one megapixel at the requested ratio (or the reference's shape), scaled down by `maxImageSide`. */
  function makeImage(request: Validated, blurred: boolean): Promise<Buffer> {
    const ratio = request.imageShape ?? ratioOf(request.aspectRatio);
    const width = Math.round(Math.sqrt(1024 * 1024 * ratio) / 64) * 64;
    const size = fitWithin(width, Math.round(width / ratio / 64) * 64, opts.maxImageSide);
    counter += 1;
    return stampedImage(size.width, size.height, counter, { format: request.outputFormat, blur: blurred });
  }

  return doubleFace(
    server,
    {
      get current() {
        return queue[0]!;
      },
      // One scenario for every request, or a list used one per generate request (the last one then sticks).
      set: (next: Scenario | Scenario[]) => {
        queue = Array.isArray(next) ? [...next] : [next];
      },
    },
    {},
  );
}

interface Validated {
  aspectRatio: string;
  seed: number;
  outputFormat: string;
  /** The input image in image-to-image mode, and its width / height once decoded. */
  image: Blob | null;
  imageShape: number | null;
}

function checkAuthorization(header: string | undefined): void {
  if (!header || !/^Bearer\s+\S/.test(header)) {
    throw new Rejection(
      apiError(401, 'unauthorized', ['authorization: missing or malformed Authorization header']),
    );
  }
  if (!header.replace(/^Bearer\s+/, '').startsWith('sk-')) throw new Rejection(invalidKey());
}

function invalidKey(): Answer {
  return apiError(401, 'unauthorized', ['authorization: the API key you provided is invalid']);
}

function validate(route: string, form: FormData): Validated {
  const allowed = FIELDS[route]!;
  for (const name of new Set(form.keys())) {
    if (!allowed.includes(name)) reject(`${name}: is not a parameter of the ${route} endpoint`);
    if (form.getAll(name).length > 1) reject(`${name}: was sent more than once`);
  }
  const text = (name: string): string | null => {
    const value = form.get(name);
    if (value === null) return null;
    if (typeof value !== 'string') reject(`${name}: must be a text field`);
    return value;
  };
  const prompt = text('prompt');
  if (prompt === null || prompt.trim() === '') reject('prompt: cannot be empty');
  if (prompt.length > 10_000) reject('prompt: must be at most 10000 characters');
  const negative = text('negative_prompt');
  if (negative !== null && negative.length > 10_000)
    reject('negative_prompt: must be at most 10000 characters');

  const seedText = text('seed') ?? '0';
  if (!/^\d+$/.test(seedText) || Number(seedText) > MAX_SEED)
    reject(`seed: must be an integer from 0 to ${MAX_SEED}`);
  const outputFormat = text('output_format') ?? 'png';
  if (!FORMATS.includes(outputFormat)) reject(`output_format: must be one of ${FORMATS.join(', ')}`);
  const preset = text('style_preset');
  if (preset !== null && !STYLE_PRESETS.includes(preset))
    reject(`style_preset: must be one of ${STYLE_PRESETS.join(', ')}`);

  if (route === 'sd3') {
    const model = text('model') ?? 'sd3.5-large';
    if (!SD3_MODELS.includes(model)) reject(`model: must be one of ${SD3_MODELS.join(', ')}`);
    const cfg = text('cfg_scale');
    if (cfg !== null && !(Number(cfg) >= 1 && Number(cfg) <= 10))
      reject('cfg_scale: must be a number from 1 to 10');
  }
  const mode =
    route === 'sd3'
      ? (text('mode') ?? 'text-to-image')
      : form.has('image')
        ? 'image-to-image'
        : 'text-to-image';
  if (mode !== 'text-to-image' && mode !== 'image-to-image')
    reject('mode: must be text-to-image or image-to-image');

  let input: Blob | null = null;
  if (mode === 'image-to-image') {
    const image = form.get('image');
    if (image === null) reject('image: is required in image-to-image mode');
    if (typeof image === 'string' || !/^image\/(png|jpeg|webp)$/.test(image.type) || image.size === 0) {
      reject('image: must be a png, jpeg or webp file');
    }
    const strength = text('strength');
    if (strength === null) reject('strength: is required when an image is provided');
    if (!(Number(strength) >= 0 && Number(strength) <= 1)) reject('strength: must be a number from 0 to 1');
    if (form.has('aspect_ratio')) reject('aspect_ratio: is only valid for text-to-image requests');
    input = image;
  } else if (form.has('image') || form.has('strength')) {
    reject('image: is only valid in image-to-image mode');
  }
  const aspectRatio = text('aspect_ratio') ?? '1:1';
  if (!RATIOS.includes(aspectRatio)) reject(`aspect_ratio: must be one of ${RATIOS.join(', ')}`);
  return { aspectRatio, seed: Number(seedText), outputFormat, image: input, imageShape: null };
}

function ratioOf(ratio: string): number {
  const [w, h] = ratio.split(':').map(Number) as [number, number];
  return w / h;
}
