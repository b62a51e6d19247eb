import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, startGeminiDouble } from '../../../test/doubles/gemini-double';
import {
  callBuilder,
  failed,
  keyCall,
  ok,
  pngBytes,
  shownPerScenario,
  suiteDouble,
  unusedPort,
} from '../../../test/support';
import type { FetchLike } from '../ports';
import { type CatalogModel, loadCatalog, resolveModel } from './catalog';
import { geminiAdapter, NEGATIVE_PROMPT_WARNING, SEED_WARNING } from './gemini';
import type { AdapterCall } from './types';

/** Shaped like a Google key (the double checks the shape); built at run time so no key-like literal is committed. */
const googleShapedKey = (body: string) => `AIza${body}`;
const KEY = googleShapedKey('SyTEST-key-0123456789abcdefghijklmn');
const catalog = loadCatalog();
const { provider, model: flash } = resolveModel(catalog, 'gemini');
const pro = resolveModel(catalog, 'gemini', 'gemini-3-pro-image-preview').model;

const double = await suiteDouble(startGeminiDouble({ maxImageSide: 48, slowMs: 5_000 }));
const callFor = callBuilder({
  provider,
  model: flash,
  prompt: 'a brass teapot on linen',
  seed: 12345,
  apiKey: KEY,
  endpoint: double.url,
});

describe('geminiAdapter.generate against the protocol double', () => {
  it('sends the documented generateContent request and returns the PNG it got back', async () => {
    const result = ok(await geminiAdapter.generate(callFor({ aspectRatio: '16:9' })));
    expect(result.requestSent).toEqual({
      contents: [{ parts: [{ text: 'a brass teapot on linen' }] }],
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '16:9' } },
    });
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.declaredMime).toBe('image/png');
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');
    // Candidate.safetyRatings, recorded as sent: all NEGLIGIBLE, so not flagged.
    expect(result.images[0]!.safety).toMatchObject({ field: 'safetyRatings', flagged: false });
    expect(result.images[0]!.safety!.ratings).toContainEqual({
      category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT',
      probability: 'NEGLIGIBLE',
      blocked: false,
    });
    expect(result.warnings).toEqual([SEED_WARNING]);
    expect(result.seedUsed).toBeNull();
    expect(result.costUsd).toBe(0.039);
    expect(result.httpStatus).toBe(200);

    expect(double.requests).toHaveLength(1);
    const sent = double.requests[0]!;
    expect(sent).toMatchObject({
      method: 'POST',
      path: '/v1beta/models/gemini-2.5-flash-image:generateContent',
      apiKey: true,
      status: 200,
    });
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual(result.requestSent);
  });

  it('makes full-size images of the documented dimensions', async () => {
    const full = await startGeminiDouble();
    try {
      const result = ok(
        await geminiAdapter.generate(callFor({ aspectRatio: '3:4' }, { endpoint: full.url })),
      );
      const meta = await sharp(result.images[0]!.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([864, 1184]);
    } finally {
      await full.close();
    }
  });

  it('asks Gemini 3 Pro Image for 2K finals and 1K drafts, prices them, and skips its thought images', async () => {
    const final = ok(await geminiAdapter.generate(callFor({}, { model: pro })));
    expect(final.requestSent.generationConfig).toEqual({
      responseModalities: ['IMAGE'],
      imageConfig: { aspectRatio: '1:1', imageSize: '2K' },
    });
    expect(final.images).toHaveLength(1);
    // The double's thought image is 2:1; the final one is square.
    const meta = await sharp(final.images[0]!.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([48, 48]);
    expect(final.costUsd).toBe(0.134);
    const draft = ok(await geminiAdapter.generate(callFor({ quality: 'draft' }, { model: pro })));
    expect(draft.requestSent.generationConfig).toMatchObject({ imageConfig: { imageSize: '1K' } });
  });

  it('makes several images with one request each, reporting progress', async () => {
    const call = callFor({ count: 3 });
    const result = ok(await geminiAdapter.generate(call));
    expect(result.images).toHaveLength(3);
    expect(double.requests).toHaveLength(3);
    expect(result.costUsd).toBeCloseTo(3 * 0.039, 6);
    expect(result.warnings).toContain(
      'Gemini makes one image per request, so this run sent up to 3 requests one after another',
    );
    expect(call.progress.map((p) => p.message)).toEqual(['Image 1 of 3', 'Image 2 of 3', 'Image 3 of 3']);
    expect(new Set(result.images.map((i) => Buffer.from(i.bytes).toString('base64'))).size).toBe(3);
  });

  it('caps the count at the catalog maximum with a warning', async () => {
    const result = ok(await geminiAdapter.generate(callFor({ count: 6 })));
    expect(result.images).toHaveLength(4);
    expect(result.warnings).toContain(
      'Gemini 2.5 Flash Image makes at most 4 images per run; asked for 6, made 4',
    );
  });

  it('records a delivered image rated MEDIUM as flagged by Gemini, and still delivers it', async () => {
    double.setScenario('success_rated_medium');
    const result = ok(await geminiAdapter.generate(callFor()));
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.safety).toMatchObject({ field: 'safetyRatings', flagged: true });
    expect(result.images[0]!.safety!.ratings).toContainEqual({
      category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT',
      probability: 'MEDIUM',
      blocked: false,
    });
  });

  it('keeps the images already made when a later request is rate limited', async () => {
    double.setScenario('rate_limited_after_one');
    const result = ok(await geminiAdapter.generate(callFor({ count: 3 })));
    expect(result.images).toHaveLength(1);
    expect(result.costUsd).toBe(0.039);
    expect(result.warnings.join('\n')).toMatch(/Gemini made 1 of 3 images; request 2 ended as rate_limited/);
    expect(double.requests).toHaveLength(2);
  });

  it('folds the negative prompt into the prompt and says what it ignored', async () => {
    const result = ok(
      await geminiAdapter.generate(callFor({ negativePrompt: 'blurry, watermark', steps: 30, guidance: 7 })),
    );
    expect(result.requestSent.contents).toEqual([
      { parts: [{ text: 'a brass teapot on linen\n\nAvoid: blurry, watermark' }] },
    ]);
    expect(result.warnings).toEqual([
      NEGATIVE_PROMPT_WARNING,
      SEED_WARNING,
      'Gemini 2.5 Flash Image chooses its own steps; steps 30 was ignored',
      'Gemini 2.5 Flash Image has no guidance setting; guidance 7 was ignored',
    ]);
  });

  it('snaps an exact pixel size to the nearest aspect ratio with a warning', async () => {
    const result = ok(await geminiAdapter.generate(callFor({ size: { width: 1900, height: 1000 } })));
    expect(result.requestSent.generationConfig).toMatchObject({ imageConfig: { aspectRatio: '16:9' } });
    expect(result.warnings).toContain(
      'Gemini 2.5 Flash Image cannot make an exact 1900×1000 image; it made the nearest aspect ratio, 16:9',
    );
  });

  it('sends a reference as inlineData and records a description instead of the bytes', async () => {
    const bytes = await pngBytes(16, 12);
    const reference = { bytes, mime: 'image/png' as const, width: 16, height: 12, strength: 0.55 };
    const result = ok(await geminiAdapter.generate(callFor({}, { reference })));
    const sentBody = double.requests[0]!.body as {
      contents: Array<{ parts: Array<Record<string, unknown>> }>;
    };
    expect(sentBody.contents[0]!.parts[1]).toEqual({
      inlineData: { mimeType: 'image/png', data: bytes.toString('base64') },
    });
    expect(result.requestSent.contents).toEqual([
      {
        parts: [
          { text: 'a brass teapot on linen' },
          { inlineData: { mimeType: 'image/png', data: '<png 16×12, 1 KB>' } },
        ],
      },
    ]);
    expect(result.warnings).toContain(
      'Gemini uses the reference as guidance and has no strength setting; strength 0.55 was ignored',
    );
  });

  it('says so when a reference was asked for but not handed over', async () => {
    const path = `media/ab/${'a'.repeat(64)}.png`;
    const result = ok(await geminiAdapter.generate(callFor({ reference: { path, strength: 0.5 } })));
    expect(result.warnings).toContain(
      'Gemini 2.5 Flash Image takes no reference image here; the reference was ignored',
    );
  });

  it('merges documented options last and drops unknown ones with a warning', async () => {
    const options = {
      generationConfig: { temperature: 0.4, imageConfig: { aspectRatio: '4:3' } },
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
      style: 'noir',
    };
    const result = ok(await geminiAdapter.generate(callFor({}, { options })));
    expect(result.requestSent).toMatchObject({
      generationConfig: {
        responseModalities: ['IMAGE'],
        temperature: 0.4,
        imageConfig: { aspectRatio: '4:3' },
      },
      safetySettings: options.safetySettings,
    });
    expect(result.requestSent).not.toHaveProperty('style');
    expect(result.warnings).toContain(
      'Gemini option "style" is not a generateContent field; it was not sent',
    );
  });

  const outcomes = [
    [
      'prompt_blocked',
      'content_blocked',
      200,
      'PROHIBITED_CONTENT',
      'Gemini blocked the prompt (PROHIBITED_CONTENT)',
      null,
    ],
    ['image_safety', 'content_blocked', 200, 'IMAGE_SAFETY', 'Unable to show the generated image', null],
    [
      'image_prohibited',
      'content_blocked',
      200,
      'IMAGE_PROHIBITED_CONTENT',
      'Gemini withheld the image (IMAGE_PROHIBITED_CONTENT)',
      null,
    ],
    [
      'no_image',
      'no_image',
      200,
      'NO_IMAGE',
      'Gemini answered without an image (finish reason NO_IMAGE)',
      null,
    ],
    ['text_only', 'no_image', 200, 'STOP', "I can't make an image of that.", null],
    ['malformed_json', 'no_image', 200, null, 'Gemini returned a response that is not JSON', null],
    [
      'invalid_api_key',
      'auth_failed',
      400,
      'API_KEY_INVALID',
      'API key not valid. Please pass a valid API key.',
      null,
    ],
    ['permission_denied', 'auth_failed', 403, 'PERMISSION_DENIED', 'reported as leaked', null],
    ['rate_limited', 'rate_limited', 429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota', 31_000],
    ['daily_quota', 'quota_exhausted', 429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota', null],
    [
      'failed_precondition',
      'quota_exhausted',
      400,
      'FAILED_PRECONDITION',
      'User location is not supported',
      null,
    ],
    ['server_error', 'unavailable', 500, 'INTERNAL', 'An internal error has occurred', null],
    ['overloaded', 'unavailable', 503, 'UNAVAILABLE', 'The model is overloaded', null],
  ] as const;
  for (const [scenario, outcome, status, code, message, retryAfterMs] of outcomes) {
    it(`classifies ${scenario} as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(await geminiAdapter.generate(callFor({ negativePrompt: 'fog' })));
      expect(result).toMatchObject({ outcome, httpStatus: status, providerCode: code, retryAfterMs });
      expect(result.providerMessage).toContain(message);
      expect(result.warnings).toEqual([NEGATIVE_PROMPT_WARNING, SEED_WARNING]);
      expect(result.requestSent).toHaveProperty('generationConfig');
      expect(JSON.stringify(result)).not.toContain(KEY);
    });
  }

  it('returns not_an_image bytes undecoded; media ingest is what refuses them', async () => {
    double.setScenario('not_an_image');
    const result = ok(await geminiAdapter.generate(callFor()));
    expect(Buffer.from(result.images[0]!.bytes).toString()).toContain('not the bytes of any image');
  });

  it('keeps the text Gemini sent beside an image as the provider message', async () => {
    double.setScenario('success_with_text');
    const result = ok(await geminiAdapter.generate(callFor()));
    expect(result.providerMessage).toBe('Here is a brass teapot on linen, lit from the left.');
  });

  it('cancels mid-request when the signal aborts', async () => {
    double.setScenario('slow');
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    const result = failed(await geminiAdapter.generate(callFor({ count: 2 }, { signal: controller.signal })));
    expect(result.outcome).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const result = failed(await geminiAdapter.generate(callFor({}, { signal: AbortSignal.abort() })));
    expect(result.outcome).toBe('cancelled');
    expect(double.requests).toHaveLength(0);
  });

  it('refuses a retired Imagen model without calling Google, naming the successor', async () => {
    const imagen = provider.models.find((m) => m.id === 'imagen-4.0-generate-001')!;
    const result = failed(await geminiAdapter.generate(callFor({}, { model: imagen })));
    expect(result).toMatchObject({
      outcome: 'invalid_request',
      providerCode: 'model_retired',
      httpStatus: null,
    });
    expect(result.providerMessage).toBe(
      'Imagen 4 (imagen-4.0-generate-001) was retired on 2026-08-17. Use gemini-2.5-flash-image instead.',
    );
    expect(double.requests).toHaveLength(0);
  });

  it('classifies a refused connection as unavailable', async () => {
    const closed = await unusedPort();
    const result = failed(
      await geminiAdapter.generate(callFor({}, { endpoint: `http://127.0.0.1:${closed}` })),
    );
    expect(result.outcome).toBe('unavailable');
    expect(result.providerMessage).toMatch(/Could not reach Gemini at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('reports what the double refuses as invalid_request with Google’s message', async () => {
    const unknown: CatalogModel = { ...flash, id: 'gemini-9-image' };
    const missing = failed(await geminiAdapter.generate(callFor({}, { model: unknown })));
    expect(missing).toMatchObject({ outcome: 'invalid_request', httpStatus: 404, providerCode: 'NOT_FOUND' });
    expect(missing.providerMessage).toContain('models/gemini-9-image is not found for API version v1beta');

    const badRatio = failed(
      await geminiAdapter.generate(
        callFor({}, { options: { generationConfig: { imageConfig: { aspectRatio: '7:5' } } } }),
      ),
    );
    expect(badRatio).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 400,
      providerCode: 'INVALID_ARGUMENT',
    });
    expect(badRatio.providerMessage).toContain('Unsupported aspect ratio: 7:5');

    const wrongPath = failed(await geminiAdapter.generate(callFor({}, { endpoint: `${double.url}/proxy` })));
    expect(wrongPath).toMatchObject({ outcome: 'invalid_request', httpStatus: 404 });
    expect(wrongPath.providerMessage).toBe('Gemini answered HTTP 404 without an error message');
  });

  it('accepts an endpoint written with the API version', async () => {
    ok(await geminiAdapter.generate(callFor({}, { endpoint: `${double.url}/v1beta/` })));
    expect(double.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-flash-image:generateContent');
  });

  it('never lets the key appear, even when Google or the network echoes it', async () => {
    const echo: FetchLike = async () =>
      Response.json(
        { error: { code: 400, message: `Key ${KEY} is not valid`, status: 'INVALID_ARGUMENT' } },
        { status: 400 },
      );
    const echoed = failed(await geminiAdapter.generate(callFor({}, { fetch: echo })));
    expect(echoed.providerMessage).toBe('Key [redacted key] is not valid');

    const leaky: FetchLike = async () => {
      throw new TypeError(`connect failed for ${KEY}`);
    };
    const network = failed(await geminiAdapter.generate(callFor({}, { fetch: leaky })));
    expect(network.outcome).toBe('unavailable');
    expect(JSON.stringify(network)).not.toContain(KEY);

    for (const attempt of await shownPerScenario(
      double,
      SCENARIOS.filter((s) => s !== 'slow'),
      () => geminiAdapter.generate(callFor({ negativePrompt: 'noise' })),
    )) {
      expect(attempt).not.toContain(KEY);
    }
  });

  it('classifies other answers the way Google documents them', async () => {
    const answer =
      (status: number, body: unknown, headers: Record<string, string> = {}): FetchLike =>
      async () =>
        new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
    const cases: Array<[FetchLike, string, number | null]> = [
      [
        answer(504, { error: { code: 504, message: 'Deadline exceeded', status: 'DEADLINE_EXCEEDED' } }),
        'timeout',
        null,
      ],
      [
        answer(
          429,
          {
            error: {
              code: 429,
              message: 'Resource has been exhausted (e.g. check quota).',
              status: 'RESOURCE_EXHAUSTED',
            },
          },
          {
            'retry-after': '7',
          },
        ),
        'rate_limited',
        7000,
      ],
      [
        answer(429, [
          {
            error: {
              code: 429,
              message: 'Quota exceeded for metric: x, limit: 0, model: y',
              status: 'RESOURCE_EXHAUSTED',
            },
          },
        ]),
        'quota_exhausted',
        null,
      ],
      [
        answer(401, {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials.',
            status: 'UNAUTHENTICATED',
          },
        }),
        'auth_failed',
        null,
      ],
      [answer(502, '<html>Bad Gateway</html>'), 'unavailable', null],
      [
        answer(400, {
          error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' },
        }),
        'invalid_request',
        null,
      ],
    ];
    for (const [fetch, outcome, retryAfterMs] of cases) {
      const result = failed(await geminiAdapter.generate(callFor({}, { fetch })));
      expect(result, outcome).toMatchObject({ outcome, retryAfterMs });
    }
  });

  it('calls a 200 without candidates or images no_image', async () => {
    const answer =
      (body: unknown): FetchLike =>
      async () =>
        Response.json(body);
    for (const body of [
      {},
      { candidates: [] },
      { candidates: [{ content: { parts: [] }, finishReason: 'STOP' }] },
    ]) {
      const result = failed(await geminiAdapter.generate(callFor({}, { fetch: answer(body) })));
      expect(result.outcome).toBe('no_image');
    }
  });
});

describe('geminiAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) => geminiAdapter.testKey(keyCall(callFor({}, extra)));

  it('looks up the default model with the key', async () => {
    expect(await check()).toEqual({
      outcome: 'ok',
      message: 'Gemini accepted the key; gemini-2.5-flash-image is available.',
    });
    expect(double.requests[0]).toMatchObject({
      method: 'GET',
      path: '/v1beta/models/gemini-2.5-flash-image',
      apiKey: true,
    });
  });

  it('reports a rejected key, a missing model, a rate limit and an outage', async () => {
    double.setScenario('invalid_api_key');
    expect(await check()).toEqual({
      outcome: 'auth_failed',
      message: 'API key not valid. Please pass a valid API key.',
    });
    double.setScenario('success');
    const elsewhere = await check({ provider: { ...provider, defaultModel: 'gemini-9-image' } });
    expect(elsewhere).toEqual({
      outcome: 'ok',
      message: 'Gemini accepted the key, but gemini-9-image is not offered to it.',
    });
    const closed = await unusedPort();
    expect((await check({ endpoint: `http://127.0.0.1:${closed}` })).outcome).toBe('unavailable');
    expect((await check({ apiKey: 'not-a-google-key' })).outcome).toBe('auth_failed');
  });
});

describe('the Gemini double itself refuses what the real API refuses', () => {
  const post = (body: unknown, headers: Record<string, string> = {}, model = 'gemini-2.5-flash-image') =>
    fetch(`${double.url}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const good = {
    contents: [{ parts: [{ text: 'a cat' }] }],
    generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '1:1' } },
  };

  it('accepts a well-formed request, also with the key as ?key= and snake_case names', async () => {
    expect((await post(good)).status).toBe(200);
    const snake = { contents: good.contents, generation_config: { response_modalities: ['IMAGE'] } };
    const viaQuery = await fetch(
      `${double.url}/v1beta/models/gemini-2.5-flash-image:generateContent?key=${KEY}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(snake),
      },
    );
    expect(viaQuery.status).toBe(200);
  });

  const refusals: Array<[string, unknown, Record<string, string>, number, string, string]> = [
    ['an unknown top-level field', { ...good, seed: 42 }, {}, 400, 'INVALID_ARGUMENT', 'Unknown name "seed"'],
    [
      'an unknown generationConfig field',
      { ...good, generationConfig: { ...good.generationConfig, negativePrompt: 'x' } },
      {},
      400,
      'INVALID_ARGUMENT',
      `Unknown name "negativePrompt" at 'generation_config'`,
    ],
    [
      'an aspect ratio Gemini lacks',
      { ...good, generationConfig: { imageConfig: { aspectRatio: '7:5' } } },
      {},
      400,
      'INVALID_ARGUMENT',
      'Unsupported aspect ratio',
    ],
    [
      'imageSize on a model without it',
      { ...good, generationConfig: { imageConfig: { imageSize: '2K' } } },
      {},
      400,
      'INVALID_ARGUMENT',
      'Image size is not supported',
    ],
    [
      'an unknown modality',
      { ...good, generationConfig: { responseModalities: ['PICTURE'] } },
      {},
      400,
      'INVALID_ARGUMENT',
      'response_modalities[0]',
    ],
    [
      'several candidates',
      { ...good, generationConfig: { candidateCount: 2 } },
      {},
      400,
      'INVALID_ARGUMENT',
      'Multiple candidates',
    ],
    [
      'no contents',
      { generationConfig: good.generationConfig },
      {},
      400,
      'INVALID_ARGUMENT',
      'contents is not specified',
    ],
    ['empty parts', { contents: [{ parts: [] }] }, {}, 400, 'INVALID_ARGUMENT', 'must not be empty'],
    [
      'image data that is not base64',
      {
        contents: [
          { parts: [{ text: 'x' }, { inlineData: { mimeType: 'image/png', data: 'not base64!' } }] },
        ],
      },
      {},
      400,
      'INVALID_ARGUMENT',
      'Base64 decoding failed',
    ],
    [
      'an image type Gemini does not read',
      { contents: [{ parts: [{ inlineData: { mimeType: 'image/gif', data: 'R0lG' } }] }] },
      {},
      400,
      'INVALID_ARGUMENT',
      'Unsupported MIME type: image/gif',
    ],
    ['a body that is not JSON', '{"contents": ', {}, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload'],
    [
      'a body that is not JSON-typed',
      good,
      { 'content-type': 'text/plain' },
      400,
      'INVALID_ARGUMENT',
      'Invalid JSON payload',
    ],
    ['no key at all', good, { 'x-goog-api-key': '' }, 403, 'PERMISSION_DENIED', 'unregistered callers'],
    [
      'a key that is not a Google key',
      good,
      { 'x-goog-api-key': 'sk-abc' },
      400,
      'INVALID_ARGUMENT',
      'API key not valid',
    ],
  ];
  for (const [what, body, headers, status, grpc, message] of refusals) {
    it(`refuses ${what} with ${status} ${grpc}`, async () => {
      const response = await post(body, headers);
      expect(response.status).toBe(status);
      const answer = (await response.json()) as { error: { code: number; message: string; status: string } };
      expect(answer.error).toMatchObject({ code: status, status: grpc });
      expect(answer.error.message).toContain(message);
    });
  }

  it('answers 404 for unknown models and paths, and records requests without the key', async () => {
    const retired = await post(good, {}, 'imagen-4.0-generate-001');
    expect(retired.status).toBe(404);
    const html = await fetch(`${double.url}/v1/images/generations`, {
      method: 'POST',
      headers: { 'x-goog-api-key': KEY },
    });
    expect(html.status).toBe(404);
    expect(await html.text()).toContain('was not found on this server');
    expect(JSON.stringify(double.requests)).not.toContain(KEY);
  });

  it('takes no cue from the key: the scenario alone decides', async () => {
    double.setScenario('server_error');
    expect(
      (await post(good, { 'x-goog-api-key': googleShapedKey('Success-0123456789abcdefghijklmnopq') })).status,
    ).toBe(500);
  });
});

describe('the Gemini catalog entry', () => {
  it('lists the image models with prices and the retired Imagen models with their successor', () => {
    expect(provider).toMatchObject({
      keyEnv: 'GEMINI',
      defaultModel: 'gemini-2.5-flash-image',
      limits: { perMinute: 15, perDay: 1500 },
    });
    expect(flash.pricing.perImageUsd).toEqual({ standard: 0.039 });
    expect(() => resolveModel(catalog, 'gemini', 'imagen-3.0-generate-002')).toThrow(
      /retired by Google Gemini on 2026-08-17.*Gemini 2\.5 Flash Image \(gemini-2\.5-flash-image\)/,
    );
  });
});
