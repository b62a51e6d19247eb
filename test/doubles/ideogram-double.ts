/**
 * A protocol double of Ideogram's 3.0 API for tests: `generate` and `remix` (multipart/form-data, `Api-Key`),
 * and the ephemeral image links it answers with. It validates forms as Ideogram's FastAPI service does
 * (422 `detail` lists for missing or malformed fields, 422 `{ error }` for the safety check) and serves
 * images that can expire. The scenario is set by the test; the key never chooses one.
 */
import { randomBytes } from 'node:crypto';
import {
  type Answer,
  doubleFace,
  fitWithin,
  formRecord,
  ImageHost,
  type Incoming,
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
  'safety_rejected',
  /** The first image of the batch fails the safety check (url null). */
  'some_unsafe',
  'all_unsafe',
  'payment_required',
  'server_error',
  'expired_urls',
  'malformed_json',
  'not_an_image',
  'slow',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Multipart fields as text (files as `<file name, type, bytes>`), else the raw body; the Api-Key value is never kept. */
export interface RecordedRequest extends RecordedBase {
  apiKey: boolean;
}

export interface IdeogramDoubleOptions {
  scenario?: Scenario;
  slowMs?: number;
  maxImageSide?: number;
}

export interface IdeogramDouble {
  url: string;
  readonly scenario: Scenario;
  setScenario(scenario: Scenario): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const ASPECT_RATIOS: Record<string, string> = {
  '1x1': '1024x1024',
  '3x2': '1248x832',
  '2x3': '832x1248',
  '4x3': '1152x864',
  '3x4': '864x1152',
  '16x9': '1312x736',
  '9x16': '736x1312',
  '16x10': '1280x800',
  '10x16': '800x1280',
  '4x5': '896x1120',
  '5x4': '1120x896',
  '2x1': '1408x704',
  '1x2': '704x1408',
  '3x1': '1536x512',
  '1x3': '512x1536',
};
const RESOLUTIONS = new Set([
  ...Object.values(ASPECT_RATIOS),
  ...'576x1408 576x1472 576x1536 640x1344 640x1408 640x1472 640x1536 704x1152 704x1216 704x1280 704x1344 704x1472 768x1088 768x1216 768x1280 768x1344 832x960 832x1024 832x1088 832x1152 832x1216 896x960 896x1024 896x1088 896x1152 960x832 960x896 960x1024 960x1088 1024x832 1024x896 1024x960 1088x768 1088x832 1088x896 1088x960 1152x704 1152x832 1152x896 1216x704 1216x768 1216x832 1280x704 1280x768 1344x640 1344x704 1344x768 1408x576 1408x640 1472x576 1472x640 1472x704 1536x576 1536x640'.split(
    ' ',
  ),
]);
const RENDERING_SPEEDS = ['FLASH', 'TURBO', 'DEFAULT', 'QUALITY'];
const MAGIC_PROMPTS = ['AUTO', 'ON', 'OFF'];
const STYLE_TYPES = ['AUTO', 'GENERAL', 'REALISTIC', 'DESIGN', 'FICTION'];
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
const MAX_FILE_BYTES = 10 * 1024 * 1024;

function detail(status: number, message: string): Answer {
  return { status, body: JSON.stringify({ detail: message }) };
}

/** FastAPI's request-validation answer. */
function unprocessable(field: string, type: string, msg: string, input: unknown): never {
  throw new Rejection({
    status: 422,
    body: JSON.stringify({ detail: [{ type, loc: ['body', field], msg, input: input ?? null }] }),
  });
}

function enumError(field: string, allowed: readonly string[], input: unknown): never {
  const list = allowed.map((v) => `'${v}'`);
  unprocessable(field, 'enum', `Input should be ${list.slice(0, -1).join(', ')} or ${list.at(-1)}`, input);
}

export async function startIdeogramDouble(opts: IdeogramDoubleOptions = {}): Promise<IdeogramDouble> {
  const scenario = scenarioState<Scenario>(opts.scenario ?? 'success');
  const slowMs = opts.slowMs ?? 10_000;
  const images = new ImageHost({
    missing: detail(404, 'Not Found'),
    expired: detail(403, 'This image link has expired.'),
  });
  let imageCounter = 0;
  const server = await startDoubleServer<RecordedRequest>({
    secretHeaders: ['api-key'],
    describe: ({ req }) => ({ apiKey: req.headers['api-key'] !== undefined }),
    answer: handle,
    crashed: (error) => detail(500, `ideogram-double crashed: ${String(error)}`),
    headers: () => ({ 'content-type': 'application/json' }),
  });

  async function handle(incoming: Incoming): Promise<Answer> {
    const { url } = incoming;
    incoming.recorded = incoming.text;
    if (url.pathname.startsWith('/ephemeral/')) {
      incoming.recorded = '';
      const expired =
        scenario.current === 'expired_urls' || Number(url.searchParams.get('exp')) * 1000 < Date.now();
      if (!url.searchParams.get('sig')) return detail(404, 'Not Found');
      return images.serve(incoming.method, url.pathname, expired);
    }
    const form = await readForm(incoming, /^(multipart\/form-data|application\/x-www-form-urlencoded)/i);
    if (form) {
      incoming.recorded = formRecord(form, (file) => `<file ${file.name}, ${file.type}, ${file.size} bytes>`);
    }
    return api(incoming, url.pathname, form);
  }

  async function api({ req, res }: Incoming, path: string, form: FormData | null): Promise<Answer> {
    const route = `${req.method} ${path}`;
    if (route !== 'POST /v1/ideogram-v3/generate' && route !== 'POST /v1/ideogram-v3/remix') {
      return detail(404, 'Not Found');
    }
    const key = req.headers['api-key'];
    if (typeof key !== 'string' || key.trim() === '') return detail(401, 'Missing Api-Key header');
    if (scenario.current === 'invalid_api_key' || !/^[A-Za-z0-9_-]{20,}$/.test(key))
      return detail(401, 'Invalid API key');

    // A form endpoint reads no JSON: every field is simply missing.
    const request = validate(form ?? new FormData(), path.endsWith('/remix'));
    switch (scenario.current) {
      case 'rate_limited':
        return detail(429, 'Too many requests. Please slow down.');
      case 'safety_rejected':
        return {
          status: 422,
          body: JSON.stringify({
            error: 'Prompt provided failed safety check due to the inclusion of prohibited content.',
          }),
        };
      case 'payment_required':
        return detail(
          402,
          'Insufficient API credits. Please top up your balance at https://ideogram.ai/manage-api.',
        );
      case 'server_error':
        return detail(500, 'Internal Server Error');
      case 'malformed_json':
        return {
          status: 200,
          body: '{"created": "2026-11-02T10:00:00+00:00", "data": [{"url": "https://ideogram',
        };
      case 'slow':
        await server.hold(slowMs, { res });
        if (res.destroyed) return detail(499, 'Client closed the request.');
        return success(request);
      default:
        return success(request);
    }
  }

  async function success(request: ValidRequest): Promise<Answer> {
    const [w, h] = request.resolution.split('x').map(Number) as [number, number];
    const data = [];
    for (let i = 0; i < request.count; i += 1) {
      const unsafe = scenario.current === 'all_unsafe' || (scenario.current === 'some_unsafe' && i === 0);
      const name = randomBytes(16).toString('base64url');
      if (!unsafe) {
        images.put(
          `/ephemeral/${name}.png`,
          scenario.current === 'not_an_image'
            ? Buffer.from('this is plain text, not the bytes of any image format')
            : await makeImage(w, h),
        );
      }
      const expires = Math.floor(Date.now() / 1000) + 86_400;
      data.push({
        url: unsafe
          ? null
          : `${server.url}/ephemeral/${name}.png?exp=${expires}&sig=${randomBytes(32).toString('hex')}`,
        prompt: request.magic
          ? `${request.prompt}, warm cinematic light, rich detail, editorial composition`
          : request.prompt,
        resolution: request.resolution,
        is_image_safe: !unsafe,
        seed: request.seed ?? Math.floor(Math.random() * 2_147_483_647),
        style_type: request.styleType,
      });
    }
    return { status: 200, body: JSON.stringify({ created: new Date().toISOString(), data }) };
  }

  function makeImage(w: number, h: number): Promise<Buffer> {
    const { width, height } = fitWithin(w, h, opts.maxImageSide);
    imageCounter += 1;
    return stampedImage(width, height, imageCounter);
  }

  return doubleFace(server, scenario, {});
}

interface ValidRequest {
  prompt: string;
  resolution: string;
  count: number;
  seed: number | null;
  magic: boolean;
  styleType: string;
}

function single(form: FormData, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length === 0) return undefined;
  const value = values[0]!;
  if (typeof value !== 'string')
    unprocessable(name, 'string_type', 'Input should be a valid string', value.name);
  return value;
}

function integer(form: FormData, name: string, min: number, max: number): number | undefined {
  const raw = single(form, name);
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw))
    unprocessable(
      name,
      'int_parsing',
      'Input should be a valid integer, unable to parse string as an integer',
      raw,
    );
  const value = Number(raw);
  if (value < min)
    unprocessable(name, 'greater_than_equal', `Input should be greater than or equal to ${min}`, raw);
  if (value > max)
    unprocessable(name, 'less_than_equal', `Input should be less than or equal to ${max}`, raw);
  return value;
}

function oneOf(form: FormData, name: string, allowed: readonly string[]): string | undefined {
  const value = single(form, name);
  if (value !== undefined && !allowed.includes(value)) enumError(name, allowed, value);
  return value;
}

function validate(form: FormData, remix: boolean): ValidRequest {
  const prompt = single(form, 'prompt');
  if (prompt === undefined) unprocessable('prompt', 'missing', 'Field required', null);
  if (prompt.trim() === '')
    unprocessable('prompt', 'string_too_short', 'String should have at least 1 character', prompt);
  const aspect = oneOf(form, 'aspect_ratio', Object.keys(ASPECT_RATIOS));
  const resolution = single(form, 'resolution');
  if (resolution !== undefined && !RESOLUTIONS.has(resolution))
    enumError('resolution', [...RESOLUTIONS], resolution);
  if (aspect !== undefined && resolution !== undefined) {
    throw new Rejection(detail(400, 'aspect_ratio cannot be used in conjunction with resolution.'));
  }
  oneOf(form, 'rendering_speed', RENDERING_SPEEDS);
  const magic = oneOf(form, 'magic_prompt', MAGIC_PROMPTS);
  const styleType = oneOf(form, 'style_type', STYLE_TYPES);
  const count = integer(form, 'num_images', 1, 8) ?? 1;
  const seed = integer(form, 'seed', 0, 2_147_483_647) ?? null;
  single(form, 'negative_prompt');
  const codes = form.getAll('style_codes');
  if (codes.length > 0) {
    if (styleType !== undefined) {
      throw new Rejection(
        detail(400, 'style_codes cannot be used in conjunction with style_reference_images or style_type.'),
      );
    }
    for (const code of codes) {
      if (typeof code !== 'string' || !/^[0-9A-Fa-f]{8}$/.test(code)) {
        unprocessable(
          'style_codes',
          'string_pattern_mismatch',
          'Each style code must be 8 hexadecimal characters',
          code,
        );
      }
    }
  }
  const palette = single(form, 'color_palette');
  if (palette !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(palette);
    } catch {
      unprocessable('color_palette', 'json_invalid', 'Invalid JSON', palette);
    }
    const fine = typeof parsed === 'object' && parsed !== null && ('name' in parsed || 'members' in parsed);
    if (!fine)
      unprocessable(
        'color_palette',
        'model_type',
        'Input should be a preset name or a list of members',
        palette,
      );
  }
  if (remix) {
    const image = form.get('image');
    if (image === null) unprocessable('image', 'missing', 'Field required', null);
    if (typeof image === 'string')
      unprocessable('image', 'value_error', "Expected UploadFile, received: <class 'str'>", image);
    if (!IMAGE_TYPES.includes(image.type)) {
      throw new Rejection(
        detail(
          400,
          `Unsupported image format ${image.type || 'unknown'}; only JPEG, WebP and PNG are supported.`,
        ),
      );
    }
    if (image.size === 0 || image.size > MAX_FILE_BYTES) {
      throw new Rejection(detail(400, 'The image must be between 1 byte and 10MB.'));
    }
    integer(form, 'image_weight', 1, 100);
  } else if (form.has('image_weight')) {
    // Ideogram ignores unknown form fields, but image_weight without remix is a client mistake worth catching.
    throw new Rejection(detail(400, 'image_weight is only accepted by the remix endpoint.'));
  }
  return {
    prompt,
    resolution: resolution ?? ASPECT_RATIOS[aspect ?? '1x1']!,
    count,
    seed,
    // Left out, Magic Prompt is AUTO: Ideogram may rewrite the prompt.
    magic: magic !== 'OFF',
    styleType: styleType ?? 'GENERAL',
  };
}
