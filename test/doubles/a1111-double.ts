/**
 * A protocol double of the AUTOMATIC1111 / Forge web UI API (`--api`, optionally `--api-auth`).
 * Requests are checked the way the server does: pydantic-style 422s for wrong types and out-of-range
 * values, `HTTPException`s in A1111's `{ error, detail, body, errors }` shape (unknown sampler, bad
 * init image), FastAPI's `{ detail: "Not Found" }` when the API is off, 401 under --api-auth.
 * Generations block for `holdMs` and run one at a time (A1111's queue lock); `/progress` reports
 * the running one, `/interrupt` ends it early (A1111 then still answers 200 with what it has).
 * Unknown body fields are accepted, as A1111 ignores them; a missing checkpoint falls back silently.
 */
import { randomInt } from 'node:crypto';
import sharp from 'sharp';
import {
  type Answer,
  doubleFace,
  fitWithin,
  type Incoming,
  isObject,
  jsonOf,
  type RecordedBase,
  Rejection,
  scenarioState,
  stampedImage,
  startDoubleServer,
} from './kit';

export const A1111_SCENARIOS = [
  'success',
  /** The generation holds for `slowMs` (a test can cancel it mid-render). */
  'slow',
  /** The GPU runs out of memory: 500 OutOfMemoryError. */
  'oom',
  /** An unexpected crash: 500 RuntimeError. */
  'server_error',
  /** 200 without images (send_images false, or an extension that ate them). */
  'no_images',
  'malformed_json',
] as const;
export type A1111Scenario = (typeof A1111_SCENARIOS)[number];

export interface A1111RecordedRequest extends RecordedBase {
  query: Record<string, string>;
  /** Whether an Authorization header was sent; its value is never kept. */
  authorization: boolean;
}

export interface A1111Checkpoint {
  title: string;
  model_name: string;
  hash: string;
  filename: string;
}

export interface A1111DoubleOptions {
  scenario?: A1111Scenario;
  /** `user:password` as given to --api-auth. */
  auth?: string;
  /** False answers every /sdapi route with FastAPI's 404, as a server started without --api does. */
  api?: boolean;
  checkpoints?: A1111Checkpoint[];
  /** LoRA names; null answers 404 for /sdapi/v1/loras (the Lora extension is disabled). */
  loras?: string[] | null;
  holdMs?: number;
  slowMs?: number;
  maxImageSide?: number;
  /** Puts a grid first when batch_size > 1 (older builds; `index_of_first_image` is then 1). */
  returnGrid?: boolean;
}

export interface A1111Double {
  url: string;
  readonly scenario: A1111Scenario;
  setScenario(scenario: A1111Scenario): void;
  requests: A1111RecordedRequest[];
  /** How many generations `/interrupt` stopped. */
  readonly interrupted: number;
  close(): Promise<void>;
}

const DEFAULT_CHECKPOINTS: A1111Checkpoint[] = [
  {
    title: 'sd_xl_base_1.0.safetensors [31e35c80fc]',
    model_name: 'sd_xl_base_1.0',
    hash: '31e35c80fc',
    filename: '/models/Stable-diffusion/sd_xl_base_1.0.safetensors',
  },
  {
    title: 'v1-5-pruned-emaonly.safetensors [6ce0161689]',
    model_name: 'v1-5-pruned-emaonly',
    hash: '6ce0161689',
    filename: '/models/Stable-diffusion/v1-5-pruned-emaonly.safetensors',
  },
];
export const A1111_SAMPLERS = [
  'Euler a',
  'Euler',
  'DPM++ 2M',
  'DPM++ 2M Karras',
  'DPM++ SDE',
  'DDIM',
  'UniPC',
];

/** A1111's exception handler shape. */
function httpException(status: number, detail: string, headers?: Record<string, string>): Answer {
  return {
    status,
    body: { error: 'HTTPException', detail, body: '', errors: `${status}: ${detail}` },
    headers,
  };
}

/** Pydantic v1 validation errors as FastAPI returns them. */
function unprocessable(loc: string[], msg: string, type: string): never {
  throw new Rejection({ status: 422, body: { detail: [{ loc: ['body', ...loc], msg, type }] } });
}

interface Running {
  started: number;
  holdMs: number;
  steps: number;
  interrupted: boolean;
  finish: () => void;
}

export async function startA1111Double(opts: A1111DoubleOptions = {}): Promise<A1111Double> {
  const scenario = scenarioState<A1111Scenario>(opts.scenario ?? 'success');
  const checkpoints = opts.checkpoints ?? DEFAULT_CHECKPOINTS;
  const loras = opts.loras === undefined ? ['add_detail', 'film_grain'] : opts.loras;
  const holdMs = opts.holdMs ?? 30;
  const slowMs = opts.slowMs ?? 10_000;
  let loaded = checkpoints[0]!;
  let running: Running | null = null;
  let lock: Promise<void> = Promise.resolve();
  let interrupted = 0;
  let imageCounter = 0;
  const server = await startDoubleServer<A1111RecordedRequest>({
    secretHeaders: ['authorization'],
    describe: ({ req, url }) => ({
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization !== undefined,
    }),
    answer: answerFor,
    crashed: (error) => ({
      status: 500,
      body: {
        error: 'RuntimeError',
        detail: '',
        body: '',
        errors: error instanceof Error ? error.message : String(error),
      },
    }),
    headers: () => ({ 'content-type': 'application/json' }),
    onClose: () => running?.finish(),
  });

  async function answerFor({ req, url, text: raw }: Incoming): Promise<Answer> {
    const route = `${req.method} ${url.pathname}`;
    if (opts.api === false || !url.pathname.startsWith('/sdapi/v1/'))
      return { status: 404, body: { detail: 'Not Found' } };
    checkAuth(req.headers.authorization);
    switch (route) {
      case 'GET /sdapi/v1/sd-models':
        return { status: 200, body: checkpoints.map((c) => ({ ...c, sha256: null, config: null })) };
      case 'GET /sdapi/v1/loras':
        if (loras === null) return { status: 404, body: { detail: 'Not Found' } };
        return {
          status: 200,
          body: loras.map((name) => ({
            name,
            alias: name,
            path: `/models/Lora/${name}.safetensors`,
            metadata: {},
          })),
        };
      case 'GET /sdapi/v1/progress':
        return { status: 200, body: progress() };
      case 'POST /sdapi/v1/interrupt':
        if (running && !running.interrupted) {
          running.interrupted = true;
          interrupted += 1;
          running.finish();
        }
        return { status: 200, body: {} };
      case 'POST /sdapi/v1/txt2img':
      case 'POST /sdapi/v1/img2img':
        return generate(raw, route.endsWith('img2img'));
      default:
        return { status: 404, body: { detail: 'Not Found' } };
    }
  }

  function checkAuth(header: string | undefined): void {
    if (!opts.auth) return;
    const challenge = { 'www-authenticate': 'Basic' };
    if (!header?.startsWith('Basic '))
      throw new Rejection(httpException(401, 'Not authenticated', challenge));
    const given = Buffer.from(header.slice(6), 'base64').toString('utf8');
    if (given !== opts.auth)
      throw new Rejection(httpException(401, 'Incorrect username or password', challenge));
  }

  function progress(): Record<string, unknown> {
    const state = {
      skipped: false,
      interrupted: running?.interrupted ?? false,
      job: running ? 'scripts_txt2img' : '',
      job_count: running ? 1 : 0,
      job_timestamp: running ? '20261121120000' : '0',
      job_no: 0,
      sampling_step: 0,
      sampling_steps: 0,
    };
    if (!running) return { progress: 0, eta_relative: 0, state, current_image: null, textinfo: null };
    const elapsed = Date.now() - running.started;
    const fraction = Math.min(0.99, 0.01 + elapsed / running.holdMs);
    state.sampling_steps = running.steps;
    state.sampling_step = Math.min(running.steps, Math.floor(fraction * running.steps));
    const eta = elapsed / 1000 / fraction - elapsed / 1000;
    return { progress: fraction, eta_relative: eta, state, current_image: null, textinfo: null };
  }

  async function generate(raw: string, img2img: boolean): Promise<Answer> {
    const parsed = jsonOf(raw);
    if (!parsed) {
      throw new Rejection({
        status: 422,
        body: { detail: [{ loc: ['body', 0], msg: 'Expecting value', type: 'value_error.jsondecode' }] },
      });
    }
    const body = parsed.value;
    if (!isObject(body)) unprocessable([], 'value is not a valid dict', 'type_error.dict');
    const request = await validate(body, img2img);
    // The queue lock: one generation at a time, in arrival order.
    const turn = lock;
    let release = () => {};
    lock = new Promise((resolve) => {
      release = resolve;
    });
    await turn;
    try {
      return await render(request, img2img);
    } finally {
      release();
    }
  }

  async function render(request: Valid, img2img: boolean): Promise<Answer> {
    const overrides = request.override_settings;
    const asked = typeof overrides.sd_model_checkpoint === 'string' ? overrides.sd_model_checkpoint : null;
    if (asked !== null) {
      // A1111 resolves titles, file names and model names; an unknown one falls back to what is loaded.
      const match = checkpoints.find((c) =>
        [c.title, c.model_name, c.filename, c.hash].some(
          (n) => n === asked || `${c.model_name}.safetensors` === asked,
        ),
      );
      if (match) loaded = match;
    }
    const hold = scenario.current === 'slow' ? slowMs : holdMs;
    const ended = new AbortController();
    running = {
      started: Date.now(),
      holdMs: hold,
      steps: request.steps,
      interrupted: false,
      finish: () => ended.abort(),
    };
    await server.hold(hold, { until: ended.signal });
    running = null;
    if (scenario.current === 'oom') {
      return {
        status: 500,
        body: {
          error: 'OutOfMemoryError',
          detail: '',
          body: '',
          errors:
            'CUDA out of memory. Tried to allocate 2.25 GiB (GPU 0; 23.99 GiB total capacity; 20.12 GiB already allocated; 1.10 GiB free)',
        },
      };
    }
    if (scenario.current === 'server_error') {
      return {
        status: 500,
        body: {
          error: 'RuntimeError',
          detail: '',
          body: '',
          errors: 'Expected all tensors to be on the same device',
        },
      };
    }
    if (scenario.current === 'malformed_json') return { status: 200, body: '{"images": ["iVBORw0KGgo' };
    const seed = request.seed === -1 ? randomInt(0, 2 ** 32 - 1) : request.seed;
    const images: string[] = [];
    if (scenario.current !== 'no_images') {
      const grid = opts.returnGrid === true && request.batch_size > 1;
      if (grid) images.push((await makeImage(request.width * 2, request.height)).toString('base64'));
      for (let i = 0; i < request.batch_size * request.n_iter; i += 1) {
        images.push((await makeImage(request.width, request.height)).toString('base64'));
      }
    }
    const total = request.batch_size * request.n_iter;
    const info = {
      prompt: request.prompt,
      all_prompts: Array(total).fill(request.prompt),
      negative_prompt: request.negative_prompt,
      all_negative_prompts: Array(total).fill(request.negative_prompt),
      seed,
      all_seeds: Array.from({ length: total }, (_, i) => seed + i),
      subseed: 1234,
      all_subseeds: Array(total).fill(1234),
      subseed_strength: 0,
      width: request.width,
      height: request.height,
      sampler_name: request.sampler_name,
      cfg_scale: request.cfg_scale,
      steps: request.steps,
      batch_size: request.batch_size,
      restore_faces: false,
      sd_model_name: loaded.model_name,
      sd_model_hash: loaded.hash,
      seed_resize_from_w: -1,
      seed_resize_from_h: -1,
      denoising_strength: img2img ? request.denoising_strength : null,
      extra_generation_params: {},
      index_of_first_image: opts.returnGrid === true && request.batch_size > 1 ? 1 : 0,
      infotexts: Array(total).fill(`${request.prompt}\nSteps: ${request.steps}, Seed: ${seed}`),
      styles: [],
      job_timestamp: '20261121120000',
      clip_skip: 1,
      is_using_inpainting_conditioning: false,
    };
    const { init_images: _init, ...parameters } = request.raw;
    return { status: 200, body: { images, parameters, info: JSON.stringify(info) } };
  }

  function makeImage(w: number, h: number): Promise<Buffer> {
    const { width, height } = fitWithin(w, h, opts.maxImageSide);
    imageCounter += 1;
    return stampedImage(width, height, imageCounter);
  }

  return doubleFace(server, scenario, {
    get interrupted() {
      return interrupted;
    },
  });
}

interface Valid {
  prompt: string;
  negative_prompt: string;
  seed: number;
  steps: number;
  cfg_scale: number;
  width: number;
  height: number;
  batch_size: number;
  n_iter: number;
  sampler_name: string;
  denoising_strength: number;
  override_settings: Record<string, unknown>;
  raw: Record<string, unknown>;
}

/** The documented fields, typed and bounded as the web UI's API takes them (its sliders' ranges). */
async function validate(body: Record<string, unknown>, img2img: boolean): Promise<Valid> {
  const str = (name: string, fallback: string): string => {
    const value = body[name] ?? fallback;
    if (typeof value !== 'string') unprocessable([name], 'str type expected', 'type_error.str');
    return value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const value = body[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value))
      unprocessable([name], 'value is not a valid integer', 'type_error.integer');
    if (value < min)
      unprocessable(
        [name],
        `ensure this value is greater than or equal to ${min}`,
        'value_error.number.not_ge',
      );
    if (value > max)
      unprocessable([name], `ensure this value is less than or equal to ${max}`, 'value_error.number.not_le');
    return value;
  };
  const num = (name: string, fallback: number, min: number, max: number): number => {
    const value = body[name] ?? fallback;
    if (typeof value !== 'number') unprocessable([name], 'value is not a valid float', 'type_error.float');
    if (value < min || value > max)
      unprocessable([name], `ensure this value is between ${min} and ${max}`, 'value_error.number');
    return value;
  };
  const prompt = str('prompt', '');
  const negative = str('negative_prompt', '');
  const seed = int('seed', -1, -1, 2 ** 32 - 1);
  const steps = int('steps', 50, 1, 150);
  const cfg = num('cfg_scale', 7, 1, 30);
  const width = int('width', 512, 64, 2048);
  const height = int('height', 512, 64, 2048);
  for (const [name, side] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (side % 8 !== 0)
      unprocessable([name], 'ensure this value is a multiple of 8', 'value_error.number.not_multiple');
  }
  const batch = int('batch_size', 1, 1, 8);
  const iterations = int('n_iter', 1, 1, 100);
  const sampler = str('sampler_name', 'Euler a');
  if (!A1111_SAMPLERS.includes(sampler)) throw new Rejection(httpException(404, 'Sampler not found'));
  const overrides = body.override_settings ?? {};
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    unprocessable(['override_settings'], 'value is not a valid dict', 'type_error.dict');
  }
  let denoising = 0.75;
  if (img2img) {
    const init = body.init_images;
    if (init === undefined || init === null) throw new Rejection(httpException(404, 'Init image not found'));
    if (!Array.isArray(init) || init.length === 0 || init.some((i) => typeof i !== 'string')) {
      unprocessable(['init_images'], 'value is not a valid list of str', 'type_error.list');
    }
    for (const image of init as string[]) {
      const data = image.startsWith('data:image/') ? (image.split(',')[1] ?? '') : image;
      const meta = await sharp(Buffer.from(data, 'base64'))
        .metadata()
        .catch(() => null);
      if (!meta) throw new Rejection(httpException(500, 'Invalid encoded image'));
    }
    denoising = num('denoising_strength', 0.75, 0, 1);
    int('resize_mode', 0, 0, 3);
  }
  return {
    prompt,
    negative_prompt: negative,
    seed,
    steps,
    cfg_scale: cfg,
    width,
    height,
    batch_size: batch,
    n_iter: iterations,
    sampler_name: sampler,
    denoising_strength: denoising,
    override_settings: overrides as Record<string, unknown>,
    raw: body,
  };
}
