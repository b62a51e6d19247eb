/**
 * A protocol double of the Black Forest Labs FLUX API for tests (product code never imports it).
 * `POST /v1/{model}` checks the `x-key` header and every field against the model's documented schema, answering
 * malformed requests the way BFL's FastAPI service does (422 `{ detail: [{ loc, msg, type }] }`); tasks are then
 * followed through the returned `polling_url` (`GET /v1/get_result?id=…`) by scenario. The double also serves the
 * result samples (the delivery host's role, no key) and can let them expire. The key never chooses an outcome.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export const SCENARIOS = [
  'success',
  'pending',
  'never_finishes',
  'poll_flaky',
  'invalid_key',
  'insufficient_credits',
  'rate_limited',
  'request_moderated',
  'content_moderated',
  'error',
  'task_not_found',
  'server_error',
  'expired_sample',
  'not_an_image',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  /** Lower-case names; the x-key value is never kept. */
  headers: Record<string, string>;
  /** Whether an x-key header was sent at all. */
  key: boolean;
  body: unknown;
  status: number;
}

export interface BflDoubleOptions {
  scenario?: Scenario;
  /** Largest side of the PNGs it serves; the requested size when unset. */
  maxImageSide?: number;
  /** The origin written into polling_url (the double's own by default), to play a regional host. */
  pollingOrigin?: string;
}

export interface BflDouble {
  url: string;
  readonly scenario: Scenario;
  setScenario(scenario: Scenario): void;
  requests: RecordedRequest[];
  /** Every task by id: the model, the body, and how often it was polled. */
  tasks: Map<string, { model: string; body: Record<string, unknown>; polls: number }>;
  close(): Promise<void>;
}

type Rule =
  | { type: 'string'; required?: boolean; oneOf?: readonly string[]; ratio?: boolean }
  | { type: 'integer' | 'number'; min?: number; max?: number; multiple?: number }
  | { type: 'boolean' };

const COMMON: Record<string, Rule> = {
  prompt: { type: 'string' },
  seed: { type: 'integer' },
  safety_tolerance: { type: 'integer', min: 0, max: 6 },
  output_format: { type: 'string', oneOf: ['jpeg', 'png'] },
  prompt_upsampling: { type: 'boolean' },
  webhook_url: { type: 'string' },
  webhook_secret: { type: 'string' },
};
const PRO_SIZE: Record<string, Rule> = {
  width: { type: 'integer', min: 256, max: 1440, multiple: 32 },
  height: { type: 'integer', min: 256, max: 1440, multiple: 32 },
};
const FLUX2: Record<string, Rule> = {
  ...COMMON,
  prompt: { type: 'string', required: true },
  safety_tolerance: { type: 'integer', min: 0, max: 5 },
  width: { type: 'integer', min: 64, max: 2048, multiple: 16 },
  height: { type: 'integer', min: 64, max: 2048, multiple: 16 },
  ...Object.fromEntries(
    ['', '_2', '_3', '_4', '_5', '_6', '_7', '_8'].map((n) => [
      `input_image${n}`,
      { type: 'string' } as Rule,
    ]),
  ),
};
/** The input schema of each model the double knows. */
export const MODELS: Record<string, Record<string, Rule>> = {
  'flux-pro-1.1': { ...COMMON, ...PRO_SIZE, image_prompt: { type: 'string' } },
  'flux-pro-1.1-ultra': {
    ...COMMON,
    aspect_ratio: { type: 'string', ratio: true },
    raw: { type: 'boolean' },
    image_prompt: { type: 'string' },
    image_prompt_strength: { type: 'number', min: 0, max: 1 },
  },
  'flux-dev': {
    ...COMMON,
    ...PRO_SIZE,
    steps: { type: 'integer', min: 1, max: 50 },
    guidance: { type: 'number', min: 1.5, max: 5 },
    image_prompt: { type: 'string' },
  },
  'flux-kontext-pro': {
    ...COMMON,
    prompt: { type: 'string', required: true },
    input_image: { type: 'string' },
    aspect_ratio: { type: 'string', ratio: true },
  },
  'flux-2-pro': FLUX2,
  'flux-2-max': FLUX2,
  'flux-2-flex': {
    ...FLUX2,
    steps: { type: 'integer', min: 1, max: 50 },
    guidance: { type: 'number', min: 1.5, max: 10 },
  },
};
/** FLUX.2 is priced by megapixel: credits for the first MP and for each further one. */
const MP_PRICES: Record<string, [number, number]> = {
  'flux-2-pro': [3, 1.5],
  'flux-2-max': [7, 3],
  'flux-2-flex': [5, 5],
};

interface Answer {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

interface Task {
  id: string;
  model: string;
  body: Record<string, unknown>;
  scenario: Scenario;
  polls: number;
  seed: number;
  width: number;
  height: number;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}

export async function startBflDouble(opts: BflDoubleOptions = {}): Promise<BflDouble> {
  let scenario: Scenario = opts.scenario ?? 'success';
  const requests: RecordedRequest[] = [];
  const stored = new Map<string, Task>();
  const samples = new Map<string, Buffer>();
  const tasks: BflDouble['tasks'] = new Map();
  let counter = 0;
  let base = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      route(req, raw)
        .catch((error: unknown) => json(500, { detail: `bfl-double crashed: ${String(error)}` }))
        .then((answer) => send(req, res, raw, answer));
    });
  });

  function send(req: IncomingMessage, res: ServerResponse, raw: string, answer: Answer): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'x-key' || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    let body: unknown = raw;
    try {
      body = raw === '' ? '' : JSON.parse(raw);
    } catch {
      // Kept as text: the record shows what was actually sent.
    }
    const [path, query = ''] = (req.url ?? '').split('?') as [string, string?];
    requests.push({
      method: req.method ?? '',
      path,
      query,
      headers,
      key: req.headers['x-key'] !== undefined,
      body,
      status: answer.status,
    });
    if (res.destroyed) return;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  async function route(req: IncomingMessage, raw: string): Promise<Answer> {
    const method = req.method ?? '';
    const url = new URL(req.url ?? '/', 'http://double');
    const sample = /^\/delivery\/([\w-]+)\/sample\.png$/.exec(url.pathname);
    if (method === 'GET' && sample) {
      // The delivery host is blob storage with signed URLs: an expired one answers 403.
      const bytes = samples.get(sample[1]!);
      if (!bytes || scenario === 'expired_sample') {
        return {
          status: 403,
          body: '<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed</Message></Error>',
          headers: { 'content-type': 'application/xml' },
        };
      }
      return { status: 200, body: bytes, headers: { 'content-type': 'image/png' } };
    }
    const key = req.headers['x-key'];
    if (typeof key !== 'string' || key.trim() === '') return json(403, { detail: 'Not authenticated' });
    if (scenario === 'invalid_key' || !/^(bfl_)?[\w-]{16,}$/.test(key))
      return json(401, { detail: 'Invalid API key' });

    if (method === 'GET' && url.pathname === '/v1/credits') return json(200, { credits: 1234.5 });
    if (method === 'GET' && url.pathname === '/v1/get_result') return poll(url.searchParams.get('id') ?? '');
    const model = /^\/v1\/([\w.-]+)$/.exec(url.pathname)?.[1];
    if (method === 'POST' && model && MODELS[model]) return submit(req, raw, model);
    return json(404, { detail: 'Not Found' });
  }

  async function submit(req: IncomingMessage, raw: string, model: string): Promise<Answer> {
    if ((req.headers['content-type'] ?? '').split(';')[0]!.trim() !== 'application/json') {
      return json(422, {
        detail: [{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }],
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return json(422, { detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return json(422, {
        detail: [{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }],
      });
    }
    const fields = body as Record<string, unknown>;
    const errors = validate(MODELS[model]!, fields);
    if (errors.length > 0) return json(422, { detail: errors });
    switch (scenario) {
      case 'insufficient_credits':
        return json(402, {
          detail: 'Insufficient credits. Please add credits to your account at https://dashboard.bfl.ai.',
        });
      case 'rate_limited':
        return json(429, {
          detail:
            'You have exceeded the maximum number of active tasks (24). Please wait for some tasks to complete.',
        });
      case 'server_error':
        return json(500, { detail: 'Internal Server Error' });
    }

    counter += 1;
    const id = randomUUID();
    const { width, height } = await sizeOf(fields);
    const task: Task = {
      id,
      model,
      body: fields,
      scenario,
      polls: 0,
      seed: typeof fields.seed === 'number' ? fields.seed : 1 + Math.floor(Math.random() * 100_000),
      width,
      height,
    };
    stored.set(id, task);
    tasks.set(id, { model, body: fields, polls: 0 });
    const answer: Record<string, unknown> = {
      id,
      polling_url: `${opts.pollingOrigin ?? base}/v1/get_result?id=${id}`,
    };
    const prices = MP_PRICES[model];
    if (prices) {
      const outputMp = Math.round((width * height) / 10_000) / 100;
      const inputMp = typeof fields.input_image === 'string' ? 1 : 0;
      answer.cost =
        Math.round((prices[0] + Math.max(0, outputMp - 1) * prices[1] + inputMp * prices[1]) * 100) / 100;
      answer.input_mp = inputMp;
      answer.output_mp = outputMp;
    }
    return json(200, answer);
  }

  async function poll(id: string): Promise<Answer> {
    const task = stored.get(id);
    if (!task || task.scenario === 'task_not_found')
      return json(200, { id, status: 'Task not found', result: null });
    task.polls += 1;
    tasks.get(id)!.polls = task.polls;
    if (task.scenario === 'poll_flaky' && task.polls === 1) return json(502, { detail: 'Bad Gateway' });
    const pending = task.scenario === 'never_finishes' || (task.scenario === 'pending' && task.polls < 3);
    if (pending)
      return json(200, { id, status: 'Pending', result: null, progress: Math.min(0.9, task.polls * 0.3) });
    switch (task.scenario) {
      case 'request_moderated':
        return json(200, {
          id,
          status: 'Request Moderated',
          result: null,
          details: { 'Moderation Reasons': ['Derivative Works Filter'] },
        });
      case 'content_moderated':
        return json(200, {
          id,
          status: 'Content Moderated',
          result: null,
          details: { 'Moderation Reasons': ['NSFW'] },
        });
      case 'error':
        return json(200, { id, status: 'Error', result: null, details: 'Generation failed, please retry' });
    }
    if (!samples.has(id)) {
      samples.set(
        id,
        task.scenario === 'not_an_image' ? Buffer.from('this is no png') : await makeImage(task),
      );
    }
    return json(200, {
      id,
      status: 'Ready',
      result: {
        sample: `${base}/delivery/${id}/sample.png`,
        prompt: task.body.prompt,
        seed: task.seed,
        start_time: 1_800_000_000,
        end_time: 1_800_000_004,
        duration: 4,
      },
      progress: null,
    });
  }

  async function sizeOf(fields: Record<string, unknown>): Promise<{ width: number; height: number }> {
    if (typeof fields.width === 'number' && typeof fields.height === 'number') {
      return { width: fields.width, height: fields.height };
    }
    if (typeof fields.aspect_ratio === 'string') {
      const [w, h] = fields.aspect_ratio.split(':').map(Number) as [number, number];
      const width = Math.round(Math.sqrt((1024 * 1024 * w) / h) / 32) * 32;
      return { width, height: Math.round((width * h) / w / 32) * 32 };
    }
    if (typeof fields.input_image === 'string') {
      const meta = await sharp(Buffer.from(fields.input_image, 'base64')).metadata();
      return { width: meta.width ?? 1024, height: meta.height ?? 1024 };
    }
    return { width: 1024, height: 768 };
  }

  async function makeImage(task: Task): Promise<Buffer> {
    let { width, height } = task;
    if (opts.maxImageSide) {
      const scale = Math.min(1, opts.maxImageSide / Math.max(width, height));
      width = Math.max(1, Math.round(width * scale));
      height = Math.max(1, Math.round(height * scale));
    }
    const pixels = Buffer.alloc(width * height * 3, (counter * 67) % 256);
    pixels.writeUInt32BE(counter, 0);
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
    tasks,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface FieldError {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** Checks the body the way the model's input model does; extra fields are refused. */
function validate(schema: Record<string, Rule>, body: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
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
      } else if (rule.ratio) {
        const match = /^(\d+):(\d+)$/.exec(value);
        const ratio = match ? Number(match[1]) / Number(match[2]) : 0;
        if (!match || ratio > 21 / 9 + 1e-9 || ratio < 9 / 21 - 1e-9) {
          add(name, 'Aspect ratio must be between 21:9 and 9:21, written like 16:9', 'value_error');
        }
      }
    } else if (rule.type === 'boolean') {
      if (typeof value !== 'boolean') add(name, 'Input should be a valid boolean', 'bool_type');
    } else if (typeof value !== 'number' || (rule.type === 'integer' && !Number.isInteger(value))) {
      add(name, `Input should be a valid ${rule.type}`, rule.type === 'integer' ? 'int_type' : 'float_type');
    } else if (rule.min !== undefined && value < rule.min) {
      add(name, `Input should be greater than or equal to ${rule.min}`, 'greater_than_equal');
    } else if (rule.max !== undefined && value > rule.max) {
      add(name, `Input should be less than or equal to ${rule.max}`, 'less_than_equal');
    } else if (rule.multiple !== undefined && value % rule.multiple !== 0) {
      add(name, `Input should be a multiple of ${rule.multiple}`, 'multiple_of');
    }
  }
  if (
    typeof body.width === 'number' &&
    typeof body.height === 'number' &&
    body.width * body.height > 4_194_304
  ) {
    add('width', 'The image may have at most 4 megapixels', 'value_error');
  }
  return errors;
}
