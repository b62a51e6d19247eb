/**
 * A protocol double of a self-hosted OpenAI-compatible images server (LocalAI-like) for tests.
 * It checks requests against OpenAI's Images format (plus LocalAI's documented extras `step` and `mode`),
 * answers errors in LocalAI's shape (`{ error: { code, message, type } }`), and serves `url` outputs
 * itself, so a test can make them expire. A key is required only when the double is started with one.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

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

export interface CompatibleRecordedRequest {
  method: string;
  path: string;
  /** Lower-case names; the Authorization value is never kept. */
  headers: Record<string, string>;
  authorization: boolean;
  body: unknown;
  status: number;
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

interface Answer {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

class Rejection {
  constructor(readonly answer: Answer) {}
}

function apiError(status: number, message: string, type = '', headers?: Record<string, string>): Answer {
  return { status, body: JSON.stringify({ error: { code: status, message, type } }), headers };
}

function reject(message: string): never {
  throw new Rejection(apiError(400, message, 'invalid_request_error'));
}

export async function startOpenAICompatibleDouble(
  opts: OpenAICompatibleDoubleOptions = {},
): Promise<OpenAICompatibleDouble> {
  let scenario: CompatibleScenario = opts.scenario ?? 'success';
  const models = opts.models ?? ['stablediffusion', 'sdxl-turbo'];
  const slowMs = opts.slowMs ?? 10_000;
  const requests: CompatibleRecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const files = new Map<string, Buffer>();
  let counter = 0;
  let origin = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      answerFor(req, res, raw)
        .catch((error: unknown) => {
          if (error instanceof Rejection) return error.answer;
          return apiError(500, `double crashed: ${error instanceof Error ? error.message : String(error)}`);
        })
        .then((answer) => send(req, res, raw, answer));
    });
  });

  function send(req: IncomingMessage, res: ServerResponse, raw: string, answer: Answer): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'authorization' || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    let body: unknown = raw;
    try {
      body = raw === '' ? '' : JSON.parse(raw);
    } catch {
      // Kept as text.
    }
    requests.push({
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0]!,
      headers,
      authorization: req.headers.authorization !== undefined,
      body,
      status: answer.status,
    });
    if (res.destroyed) return;
    const type = Buffer.isBuffer(answer.body) ? 'image/png' : 'application/json';
    res.writeHead(answer.status, { 'content-type': type, ...answer.headers });
    res.end(answer.body);
  }

  async function answerFor(req: IncomingMessage, res: ServerResponse, raw: string): Promise<Answer> {
    const method = req.method ?? '';
    const path = (req.url ?? '').split('?')[0]!;
    const file = /^\/generated-images\/([a-z0-9]+\.png)$/.exec(path);
    if (method === 'GET' && file) {
      const bytes = files.get(file[1]!);
      return bytes ? { status: 200, body: bytes } : { status: 404, body: '{"error":"file not found"}' };
    }
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
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json') reject(`unsupported content type ${contentType || 'none'}`);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      reject('cannot parse the request body as JSON');
    }
    const request = validate(body, models);

    switch (scenario) {
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
        await delay(res);
        if (res.destroyed) return apiError(499, 'client closed the request');
        break;
      default:
        break;
    }
    const asUrl = scenario === 'url_only' || scenario === 'expired_url' || request.responseFormat === 'url';
    const data = [];
    for (let i = 0; i < request.n; i += 1) {
      const png = await makeImage(request.width, request.height, i);
      if (!asUrl) {
        data.push({ b64_json: png.toString('base64') });
        continue;
      }
      const name = `${randomBytes(8).toString('hex')}.png`;
      if (scenario !== 'expired_url') files.set(name, png);
      data.push({ url: `${origin}/generated-images/${name}` });
    }
    return { status: 200, body: JSON.stringify({ created: Math.floor(Date.now() / 1000), data }) };
  }

  function delay(res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, slowMs);
      timers.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve();
      });
    });
  }

  async function makeImage(w: number, h: number, index: number): Promise<Buffer> {
    const scale = opts.maxImageSide ? Math.min(1, opts.maxImageSide / Math.max(w, h)) : 1;
    const width = Math.max(1, Math.round(w * scale));
    const height = Math.max(1, Math.round(h * scale));
    counter += 1;
    const pixels = Buffer.alloc(width * height * 3, (counter * 53 + index * 17) % 256);
    pixels.writeUInt32BE(counter, 0);
    return sharp(pixels, { raw: { width, height, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    get scenario() {
      return scenario;
    },
    setScenario(next) {
      scenario = next;
    },
    requests,
    expireImages: () => files.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
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
