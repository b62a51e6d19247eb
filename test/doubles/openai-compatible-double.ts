/**
 * A protocol double of a self-hosted OpenAI-compatible images server (LocalAI-like) for tests.
 * It checks requests against OpenAI's Images format (plus LocalAI's documented extras `step` and `mode`),
 * answers errors in LocalAI's shape (`{ error: { code, message, type } }`), and serves `url` outputs
 * itself, so a test can make them expire. A key is required only when the double is started with one.
 */
import { randomBytes } from 'node:crypto';
import {
  type Answer,
  contentType,
  doubleFace,
  fitWithin,
  ImageHost,
  type Incoming,
  jsonOf,
  type RecordedBase,
  Rejection,
  scenarioState,
  stampedImage,
  startDoubleServer,
} from './kit';

export const COMPATIBLE_SCENARIOS = [
  'success',
  /** Answers with `url` whatever response_format asked (servers that only write files). */
  'url_only',
  /** Answers with URLs that are already gone (404). */
  'expired_url',
  'rate_limited',
  'server_error',
  'malformed_json',
  'empty_data',
  'slow',
] as const;
export type CompatibleScenario = (typeof COMPATIBLE_SCENARIOS)[number];

export interface CompatibleRecordedRequest extends RecordedBase {
  /** Whether an Authorization header was sent; its value is never kept. */
  authorization: boolean;
}

export interface OpenAICompatibleDoubleOptions {
  scenario?: CompatibleScenario;
  /** When set, every API call must carry `Authorization: Bearer <apiKey>` (LocalAI's --api-keys). */
  apiKey?: string;
  /** Models the server serves; the first is its default. */
  models?: string[];
  slowMs?: number;
  /** Largest side of the PNGs it returns; the requested size when unset. */
  maxImageSide?: number;
  /** Whether `GET /v1/models` exists (some gateways only route images). */
  listsModels?: boolean;
}

export interface OpenAICompatibleDouble {
  url: string;
  readonly scenario: CompatibleScenario;
  setScenario(scenario: CompatibleScenario): void;
  requests: CompatibleRecordedRequest[];
  /** Makes every image URL served so far answer 404, as expired files do. */
  expireImages(): void;
  close(): Promise<void>;
}

/** OpenAI's documented generation fields plus LocalAI's `step` and `mode`. */
const FIELDS = new Set([
  'model',
  'prompt',
  'n',
  'size',
  'quality',
  'style',
  'response_format',
  'user',
  'background',
  'output_format',
  'output_compression',
  'moderation',
  'step',
  'mode',
]);
const RESPONSE_FORMATS = ['url', 'b64_json'];

function apiError(status: number, message: string, type = '', headers?: Record<string, string>): Answer {
  return { status, body: JSON.stringify({ error: { code: status, message, type } }), headers };
}

function reject(message: string): never {
  throw new Rejection(apiError(400, message, 'invalid_request_error'));
}

export async function startOpenAICompatibleDouble(
  opts: OpenAICompatibleDoubleOptions = {},
): Promise<OpenAICompatibleDouble> {
  const scenario = scenarioState<CompatibleScenario>(opts.scenario ?? 'success');
  const models = opts.models ?? ['stablediffusion', 'sdxl-turbo'];
  const slowMs = opts.slowMs ?? 10_000;
  const files = new ImageHost({ missing: { status: 404, body: '{"error":"file not found"}' } });
  let counter = 0;
  const server = await startDoubleServer<CompatibleRecordedRequest>({
    secretHeaders: ['authorization'],
    describe: ({ req }) => ({ authorization: req.headers.authorization !== undefined }),
    answer: answerFor,
    crashed: (error) =>
      apiError(500, `double crashed: ${error instanceof Error ? error.message : String(error)}`),
    headers: (answer) => ({
      'content-type': Buffer.isBuffer(answer.body) ? 'image/png' : 'application/json',
    }),
  });

  async function answerFor({ req, res, method, path, text: raw }: Incoming): Promise<Answer> {
    if (method === 'GET' && /^\/generated-images\/[a-z0-9]+\.png$/.test(path))
      return files.serve(method, path);
    const route = `${method} ${path}`;
    const known =
      route === 'POST /v1/images/generations' || (route === 'GET /v1/models' && opts.listsModels !== false);
    if (!known) return apiError(404, `Cannot ${method} ${path}`);
    if (opts.apiKey !== undefined) {
      const header = req.headers.authorization ?? '';
      if (!header.startsWith('Bearer '))
        return apiError(401, 'An authentication key is required', 'invalid_request_error');
      if (header.slice('Bearer '.length).trim() !== opts.apiKey) {
        return apiError(401, 'Invalid API key', 'invalid_request_error');
      }
    }
    if (route === 'GET /v1/models') {
      return {
        status: 200,
        body: JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model' })) }),
      };
    }
    const type = contentType(req);
    if (type !== 'application/json') reject(`unsupported content type ${type || 'none'}`);
    const body = jsonOf(raw) ?? reject('cannot parse the request body as JSON');
    const request = validate(body.value, models);

    switch (scenario.current) {
      case 'rate_limited':
        return apiError(429, 'too many requests: the backend is busy', 'rate_limit_error', {
          'retry-after': '3',
        });
      case 'server_error':
        return apiError(500, 'rpc error: code = Unavailable desc = error reading from server: EOF');
      case 'malformed_json':
        return { status: 200, body: '{"created": 1767225600, "data": [{"b64_json": "iVBOR' };
      case 'empty_data':
        return { status: 200, body: JSON.stringify({ created: 1767225600, data: [] }) };
      case 'slow':
        await server.hold(slowMs, { res });
        if (res.destroyed) return apiError(499, 'client closed the request');
        break;
      default:
        break;
    }
    const asUrl =
      scenario.current === 'url_only' ||
      scenario.current === 'expired_url' ||
      request.responseFormat === 'url';
    const data = [];
    for (let i = 0; i < request.n; i += 1) {
      const png = await makeImage(request.width, request.height, i);
      if (!asUrl) {
        data.push({ b64_json: png.toString('base64') });
        continue;
      }
      const path = `/generated-images/${randomBytes(8).toString('hex')}.png`;
      if (scenario.current !== 'expired_url') files.put(path, png);
      data.push({ url: `${server.url}${path}` });
    }
    return { status: 200, body: JSON.stringify({ created: Math.floor(Date.now() / 1000), data }) };
  }

  function makeImage(w: number, h: number, index: number): Promise<Buffer> {
    const { width, height } = fitWithin(w, h, opts.maxImageSide);
    counter += 1;
    return stampedImage(width, height, counter * 8 + index);
  }

  return doubleFace(server, scenario, { expireImages: () => files.clear() });
}

interface ValidRequest {
  n: number;
  width: number;
  height: number;
  responseFormat: string;
}

function validate(body: unknown, models: readonly string[]): ValidRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    reject('the request body must be a JSON object');
  const fields = body as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!FIELDS.has(name)) reject(`unknown field "${name}"`);
  }
  if (typeof fields.prompt !== 'string' || fields.prompt.trim() === '') reject('prompt is required');
  if (fields.model !== undefined) {
    if (typeof fields.model !== 'string') reject('model must be a string');
    if (!models.includes(fields.model)) {
      throw new Rejection(apiError(404, `could not load model: model "${fields.model}" not found`));
    }
  }
  const n = fields.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10)
    reject('n must be an integer from 1 to 10');
  const size = fields.size ?? '512x512';
  const match = typeof size === 'string' ? /^(\d+)x(\d+)$/.exec(size) : null;
  if (!match) reject(`invalid size "${String(size)}": expected WIDTHxHEIGHT`);
  const width = Number(match[1]);
  const height = Number(match[2]);
  for (const side of [width, height]) {
    if (side < 64 || side > 2048 || side % 8 !== 0) {
      reject(`invalid size "${size}": each side must be 64 to 2048 and a multiple of 8`);
    }
  }
  const responseFormat = fields.response_format ?? 'url';
  if (typeof responseFormat !== 'string' || !RESPONSE_FORMATS.includes(responseFormat)) {
    reject(`invalid response_format "${String(responseFormat)}": expected url or b64_json`);
  }
  if (
    fields.step !== undefined &&
    (typeof fields.step !== 'number' || !Number.isInteger(fields.step) || fields.step < 1)
  ) {
    reject('step must be a positive integer');
  }
  return { n, width, height, responseFormat };
}
