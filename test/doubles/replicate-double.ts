/**
 * A protocol double of Replicate's predictions API (official FLUX models) for tests; product code never imports it.
 * It checks each request as the real API does (route, Bearer token, JSON body, `Prefer: wait=N`, every input against
 * the model's schema) and answers malformed ones with Replicate's `{ title, detail, status }` problem shape.
 * Predictions move through starting/processing/succeeded by scenario, and the double also serves the output
 * files (the replicate.delivery role), which it can make expire. The key sent never chooses an outcome.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import sharp from 'sharp';
import {
  type Answer,
  contentType,
  doubleFace,
  fitWithin,
  ImageHost,
  type Incoming,
  isObject,
  json,
  jsonOf,
  type RecordedBase,
  Rejection,
  scenarioState,
  stampedImage,
  startDoubleServer,
} from './kit';

export const SCENARIOS = [
  'success',
  'queued',
  'never_finishes',
  'sensitive',
  'nsfw',
  'model_error',
  'canceled_elsewhere',
  'invalid_token',
  'insufficient_credit',
  'throttled',
  'throttled_retry_after',
  'server_error',
  'poll_flaky',
  'partial_outputs',
  'expired_output',
  'not_an_image',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface RecordedRequest extends RecordedBase {
  /** Whether an Authorization header was sent; its value is never kept. */
  authorization: boolean;
}

export interface ReplicateDoubleOptions {
  scenario?: Scenario;
  /** Largest side of the PNGs it serves; about 1 MP at the requested ratio when unset. */
  maxImageSide?: number;
}

export interface ReplicateDouble {
  url: string;
  readonly scenario: Scenario;
  setScenario(scenario: Scenario): void;
  requests: RecordedRequest[];
  /** Every prediction created, by id, with the input it was given. */
  predictions: Map<string, { model: string; input: Record<string, unknown>; status: string }>;
  close(): Promise<void>;
}

const RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'];
const PRO_RATIOS = ['custom', '1:1', '16:9', '3:2', '2:3', '4:5', '5:4', '9:16', '3:4', '4:3'];
const FORMATS = ['webp', 'jpg', 'png'];
const TOP_LEVEL = new Set(['input', 'webhook', 'webhook_events_filter', 'stream']);
const SENSITIVE =
  'The input or output was flagged as sensitive. Please try again with different inputs. (E005)';

type Rule =
  | { type: 'string'; required?: boolean; oneOf?: readonly string[]; uri?: boolean }
  | { type: 'integer'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'boolean' };

const SCHNELL: Record<string, Rule> = {
  prompt: { type: 'string', required: true },
  aspect_ratio: { type: 'string', oneOf: RATIOS },
  num_outputs: { type: 'integer', min: 1, max: 4 },
  num_inference_steps: { type: 'integer', min: 1, max: 4 },
  seed: { type: 'integer' },
  output_format: { type: 'string', oneOf: FORMATS },
  output_quality: { type: 'integer', min: 0, max: 100 },
  disable_safety_checker: { type: 'boolean' },
  go_fast: { type: 'boolean' },
  megapixels: { type: 'string', oneOf: ['1', '0.25'] },
};
/** The input schema of each official model the double knows. */
export const MODELS: Record<string, Record<string, Rule>> = {
  'black-forest-labs/flux-schnell': SCHNELL,
  'black-forest-labs/flux-dev': {
    ...SCHNELL,
    num_inference_steps: { type: 'integer', min: 1, max: 50 },
    guidance: { type: 'number', min: 0, max: 10 },
    image: { type: 'string', uri: true },
    prompt_strength: { type: 'number', min: 0, max: 1 },
  },
  'black-forest-labs/flux-1.1-pro': {
    prompt: { type: 'string', required: true },
    image_prompt: { type: 'string', uri: true },
    aspect_ratio: { type: 'string', oneOf: PRO_RATIOS },
    width: { type: 'integer', min: 256, max: 1440 },
    height: { type: 'integer', min: 256, max: 1440 },
    safety_tolerance: { type: 'integer', min: 1, max: 6 },
    seed: { type: 'integer' },
    prompt_upsampling: { type: 'boolean' },
    output_format: { type: 'string', oneOf: FORMATS },
    output_quality: { type: 'integer', min: 0, max: 100 },
  },
};
/** Models whose output is one URL rather than a list. */
const SINGLE_OUTPUT = new Set(['black-forest-labs/flux-1.1-pro']);

function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
  headers = {},
): Answer {
  return {
    status,
    body: JSON.stringify({ title, detail, status, ...extra }),
    headers: { 'content-type': 'application/problem+json', ...headers },
  };
}

interface Stored {
  id: string;
  model: string;
  input: Record<string, unknown>;
  scenario: Scenario;
  status: string;
  polls: number;
  createdAt: string;
  output: string[];
  error: string | null;
  logs: string;
}

export async function startReplicateDouble(opts: ReplicateDoubleOptions = {}): Promise<ReplicateDouble> {
  const scenario = scenarioState<Scenario>(opts.scenario ?? 'success');
  const stored = new Map<string, Stored>();
  // The delivery host takes no token; an expired or unknown file is a plain 404.
  const delivery = new ImageHost({
    missing: { status: 404, body: 'Not Found', headers: { 'content-type': 'text/plain' } },
  });
  const predictions: ReplicateDouble['predictions'] = new Map();
  let counter = 0;
  const server = await startDoubleServer<RecordedRequest>({
    secretHeaders: ['authorization'],
    describe: ({ req }) => ({ authorization: req.headers.authorization !== undefined }),
    answer: route,
    crashed: (error) => problem(500, 'Internal Server Error', `replicate-double crashed: ${String(error)}`),
  });

  async function route({ req, method, path, text: raw }: Incoming): Promise<Answer> {
    if (method === 'GET' && /^\/delivery\/[\w-]+\/out-\d+\.png$/.test(path)) {
      return delivery.serve(method, path, scenario.current === 'expired_output');
    }
    checkToken(req.headers.authorization);
    if (scenario.current === 'invalid_token') {
      return problem(401, 'Unauthenticated', 'You did not pass a valid authentication token');
    }
    if (method === 'GET' && path === '/v1/account') {
      return json(200, { type: 'user', username: 'atelier-test', name: 'Atelier Test', github_url: null });
    }
    const create = /^\/v1\/models\/([\w.-]+)\/([\w.-]+)\/predictions$/.exec(path);
    if (method === 'POST' && create) return createPrediction(req, raw, `${create[1]}/${create[2]}`);
    const get = /^\/v1\/predictions\/([\w-]+)$/.exec(path);
    if (method === 'GET' && get) return poll(get[1]!);
    const cancel = /^\/v1\/predictions\/([\w-]+)\/cancel$/.exec(path);
    if (method === 'POST' && cancel) return cancelPrediction(cancel[1]!);
    return problem(404, 'Not found', 'The requested resource could not be found.');
  }

  async function createPrediction(req: IncomingMessage, raw: string, model: string): Promise<Answer> {
    const schema = MODELS[model];
    if (!schema)
      return problem(
        404,
        'Model not found',
        `The model ${model} does not exist or you do not have access to it.`,
      );
    const prefer = typeof req.headers.prefer === 'string' ? req.headers.prefer : undefined;
    let wait = false;
    if (prefer !== undefined) {
      const match = /^wait(?:=(\d+))?$/.exec(prefer.trim());
      const seconds = match?.[1] === undefined ? 60 : Number(match[1]);
      if (!match || seconds < 1 || seconds > 60) {
        return problem(
          400,
          'Invalid Prefer header',
          'Prefer must be "wait" or "wait=n" with n from 1 to 60 seconds.',
        );
      }
      wait = true;
    }
    if (contentType(req) !== 'application/json') {
      return problem(
        415,
        'Unsupported media type',
        'The request body must be JSON (Content-Type: application/json).',
      );
    }
    const parsed = jsonOf(raw);
    if (!parsed) return problem(400, 'Invalid JSON', 'The request body is not valid JSON.');
    const body = parsed.value;
    if (!isObject(body) || !isObject(body.input)) {
      return invalid([
        { field: 'input', type: 'required', description: 'input is required and must be an object' },
      ]);
    }
    const extra = Object.keys(body).filter((k) => !TOP_LEVEL.has(k));
    if (extra.length > 0) return problem(400, 'Invalid request', `Unexpected field(s): ${extra.join(', ')}`);
    const input = body.input;
    validateInput(schema, input);
    switch (scenario.current) {
      case 'insufficient_credit':
        return problem(
          402,
          'Insufficient credit',
          'You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit. Once you purchase credit, please wait a few minutes before trying again.',
        );
      case 'throttled':
        return problem(429, 'Request was throttled', 'Request was throttled. Your rate limit resets in ~7s.');
      case 'throttled_retry_after':
        return problem(429, 'Request was throttled', 'Request was throttled.', {}, { 'retry-after': '12' });
      case 'server_error':
        return {
          status: 500,
          body: '<html><body>Internal Server Error</body></html>',
          headers: { 'content-type': 'text/html' },
        };
    }

    counter += 1;
    const id = `${randomBytes(10).toString('hex')}${counter}`;
    const seed = typeof input.seed === 'number' ? input.seed : 1 + Math.floor(Math.random() * 100_000);
    const prediction: Stored = {
      id,
      model,
      input,
      scenario: scenario.current,
      status: 'starting',
      polls: 0,
      createdAt: new Date().toISOString(),
      output: [],
      error: null,
      logs: `Using seed: ${seed}\n`,
    };
    stored.set(id, prediction);
    predictions.set(id, { model, input, status: prediction.status });
    const waits = !['queued', 'never_finishes', 'poll_flaky'].includes(scenario.current);
    if (wait && waits) await settle(prediction);
    return json(201, view(prediction));
  }

  async function poll(id: string): Promise<Answer> {
    const prediction = stored.get(id);
    if (!prediction) return problem(404, 'Not found', 'The requested resource could not be found.');
    prediction.polls += 1;
    if (prediction.scenario === 'poll_flaky' && prediction.polls === 1) {
      return { status: 503, body: 'upstream connect error', headers: { 'content-type': 'text/plain' } };
    }
    if (prediction.status === 'starting' || prediction.status === 'processing') {
      const done = prediction.scenario !== 'never_finishes' && prediction.polls >= 3;
      if (done) await settle(prediction);
      else {
        prediction.status = 'processing';
        const step = Math.min(27, prediction.polls * 9);
        prediction.logs += `${Math.round((step / 28) * 100)}%|███       | ${step}/28\n`;
      }
    }
    predictions.get(id)!.status = prediction.status;
    return json(200, view(prediction));
  }

  function cancelPrediction(id: string): Answer {
    const prediction = stored.get(id);
    if (!prediction) return problem(404, 'Not found', 'The requested resource could not be found.');
    if (prediction.status === 'starting' || prediction.status === 'processing')
      prediction.status = 'canceled';
    predictions.get(id)!.status = prediction.status;
    return json(200, view(prediction));
  }

  /** Runs the prediction to its end as the scenario says, making the output files. */
  async function settle(prediction: Stored): Promise<void> {
    switch (prediction.scenario) {
      case 'sensitive':
        prediction.status = 'failed';
        prediction.error = SENSITIVE;
        break;
      case 'nsfw':
        prediction.status = 'failed';
        prediction.error =
          'All generated images contained NSFW content. Try running it again with a different prompt.';
        break;
      case 'model_error':
        prediction.status = 'failed';
        prediction.error = 'CUDA out of memory. Tried to allocate 2.00 GiB';
        break;
      case 'canceled_elsewhere':
        prediction.status = 'canceled';
        break;
      default: {
        const count = typeof prediction.input.num_outputs === 'number' ? prediction.input.num_outputs : 1;
        const made = prediction.scenario === 'partial_outputs' ? Math.max(1, count - 1) : count;
        for (let i = 0; i < made; i += 1) {
          const name = `${prediction.id}/out-${i}.png`;
          delivery.put(
            `/delivery/${name}`,
            prediction.scenario === 'not_an_image'
              ? Buffer.from('not an image at all')
              : await makeImage(prediction.input, i),
          );
          prediction.output.push(`${server.url}/delivery/${name}`);
        }
        prediction.logs += '100%|██████████| 28/28\n';
        prediction.status = 'succeeded';
      }
    }
    predictions.get(prediction.id)!.status = prediction.status;
  }

  function view(p: Stored): Record<string, unknown> {
    const done = ['succeeded', 'failed', 'canceled'].includes(p.status);
    const output = p.status !== 'succeeded' ? null : SINGLE_OUTPUT.has(p.model) ? p.output[0] : p.output;
    return {
      id: p.id,
      model: p.model,
      version: 'hidden',
      input: p.input,
      logs: p.logs,
      output,
      data_removed: false,
      error: p.error,
      status: p.status,
      created_at: p.createdAt,
      completed_at: done ? new Date().toISOString() : null,
      urls: {
        cancel: `${server.url}/v1/predictions/${p.id}/cancel`,
        get: `${server.url}/v1/predictions/${p.id}`,
        web: `https://replicate.com/p/${p.id}`,
      },
      metrics: p.status === 'succeeded' ? { predict_time: 1.2, image_count: p.output.length } : {},
    };
  }

  async function makeImage(input: Record<string, unknown>, index: number): Promise<Buffer> {
    let ratio = 1;
    if (
      input.aspect_ratio === 'custom' &&
      typeof input.width === 'number' &&
      typeof input.height === 'number'
    ) {
      ratio = input.width / input.height;
    } else if (typeof input.image === 'string') {
      const meta = await sharp(Buffer.from(input.image.split(',')[1] ?? '', 'base64')).metadata();
      ratio = (meta.width ?? 1) / (meta.height ?? 1);
    } else if (typeof input.aspect_ratio === 'string') {
      const [w, h] = input.aspect_ratio.split(':').map(Number) as [number, number];
      ratio = w / h;
    }
    const width = Math.round(Math.sqrt(1024 * 1024 * ratio) / 16) * 16;
    const size = fitWithin(width, Math.round(width / ratio / 16) * 16, opts.maxImageSide);
    return stampedImage(size.width, size.height, counter * 8 + index);
  }

  return doubleFace(server, scenario, { predictions });
}

function checkToken(header: string | undefined): void {
  if (!header || !/^Bearer\s+\S/.test(header)) {
    throw new Rejection(problem(401, 'Unauthenticated', 'You did not pass an authentication token'));
  }
  if (!header.replace(/^Bearer\s+/, '').startsWith('r8_')) {
    throw new Rejection(problem(401, 'Unauthenticated', 'You did not pass a valid authentication token'));
  }
}

interface InvalidField {
  field: string;
  type: string;
  description: string;
}

function invalid(fields: InvalidField[]): Answer {
  const detail = fields.map((f) => `- ${f.field}: ${f.description}`).join('\n');
  return problem(422, 'Input validation failed', `${detail}\n`, { invalid_fields: fields });
}

/** Checks each input against the model's schema; an input the model does not declare is refused. */
function validateInput(schema: Record<string, Rule>, input: Record<string, unknown>): void {
  const problems: InvalidField[] = [];
  const add = (name: string, type: string, description: string) =>
    problems.push({ field: `input.${name}`, type, description });
  for (const [name, rule] of Object.entries(schema)) {
    if (rule.type === 'string' && rule.required && input[name] === undefined)
      add(name, 'required', `${name} is required`);
  }
  for (const [name, value] of Object.entries(input)) {
    const rule = schema[name];
    if (!rule) {
      add(name, 'additional_property_not_allowed', `Additional property ${name} is not allowed`);
      continue;
    }
    if (rule.type === 'string') {
      if (typeof value !== 'string') add(name, 'invalid_type', 'Invalid type. Expected: string');
      else if (rule.oneOf && !rule.oneOf.includes(value)) {
        add(
          name,
          'enum',
          `${name} must be one of the following: ${rule.oneOf.map((v) => `"${v}"`).join(', ')}`,
        );
      } else if (rule.uri && !/^(https?:\/\/|data:image\/(png|jpeg|webp|gif);base64,)/.test(value)) {
        add(name, 'format', "Does not match format 'uri'");
      }
    } else if (rule.type === 'boolean') {
      if (typeof value !== 'boolean') add(name, 'invalid_type', 'Invalid type. Expected: boolean');
    } else {
      const integer = rule.type === 'integer';
      if (typeof value !== 'number' || (integer && !Number.isInteger(value))) {
        add(name, 'invalid_type', `Invalid type. Expected: ${rule.type}`);
      } else if (rule.min !== undefined && value < rule.min) {
        add(name, 'number_gte', `Must be greater than or equal to ${rule.min}`);
      } else if (rule.max !== undefined && value > rule.max) {
        add(name, 'number_lte', `Must be less than or equal to ${rule.max}`);
      }
    }
  }
  if (problems.length > 0) throw new Rejection(invalid(problems));
}
