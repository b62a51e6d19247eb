/**
 * A protocol double of the Black Forest Labs FLUX API for tests (product code never imports it).
 * `POST /v1/{model}` checks the `x-key` header and every field against the model's documented schema, answering
 * malformed requests the way BFL's FastAPI service does (422 `{ detail: [{ loc, msg, type }] }`); tasks are then
 * followed through the returned `polling_url` (`GET /v1/get_result?id=…`) by scenario. The double also serves the
 * result samples (the delivery host's role, no key) and can let them expire. The key never chooses an outcome.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import sharp from 'sharp';
import {
  type Answer,
  contentType,
  doubleFace,
  type FieldError,
  type FieldRule,
  fitWithin,
  ImageHost,
  type Incoming,
  isObject,
  json,
  jsonOf,
  pydanticErrors,
  type RecordedBase,
  scenarioState,
  stampedImage,
  startDoubleServer,
} from './kit';

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

export interface RecordedRequest extends RecordedBase {
  query: string;
  /** Whether an x-key header was sent at all; its value is never kept. */
  key: boolean;
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

type Rule = FieldRule;

/** Ultra and Kontext take any ratio from 21:9 to 9:21, written like 16:9. */
const RATIO: Rule = {
  type: 'string',
  format: (value) => {
    const match = /^(\d+):(\d+)$/.exec(value);
    const ratio = match ? Number(match[1]) / Number(match[2]) : 0;
    return !match || ratio > 21 / 9 + 1e-9 || ratio < 9 / 21 - 1e-9
      ? { msg: 'Aspect ratio must be between 21:9 and 9:21, written like 16:9', type: 'value_error' }
      : null;
  },
};

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
    aspect_ratio: RATIO,
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
    aspect_ratio: RATIO,
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

export async function startBflDouble(opts: BflDoubleOptions = {}): Promise<BflDouble> {
  const scenario = scenarioState<Scenario>(opts.scenario ?? 'success');
  const stored = new Map<string, Task>();
  // The delivery host is blob storage with signed URLs: an expired one answers 403.
  const expired: Answer = {
    status: 403,
    body: '<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed</Message></Error>',
    headers: { 'content-type': 'application/xml' },
  };
  const delivery = new ImageHost({ missing: expired });
  const tasks: BflDouble['tasks'] = new Map();
  let counter = 0;
  const server = await startDoubleServer<RecordedRequest>({
    secretHeaders: ['x-key'],
    describe: ({ req }) => ({
      query: (req.url ?? '').split('?')[1] ?? '',
      key: req.headers['x-key'] !== undefined,
    }),
    answer: route,
    crashed: (error) => json(500, { detail: `bfl-double crashed: ${String(error)}` }),
  });

  async function route({ req, method, url, text: raw }: Incoming): Promise<Answer> {
    if (method === 'GET' && /^\/delivery\/[\w-]+\/sample\.png$/.test(url.pathname)) {
      return delivery.serve(method, url.pathname, scenario.current === 'expired_sample');
    }
    const key = req.headers['x-key'];
    if (typeof key !== 'string' || key.trim() === '') return json(403, { detail: 'Not authenticated' });
    if (scenario.current === 'invalid_key' || !/^(bfl_)?[\w-]{16,}$/.test(key))
      return json(401, { detail: 'Invalid API key' });

    if (method === 'GET' && url.pathname === '/v1/credits') return json(200, { credits: 1234.5 });
    if (method === 'GET' && url.pathname === '/v1/get_result') return poll(url.searchParams.get('id') ?? '');
    const model = /^\/v1\/([\w.-]+)$/.exec(url.pathname)?.[1];
    if (method === 'POST' && model && MODELS[model]) return submit(req, raw, model);
    return json(404, { detail: 'Not Found' });
  }

  async function submit(req: IncomingMessage, raw: string, model: string): Promise<Answer> {
    const notDictionary = json(422, {
      detail: [{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }],
    });
    if (contentType(req) !== 'application/json') return notDictionary;
    const parsed = jsonOf(raw);
    if (!parsed) {
      return json(422, { detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] });
    }
    const fields = parsed.value;
    if (!isObject(fields)) return notDictionary;
    const errors = validate(MODELS[model]!, fields);
    if (errors.length > 0) return json(422, { detail: errors });
    switch (scenario.current) {
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
      scenario: scenario.current,
      polls: 0,
      seed: typeof fields.seed === 'number' ? fields.seed : 1 + Math.floor(Math.random() * 100_000),
      width,
      height,
    };
    stored.set(id, task);
    tasks.set(id, { model, body: fields, polls: 0 });
    const answer: Record<string, unknown> = {
      id,
      polling_url: `${opts.pollingOrigin ?? server.url}/v1/get_result?id=${id}`,
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
    const sample = `/delivery/${id}/sample.png`;
    if (!delivery.has(sample)) {
      delivery.put(
        sample,
        task.scenario === 'not_an_image' ? Buffer.from('this is no png') : await makeImage(task),
      );
    }
    return json(200, {
      id,
      status: 'Ready',
      result: {
        sample: `${server.url}${sample}`,
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

  function makeImage(task: Task): Promise<Buffer> {
    const { width, height } = fitWithin(task.width, task.height, opts.maxImageSide);
    return stampedImage(width, height, counter);
  }

  return doubleFace(server, scenario, { tasks });
}

/** The model's input checks, and BFL's own limit of 4 megapixels. */
function validate(schema: Record<string, Rule>, body: Record<string, unknown>): FieldError[] {
  const errors = pydanticErrors(schema, body);
  if (
    typeof body.width === 'number' &&
    typeof body.height === 'number' &&
    body.width * body.height > 4_194_304
  ) {
    errors.push({
      loc: ['body', 'width'],
      msg: 'The image may have at most 4 megapixels',
      type: 'value_error',
    });
  }
  return errors;
}
