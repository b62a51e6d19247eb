import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GenerationRequest, type GenerationRequestInput } from '../../../shared/domain';
import { type OpenAIDouble, SCENARIOS, startOpenAIDouble } from '../../../test/doubles/openai-double';
import { createMediaStore, MediaError } from '../media';
import { type FetchLike, systemClock } from '../ports';
import { type CatalogModel, loadCatalog, resolveModel } from './catalog';
import { NEGATIVE_PROMPT_WARNING, openaiAdapter, SEED_WARNING } from './openai';
import { adapters, getAdapter } from './registry';
import type { AdapterCall, AttemptFailure, AttemptResult, AttemptSuccess } from './types';

const KEY = 'sk-test-abcdefghijklmnop-1234';
const catalog = loadCatalog();
const { provider, model: gptImage } = resolveModel(catalog, 'openai');

let double: OpenAIDouble;
beforeAll(async () => {
  // Small stand-in images keep the suite fast; one test below asks for full size.
  double = await startOpenAIDouble({ maxImageSide: 64, slowMs: 5_000 });
});
afterAll(() => double.close());
afterEach(() => {
  double.setScenario('success');
  double.requests.length = 0;
});

function callFor(
  input: Partial<GenerationRequestInput> = {},
  extra: Partial<AdapterCall> & { model?: CatalogModel } = {},
): AdapterCall {
  const request = GenerationRequest.parse({
    prompt: 'a brass teapot on linen',
    provider: 'openai',
    ...input,
  });
  return {
    request: { ...request, seed: request.seed ?? 12345 },
    provider,
    model: gptImage,
    apiKey: KEY,
    endpoint: double.url,
    signal: new AbortController().signal,
    fetch: globalThis.fetch,
    clock: systemClock,
    ...extra,
  };
}

function ok(result: AttemptResult): AttemptSuccess {
  if (result.outcome !== 'ok') {
    throw new Error(`expected ok, got ${result.outcome}: ${result.providerMessage}`);
  }
  return result;
}

function failed(result: AttemptResult): AttemptFailure {
  if (result.outcome === 'ok') throw new Error('expected a failure, got ok');
  return result;
}

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
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atelier-openai-'));
    try {
      const ingest = createMediaStore({ dataDir }).ingest(result.images[0]!.bytes);
      await expect(ingest).rejects.toBeInstanceOf(MediaError);
      await expect(ingest).rejects.toMatchObject({ code: 'not_an_image' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
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

    for (const scenario of SCENARIOS.filter((s) => s !== 'slow')) {
      double.setScenario(scenario);
      const result = await openaiAdapter.generate(callFor({ negativePrompt: 'noise' }));
      const { images: _images, ...rest } = result as AttemptSuccess;
      expect(JSON.stringify(rest)).not.toContain(KEY);
      expect(JSON.stringify(rest)).not.toContain(KEY.slice(3, -4));
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

describe('openaiAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) => {
    const { request: _request, model: _model, ...call } = callFor({}, extra);
    return openaiAdapter.testKey(call);
  };

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

function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
