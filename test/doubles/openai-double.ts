/**
 * A protocol double of OpenAI's Images API for tests (product code never imports it).
 * It checks every request the way the real API does and answers malformed ones with OpenAI's own
 * error shape, so a test passes only when the adapter speaks the documented protocol.
 * The scenario is set by the test; the key sent never chooses an outcome.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import {
  type Answer,
  answerGate,
  contentType,
  doubleFace,
  fitWithin,
  formRecord,
  type Incoming,
  jsonOf,
  paintedText,
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
  'insufficient_quota',
  'moderation_blocked',
  'server_error',
  'malformed_json',
  'not_an_image',
  'slow',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Parsed JSON when the body was JSON, the edits form (files as name, type and size), else the raw text. */
export interface RecordedRequest extends RecordedBase {
  /** Whether an Authorization header was sent at all; its value is never kept. */
  authorization: boolean;
}

export interface OpenAIDoubleOptions {
  scenario?: Scenario;
  /** How long 'slow' holds the answer before succeeding (ms). */
  slowMs?: number;
  /** Largest side of the PNGs 'success' returns; the requested size when unset. */
  maxImageSide?: number;
  /** Text painted on every image 'success' returns (a gradient without letters when unset); see `paintText`. */
  paintText?: string;
}

export interface OpenAIDouble {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:54321`. */
  url: string;
  readonly scenario: Scenario;
  setScenario(scenario: Scenario): void;
  requests: RecordedRequest[];
  /** From now on, image requests wait (after their checks) until `release()`; models listing is not held. */
  hold(): void;
  /** Lets every held request answer, and stops holding. */
  release(): void;
  /** Image requests waiting at the gate right now. */
  readonly held: number;
  /** The next image request to reach its answer plays `scenario` once; the ones after play the current one. */
  failNext(scenario: Scenario): void;
  /**
   * From now on the images show `text` in large letters, spelled exactly as given whatever the prompt asks
   * (a misspelt sign for the quality gate's OCR check); null paints the gradient again.
   */
  paintText(text: string | null): void;
  close(): Promise<void>;
}

/** Sizes each known model accepts (besides `auto`), as documented for the gpt-image models. */
export const DOUBLE_MODELS: Record<string, readonly string[]> = {
  'gpt-image-1': ['1024x1024', '1536x1024', '1024x1536'],
  'gpt-image-1-mini': ['1024x1024', '1536x1024', '1024x1536'],
};

const GENERATION_FIELDS = new Set([
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'output_format',
  'output_compression',
  'background',
  'moderation',
  'user',
  'stream',
  'partial_images',
]);
const QUALITIES = ['low', 'medium', 'high', 'auto'];
const OUTPUT_FORMATS = ['png', 'jpeg', 'webp'];
const BACKGROUNDS = ['transparent', 'opaque', 'auto'];
const MODERATIONS = ['low', 'auto'];
const INPUT_FIDELITIES = ['high', 'low'];
/** Multipart fields of `POST /v1/images/edits` besides the image files, as documented for gpt-image. */
const EDIT_FIELDS = new Set([
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'input_fidelity',
  'background',
  'output_format',
  'output_compression',
  'user',
  'stream',
  'partial_images',
]);
const FILE_FIELDS = new Set(['image', 'image[]', 'mask']);
const IMAGE_TYPES: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
};
const MAX_EDIT_IMAGES = 16;
const MAX_EDIT_IMAGE_BYTES = 50 * 1024 * 1024;
const MAX_PROMPT = 32_000;

/** Output tokens per image as OpenAI bills gpt-image-1 (square, and the two oblong sizes). */
const OUTPUT_TOKENS: Record<string, Record<string, number>> = {
  square: { low: 272, medium: 1056, high: 4160 },
  oblong: { low: 408, medium: 1584, high: 6240 },
};

function apiError(
  status: number,
  message: string,
  opts: { type?: string; param?: string | null; code?: string | null; headers?: Record<string, string> } = {},
): Answer {
  const error = {
    message,
    type: opts.type ?? 'invalid_request_error',
    param: opts.param ?? null,
    code: opts.code ?? null,
  };
  return { status, body: JSON.stringify({ error }), headers: opts.headers };
}

function reject(message: string, param: string | null, code: string | null): never {
  throw new Rejection(apiError(400, message, { param, code }));
}

function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

export async function startOpenAIDouble(opts: OpenAIDoubleOptions = {}): Promise<OpenAIDouble> {
  const scenario = scenarioState<Scenario>(opts.scenario ?? 'success');
  const slowMs = opts.slowMs ?? 10_000;
  const gate = answerGate();
  let imageCounter = 0;
  let painted: string | null = opts.paintText ?? null;
  /** Scenarios queued by `failNext`, each played by one image request. */
  const once: Scenario[] = [];
  const server = await startDoubleServer<RecordedRequest>({
    secretHeaders: ['authorization'],
    describe: ({ req }) => ({ authorization: req.headers.authorization !== undefined }),
    answer: answerFor,
    crashed: (error) =>
      apiError(500, `openai-double crashed: ${error instanceof Error ? error.message : String(error)}`, {
        type: 'server_error',
      }),
    headers: () => ({
      'content-type': 'application/json',
      'x-request-id': requestId(),
      'openai-processing-ms': '12',
    }),
  });

  async function answerFor(incoming: Incoming): Promise<Answer> {
    const { req, res, method, path } = incoming;
    const route = `${method} ${path}`;
    if (
      route !== 'POST /v1/images/generations' &&
      route !== 'POST /v1/images/edits' &&
      route !== 'GET /v1/models'
    ) {
      return apiError(404, `Invalid URL (${route})`);
    }
    const key = checkAuthorization(req.headers.authorization);
    if (scenario.current === 'invalid_api_key') return invalidKey(key);
    if (route === 'GET /v1/models') return listModels(incoming);

    const type = contentType(req);
    let request: GenerationRequest;
    if (route === 'POST /v1/images/edits') {
      if (type !== 'multipart/form-data') {
        return apiError(
          400,
          `Invalid Content-Type header (${type || 'none'}), expected multipart/form-data for this endpoint (openai-double does not simulate JSON edits).`,
        );
      }
      const form = await readForm(incoming);
      if (!form) {
        return apiError(400, 'Could not parse multipart form: the body is not valid multipart/form-data.');
      }
      incoming.recorded = formRecord(form, (file) => ({
        filename: file.name,
        type: file.type,
        bytes: file.size,
      }));
      request = await validateEdit(form);
    } else {
      if (type !== 'application/json') {
        return apiError(
          400,
          `Invalid Content-Type header (${type || 'none'}), expected application/json for this endpoint.`,
        );
      }
      const body = jsonOf(incoming.text);
      if (!body) {
        return apiError(
          400,
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        );
      }
      request = validateGeneration(body.value);
    }

    if (gate.closed) {
      await gate.pass(res);
      // 499 as nginx logs it: the client closed the connection while the answer was held.
      if (res.destroyed) return apiError(499, 'Client closed the request.');
    }

    const playing = once.shift() ?? scenario.current;
    if (playing === 'invalid_api_key') return invalidKey(key);
    switch (playing) {
      case 'rate_limited':
        return apiError(
          429,
          `Rate limit reached for ${request.model} in organization org-double on images per minute (IPM): Limit 5, Used 5, Requested ${request.n}. Please try again in 2s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          {
            type: 'requests',
            code: 'rate_limit_exceeded',
            headers: { 'retry-after': '2', 'retry-after-ms': '1750', 'x-ratelimit-limit-requests': '5' },
          },
        );
      case 'insufficient_quota':
        return apiError(
          429,
          'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
          { type: 'insufficient_quota', code: 'insufficient_quota' },
        );
      case 'moderation_blocked':
        return apiError(
          400,
          `Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID ${requestId()}.`,
          { type: 'image_generation_user_error', code: 'moderation_blocked' },
        );
      case 'server_error':
        return apiError(
          500,
          'The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if the error persists.',
          { type: 'server_error' },
        );
      case 'malformed_json':
        return {
          status: 200,
          body: '{"created": 1767225600, "data": [{"b64_json": "iVBORw0KGgoAAAANSUhEUgAA',
        };
      case 'not_an_image':
        return success(request, () =>
          Promise.resolve(Buffer.from('this is plain text, not the bytes of any image format')),
        );
      case 'slow':
        await server.hold(slowMs, { res });
        // 499 as nginx logs it: the client closed the connection before the answer.
        if (res.destroyed) return apiError(499, 'Client closed the request.');
        return success(request, () => makeImage(request));
      case 'success':
        return success(request, () => makeImage(request));
    }
  }

  async function listModels({ res }: Incoming): Promise<Answer> {
    if (scenario.current === 'rate_limited') {
      return apiError(429, 'Rate limit reached for requests. Please try again in 2s.', {
        type: 'requests',
        code: 'rate_limit_exceeded',
        headers: { 'retry-after': '2', 'retry-after-ms': '1750' },
      });
    }
    if (scenario.current === 'server_error') {
      return apiError(500, 'The server had an error while processing your request. Sorry about that!', {
        type: 'server_error',
      });
    }
    if (scenario.current === 'slow') await server.hold(slowMs, { res });
    const data = [...Object.keys(DOUBLE_MODELS), 'gpt-4o'].map((id) => ({
      id,
      object: 'model',
      created: 1_745_000_000,
      owned_by: 'system',
    }));
    return { status: 200, body: JSON.stringify({ object: 'list', data }) };
  }

  async function success(
    request: GenerationRequest,
    image: (index: number) => Promise<Buffer>,
  ): Promise<Answer> {
    const data = [];
    for (let i = 0; i < request.n; i += 1) data.push({ b64_json: (await image(i)).toString('base64') });
    const quality = request.quality === 'auto' ? 'medium' : request.quality;
    const size = request.size === 'auto' ? '1024x1024' : request.size;
    const perImage = OUTPUT_TOKENS[size === '1024x1024' ? 'square' : 'oblong']![quality]!;
    const textTokens = Math.max(1, Math.ceil(request.prompt.length / 4));
    const outputTokens = perImage * request.n;
    const body = {
      created: Math.floor(Date.now() / 1000),
      background: 'opaque',
      data,
      output_format: request.outputFormat,
      quality,
      size,
      usage: {
        input_tokens: textTokens,
        input_tokens_details: { image_tokens: 0, text_tokens: textTokens },
        output_tokens: outputTokens,
        total_tokens: textTokens + outputTokens,
      },
    };
    return { status: 200, body: JSON.stringify(body) };
  }

  /** A real image of the requested size (or a smaller stand-in), unique to this image. */
  function makeImage(request: GenerationRequest): Promise<Buffer> {
    const [w, h] = (request.size === 'auto' ? '1024x1024' : request.size).split('x').map(Number) as [
      number,
      number,
    ];
    const { width, height } = fitWithin(w, h, opts.maxImageSide);
    imageCounter += 1;
    if (painted !== null)
      return paintedText(width, height, painted, { format: request.outputFormat, stamp: imageCounter });
    return stampedImage(width, height, imageCounter, { format: request.outputFormat });
  }

  return doubleFace(server, scenario, {
    hold: () => gate.close(),
    release: () => gate.open(),
    get held() {
      return gate.waiting;
    },
    failNext: (next: Scenario) => void once.push(next),
    paintText: (text: string | null) => {
      painted = text;
    },
  });
}

/** `Bearer sk-…` or a 401 shaped like OpenAI's; returns the key so a message can mask it as OpenAI does. */
function checkAuthorization(header: string | undefined): string {
  if (!header || !/^Bearer\s+\S/.test(header)) {
    throw new Rejection(
      apiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      ),
    );
  }
  const key = header.replace(/^Bearer\s+/, '').trim();
  if (!key.startsWith('sk-')) throw new Rejection(invalidKey(key));
  return key;
}

function invalidKey(key: string): Answer {
  return apiError(
    401,
    `Incorrect API key provided: sk-...${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    { code: 'invalid_api_key' },
  );
}

interface GenerationRequest {
  model: string;
  prompt: string;
  n: number;
  size: string;
  quality: string;
  outputFormat: string;
}

function validateGeneration(body: unknown): GenerationRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    reject(
      `Invalid type for body: expected an object, but got ${Array.isArray(body) ? 'an array' : typeof body} instead.`,
      null,
      'invalid_type',
    );
  }
  return validateFields(body as Record<string, unknown>, GENERATION_FIELDS);
}

/** Checks the fields generations and edits share; `allowed` is the endpoint's documented set. */
function validateFields(fields: Record<string, unknown>, allowed: ReadonlySet<string>): GenerationRequest {
  for (const name of Object.keys(fields)) {
    if (!allowed.has(name)) reject(`Unknown parameter: '${name}'.`, name, 'unknown_parameter');
  }
  const model = fields.model;
  if (model === undefined) {
    reject("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  }
  if (typeof model !== 'string' || !Object.hasOwn(DOUBLE_MODELS, model)) {
    const supported = Object.keys(DOUBLE_MODELS)
      .map((m) => `'${m}'`)
      .join(', ');
    reject(
      `Invalid value: '${String(model)}'. Supported values are: ${supported}.`,
      'model',
      'invalid_value',
    );
  }
  const prompt = fields.prompt;
  if (prompt === undefined) {
    reject("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  }
  if (typeof prompt !== 'string') {
    reject(
      `Invalid type for 'prompt': expected a string, but got ${typeof prompt} instead.`,
      'prompt',
      'invalid_type',
    );
  }
  if (prompt.length === 0) {
    reject(
      "Invalid 'prompt': empty string. Expected a string with minimum length 1, but got an empty string instead.",
      'prompt',
      'empty_string',
    );
  }
  if (prompt.length > MAX_PROMPT) {
    reject(
      `Invalid 'prompt': string too long. Expected a string with maximum length ${MAX_PROMPT}, but got a string with length ${prompt.length} instead.`,
      'prompt',
      'string_above_max_length',
    );
  }
  const n = fields.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    reject(`Invalid type for 'n': expected an integer, but got ${typeof n} instead.`, 'n', 'invalid_type');
  }
  if (n < 1) {
    reject(
      `Invalid 'n': integer below minimum value. Expected a value >= 1, but got ${n} instead.`,
      'n',
      'integer_below_min_value',
    );
  }
  if (n > 10) {
    reject(
      `Invalid 'n': integer above maximum value. Expected a value <= 10, but got ${n} instead.`,
      'n',
      'integer_above_max_value',
    );
  }
  const size = oneOf(fields, 'size', ['auto', ...DOUBLE_MODELS[model]!], 'auto');
  const quality = oneOf(fields, 'quality', QUALITIES, 'auto');
  const outputFormat = oneOf(fields, 'output_format', OUTPUT_FORMATS, 'png');
  const background = oneOf(fields, 'background', BACKGROUNDS, 'auto');
  oneOf(fields, 'moderation', MODERATIONS, 'auto');
  oneOf(fields, 'input_fidelity', INPUT_FIDELITIES, 'low');
  if (background === 'transparent' && outputFormat === 'jpeg') {
    reject(
      'Transparent background is not supported for the jpeg output format.',
      'background',
      'invalid_value',
    );
  }
  const compression = fields.output_compression;
  if (
    compression !== undefined &&
    (typeof compression !== 'number' ||
      !Number.isInteger(compression) ||
      compression < 0 ||
      compression > 100)
  ) {
    reject(
      `Invalid 'output_compression': expected an integer between 0 and 100.`,
      'output_compression',
      'invalid_value',
    );
  }
  if (fields.user !== undefined && typeof fields.user !== 'string') {
    reject(
      `Invalid type for 'user': expected a string, but got ${typeof fields.user} instead.`,
      'user',
      'invalid_type',
    );
  }
  if (fields.stream === true) {
    reject('openai-double does not simulate streaming responses.', 'stream', 'unsupported_value');
  }
  return { model, prompt, n, size, quality, outputFormat };
}

function oneOf(
  fields: Record<string, unknown>,
  name: string,
  allowed: readonly string[],
  fallback: string,
): string {
  const value = fields[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    const supported = allowed.map((v) => `'${v}'`);
    const list = `${supported.slice(0, -1).join(', ')}, and ${supported.at(-1)}`;
    reject(`Invalid value: '${String(value)}'. Supported values are: ${list}.`, name, 'invalid_value');
  }
  return value;
}

/**
 * `POST /v1/images/edits`: one to 16 images (`image[]`, or `image` for one) of an accepted type that
 * really decode as that type, an optional PNG mask with alpha the size of the first image, then the
 * same text fields generations take (as strings, the multipart way).
 */
async function validateEdit(form: FormData): Promise<GenerationRequest> {
  const fields: Record<string, unknown> = {};
  const images: File[] = [];
  let mask: File | null = null;
  for (const [name, value] of form.entries()) {
    const isFile = typeof value !== 'string';
    if (FILE_FIELDS.has(name) && !isFile) {
      reject(`Invalid type for '${name}': expected a file, but got a string instead.`, name, 'invalid_type');
    }
    if (!FILE_FIELDS.has(name) && isFile) {
      reject(`Invalid type for '${name}': expected a string, but got a file instead.`, name, 'invalid_type');
    }
    if (typeof value !== 'string') {
      if (name === 'mask') mask = value;
      else images.push(value);
      continue;
    }
    // Multipart sends numbers as text; OpenAI reads integers from them.
    fields[name] =
      (name === 'n' || name === 'output_compression') && /^\d+$/.test(value) ? Number(value) : value;
  }
  if (images.length === 0) {
    reject("Missing required parameter: 'image'.", 'image', 'missing_required_parameter');
  }
  if (images.length > MAX_EDIT_IMAGES) {
    reject(
      `Invalid 'image': array too long. Expected an array with maximum length ${MAX_EDIT_IMAGES}, but got an array with length ${images.length} instead.`,
      'image',
      'array_above_max_length',
    );
  }
  let first: { width: number; height: number } | null = null;
  for (const [index, image] of images.entries()) {
    const format = IMAGE_TYPES[image.type];
    if (!format) {
      reject(
        `Invalid file 'image': unsupported mimetype ('${image.type || 'application/octet-stream'}'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.`,
        'image',
        'unsupported_file_mimetype',
      );
    }
    if (image.size > MAX_EDIT_IMAGE_BYTES) {
      reject(`Invalid file 'image': the file is larger than 50 MB.`, 'image', 'file_too_large');
    }
    const meta = await sharp(Buffer.from(await image.arrayBuffer()))
      .metadata()
      .catch(() => null);
    if (!meta || meta.format !== format || !meta.width || !meta.height) {
      reject(
        `Invalid image file or mode for image ${index + 1}, please check your image file.`,
        'image',
        'invalid_image_file',
      );
    }
    first ??= { width: meta.width, height: meta.height };
  }
  if (mask !== null) {
    const meta = await sharp(Buffer.from(await (mask as File).arrayBuffer()))
      .metadata()
      .catch(() => null);
    const fits =
      meta?.format === 'png' && meta.hasAlpha && meta.width === first?.width && meta.height === first?.height;
    if (!fits) {
      reject(
        'Invalid mask image: the mask must be a PNG with an alpha channel and the same dimensions as the image.',
        'mask',
        'invalid_image_file',
      );
    }
  }
  return validateFields(fields, EDIT_FIELDS);
}
