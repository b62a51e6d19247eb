/**
 * Protocol doubles of the two vision endpoints alt text is drafted with, for tests:
 * - Gemini `POST /v1beta/models/{model}:generateContent` with a text part and an `inlineData` image part
 *   (base64, a documented image mimeType); answers `candidates[0].content.parts[].text`.
 * - OpenAI `POST /v1/chat/completions` with a user message whose content holds a `text` part and an
 *   `image_url` part (a `data:image/...;base64,` URL, `detail` low|high|auto); answers
 *   `choices[0].message.content`.
 * Each checks the documented request shape (unknown top-level fields refused, the key's header present, the
 * image decodable) and answers with the provider's own error shape when it does not hold.
 */
import sharp from 'sharp';
import { type Answer, type Incoming, isObject, jsonOf, type RecordedBase, startDoubleServer } from './kit';

export const VISION_SCENARIOS = [
  'success',
  'blocked',
  'invalid_key',
  'rate_limited',
  'server_error',
] as const;
export type VisionScenario = (typeof VISION_SCENARIOS)[number];

export interface VisionRecorded extends RecordedBase {
  apiKey: boolean;
}

export interface VisionDouble {
  url: string;
  requests: VisionRecorded[];
  setScenario(scenario: VisionScenario): void;
  /** The text the next successful answers carry. */
  setText(text: string): void;
  close(): Promise<void>;
}

const IMAGE_MIMES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']);

/** Decodes the base64 image and checks it is one; returns the reason when it is not. */
async function checkImage(base64: unknown): Promise<string | null> {
  if (typeof base64 !== 'string' || base64 === '') return 'image data must be a non-empty base64 string';
  const bytes = Buffer.from(base64, 'base64');
  try {
    await sharp(bytes).metadata();
    return null;
  } catch {
    return 'Provided image is not valid.';
  }
}

interface VisionState {
  scenario: VisionScenario;
  text: string;
}

function newState(): VisionState {
  return {
    scenario: 'success',
    text: 'A lighthouse on a rocky shore at dusk, its beam crossing a violet sky.',
  };
}

function face(
  server: { url: string; requests: VisionRecorded[]; close(): Promise<void> },
  state: VisionState,
): VisionDouble {
  return {
    url: server.url,
    requests: server.requests,
    setScenario: (next) => {
      state.scenario = next;
    },
    setText: (next) => {
      state.text = next;
    },
    close: server.close,
  };
}

function googleError(code: number, status: string, message: string): Answer {
  return { status: code, body: { error: { code, message, status } } };
}

export async function startGeminiVisionDouble(): Promise<VisionDouble> {
  const state = newState();
  const server = await startDoubleServer<VisionRecorded>({
    secretHeaders: ['x-goog-api-key'],
    describe: ({ req }) => ({ apiKey: req.headers['x-goog-api-key'] !== undefined }),
    crashed: (error) => googleError(500, 'INTERNAL', `gemini-vision-double crashed: ${String(error)}`),
    headers: () => ({ 'content-type': 'application/json; charset=UTF-8' }),
    answer: async ({ req, method, path, text: raw }: Incoming) => {
      const route = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(path);
      if (method !== 'POST' || !route) return googleError(404, 'NOT_FOUND', `Cannot ${method} ${path}`);
      if (!req.headers['x-goog-api-key']) {
        return googleError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers.");
      }
      if (state.scenario === 'invalid_key') {
        return googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
      }
      if (state.scenario === 'rate_limited')
        return googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted.');
      if (state.scenario === 'server_error')
        return googleError(500, 'INTERNAL', 'An internal error has occurred.');
      const body = jsonOf(raw)?.value;
      if (!isObject(body)) return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
      for (const field of Object.keys(body)) {
        if (!['contents', 'generationConfig', 'safetySettings', 'systemInstruction'].includes(field)) {
          return googleError(
            400,
            'INVALID_ARGUMENT',
            `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`,
          );
        }
      }
      const contents = Array.isArray(body.contents) ? body.contents : [];
      const parts = contents.flatMap((c) => (isObject(c) && Array.isArray(c.parts) ? c.parts : []));
      const textPart = parts.find((p) => isObject(p) && typeof p.text === 'string');
      const imagePart = parts.find((p) => isObject(p) && isObject(p.inlineData));
      if (!textPart) return googleError(400, 'INVALID_ARGUMENT', 'contents must hold a text part');
      if (!isObject(imagePart) || !isObject(imagePart.inlineData)) {
        return googleError(400, 'INVALID_ARGUMENT', 'contents must hold an inlineData image part');
      }
      const { mimeType, data } = imagePart.inlineData;
      if (typeof mimeType !== 'string' || !IMAGE_MIMES.has(mimeType)) {
        return googleError(400, 'INVALID_ARGUMENT', `Unsupported MIME type: ${String(mimeType)}`);
      }
      const bad = await checkImage(data);
      if (bad) return googleError(400, 'INVALID_ARGUMENT', bad);
      const config = isObject(body.generationConfig) ? body.generationConfig : {};
      if (
        config.maxOutputTokens !== undefined &&
        (typeof config.maxOutputTokens !== 'number' || config.maxOutputTokens < 1)
      ) {
        return googleError(
          400,
          'INVALID_ARGUMENT',
          'generationConfig.maxOutputTokens must be a positive integer',
        );
      }
      if (state.scenario === 'blocked') {
        return {
          status: 200,
          body: { candidates: [{ finishReason: 'SAFETY', index: 0 }], modelVersion: route[1] },
        };
      }
      return {
        status: 200,
        body: {
          candidates: [
            { content: { role: 'model', parts: [{ text: state.text }] }, finishReason: 'STOP', index: 0 },
          ],
          usageMetadata: { promptTokenCount: 300, candidatesTokenCount: 20, totalTokenCount: 320 },
          modelVersion: route[1],
        },
      };
    },
  });
  return face(server, state);
}

function openaiError(status: number, message: string, type: string, code: string | null): Answer {
  return { status, body: { error: { message, type, param: null, code } } };
}

export async function startOpenAIVisionDouble(): Promise<VisionDouble> {
  const state = newState();
  const server = await startDoubleServer<VisionRecorded>({
    secretHeaders: ['authorization'],
    describe: ({ req }) => ({ apiKey: typeof req.headers.authorization === 'string' }),
    crashed: (error) =>
      openaiError(500, `openai-vision-double crashed: ${String(error)}`, 'server_error', null),
    headers: () => ({ 'content-type': 'application/json' }),
    answer: async ({ req, method, path, text: raw }: Incoming) => {
      if (method !== 'POST' || path !== '/v1/chat/completions') {
        return openaiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null);
      }
      const auth = req.headers.authorization;
      if (typeof auth !== 'string' || !auth.startsWith('Bearer ')) {
        return openaiError(401, "You didn't provide an API key.", 'invalid_request_error', null);
      }
      if (state.scenario === 'invalid_key') {
        return openaiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
      }
      if (state.scenario === 'rate_limited') {
        return {
          ...openaiError(429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded'),
          headers: { 'retry-after': '1' },
        };
      }
      if (state.scenario === 'server_error')
        return openaiError(500, 'The server had an error.', 'server_error', null);
      const body = jsonOf(raw)?.value;
      if (!isObject(body))
        return openaiError(
          400,
          'We could not parse the JSON body of your request.',
          'invalid_request_error',
          null,
        );
      const known = ['model', 'messages', 'max_completion_tokens', 'max_tokens', 'temperature', 'n', 'user'];
      for (const field of Object.keys(body)) {
        if (!known.includes(field)) {
          return openaiError(
            400,
            `Unrecognized request argument supplied: ${field}`,
            'invalid_request_error',
            null,
          );
        }
      }
      if (typeof body.model !== 'string')
        return openaiError(400, 'you must provide a model parameter', 'invalid_request_error', null);
      const messages = Array.isArray(body.messages) ? body.messages : [];
      const user = messages.find((m) => isObject(m) && m.role === 'user');
      const content = isObject(user) && Array.isArray(user.content) ? user.content : [];
      const textPart = content.find((p) => isObject(p) && p.type === 'text' && typeof p.text === 'string');
      const imagePart = content.find((p) => isObject(p) && p.type === 'image_url');
      if (!textPart || !isObject(imagePart) || !isObject(imagePart.image_url)) {
        return openaiError(
          400,
          "Invalid 'messages[0].content': expected a text part and an image_url part.",
          'invalid_request_error',
          null,
        );
      }
      const { url, detail } = imagePart.image_url;
      if (detail !== undefined && !['low', 'high', 'auto'].includes(String(detail))) {
        return openaiError(
          400,
          `Invalid value for 'detail': ${String(detail)}`,
          'invalid_request_error',
          'invalid_value',
        );
      }
      const match = typeof url === 'string' ? /^data:(image\/[a-z]+);base64,(.+)$/.exec(url) : null;
      if (!match || !IMAGE_MIMES.has(match[1] ?? '')) {
        return openaiError(
          400,
          'Invalid image URL: expected a base64-encoded data URL with an image MIME type.',
          'invalid_request_error',
          'invalid_image_url',
        );
      }
      const bad = await checkImage(match[2]);
      if (bad)
        return openaiError(
          400,
          'You uploaded an unsupported image.',
          'invalid_request_error',
          'invalid_image_format',
        );
      if (state.scenario === 'blocked') {
        return {
          status: 200,
          body: chatAnswer(body.model, {
            role: 'assistant',
            content: null,
            refusal: "I'm sorry, I can't help with that.",
          }),
        };
      }
      return {
        status: 200,
        body: chatAnswer(body.model, { role: 'assistant', content: state.text, refusal: null }),
      };
    },
  });
  return face(server, state);
}

function chatAnswer(model: string, message: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'chatcmpl-double',
    object: 'chat.completion',
    created: 1_760_000_000,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 300, completion_tokens: 20, total_tokens: 320 },
  };
}
