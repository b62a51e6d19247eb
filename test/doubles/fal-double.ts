/**
 * A protocol double of fal's queue API for the FLUX endpoints, for tests (product code never imports it).
 * Submit (`POST /fal-ai/flux/{schnell|dev}`, `/fal-ai/flux/dev/image-to-image`) checks the `Key id:secret` header and
 * the JSON body; status, result and cancel live under the app id without the sub-path (`/fal-ai/flux/requests/{id}…`),
 * as on the real queue. Input errors surface on the result as fal's model errors (`{ detail: [{ loc, msg, type }] }`),
 * infrastructure errors as request errors (`{ detail, error_type }`). The double also serves the image files (the
 * fal.media role) and can make them expire. The key sent never chooses an outcome.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export const SCENARIOS = [
  'success',
  'queued',
  'never_finishes',
  'poll_flaky',
  'invalid_key',
  'locked_balance',
  'forbidden',
  'rate_limited',
  'content_policy',
  'nsfw_some',
  'nsfw_all',
  'server_error',
  'runner_error',
  'request_timeout',
  'expired_output',
  'not_an_image',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface RecordedRequest {
  method: string;
  path: string;
  /** Lower-case names; the Authorization value is never kept. */
  headers: Record<string, string>;
  authorization: boolean;
  body: unknown;
  status: number;
}

export interface FalDoubleOptions {
  scenario?: Scenario;
  /** Largest side of the PNGs it serves; the requested size when unset. */
  maxImageSide?: number;
  /** The origin written into status_url, response_url and cancel_url (the double's own by default). */
  queueOrigin?: string;
}

export interface FalDouble {
  url: string;
  readonly scenario: Scenario;
  setScenario(scenario: Scenario): void;
  requests: RecordedRequest[];
  /** Every queued request by id: the endpoint, the body, and where it stands. */
  queued: Map<
    string,
    { endpoint: string; body: Record<string, unknown>; status: string; cancelled: boolean }
  >;
  close(): Promise<void>;
}

export const NAMED_SIZES: Record<string, [number, number]> = {
  square_hd: [1024, 1024],
  square: [512, 512],
  portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024],
  landscape_4_3: [1024, 768],
  landscape_16_9: [1024, 576],
};

type Rule =
  | { type: 'string'; required?: boolean; oneOf?: readonly string[]; url?: boolean }
  | { type: 'integer' | 'number'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'image_size' };

const TEXT: Record<string, Rule> = {
  prompt: { type: 'string', required: true },
  image_size: { type: 'image_size' },
  num_inference_steps: { type: 'integer', min: 1, max: 12 },
  seed: { type: 'integer' },
  num_images: { type: 'integer', min: 1, max: 4 },
  enable_safety_checker: { type: 'boolean' },
  output_format: { type: 'string', oneOf: ['jpeg', 'png'] },
  sync_mode: { type: 'boolean' },
  acceleration: { type: 'string', oneOf: ['none', 'regular', 'high'] },
};
/** The input schema of each endpoint the double serves. */
export const ENDPOINTS: Record<string, Record<string, Rule>> = {
  'fal-ai/flux/schnell': TEXT,
  'fal-ai/flux/dev': {
    ...TEXT,
    num_inference_steps: { type: 'integer', min: 1, max: 50 },
    guidance_scale: { type: 'number', min: 1, max: 20 },
  },
  'fal-ai/flux/dev/image-to-image': {
    prompt: { type: 'string', required: true },
    image_url: { type: 'string', required: true, url: true },
    strength: { type: 'number', min: 0.01, max: 1 },
    num_inference_steps: { type: 'integer', min: 10, max: 50 },
    guidance_scale: { type: 'number', min: 1, max: 20 },
    seed: { type: 'integer' },
    num_images: { type: 'integer', min: 1, max: 4 },
    enable_safety_checker: { type: 'boolean' },
    sync_mode: { type: 'boolean' },
  },
};

interface Answer {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

interface ModelError {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

interface Stored {
  id: string;
  app: string;
  endpoint: string;
  body: Record<string, unknown>;
  scenario: Scenario;
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';
  polls: number;
  cancelled: boolean;
  errors: ModelError[];
  result: Answer | null;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}

function modelErrors(status: number, errors: ModelError[]): Answer {
  const detail = errors.map((e) => ({ ...e, url: `https://docs.fal.ai/errors/#${e.type}` }));
  return json(status, { detail });
}

export async function startFalDouble(opts: FalDoubleOptions = {}): Promise<FalDouble> {
  let scenario: Scenario = opts.scenario ?? 'success';
  const requests: RecordedRequest[] = [];
  const stored = new Map<string, Stored>();
  const files = new Map<string, Buffer>();
  const queued: FalDouble['queued'] = new Map();
  let counter = 0;
  let base = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      route(req, raw)
        .catch((error: unknown) =>
          json(500, { detail: `fal-double crashed: ${String(error)}`, error_type: 'internal_error' }),
        )
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
      // Kept as text: the record shows what was actually sent.
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
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  async function route(req: IncomingMessage, raw: string): Promise<Answer> {
    const method = req.method ?? '';
    const path = (req.url ?? '').split('?')[0]!;
    const file = /^\/files\/([\w-]+\.png)$/.exec(path);
    if (method === 'GET' && file) {
      const bytes = files.get(file[1]!);
      if (!bytes || scenario === 'expired_output')
        return { status: 404, body: 'Not Found', headers: { 'content-type': 'text/plain' } };
      return { status: 200, body: bytes, headers: { 'content-type': 'image/png' } };
    }
    const auth = checkKey(req.headers.authorization);
    if (auth) return auth;
    if (scenario === 'invalid_key') return json(401, { detail: 'No user found for Key ID and Secret' });
    if (scenario === 'locked_balance') {
      return json(403, {
        detail: 'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
      });
    }
    if (scenario === 'forbidden')
      return json(403, { detail: 'Access denied: this key may not call this application.' });

    const follow = /^\/([\w-]+\/[\w-]+)\/requests\/([\w-]+)(\/status|\/cancel)?$/.exec(path);
    if (follow) {
      const [, app, id, action] = follow as unknown as [string, string, string, string | undefined];
      const request = stored.get(id);
      if (!request || request.app !== app) return json(404, { detail: 'Request not found' });
      if (action === '/status' && method === 'GET') return status(request);
      if (action === '/cancel' && method === 'PUT') return cancel(request);
      if (action === undefined && method === 'GET') return result(request);
      return json(405, { detail: 'Method Not Allowed' });
    }
    const endpoint = path.slice(1);
    if (method !== 'POST' || !ENDPOINTS[endpoint]) {
      return json(404, { detail: `Application '${endpoint}' not found` });
    }
    return submit(req, raw, endpoint);
  }

  function submit(req: IncomingMessage, raw: string, endpoint: string): Answer {
    if ((req.headers['content-type'] ?? '').split(';')[0]!.trim() !== 'application/json') {
      return json(400, { detail: 'Content-Type must be application/json', error_type: 'bad_request' });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return json(400, { detail: 'The request body is not valid JSON', error_type: 'bad_request' });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return json(400, { detail: 'The request body must be a JSON object', error_type: 'bad_request' });
    }
    if (scenario === 'rate_limited')
      return json(429, { detail: 'Too many concurrent requests for this key.' });
    if (scenario === 'server_error')
      return json(500, { detail: 'Internal Server Error', error_type: 'internal_error' });

    counter += 1;
    const id = randomUUID();
    const app = endpoint.split('/').slice(0, 2).join('/');
    const request: Stored = {
      id,
      app,
      endpoint,
      body: body as Record<string, unknown>,
      scenario,
      status: 'IN_QUEUE',
      polls: 0,
      cancelled: false,
      errors: validate(ENDPOINTS[endpoint]!, body as Record<string, unknown>),
      result: null,
    };
    stored.set(id, request);
    queued.set(id, { endpoint, body: request.body, status: request.status, cancelled: false });
    const origin = opts.queueOrigin ?? base;
    const at = `${origin}/${app}/requests/${id}`;
    return json(200, {
      status: 'IN_QUEUE',
      request_id: id,
      response_url: at,
      status_url: `${at}/status`,
      cancel_url: `${at}/cancel`,
      queue_position: 2,
    });
  }

  async function status(request: Stored): Promise<Answer> {
    request.polls += 1;
    if (request.scenario === 'poll_flaky' && request.polls === 1) {
      return json(503, { detail: 'Service temporarily unavailable', error_type: 'runner_connection_error' });
    }
    if (request.status !== 'COMPLETED' && !request.cancelled) {
      const slow = request.scenario === 'queued' || request.scenario === 'never_finishes';
      if (request.scenario === 'never_finishes' || (slow && request.polls < 3)) {
        request.status = request.polls === 1 ? 'IN_QUEUE' : 'IN_PROGRESS';
      } else {
        await complete(request);
      }
    }
    queued.get(request.id)!.status = request.status;
    const at = `${opts.queueOrigin ?? base}/${request.app}/requests/${request.id}`;
    const body: Record<string, unknown> = {
      status: request.status,
      request_id: request.id,
      response_url: at,
    };
    if (request.status === 'IN_QUEUE') body.queue_position = 0;
    if (request.status === 'COMPLETED') body.metrics = { inference_time: 0.8 };
    return json(request.status === 'COMPLETED' ? 200 : 202, body);
  }

  function cancel(request: Stored): Answer {
    if (request.status === 'COMPLETED') return json(400, { status: 'ALREADY_COMPLETED' });
    request.cancelled = true;
    queued.get(request.id)!.cancelled = true;
    return json(202, { status: 'CANCELLATION_REQUESTED' });
  }

  function result(request: Stored): Answer {
    if (request.status !== 'COMPLETED' || !request.result)
      return json(400, { detail: 'Request is still in progress' });
    return request.result;
  }

  /** Runs the request to its end as its scenario says, storing the answer the result URL gives. */
  async function complete(request: Stored): Promise<void> {
    request.status = 'COMPLETED';
    if (request.errors.length > 0) {
      request.result = modelErrors(422, request.errors);
      return;
    }
    switch (request.scenario) {
      case 'content_policy':
        request.result = modelErrors(422, [
          {
            loc: ['body', 'prompt'],
            msg: 'The content could not be processed because it contained material flagged by a content checker.',
            type: 'content_policy_violation',
          },
        ]);
        return;
      case 'runner_error':
        request.result = json(
          503,
          { detail: 'The runner disconnected unexpectedly.', error_type: 'runner_disconnected' },
          { 'x-fal-error-type': 'runner_disconnected', 'x-fal-retryable': 'true' },
        );
        return;
      case 'request_timeout':
        request.result = json(
          504,
          { detail: 'Request timed out', error_type: 'request_timeout' },
          { 'x-fal-error-type': 'request_timeout' },
        );
        return;
    }
    const count = typeof request.body.num_images === 'number' ? request.body.num_images : 1;
    const images = [];
    const flags: boolean[] = [];
    for (let i = 0; i < count; i += 1) {
      const flagged = request.scenario === 'nsfw_all' || (request.scenario === 'nsfw_some' && i === 0);
      const { width, height } = await sizeOf(request.body);
      const name = `${request.id}-${i}.png`;
      files.set(
        name,
        request.scenario === 'not_an_image'
          ? Buffer.from('definitely not a png')
          : await makeImage(width, height, flagged),
      );
      images.push({ url: `${base}/files/${name}`, width, height, content_type: 'image/png' });
      flags.push(flagged);
    }
    const seed =
      typeof request.body.seed === 'number' ? request.body.seed : 1 + Math.floor(Math.random() * 100_000);
    request.result = json(200, {
      images,
      timings: { inference: 0.8 },
      seed,
      has_nsfw_concepts: flags,
      prompt: request.body.prompt,
    });
  }

  async function sizeOf(body: Record<string, unknown>): Promise<{ width: number; height: number }> {
    let width = 1024;
    let height = 768;
    const size = body.image_size;
    if (typeof size === 'string' && NAMED_SIZES[size]) [width, height] = NAMED_SIZES[size];
    else if (typeof size === 'object' && size !== null) {
      ({ width, height } = size as { width: number; height: number });
    } else if (typeof body.image_url === 'string') {
      const meta = await sharp(Buffer.from(body.image_url.split(',')[1] ?? '', 'base64')).metadata();
      width = meta.width ?? width;
      height = meta.height ?? height;
    }
    if (opts.maxImageSide) {
      const scale = Math.min(1, opts.maxImageSide / Math.max(width, height));
      width = Math.max(1, Math.round(width * scale));
      height = Math.max(1, Math.round(height * scale));
    }
    return { width, height };
  }

  async function makeImage(width: number, height: number, black: boolean): Promise<Buffer> {
    const pixels = Buffer.alloc(width * height * 3, black ? 0 : (counter * 29) % 256);
    if (!black) pixels.writeUInt32BE(counter, 0);
    return sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    get scenario() {
      return scenario;
    },
    setScenario(next) {
      scenario = next;
    },
    requests,
    queued,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** `Key <key_id>:<key_secret>`, as fal issues them; a malformed header is refused before anything else. */
function checkKey(header: string | undefined): Answer | null {
  if (!header || !/^Key\s+\S/.test(header)) {
    return json(401, { detail: "Missing Authorization header. Expected 'Key <key_id>:<key_secret>'." });
  }
  if (!/^[0-9a-f-]{36}:[0-9a-f]{32}$/.test(header.replace(/^Key\s+/, ''))) {
    return json(401, {
      detail: "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'.",
    });
  }
  return null;
}

/** Checks the body the way the endpoint's input model does; extra fields are refused. */
function validate(schema: Record<string, Rule>, body: Record<string, unknown>): ModelError[] {
  const errors: ModelError[] = [];
  const add = (name: string, msg: string, type: string) => errors.push({ loc: ['body', name], msg, type });
  for (const [name, rule] of Object.entries(schema)) {
    if (rule.type === 'string' && rule.required && body[name] === undefined)
      add(name, 'Field required', 'missing');
  }
  for (const [name, value] of Object.entries(body)) {
    const rule = schema[name];
    if (!rule) {
      add(name, 'Extra inputs are not permitted', 'extra_forbidden');
      continue;
    }
    if (rule.type === 'string') {
      if (typeof value !== 'string') add(name, 'Input should be a valid string', 'string_type');
      else if (rule.oneOf && !rule.oneOf.includes(value)) {
        add(name, `Input should be ${rule.oneOf.map((v) => `'${v}'`).join(' or ')}`, 'literal_error');
      } else if (rule.url && !/^(https?:\/\/|data:image\/(png|jpeg|webp);base64,)/.test(value)) {
        add(name, 'Input should be a valid URL or a data URI', 'url_parsing');
      }
    } else if (rule.type === 'boolean') {
      if (typeof value !== 'boolean') add(name, 'Input should be a valid boolean', 'bool_type');
    } else if (rule.type === 'image_size') {
      const named = typeof value === 'string' && Object.hasOwn(NAMED_SIZES, value);
      const custom =
        typeof value === 'object' &&
        value !== null &&
        Object.keys(value).every((k) => k === 'width' || k === 'height') &&
        [(value as { width?: unknown }).width, (value as { height?: unknown }).height].every(
          (v) => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 14_142,
        );
      if (!named && !custom) {
        add(
          name,
          `Input should be one of ${Object.keys(NAMED_SIZES).join(', ')} or { width, height }`,
          'image_size',
        );
      }
    } else if (typeof value !== 'number' || (rule.type === 'integer' && !Number.isInteger(value))) {
      add(name, `Input should be a valid ${rule.type}`, `${rule.type === 'integer' ? 'int' : 'float'}_type`);
    } else if (rule.min !== undefined && value < rule.min) {
      add(name, `Input should be greater than or equal to ${rule.min}`, 'greater_than_equal');
    } else if (rule.max !== undefined && value > rule.max) {
      add(name, `Input should be less than or equal to ${rule.max}`, 'less_than_equal');
    }
  }
  return errors;
}
