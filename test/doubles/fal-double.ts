/**
 * A protocol double of fal's queue API for the FLUX endpoints, for tests (product code never imports it).
 * Submit (`POST /fal-ai/flux/{schnell|dev}`, `/fal-ai/flux/dev/image-to-image`) checks the `Key id:secret` header and
 * the JSON body; status, result and cancel live under the app id without the sub-path (`/fal-ai/flux/requests/{id}…`),
 * as on the real queue. Input errors surface on the result as fal's model errors (`{ detail: [{ loc, msg, type }] }`),
 * infrastructure errors as request errors (`{ detail, error_type }`). The double also serves the image files (the
 * fal.media role) and can make them expire. The key sent never chooses an outcome.
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

export interface RecordedRequest extends RecordedBase {
  /** Whether an Authorization header was sent; its value is never kept. */
  authorization: boolean;
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

type Rule = FieldRule;

const URL_OR_DATA: Rule = {
  type: 'string',
  required: true,
  format: (value) =>
    /^(https?:\/\/|data:image\/(png|jpeg|webp);base64,)/.test(value)
      ? null
      : { msg: 'Input should be a valid URL or a data URI', type: 'url_parsing' },
};

const TEXT: Record<string, Rule> = {
  prompt: { type: 'string', required: true },
  image_size: {
    type: 'custom',
    check: (value) => {
      const named = typeof value === 'string' && Object.hasOwn(NAMED_SIZES, value);
      const custom =
        isObject(value) &&
        Object.keys(value).every((k) => k === 'width' || k === 'height') &&
        [value.width, value.height].every(
          (v) => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 14_142,
        );
      return named || custom
        ? null
        : {
            msg: `Input should be one of ${Object.keys(NAMED_SIZES).join(', ')} or { width, height }`,
            type: 'image_size',
          };
    },
  },
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
    image_url: URL_OR_DATA,
    strength: { type: 'number', min: 0.01, max: 1 },
    num_inference_steps: { type: 'integer', min: 10, max: 50 },
    guidance_scale: { type: 'number', min: 1, max: 20 },
    seed: { type: 'integer' },
    num_images: { type: 'integer', min: 1, max: 4 },
    enable_safety_checker: { type: 'boolean' },
    sync_mode: { type: 'boolean' },
  },
};

type ModelError = FieldError;

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

function modelErrors(status: number, errors: ModelError[]): Answer {
  const detail = errors.map((e) => ({ ...e, url: `https://docs.fal.ai/errors/#${e.type}` }));
  return json(status, { detail });
}

export async function startFalDouble(opts: FalDoubleOptions = {}): Promise<FalDouble> {
  const scenario = scenarioState<Scenario>(opts.scenario ?? 'success');
  const stored = new Map<string, Stored>();
  const media = new ImageHost({
    missing: { status: 404, body: 'Not Found', headers: { 'content-type': 'text/plain' } },
  });
  const queued: FalDouble['queued'] = new Map();
  let counter = 0;
  const server = await startDoubleServer<RecordedRequest>({
    secretHeaders: ['authorization'],
    describe: ({ req }) => ({ authorization: req.headers.authorization !== undefined }),
    answer: route,
    crashed: (error) =>
      json(500, { detail: `fal-double crashed: ${String(error)}`, error_type: 'internal_error' }),
  });
  const queueOrigin = () => opts.queueOrigin ?? server.url;

  async function route({ req, method, path, text: raw }: Incoming): Promise<Answer> {
    if (method === 'GET' && /^\/files\/[\w-]+\.png$/.test(path)) {
      return media.serve(method, path, scenario.current === 'expired_output');
    }
    const auth = checkKey(req.headers.authorization);
    if (auth) return auth;
    if (scenario.current === 'invalid_key')
      return json(401, { detail: 'No user found for Key ID and Secret' });
    if (scenario.current === 'locked_balance') {
      return json(403, {
        detail: 'User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
      });
    }
    if (scenario.current === 'forbidden')
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
    if (contentType(req) !== 'application/json') {
      return json(400, { detail: 'Content-Type must be application/json', error_type: 'bad_request' });
    }
    const parsed = jsonOf(raw);
    if (!parsed)
      return json(400, { detail: 'The request body is not valid JSON', error_type: 'bad_request' });
    const body = parsed.value;
    if (!isObject(body)) {
      return json(400, { detail: 'The request body must be a JSON object', error_type: 'bad_request' });
    }
    if (scenario.current === 'rate_limited')
      return json(429, { detail: 'Too many concurrent requests for this key.' });
    if (scenario.current === 'server_error')
      return json(500, { detail: 'Internal Server Error', error_type: 'internal_error' });

    counter += 1;
    const id = randomUUID();
    const app = endpoint.split('/').slice(0, 2).join('/');
    const request: Stored = {
      id,
      app,
      endpoint,
      body,
      scenario: scenario.current,
      status: 'IN_QUEUE',
      polls: 0,
      cancelled: false,
      errors: pydanticErrors(ENDPOINTS[endpoint]!, body),
      result: null,
    };
    stored.set(id, request);
    queued.set(id, { endpoint, body: request.body, status: request.status, cancelled: false });
    const at = `${queueOrigin()}/${app}/requests/${id}`;
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
    const at = `${queueOrigin()}/${request.app}/requests/${request.id}`;
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
      media.put(
        `/files/${name}`,
        request.scenario === 'not_an_image'
          ? Buffer.from('definitely not a png')
          : await stampedImage(width, height, counter, { blank: flagged }),
      );
      images.push({ url: `${server.url}/files/${name}`, width, height, content_type: 'image/png' });
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
    return fitWithin(width, height, opts.maxImageSide);
  }

  return doubleFace(server, scenario, { queued });
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
