/**
 * A protocol double of the Gemini API's image generation (`generateContent` on image models) for tests.
 * It checks requests the way the real API does (strict proto JSON: unknown fields, types, enums) and
 * answers with Google's error shape `{ error: { code, message, status, details } }`. Safety refusals come
 * back as HTTP 200, as they do from Google. The scenario is set by the test; the key never chooses one.
 */
import { randomBytes } from 'node:crypto';
import {
  type Answer,
  contentType,
  doubleFace,
  fitWithin,
  type Incoming,
  jsonOf,
  type RecordedBase,
  Rejection,
  scenarioState,
  stampedImage,
  startDoubleServer,
} from './kit';

export const SCENARIOS = [
  'success',
  'success_with_text',
  /** An image delivered with a safety rating of MEDIUM for sexually explicit content (recorded, not withheld). */
  'success_rated_medium',
  'prompt_blocked',
  'image_safety',
  'image_prohibited',
  'no_image',
  'text_only',
  'invalid_api_key',
  'permission_denied',
  'rate_limited',
  'daily_quota',
  'failed_precondition',
  'server_error',
  'overloaded',
  'malformed_json',
  'not_an_image',
  'slow',
  /** The first generateContent call succeeds, every later one is rate limited. */
  'rate_limited_after_one',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Parsed JSON when the body was JSON, else the raw text; the x-goog-api-key value is never kept. */
export interface RecordedRequest extends RecordedBase {
  /** Whether a key came, in the header or as `?key=`. */
  apiKey: boolean;
}

export interface GeminiDoubleOptions {
  scenario?: Scenario;
  slowMs?: number;
  /** Largest side of the PNGs returned; the documented size when unset. */
  maxImageSide?: number;
}

export interface GeminiDouble {
  url: string;
  readonly scenario: Scenario;
  setScenario(scenario: Scenario): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Image models this double serves, and whether they take `imageConfig.imageSize`. */
export const DOUBLE_MODELS: Record<string, { imageSize: boolean; thoughts: boolean }> = {
  'gemini-2.5-flash-image': { imageSize: false, thoughts: false },
  'gemini-3-pro-image-preview': { imageSize: true, thoughts: true },
};

/** Output pixels per aspect ratio at 1K, as the Gemini image generation guide lists them. */
const SIZES_1K: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [832, 1248],
  '3:2': [1248, 832],
  '3:4': [864, 1184],
  '4:3': [1184, 864],
  '4:5': [896, 1152],
  '5:4': [1152, 896],
  '9:16': [768, 1344],
  '16:9': [1344, 768],
  '21:9': [1536, 672],
};
const IMAGE_SIZES = ['1K', '2K', '4K'];
const MODALITIES = ['TEXT', 'IMAGE'];
const INPUT_MIMES = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'];

const REQUEST_FIELDS = [
  'contents',
  'generationConfig',
  'safetySettings',
  'systemInstruction',
  'tools',
  'toolConfig',
];
const CONFIG_FIELDS = [
  'responseModalities',
  'imageConfig',
  'temperature',
  'topP',
  'topK',
  'candidateCount',
  'maxOutputTokens',
  'seed',
  'stopSequences',
  'thinkingConfig',
];
const IMAGE_CONFIG_FIELDS = ['aspectRatio', 'imageSize'];

const BLOCKED_FINISH_MESSAGE =
  "Unable to show the generated image. The generated image was filtered out because it violated Google's Generative AI Prohibited Use policy. You will not be charged for blocked images. Try rephrasing the prompt. If you think this was an error, send feedback.";

const GRPC_CODES: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

function googleError(status: string, message: string, details?: unknown[]): Answer {
  const code = GRPC_CODES[status] ?? 500;
  return {
    status: code,
    body: JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }),
  };
}

/** Proto JSON parse errors name the field in snake_case, as Google's front end does. */
function badRequest(message: string, field?: string): never {
  const details = [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ ...(field ? { field } : {}), description: message }],
    },
  ];
  throw new Rejection(googleError('INVALID_ARGUMENT', message, details));
}

function invalid(message: string): never {
  throw new Rejection(googleError('INVALID_ARGUMENT', message));
}

function snake(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function responseId(): string {
  return randomBytes(12).toString('base64url');
}

export async function startGeminiDouble(opts: GeminiDoubleOptions = {}): Promise<GeminiDouble> {
  let callsInScenario = 0;
  const scenario = scenarioState<Scenario>(opts.scenario ?? 'success', () => {
    callsInScenario = 0;
  });
  const slowMs = opts.slowMs ?? 10_000;
  let imageCounter = 0;
  const server = await startDoubleServer<RecordedRequest>({
    secretHeaders: ['x-goog-api-key'],
    describe: ({ req, url }) => ({
      apiKey: req.headers['x-goog-api-key'] !== undefined || url.searchParams.has('key'),
    }),
    answer: answerFor,
    crashed: (error) => googleError('INTERNAL', `gemini-double crashed: ${String(error)}`),
    headers: (answer) => ({
      'content-type':
        typeof answer.body === 'string' && answer.body.startsWith('<')
          ? 'text/html; charset=UTF-8'
          : 'application/json; charset=UTF-8',
      'x-gemini-service-tier': 'standard',
    }),
  });

  async function answerFor({ req, res, url, method, text: raw }: Incoming): Promise<Answer> {
    const generate = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(url.pathname);
    const getModel = /^\/v1beta\/models\/([^/:]+)$/.exec(url.pathname);
    if (!(method === 'POST' && generate) && !(method === 'GET' && getModel)) {
      return {
        status: 404,
        body: `<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title><p>The requested URL <code>${url.pathname}</code> was not found on this server. That’s all we know.</p></html>`,
      };
    }
    checkKey(req.headers['x-goog-api-key'], url.searchParams.get('key'));
    if (scenario.current === 'invalid_api_key') throw new Rejection(keyInvalid());
    if (scenario.current === 'permission_denied') {
      return googleError(
        'PERMISSION_DENIED',
        'Your API key was reported as leaked. Please use another API key.',
      );
    }
    const modelId = decodeURIComponent((generate ?? getModel)![1]!);
    const model = DOUBLE_MODELS[modelId];
    if (!model) {
      return googleError(
        'NOT_FOUND',
        `models/${modelId} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
      );
    }
    if (getModel) return describeModel(modelId);

    if (contentType(req) !== 'application/json') {
      badRequest(`Invalid JSON payload received. Unexpected token.\n${raw.slice(0, 20)}\n^`);
    }
    const body = jsonOf(raw) ?? badRequest(`Invalid JSON payload received. Unexpected end of string.`);
    const request = validate(body.value, modelId);

    callsInScenario += 1;
    switch (scenario.current) {
      case 'rate_limited_after_one':
        if (callsInScenario === 1) return success(modelId, request, false);
        return rateLimited(modelId);
      case 'rate_limited':
        return rateLimited(modelId);
      case 'daily_quota':
        return googleError(
          'RESOURCE_EXHAUSTED',
          `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 100, model: ${modelId}\nPlease retry in 14h31m12s.`,
          [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [
                {
                  quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
                  quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
                  quotaDimensions: { location: 'global', model: modelId },
                  quotaValue: '100',
                },
              ],
            },
            {
              '@type': 'type.googleapis.com/google.rpc.Help',
              links: [
                {
                  description: 'Learn more about Gemini API quotas',
                  url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
                },
              ],
            },
          ],
        );
      case 'failed_precondition':
        return googleError('FAILED_PRECONDITION', 'User location is not supported for the API use.');
      case 'server_error':
        return googleError(
          'INTERNAL',
          'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
        );
      case 'overloaded':
        return googleError('UNAVAILABLE', 'The model is overloaded. Please try again later.');
      case 'prompt_blocked':
        return ok({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, ...meta(modelId) });
      case 'image_safety':
        return ok({
          candidates: [{ finishReason: 'IMAGE_SAFETY', finishMessage: BLOCKED_FINISH_MESSAGE, index: 0 }],
          ...meta(modelId),
        });
      case 'image_prohibited':
        return ok({ candidates: [{ finishReason: 'IMAGE_PROHIBITED_CONTENT', index: 0 }], ...meta(modelId) });
      case 'no_image':
        return ok({
          candidates: [{ content: { role: 'model' }, finishReason: 'NO_IMAGE', index: 0 }],
          ...meta(modelId),
        });
      case 'text_only':
        return ok({
          candidates: [
            {
              content: {
                role: 'model',
                parts: [{ text: "I can't make an image of that. Could you describe the scene differently?" }],
              },
              finishReason: 'STOP',
              index: 0,
            },
          ],
          ...meta(modelId),
        });
      case 'malformed_json':
        return {
          status: 200,
          body: '{"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "image/png", "da',
        };
      case 'not_an_image':
        return ok({
          candidates: [
            {
              content: {
                role: 'model',
                parts: [
                  {
                    inlineData: {
                      mimeType: 'image/png',
                      data: Buffer.from('this is plain text, not the bytes of any image format').toString(
                        'base64',
                      ),
                    },
                  },
                ],
              },
              finishReason: 'STOP',
              index: 0,
            },
          ],
          ...meta(modelId),
        });
      case 'slow':
        await server.hold(slowMs, { res });
        if (res.destroyed) return googleError('INTERNAL', 'Client closed the request.');
        return success(modelId, request, false);
      case 'success_with_text':
        return success(modelId, request, true);
      case 'success_rated_medium':
        return success(modelId, request, false, 'MEDIUM');
      case 'success':
        return success(modelId, request, false);
    }
  }

  function rateLimited(modelId: string): Answer {
    return googleError(
      'RESOURCE_EXHAUSTED',
      `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: ${modelId}\nPlease retry in 31.2s.`,
      [
        {
          '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
              quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
              quotaDimensions: { location: 'global', model: modelId },
              quotaValue: '10',
            },
          ],
        },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '31s' },
      ],
    );
  }

  async function success(
    modelId: string,
    request: ValidRequest,
    withText: boolean,
    explicit: 'NEGLIGIBLE' | 'MEDIUM' = 'NEGLIGIBLE',
  ): Promise<Answer> {
    const parts: Array<Record<string, unknown>> = [];
    if (withText) parts.push({ text: 'Here is a brass teapot on linen, lit from the left.' });
    const [w1, h1] = SIZES_1K[request.aspectRatio]!;
    const scale = { '1K': 1, '2K': 2, '4K': 4 }[request.imageSize] ?? 1;
    if (request.modalities.includes('IMAGE')) {
      if (DOUBLE_MODELS[modelId]!.thoughts) {
        // An interim image the model drew while reasoning; clients must not take it as the output.
        parts.push({
          inlineData: { mimeType: 'image/png', data: (await makeImage(64, 32)).toString('base64') },
          thought: true,
        });
      }
      const image = await makeImage(w1 * scale, h1 * scale);
      parts.push({ inlineData: { mimeType: 'image/png', data: image.toString('base64') } });
    } else {
      parts.push({ text: 'A brass teapot on linen.' });
    }
    return ok({
      candidates: [
        {
          content: { role: 'model', parts },
          finishReason: 'STOP',
          index: 0,
          // The documented Candidate.safetyRatings: one rating per harm category.
          safetyRatings: [
            { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: explicit },
            { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
            { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
            { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'NEGLIGIBLE' },
          ],
        },
      ],
      ...meta(modelId),
    });
  }

  function makeImage(w: number, h: number): Promise<Buffer> {
    const { width, height } = fitWithin(w, h, opts.maxImageSide);
    imageCounter += 1;
    return stampedImage(width, height, imageCounter);
  }

  return doubleFace(server, scenario, {});
}

function ok(body: unknown): Answer {
  return { status: 200, body: JSON.stringify(body) };
}

function meta(modelId: string): Record<string, unknown> {
  return {
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 1290, totalTokenCount: 1302 },
    modelVersion: modelId,
    responseId: responseId(),
  };
}

function describeModel(modelId: string): Answer {
  return ok({
    name: `models/${modelId}`,
    version: '2.0',
    displayName: modelId,
    description: 'Gemini image generation model (protocol double)',
    inputTokenLimit: 32768,
    outputTokenLimit: 32768,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'batchGenerateContent'],
  });
}

function keyInvalid(): Answer {
  const message = 'API key not valid. Please pass a valid API key.';
  return googleError('INVALID_ARGUMENT', message, [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message },
  ]);
}

/** Google API keys are `AIza` plus 35 URL-safe characters; anything else is refused as invalid. */
function checkKey(header: string | string[] | undefined, query: string | null): void {
  const key = typeof header === 'string' ? header : query;
  if (!key) {
    throw new Rejection(
      googleError(
        'PERMISSION_DENIED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      ),
    );
  }
  if (!/^AIza[0-9A-Za-z_-]{35}$/.test(key)) throw new Rejection(keyInvalid());
}

interface ValidRequest {
  modalities: string[];
  aspectRatio: string;
  imageSize: string;
}

function fieldsOf(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    badRequest(
      `Invalid value at '${snake(at)}' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(value)}`,
      snake(at),
    );
  }
  return value as Record<string, unknown>;
}

function onlyKnown(fields: Record<string, unknown>, known: readonly string[], at: string): void {
  for (const name of Object.keys(fields)) {
    // Proto JSON takes lowerCamelCase and snake_case names alike.
    const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!known.includes(camel)) {
      const where = at ? ` at '${snake(at)}'` : '';
      badRequest(
        `Invalid JSON payload received. Unknown name "${name}"${where}: Cannot find field.`,
        at ? snake(at) : undefined,
      );
    }
  }
}

function pick(fields: Record<string, unknown>, camel: string): unknown {
  return fields[camel] ?? fields[snake(camel)];
}

function validate(body: unknown, modelId: string): ValidRequest {
  const request = fieldsOf(body, '');
  onlyKnown(request, REQUEST_FIELDS, '');
  const contents = pick(request, 'contents');
  if (!Array.isArray(contents) || contents.length === 0) {
    invalid('* GenerateContentRequest.contents: contents is not specified\n');
  }
  contents.forEach((content, c) => {
    const turn = fieldsOf(content, `contents[${c}]`);
    onlyKnown(turn, ['role', 'parts'], `contents[${c}]`);
    const role = turn.role;
    if (role !== undefined && role !== 'user' && role !== 'model') {
      invalid(`Please use a valid role: user, model.`);
    }
    const parts = turn.parts;
    if (!Array.isArray(parts) || parts.length === 0) {
      invalid(`* GenerateContentRequest.contents[${c}].parts: contents.parts must not be empty.\n`);
    }
    parts.forEach((value, p) => {
      const at = `contents[${c}].parts[${p}]`;
      const part = fieldsOf(value, at);
      onlyKnown(part, ['text', 'inlineData', 'fileData', 'thought', 'thoughtSignature'], at);
      const text = part.text;
      const inline = pick(part, 'inlineData');
      if (text !== undefined && typeof text !== 'string') {
        badRequest(
          `Invalid value at '${snake(at)}.text' (TYPE_STRING), ${JSON.stringify(text)}`,
          `${snake(at)}.text`,
        );
      }
      if (inline !== undefined) {
        const data = fieldsOf(inline, `${at}.inlineData`);
        onlyKnown(data, ['mimeType', 'data'], `${at}.inlineData`);
        const mime = pick(data, 'mimeType');
        const bytes = data.data;
        if (typeof mime !== 'string' || !INPUT_MIMES.includes(mime))
          invalid(`Unsupported MIME type: ${String(mime)}`);
        if (typeof bytes !== 'string' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(bytes)) {
          badRequest(
            `Invalid value at '${snake(at)}.inline_data.data' (TYPE_BYTES), Base64 decoding failed for "${String(bytes).slice(0, 40)}"`,
            `${snake(at)}.inline_data.data`,
          );
        }
      }
      if (text === undefined && inline === undefined && part.fileData === undefined) {
        invalid(
          `* GenerateContentRequest.contents[${c}].parts[${p}].data: required oneof field 'data' must have one initialized field\n`,
        );
      }
    });
  });

  const config = pick(request, 'generationConfig');
  let modalities = ['TEXT', 'IMAGE'];
  let aspectRatio = '1:1';
  let imageSize = '1K';
  if (config !== undefined) {
    const fields = fieldsOf(config, 'generationConfig');
    onlyKnown(fields, CONFIG_FIELDS, 'generationConfig');
    const requested = pick(fields, 'responseModalities');
    if (requested !== undefined) {
      if (!Array.isArray(requested)) badRequest(`Invalid value at 'generation_config.response_modalities'`);
      requested.forEach((m, i) => {
        if (typeof m !== 'string' || !MODALITIES.includes(m.toUpperCase())) {
          badRequest(
            `Invalid value at 'generation_config.response_modalities[${i}]' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), ${JSON.stringify(m)}`,
            `generation_config.response_modalities[${i}]`,
          );
        }
      });
      modalities = requested.map((m) => String(m).toUpperCase());
    }
    const candidates = pick(fields, 'candidateCount');
    if (candidates !== undefined && candidates !== 1) {
      invalid(`Multiple candidates is not enabled for models/${modelId}`);
    }
    const image = pick(fields, 'imageConfig');
    if (image !== undefined) {
      const imageFields = fieldsOf(image, 'generationConfig.imageConfig');
      onlyKnown(imageFields, IMAGE_CONFIG_FIELDS, 'generationConfig.imageConfig');
      const ratio = pick(imageFields, 'aspectRatio');
      if (ratio !== undefined) {
        if (typeof ratio !== 'string' || !(ratio in SIZES_1K)) {
          invalid(
            `Unsupported aspect ratio: ${String(ratio)}. Supported values are: ${Object.keys(SIZES_1K).join(', ')}.`,
          );
        }
        aspectRatio = ratio;
      }
      const size = pick(imageFields, 'imageSize');
      if (size !== undefined) {
        if (!DOUBLE_MODELS[modelId]!.imageSize) invalid(`Image size is not supported for models/${modelId}.`);
        if (typeof size !== 'string' || !IMAGE_SIZES.includes(size)) {
          invalid(
            `Unsupported image size: ${String(size)}. Supported values are: ${IMAGE_SIZES.join(', ')}.`,
          );
        }
        imageSize = size;
      }
    }
  }
  return { modalities, aspectRatio, imageSize };
}
