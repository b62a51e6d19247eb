import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, startOpenAIDouble } from '../../../test/doubles/openai-double';
import {
  callBuilder,
  failed,
  keyCall,
  ok,
  referenceImage,
  shownPerScenario,
  suiteDouble,
  unusedPort,
  withTempDir,
} from '../../../test/support';
import { createMediaStore, MediaError } from '../media';
import type { FetchLike } from '../ports';
import { type CatalogModel, loadCatalog, resolveModel } from './catalog';
import { NEGATIVE_PROMPT_WARNING, openaiAdapter, SEED_WARNING, strengthWarning } from './openai';
import { adapters, getAdapter } from './registry';
import type { AdapterCall, ReferenceImage } from './types';

const KEY = 'sk-test-abcdefghijklmnop-1234';
const catalog = loadCatalog();
const { provider, model: gptImage } = resolveModel(catalog, 'openai');

// Small stand-in images keep the suite fast; one test below asks for full size.
const double = await suiteDouble(startOpenAIDouble({ maxImageSide: 64, slowMs: 5_000 }));
const callFor = callBuilder({
  provider,
  model: gptImage,
  prompt: 'a brass teapot on linen',
  seed: 12345,
  apiKey: KEY,
  endpoint: double.url,
});

describe('openaiAdapter.generate against the protocol double', () => {
  it('sends the documented request and returns the PNG bytes it got back', async () => {
    const result = ok(await openaiAdapter.generate(callFor({ count: 2 })));
    expect(result.httpStatus).toBe(200);
    expect(result.requestSent).toEqual({
      model: 'gpt-image-1',
      prompt: 'a brass teapot on linen',
      n: 2,
      size: '1024x1024',
      quality: 'high',
      output_format: 'png',
    });
    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      expect(image.declaredMime).toBe('image/png');
      expect((await sharp(image.bytes).metadata()).format).toBe('png');
    }
    expect(result.seedUsed).toBeNull();
    expect(result.warnings).toEqual([SEED_WARNING]);
    expect(result.costUsd).toBeCloseTo(2 * 0.167, 6);

    expect(double.requests).toHaveLength(1);
    const sent = double.requests[0]!;
    expect(sent).toMatchObject({
      method: 'POST',
      path: '/v1/images/generations',
      authorization: true,
      status: 200,
    });
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual(result.requestSent);
    expect(sent.body).not.toHaveProperty('response_format');
  });

  it('gets images of the requested size when the double makes them full size', async () => {
    const full = await startOpenAIDouble();
    try {
      const result = ok(
        await openaiAdapter.generate(callFor({ aspectRatio: '2:3' }, { endpoint: full.url })),
      );
      const meta = await sharp(result.images[0]!.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([1024, 1536]);
    } finally {
      await full.close();
    }
  });

  it('accepts an endpoint written the SDK way, with /v1', async () => {
    ok(await openaiAdapter.generate(callFor({}, { endpoint: `${double.url}/v1/` })));
    expect(double.requests[0]!.path).toBe('/v1/images/generations');
  });

  it('uses the low quality and its price for drafts', async () => {
    const result = ok(await openaiAdapter.generate(callFor({ quality: 'draft' })));
    expect(result.requestSent.quality).toBe('low');
    expect(result.costUsd).toBe(0.011);
  });

  it('snaps ratios gpt-image has no size for, and says so', async () => {
    const wide = ok(await openaiAdapter.generate(callFor({ aspectRatio: '16:9' })));
    expect(wide.requestSent.size).toBe('1536x1024');
    expect(wide.warnings).toContain('GPT Image 1 has no 16:9 size; it made 1536x1024 (3:2) instead');
    expect(wide.costUsd).toBe(0.25);
    const tall = ok(await openaiAdapter.generate(callFor({ aspectRatio: '3:4' })));
    expect(tall.requestSent.size).toBe('1024x1536');
    expect(tall.warnings.join('\n')).toContain('no 3:4 size');
    const exact = ok(await openaiAdapter.generate(callFor({ aspectRatio: '3:2' })));
    expect(exact.requestSent.size).toBe('1536x1024');
    expect(exact.warnings).toEqual([SEED_WARNING]);
  });

  it('snaps an exact pixel size onto the listed size nearest its shape', async () => {
    const result = ok(await openaiAdapter.generate(callFor({ size: { width: 1200, height: 800 } })));
    expect(result.requestSent.size).toBe('1536x1024');
    expect(result.warnings).toContain('GPT Image 1 takes no 1200×800 size; it made 1536x1024 (3:2) instead');
  });

  it('folds the negative prompt into the prompt as "Avoid: …" and warns', async () => {
    const result = ok(await openaiAdapter.generate(callFor({ negativePrompt: 'blurry, watermark' })));
    expect(result.requestSent.prompt).toBe('a brass teapot on linen\n\nAvoid: blurry, watermark');
    expect(result.warnings).toContain(NEGATIVE_PROMPT_WARNING);
    expect(double.requests[0]!.body).toMatchObject({
      prompt: 'a brass teapot on linen\n\nAvoid: blurry, watermark',
    });
  });

  it('caps the count at the model maximum with a warning', async () => {
    const twoAtMost: CatalogModel = { ...gptImage, capabilities: { ...gptImage.capabilities, maxCount: 2 } };
    const result = ok(await openaiAdapter.generate(callFor({ count: 5 }, { model: twoAtMost })));
    expect(result.requestSent.n).toBe(2);
    expect(result.images).toHaveLength(2);
    expect(result.warnings).toContain('GPT Image 1 makes at most 2 images per request; asked for 5, made 2');
  });

  const failures = [
    {
      scenario: 'invalid_api_key',
      outcome: 'auth_failed',
      status: 401,
      code: 'invalid_api_key',
      message: 'Incorrect API key provided: sk-...1234.',
      retryAfterMs: null,
    },
    {
      scenario: 'rate_limited',
      outcome: 'rate_limited',
      status: 429,
      code: 'rate_limit_exceeded',
      message: 'Rate limit reached for gpt-image-1',
      retryAfterMs: 1750,
    },
    {
      scenario: 'insufficient_quota',
      outcome: 'quota_exhausted',
      status: 429,
      code: 'insufficient_quota',
      message: 'You exceeded your current quota',
      retryAfterMs: null,
    },
    {
      scenario: 'moderation_blocked',
      outcome: 'content_blocked',
      status: 400,
      code: 'moderation_blocked',
      message: 'rejected by the safety system',
      retryAfterMs: null,
    },
    {
      scenario: 'server_error',
      outcome: 'unavailable',
      status: 500,
      code: 'server_error',
      message: 'The server had an error',
      retryAfterMs: null,
    },
    {
      scenario: 'malformed_json',
      outcome: 'no_image',
      status: 200,
      code: null,
      message: 'OpenAI returned a response that is not JSON',
      retryAfterMs: null,
    },
  ] as const;
  for (const expected of failures) {
    it(`classifies ${expected.scenario} as ${expected.outcome}`, async () => {
      double.setScenario(expected.scenario);
      const result = failed(await openaiAdapter.generate(callFor({ negativePrompt: 'fog' })));
      expect(result).toMatchObject({
        outcome: expected.outcome,
        httpStatus: expected.status,
        providerCode: expected.code,
        retryAfterMs: expected.retryAfterMs,
      });
      expect(result.providerMessage).toContain(expected.message);
      expect(result.providerMessage).not.toMatch(/^\s*\{/);
      // What the adapter could not honour is recorded even when the attempt fails.
      expect(result.warnings).toEqual([NEGATIVE_PROMPT_WARNING, SEED_WARNING]);
      expect(result.requestSent).toMatchObject({ model: 'gpt-image-1', n: 1 });
      expect(JSON.stringify(result)).not.toContain(KEY);
    });
  }

  it('returns the bytes of not_an_image undecoded; media ingest is what refuses them', async () => {
    double.setScenario('not_an_image');
    const result = ok(await openaiAdapter.generate(callFor()));
    expect(Buffer.from(result.images[0]!.bytes).toString()).toContain('not the bytes of any image');
    await withTempDir('atelier-openai-', async (dataDir) => {
      const ingest = createMediaStore({ dataDir }).ingest(result.images[0]!.bytes);
      await expect(ingest).rejects.toBeInstanceOf(MediaError);
      await expect(ingest).rejects.toMatchObject({ code: 'not_an_image' });
    });
  });

  it('cancels mid-request when the signal aborts', async () => {
    double.setScenario('slow');
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    const result = failed(await openaiAdapter.generate(callFor({}, { signal: controller.signal })));
    expect(result.outcome).toBe('cancelled');
    expect(result.httpStatus).toBeNull();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const result = failed(await openaiAdapter.generate(callFor({}, { signal: AbortSignal.abort() })));
    expect(result.outcome).toBe('cancelled');
    expect(double.requests).toHaveLength(0);
  });

  it('classifies a refused connection as unavailable', async () => {
    const closed = await unusedPort();
    const result = failed(
      await openaiAdapter.generate(callFor({}, { endpoint: `http://127.0.0.1:${closed}` })),
    );
    expect(result.outcome).toBe('unavailable');
    expect(result.providerMessage).toMatch(
      /Could not reach OpenAI at http:\/\/127\.0\.0\.1:\d+: fetch failed/,
    );
  });

  it('classifies what the double refuses as invalid_request with the provider message', async () => {
    const unknownModel: CatalogModel = { ...gptImage, id: 'gpt-image-9' };
    const result = failed(await openaiAdapter.generate(callFor({}, { model: unknownModel })));
    expect(result).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 400,
      providerCode: 'invalid_value',
    });
    expect(result.providerMessage).toContain("Invalid value: 'gpt-image-9'");
    const wrongPath = failed(await openaiAdapter.generate(callFor({}, { endpoint: `${double.url}/proxy` })));
    expect(wrongPath).toMatchObject({ outcome: 'invalid_request', httpStatus: 404 });
    expect(wrongPath.providerMessage).toBe('Invalid URL (POST /proxy/v1/images/generations)');
  });

  it('never lets the key appear, even when a provider or the network echoes it', async () => {
    const echo: FetchLike = async () =>
      Response.json(
        { error: { message: `Key ${KEY} is revoked`, type: 'invalid_request_error', code: null } },
        { status: 401 },
      );
    const echoed = failed(await openaiAdapter.generate(callFor({}, { fetch: echo })));
    expect(echoed.outcome).toBe('auth_failed');
    expect(echoed.providerMessage).toBe('Key [redacted key] is revoked');

    const leaky: FetchLike = async () => {
      throw new TypeError(`connect failed for Bearer ${KEY}`);
    };
    const network = failed(await openaiAdapter.generate(callFor({}, { fetch: leaky })));
    expect(network.outcome).toBe('unavailable');
    expect(JSON.stringify(network)).not.toContain(KEY);

    for (const attempt of await shownPerScenario(
      double,
      SCENARIOS.filter((s) => s !== 'slow'),
      () => openaiAdapter.generate(callFor({ negativePrompt: 'noise' })),
    )) {
      expect(attempt).not.toContain(KEY);
      expect(attempt).not.toContain(KEY.slice(3, -4));
    }
  });

  it('classifies other answers the way OpenAI documents them', async () => {
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): FetchLike => {
      return async () =>
        new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
    };
    const cases: Array<[FetchLike, string, number | null]> = [
      [
        answer(400, {
          error: { message: 'x', type: 'invalid_request_error', code: 'content_policy_violation' },
        }),
        'content_blocked',
        null,
      ],
      [
        answer(400, {
          error: { message: 'Billing hard limit has been reached', code: 'billing_hard_limit_reached' },
        }),
        'quota_exhausted',
        null,
      ],
      [
        answer(422, { error: { message: 'bad size', type: 'invalid_request_error', code: null } }),
        'invalid_request',
        null,
      ],
      [
        answer(403, { error: { message: 'Your organization must be verified', code: null } }),
        'auth_failed',
        null,
      ],
      [answer(503, '<html>Service Unavailable</html>', { 'retry-after': '7' }), 'unavailable', 7000],
      [answer(502, 'upstream connect error'), 'unavailable', null],
      [
        answer(429, { error: { message: 'slow down', code: 'rate_limit_exceeded' } }, { 'retry-after': '3' }),
        'rate_limited',
        3000,
      ],
    ];
    for (const [fetch, outcome, retryAfterMs] of cases) {
      const result = failed(await openaiAdapter.generate(callFor({}, { fetch })));
      expect(result, outcome).toMatchObject({ outcome, retryAfterMs });
    }
    const html = failed(await openaiAdapter.generate(callFor({}, { fetch: cases[4]![0] })));
    expect(html.providerMessage).toBe('OpenAI answered HTTP 503 without an error message');
    const text = failed(await openaiAdapter.generate(callFor({}, { fetch: cases[5]![0] })));
    expect(text.providerMessage).toBe('upstream connect error');
  });

  it('calls a 200 without usable image data no_image', async () => {
    const answer =
      (body: unknown): FetchLike =>
      async () =>
        Response.json(body);
    for (const body of [{ created: 1, data: [] }, { created: 1 }, { data: [{ url: 'https://x' }] }, [1, 2]]) {
      const result = failed(await openaiAdapter.generate(callFor({}, { fetch: answer(body) })));
      expect(result.outcome).toBe('no_image');
      expect(result.providerMessage).toMatch(/OpenAI answered successfully but sent/);
    }
  });
});

describe('openaiAdapter edits (a reference image)', () => {
  it('sends multipart image[] to /v1/images/edits and warns that strength is not honoured', async () => {
    const reference = await referenceImage({ strength: 0.45 });
    const result = ok(await openaiAdapter.generate(callFor({ count: 2 }, { reference })));
    expect(result.images).toHaveLength(2);
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');
    expect(result.warnings).toEqual([SEED_WARNING, strengthWarning(0.45)]);
    expect(result.requestSent).toEqual({
      'image[]': '<png 96×64, 1 KB>',
      model: 'gpt-image-1',
      prompt: 'a brass teapot on linen',
      n: 2,
      size: '1024x1024',
      quality: 'high',
      output_format: 'png',
    });
    expect(result.costUsd).toBeCloseTo(2 * 0.167, 6);

    const sent = double.requests[0]!;
    expect(sent).toMatchObject({
      method: 'POST',
      path: '/v1/images/edits',
      authorization: true,
      status: 200,
    });
    expect(sent.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent.body).toEqual({
      'image[]': [{ filename: 'reference.png', type: 'image/png', bytes: reference.bytes.byteLength }],
      model: 'gpt-image-1',
      prompt: 'a brass teapot on linen',
      n: '2',
      size: '1024x1024',
      quality: 'high',
      output_format: 'png',
    });
    expect(sent.body).not.toHaveProperty('mask');
    expect(JSON.stringify(result)).not.toContain(KEY);
  });

  it('names JPEG and WebP references with their own type', async () => {
    for (const mime of ['image/jpeg', 'image/webp'] as const) {
      double.requests.length = 0;
      ok(await openaiAdapter.generate(callFor({}, { reference: await referenceImage({ mime }) })));
      const body = double.requests[0]!.body as { 'image[]': Array<{ filename: string; type: string }> };
      expect(body['image[]'][0]).toMatchObject({
        type: mime,
        filename: mime === 'image/jpeg' ? 'reference.jpg' : 'reference.webp',
      });
    }
  });

  it('passes input_fidelity and other documented options, and drops the rest with a warning', async () => {
    const reference = await referenceImage();
    const options = { input_fidelity: 'high', background: 'opaque', seed: 7, moderation: 'low' };
    const edited = ok(await openaiAdapter.generate(callFor({}, { reference, options })));
    expect(edited.requestSent).toMatchObject({ input_fidelity: 'high', background: 'opaque' });
    expect(edited.requestSent).not.toHaveProperty('seed');
    expect(edited.requestSent).not.toHaveProperty('moderation');
    expect(edited.warnings).toContain(
      'options.openai.seed is not an OpenAI Images parameter here; it was not sent',
    );
    expect(edited.warnings).toContain(
      'options.openai.moderation is not an OpenAI Images parameter here; it was not sent',
    );
    expect(double.requests[0]!.body).toMatchObject({ input_fidelity: 'high', background: 'opaque' });

    const generated = ok(
      await openaiAdapter.generate(callFor({}, { options: { input_fidelity: 'high', quality: 'medium' } })),
    );
    expect(generated.requestSent).not.toHaveProperty('input_fidelity');
    expect(generated.requestSent.quality).toBe('medium');
    expect(generated.costUsd).toBe(0.042);
    expect(generated.warnings).toContain(
      'options.openai.input_fidelity applies only to edits (with a reference image); it was not sent',
    );
  });

  it('generates from the prompt alone, with a warning, when the model has no edits', async () => {
    const noEdits: CatalogModel = { ...gptImage, capabilities: { ...gptImage.capabilities, edits: false } };
    const result = ok(
      await openaiAdapter.generate(callFor({}, { model: noEdits, reference: await referenceImage() })),
    );
    expect(double.requests[0]!.path).toBe('/v1/images/generations');
    expect(result.warnings).toContain(
      'GPT Image 1 takes no reference image; it was ignored and the prompt alone was used',
    );
  });

  it('classifies edit errors like generation errors', async () => {
    double.setScenario('moderation_blocked');
    const reference = await referenceImage();
    const blocked = failed(await openaiAdapter.generate(callFor({}, { reference })));
    expect(blocked).toMatchObject({
      outcome: 'content_blocked',
      httpStatus: 400,
      providerCode: 'moderation_blocked',
    });
    expect(blocked.requestSent['image[]']).toBe('<png 96×64, 1 KB>');
    double.setScenario('rate_limited');
    expect(failed(await openaiAdapter.generate(callFor({}, { reference }))).outcome).toBe('rate_limited');
  });

  it('reports what the double refuses in an edit as invalid_request', async () => {
    // A reference whose declared type does not match its bytes: OpenAI decodes and refuses it.
    const png = await referenceImage();
    const lying: ReferenceImage = { ...png, mime: 'image/jpeg' };
    const result = failed(await openaiAdapter.generate(callFor({}, { reference: lying })));
    expect(result).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 400,
      providerCode: 'invalid_image_file',
    });
  });
});

describe('the OpenAI double refuses malformed edits', () => {
  const png = () =>
    sharp({ create: { width: 32, height: 32, channels: 4, background: '#336699' } })
      .png()
      .toBuffer();
  const form = async (mutate: (f: FormData) => void | Promise<void> = () => {}) => {
    const f = new FormData();
    f.append('image[]', new Blob([new Uint8Array(await png())], { type: 'image/png' }), 'a.png');
    f.append('model', 'gpt-image-1');
    f.append('prompt', 'make it blue');
    await mutate(f);
    return f;
  };
  const post = (body: FormData | string, headers: Record<string, string> = {}) =>
    fetch(`${double.url}/v1/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, ...headers },
      body,
    });
  const codeOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string | null } }).error.code;

  it('accepts a well-formed edit, also with a matching mask', async () => {
    expect((await post(await form())).status).toBe(200);
    const withMask = await form(async (f) => {
      f.append('mask', new Blob([new Uint8Array(await png())], { type: 'image/png' }), 'mask.png');
    });
    expect((await post(withMask)).status).toBe(200);
  });

  const refusals: Array<[string, (f: FormData) => void | Promise<void>, string]> = [
    ['no image', (f) => f.delete('image[]'), 'missing_required_parameter'],
    [
      'a GIF',
      (f) =>
        f.set(
          'image[]',
          new Blob([new Uint8Array([0x47, 0x49, 0x46, 0x38])], { type: 'image/gif' }),
          'a.gif',
        ),
      'unsupported_file_mimetype',
    ],
    [
      'bytes that are not the declared type',
      (f) =>
        f.set('image[]', new Blob([new TextEncoder().encode('not a png')], { type: 'image/png' }), 'a.png'),
      'invalid_image_file',
    ],
    ['the image as text', (f) => f.set('image[]', 'iVBORw0KGgo='), 'invalid_type'],
    [
      'a mask of another size',
      async (f) => {
        const small = await sharp({ create: { width: 8, height: 8, channels: 4, background: '#000' } })
          .png()
          .toBuffer();
        f.append('mask', new Blob([new Uint8Array(small)], { type: 'image/png' }), 'mask.png');
      },
      'invalid_image_file',
    ],
    ['moderation (generations only)', (f) => f.append('moderation', 'low'), 'unknown_parameter'],
    ['n that is not a number', (f) => f.append('n', 'two'), 'invalid_type'],
    ['an input_fidelity it lacks', (f) => f.append('input_fidelity', 'max'), 'invalid_value'],
    ['an empty prompt', (f) => f.set('prompt', ''), 'empty_string'],
  ];
  for (const [what, mutate, code] of refusals) {
    it(`refuses ${what}`, async () => {
      const response = await post(await form(mutate));
      expect(response.status).toBe(400);
      expect(await codeOf(response)).toBe(code);
    });
  }

  it('refuses a JSON body on the edits endpoint', async () => {
    const response = await post(JSON.stringify({ prompt: 'x', model: 'gpt-image-1' }), {
      'content-type': 'application/json',
    });
    expect(response.status).toBe(400);
  });
});

describe('openaiAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) => openaiAdapter.testKey(keyCall(callFor({}, extra)));

  it('lists models with the key and reports success', async () => {
    expect(await check()).toEqual({
      outcome: 'ok',
      message: 'OpenAI accepted the key; gpt-image-1 is available.',
    });
    expect(double.requests[0]).toMatchObject({
      method: 'GET',
      path: '/v1/models',
      authorization: true,
      body: '',
    });
  });

  it('reports a rejected key, a rate limit and an outage', async () => {
    double.setScenario('invalid_api_key');
    const rejected = await check();
    expect(rejected.outcome).toBe('auth_failed');
    expect(rejected.message).toContain('Incorrect API key provided');
    expect(rejected.message).not.toContain(KEY);
    double.setScenario('rate_limited');
    expect((await check()).outcome).toBe('rate_limited');
    double.setScenario('server_error');
    expect((await check()).outcome).toBe('unavailable');
    const closed = await unusedPort();
    expect(await check({ endpoint: `http://127.0.0.1:${closed}` })).toMatchObject({
      outcome: 'unavailable',
      message: expect.stringContaining('Could not reach OpenAI'),
    });
  });
});

describe('the OpenAI double itself refuses what the real API refuses', () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${double.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const good = {
    model: 'gpt-image-1',
    prompt: 'a cat',
    n: 1,
    size: '1024x1024',
    quality: 'high',
    output_format: 'png',
  };

  it('accepts a well-formed request', async () => {
    const response = await post(good);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      data: Array<{ b64_json: string }>;
      usage: { output_tokens: number };
    };
    expect(body.data).toHaveLength(1);
    expect(body.usage.output_tokens).toBe(4160);
  });

  const refusals: Array<[string, unknown, Record<string, string>, number, string | null]> = [
    [
      'response_format (gpt-image rejects it)',
      { ...good, response_format: 'b64_json' },
      {},
      400,
      'unknown_parameter',
    ],
    ['an unknown field', { ...good, seed: 42 }, {}, 400, 'unknown_parameter'],
    ['an unknown model', { ...good, model: 'dall-e-3' }, {}, 400, 'invalid_value'],
    ['a size the model lacks', { ...good, size: '512x512' }, {}, 400, 'invalid_value'],
    ['a quality it lacks', { ...good, quality: 'hd' }, {}, 400, 'invalid_value'],
    ['an output format it lacks', { ...good, output_format: 'gif' }, {}, 400, 'invalid_value'],
    ['n above 10', { ...good, n: 11 }, {}, 400, 'integer_above_max_value'],
    ['n below 1', { ...good, n: 0 }, {}, 400, 'integer_below_min_value'],
    ['n as a string', { ...good, n: '2' }, {}, 400, 'invalid_type'],
    ['an empty prompt', { ...good, prompt: '' }, {}, 400, 'empty_string'],
    [
      'a prompt over 32000 characters',
      { ...good, prompt: 'x'.repeat(32_001) },
      {},
      400,
      'string_above_max_length',
    ],
    ['a missing prompt', { model: 'gpt-image-1' }, {}, 400, 'missing_required_parameter'],
    ['a body that is not JSON', '{"model": ', {}, 400, null],
    ['a body that is not JSON-typed', good, { 'content-type': 'text/plain' }, 400, null],
    ['no API key', good, { authorization: '' }, 401, null],
    ['a key that is not an OpenAI key', good, { authorization: 'Bearer abc123' }, 401, 'invalid_api_key'],
  ];
  for (const [what, body, headers, status, code] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const response = await post(body, headers);
      expect(response.status).toBe(status);
      const answer = (await response.json()) as {
        error: { message: string; type: string; code: string | null };
      };
      expect(answer.error.type).toBe('invalid_request_error');
      expect(answer.error.code).toBe(code);
      expect(answer.error.message.length).toBeGreaterThan(0);
    });
  }

  it('answers 404 for a wrong method or path, and records requests without the key', async () => {
    const wrong = await fetch(`${double.url}/v1/images/generations`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(wrong.status).toBe(404);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(
      'Invalid URL (GET /v1/images/generations)',
    );
    expect(double.requests.at(-1)).toMatchObject({ method: 'GET', authorization: true, status: 404 });
    expect(JSON.stringify(double.requests)).not.toContain(KEY);
  });

  it('takes no cue from the key: the scenario alone decides', async () => {
    double.setScenario('server_error');
    expect((await post(good, { authorization: 'Bearer sk-success' })).status).toBe(500);
    double.setScenario('success');
    expect((await post(good, { authorization: 'Bearer sk-server_error' })).status).toBe(200);
  });
});

describe('registry', () => {
  it('holds the OpenAI adapter by its catalog id and nothing else by accident', () => {
    expect(getAdapter('openai')).toBe(openaiAdapter);
    expect(adapters.openai).toBe(openaiAdapter);
    expect(getAdapter('nope')).toBeNull();
    expect(getAdapter('toString')).toBeNull();
    for (const id of Object.keys(adapters)) expect(catalog.providers.some((p) => p.id === id)).toBe(true);
  });
});
