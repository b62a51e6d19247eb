import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MODELS, SCENARIOS, startLeonardoDouble } from '../../../test/doubles/leonardo-double';
import {
  callBuilder,
  failed,
  fakeClock,
  keyCall,
  ok,
  pngBytes,
  shownPerScenario,
  suiteDouble,
  unusedPort,
} from '../../../test/support';
import type { FetchLike } from '../ports';
import { type CatalogModel, loadCatalog, resolveModel } from './catalog';
import { leonardoAdapter, POLL_DEADLINE_MS, POLL_INTERVAL_MS } from './leonardo';
import type { AdapterCall } from './types';

const KEY = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const catalog = loadCatalog();
const { provider, model: phoenix } = resolveModel(catalog, 'leonardo');
const kino = resolveModel(catalog, 'leonardo', MODELS.kinoXl).model;
const lucid = resolveModel(catalog, 'leonardo', MODELS.lucidOrigin).model;

const double = await suiteDouble(startLeonardoDouble({ maxImageSide: 40, pendingPolls: 2 }));
const callFor = callBuilder({
  provider,
  model: phoenix,
  prompt: 'a brass teapot on linen',
  seed: 12345,
  apiKey: KEY,
  endpoint: double.url,
  // Time moves only when the adapter sleeps, and each sleep takes a millisecond of real time.
  clock: () => fakeClock({ realMs: 1, start: 1_767_225_600_000 }),
});
const png = (width = 20, height = 16) => pngBytes(width, height, '#406080');

const paths = () => double.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':id')}`);

describe('leonardoAdapter.generate against the protocol double', () => {
  it('creates a generation, polls it to COMPLETE and fetches the images at once', async () => {
    const call = callFor();
    const result = ok(await leonardoAdapter.generate(call));
    expect(result.requestSent).toEqual({
      modelId: MODELS.phoenix,
      prompt: 'a brass teapot on linen',
      width: 1024,
      height: 1024,
      num_images: 1,
      seed: 12345,
      alchemy: true,
      contrast: 3.5,
      enhancePrompt: false,
      public: false,
    });
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.declaredMime).toBe('image/png');
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');
    expect(result).toMatchObject({
      seedUsed: 12345,
      costCredits: 16,
      costUsd: null,
      httpStatus: 200,
      warnings: [],
    });

    expect(paths()).toEqual([
      'POST /api/rest/v1/generations',
      'GET /api/rest/v1/generations/:id',
      'GET /api/rest/v1/generations/:id',
      'GET /api/rest/v1/generations/:id',
      'GET /cdn/users/0f5e4a1c/generations/:id/Leonardo_Phoenix_0.png',
    ]);
    const [create] = double.requests;
    expect(create).toMatchObject({ authorization: true, status: 200, body: result.requestSent });
    expect(create!.headers['content-type']).toBe('application/json');
    // The CDN never sees the key.
    expect(double.requests.at(-1)!.authorization).toBe(false);
    expect(call.clock.sleptMs).toBe(3 * POLL_INTERVAL_MS);
    expect(call.progress.map((p) => p.message)).toContain('Leonardo: pending');
  });

  it('maps quality tiers: Phoenix drafts without Alchemy, Lucid Origin finals in Ultra', async () => {
    const draft = ok(await leonardoAdapter.generate(callFor({ quality: 'draft' })));
    expect(draft.requestSent).toMatchObject({ alchemy: false });
    expect(draft.costCredits).toBe(8);
    const ultra = ok(await leonardoAdapter.generate(callFor({}, { model: lucid })));
    expect(ultra.requestSent).toMatchObject({ modelId: MODELS.lucidOrigin, ultra: true, contrast: 3.5 });
    expect(ultra.requestSent).not.toHaveProperty('alchemy');
  });

  it('sends Kino XL negative prompt, steps and guidance, fitted to its ranges', async () => {
    const result = ok(
      await leonardoAdapter.generate(
        callFor(
          { negativePrompt: 'blurry', steps: 80, guidance: 7.5, aspectRatio: '16:9' },
          { model: kino, options: { presetStyle: 'CINEMATIC' } },
        ),
      ),
    );
    expect(result.requestSent).toMatchObject({
      modelId: MODELS.kinoXl,
      negative_prompt: 'blurry',
      width: 1472,
      height: 832,
      num_inference_steps: 60,
      guidance_scale: 8,
      presetStyle: 'CINEMATIC',
      alchemy: true,
    });
    expect(result.warnings).toEqual([
      'Leonardo Kino XL takes steps 10–60 in whole numbers; 80 was sent as 60',
      'Leonardo Kino XL takes guidance 1–20 in whole numbers; 7.5 was sent as 8',
    ]);
    const sized = await sharp(result.images[0]!.bytes).metadata();
    expect(sized.width! / sized.height!).toBeCloseTo(1472 / 832, 1);
  });

  it('folds the negative prompt for Phoenix and says what it ignored', async () => {
    const result = ok(
      await leonardoAdapter.generate(callFor({ negativePrompt: 'watermark', steps: 30, guidance: 5 })),
    );
    expect(result.requestSent.prompt).toBe('a brass teapot on linen\n\nAvoid: watermark');
    expect(result.requestSent).not.toHaveProperty('negative_prompt');
    expect(result.warnings).toEqual([
      'Leonardo Phoenix 1.0 has no negative prompt; it was added to the end of the prompt as "Avoid: …"',
      'Leonardo Phoenix 1.0 chooses its own steps; steps 30 was ignored',
      'Leonardo Phoenix 1.0 has no guidance setting; guidance 5 was ignored',
    ]);
  });

  it('caps the count at 4 above 768 px, and allows up to 8 below', async () => {
    const big = ok(await leonardoAdapter.generate(callFor({ count: 6 })));
    expect(big.requestSent.num_images).toBe(4);
    expect(big.images).toHaveLength(4);
    expect(big.warnings).toContain(
      'Leonardo makes at most 4 images per request above 768 px; asked for 6, made 4',
    );
    const small = ok(
      await leonardoAdapter.generate(callFor({ count: 6, size: { width: 700, height: 500 } })),
    );
    expect(small.requestSent).toMatchObject({ width: 704, height: 504, num_images: 6 });
    expect(small.images).toHaveLength(6);
    expect(small.warnings).toEqual([
      'Leonardo Phoenix 1.0 makes sides of 32–1536 px in steps of 8; 700×500 became 704×504',
    ]);
    const huge = ok(await leonardoAdapter.generate(callFor({ size: { width: 3000, height: 2000 } })));
    expect(huge.requestSent).toMatchObject({ width: 1536, height: 1024 });
  });

  it('sends the seed it is given and reports it as used', async () => {
    const result = ok(await leonardoAdapter.generate(callFor({ seed: 2_147_483_647 })));
    expect(result.requestSent.seed).toBe(2_147_483_647);
    expect(result.seedUsed).toBe(2_147_483_647);
    expect(result.warnings).toEqual([]);
  });

  it('never wraps a seed above 32 bits into another number: Leonardo refuses it as it stands', async () => {
    const result = failed(await leonardoAdapter.generate(callFor({ seed: 3_000_000_000 })));
    expect(result.requestSent.seed).toBe(3_000_000_000);
    expect(result.outcome).toBe('invalid_request');
    expect(result.warnings).toEqual([]);
  });

  it('uploads a reference through the presigned init-image flow, never sending the key to storage', async () => {
    const bytes = await png();
    const reference = { bytes, mime: 'image/png' as const, width: 20, height: 16, strength: 0.55 };
    const result = ok(await leonardoAdapter.generate(callFor({}, { model: kino, reference })));
    expect(paths().slice(0, 3)).toEqual([
      'POST /api/rest/v1/init-image',
      'POST /storage/leonardo-double-uploads',
      'POST /api/rest/v1/generations',
    ]);
    const [slot, upload, create] = double.requests;
    expect(slot!.body).toEqual({ extension: 'png' });
    expect(upload!.authorization).toBe(false);
    expect(upload!.status).toBe(204);
    expect((upload!.body as string[]).at(-1)).toBe('file');
    expect(create!.body).toMatchObject({ init_image_id: expect.any(String), init_strength: 0.45 });
    expect(result.requestSent).toMatchObject({ init_strength: 0.45 });
    expect(result.warnings).toEqual([]);

    double.requests.length = 0;
    const faint = ok(
      await leonardoAdapter.generate(
        callFor({}, { model: kino, reference: { ...reference, strength: 0.95 } }),
      ),
    );
    expect(faint.requestSent.init_strength).toBe(0.1);
    expect(faint.warnings).toEqual([
      'Leonardo takes init_strength 0.1–0.9; reference strength 0.95 was sent as init_strength 0.1',
    ]);
  });

  it('ignores a reference for models without image input, with a warning', async () => {
    const bytes = await png();
    const path = `media/ab/${'b'.repeat(64)}.png`;
    const reference = { bytes, mime: 'image/png' as const, width: 20, height: 16, strength: 0.5 };
    const result = ok(
      await leonardoAdapter.generate(callFor({ reference: { path, strength: 0.5 } }, { reference })),
    );
    expect(result.warnings).toEqual([
      'Leonardo Phoenix 1.0 takes no reference image here; the reference was ignored',
    ]);
    expect(paths()[0]).toBe('POST /api/rest/v1/generations');
  });

  it('drops options Leonardo does not document, with a warning', async () => {
    const result = ok(
      await leonardoAdapter.generate(
        callFor({}, { options: { styleUUID: '111dc692-d470-4eec-b791-3475abac4c46', vibe: 'noir' } }),
      ),
    );
    expect(result.requestSent).toMatchObject({ styleUUID: '111dc692-d470-4eec-b791-3475abac4c46' });
    expect(result.requestSent).not.toHaveProperty('vibe');
    expect(result.warnings).toEqual([
      'Leonardo option "vibe" is not a documented generation field; it was not sent',
    ]);
  });

  const failures = [
    ['invalid_api_key', 'auth_failed', 401, 'access-denied', 'Invalid API key'],
    ['rate_limited', 'rate_limited', 429, 'rate-limit-exceeded', 'Too many requests'],
    ['not_enough_tokens', 'quota_exhausted', 400, 'unexpected', 'not enough api tokens'],
    ['moderation_blocked', 'content_blocked', 400, 'unexpected', 'content moderation'],
    ['server_error', 'unavailable', 500, 'unexpected', 'Internal server error'],
    ['malformed_json', 'no_image', 200, null, 'sent no generation id'],
    ['generation_failed', 'unavailable', 200, 'FAILED', 'FAILED without a reason'],
    ['generation_moderated', 'content_blocked', 200, 'FAILED', 'moderation: nsfw'],
    ['expired_urls', 'no_image', 200, null, 'HTTP 403 (the link may have expired)'],
  ] as const;
  for (const [scenario, outcome, status, code, message] of failures) {
    it(`classifies ${scenario} as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(await leonardoAdapter.generate(callFor({ seed: 400_000_000 })));
      expect(result).toMatchObject({ outcome, httpStatus: status, providerCode: code });
      expect(result.providerMessage).toContain(message);
      expect(result.warnings).toEqual([]);
      expect(result.requestSent).toMatchObject({ modelId: MODELS.phoenix });
      expect(JSON.stringify(result)).not.toContain(KEY);
    });
  }

  it('keeps images Leonardo flags as NSFW, with a warning', async () => {
    double.setScenario('nsfw');
    const result = ok(await leonardoAdapter.generate(callFor({ count: 2 })));
    expect(result.images).toHaveLength(2);
    expect(result.warnings).toEqual(['Leonardo flagged 1 of 2 images as NSFW']);
  });

  it('deletes the generation when cancelled mid-poll', async () => {
    double.setScenario('never_finishes');
    const controller = new AbortController();
    const call = callFor({}, { signal: controller.signal });
    call.onProgress = (update) => {
      call.progress.push(update);
      if (call.progress.filter((p) => p.message === 'Leonardo: pending').length === 2)
        controller.abort(new Error('stop'));
    };
    const result = failed(await leonardoAdapter.generate(call));
    expect(result.outcome).toBe('cancelled');
    expect(result.providerMessage).toMatch(
      /^Cancelled while Leonardo was generating; generation [0-9a-f-]{36} was deleted at Leonardo\.$/,
    );
    expect(paths().at(-1)).toBe('DELETE /api/rest/v1/generations/:id');
    expect([...double.generations.values()].at(-1)!.deleted).toBe(true);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const result = failed(await leonardoAdapter.generate(callFor({}, { signal: AbortSignal.abort() })));
    expect(result.outcome).toBe('cancelled');
    expect(double.requests).toHaveLength(0);
  });

  it('gives up after the poll deadline as a timeout and deletes the job', async () => {
    double.setScenario('never_finishes');
    const call = callFor();
    const result = failed(await leonardoAdapter.generate(call));
    expect(result).toMatchObject({ outcome: 'timeout', providerCode: 'PENDING' });
    expect(result.providerMessage).toMatch(
      /had not finished generation .* after 10 minutes; generation .* was deleted/,
    );
    expect(call.clock.sleptMs).toBeGreaterThan(POLL_DEADLINE_MS);
    expect(paths().at(-1)).toBe('DELETE /api/rest/v1/generations/:id');
  });

  it('rides out a short outage of the status endpoint, but not a long one', async () => {
    const flaky = (failures: number): FetchLike => {
      let left = failures;
      return async (input, init) => {
        if ((init?.method ?? 'GET') === 'GET' && String(input).includes('/generations/') && left > 0) {
          left -= 1;
          return new Response('{"error":"upstream unavailable","path":"$","code":"unexpected"}', {
            status: 503,
          });
        }
        return fetch(input, init);
      };
    };
    ok(await leonardoAdapter.generate(callFor({}, { fetch: flaky(2) })));
    const down = failed(await leonardoAdapter.generate(callFor({}, { fetch: flaky(10) })));
    expect(down).toMatchObject({ outcome: 'unavailable', httpStatus: 503 });
  });

  it('classifies a refused connection as unavailable', async () => {
    const closed = await unusedPort();
    const result = failed(
      await leonardoAdapter.generate(callFor({}, { endpoint: `http://127.0.0.1:${closed}` })),
    );
    expect(result.outcome).toBe('unavailable');
    expect(result.providerMessage).toMatch(/Could not reach Leonardo at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('reports what the double refuses as invalid_request with Leonardo’s message', async () => {
    const unknown: CatalogModel = { ...phoenix, id: '00000000-0000-4000-8000-000000000000' };
    const missing = failed(await leonardoAdapter.generate(callFor({}, { model: unknown })));
    expect(missing).toMatchObject({ outcome: 'invalid_request', httpStatus: 400 });
    expect(missing.providerMessage).toContain('Model not found');
    const badStyle = failed(
      await leonardoAdapter.generate(callFor({}, { model: kino, options: { presetStyle: 'NOIR' } })),
    );
    expect(badStyle.providerMessage).toBe('Invalid presetStyle: NOIR');
  });

  it('accepts the SDK-style endpoint with /api/rest/v1', async () => {
    ok(await leonardoAdapter.generate(callFor({}, { endpoint: `${double.url}/api/rest/v1/` })));
    expect(double.requests[0]!.path).toBe('/api/rest/v1/generations');
  });

  it('never lets the key appear, even when Leonardo or the network echoes it', async () => {
    const echo: FetchLike = async () =>
      Response.json({ error: `token ${KEY} is revoked`, path: '$', code: 'access-denied' }, { status: 401 });
    const echoed = failed(await leonardoAdapter.generate(callFor({}, { fetch: echo })));
    expect(echoed.providerMessage).toBe('token [redacted key] is revoked');
    const leaky: FetchLike = async () => {
      throw new TypeError(`connect failed for Bearer ${KEY}`);
    };
    expect(JSON.stringify(await leonardoAdapter.generate(callFor({}, { fetch: leaky })))).not.toContain(KEY);
    for (const attempt of await shownPerScenario(
      double,
      SCENARIOS.filter((s) => s !== 'never_finishes'),
      () => leonardoAdapter.generate(callFor({ negativePrompt: 'noise' })),
    )) {
      expect(attempt).not.toContain(KEY);
    }
    expect(JSON.stringify(double.requests)).not.toContain(KEY);
  });

  it('classifies other answers the way Leonardo sends them', async () => {
    const answer =
      (status: number, body: unknown, headers: Record<string, string> = {}): FetchLike =>
      async () =>
        new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
    const cases: Array<[FetchLike, string, number | null]> = [
      [answer(402, { error: 'Payment required', path: '$', code: 'unexpected' }), 'quota_exhausted', null],
      [
        answer(403, { error: 'Request blocked: inappropriate content', path: '$', code: 'unexpected' }),
        'content_blocked',
        null,
      ],
      [answer(403, { error: 'Forbidden', path: '$', code: 'permission-error' }), 'auth_failed', null],
      [
        answer(429, { error: 'slow down', path: '$', code: 'rate-limit' }, { 'retry-after': '3' }),
        'rate_limited',
        3000,
      ],
      [answer(504, '<html>Gateway Timeout</html>'), 'timeout', null],
      [
        answer(400, { error: 'Insufficient balance, please top up', path: '$', code: 'unexpected' }),
        'quota_exhausted',
        null,
      ],
    ];
    for (const [fetch, outcome, retryAfterMs] of cases) {
      const result = failed(await leonardoAdapter.generate(callFor({}, { fetch })));
      expect(result, outcome).toMatchObject({ outcome, retryAfterMs });
    }
  });
});

describe('leonardoAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) => leonardoAdapter.testKey(keyCall(callFor({}, extra)));

  it('reads /me and reports the API credits left', async () => {
    expect(await check()).toEqual({
      outcome: 'ok',
      message: 'Leonardo accepted the key; 4,700 API credits left.',
    });
    expect(double.requests[0]).toMatchObject({ method: 'GET', path: '/api/rest/v1/me', authorization: true });
  });

  it('reports a rejected key and an unreachable server', async () => {
    double.setScenario('invalid_api_key');
    expect(await check()).toEqual({ outcome: 'auth_failed', message: 'Invalid API key' });
    const closed = await unusedPort();
    expect((await check({ endpoint: `http://127.0.0.1:${closed}` })).outcome).toBe('unavailable');
  });
});

describe('the Leonardo double itself refuses what the real API refuses', () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${double.url}/api/rest/v1/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const good = { modelId: MODELS.kinoXl, prompt: 'a cat', width: 1024, height: 768, num_images: 1 };

  it('accepts a well-formed request', async () => {
    const response = await post(good);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      sdGenerationJob: { generationId: expect.any(String), apiCreditCost: 8 },
    });
  });

  const refusals: Array<[string, unknown, Record<string, string>, number, string]> = [
    [
      'an unknown field',
      { ...good, steps: 30 },
      {},
      400,
      `field 'steps' not found in type: 'SDGenerationInput'`,
    ],
    [
      'a seed beyond 32 bits',
      { ...good, seed: 3_000_000_000 },
      {},
      400,
      "expected a 32-bit integer for type 'Int'",
    ],
    ['a side that is not a multiple of 8', { ...good, width: 1020 }, {}, 400, 'multiple of 8'],
    ['a side above 1536', { ...good, width: 2048 }, {}, 400, 'between 32 and 1536'],
    ['5 images above 768 px', { ...good, num_images: 5 }, {}, 400, 'num_images must be between 1 and 4'],
    [
      'steps out of range',
      { ...good, num_inference_steps: 5 },
      {},
      400,
      'num_inference_steps must be between 10 and 60',
    ],
    ['guidance as a float', { ...good, guidance_scale: 7.5 }, {}, 400, "expected an integer for type 'Int'"],
    ['Phoenix without contrast', { ...good, modelId: MODELS.phoenix }, {}, 400, 'contrast is required'],
    [
      'Alchemy on Lucid Origin',
      { ...good, modelId: MODELS.lucidOrigin, contrast: 3.5, alchemy: true },
      {},
      400,
      'alchemy is not supported',
    ],
    [
      'init_strength without an image',
      { ...good, init_strength: 0.5 },
      {},
      400,
      'init_strength requires init_image_id',
    ],
    [
      'an init image never uploaded',
      { ...good, init_image_id: 'f00', init_strength: 0.5 },
      {},
      400,
      'not found or not uploaded',
    ],
    ['a missing prompt', { modelId: MODELS.kinoXl }, {}, 400, "missing required field 'prompt'"],
    [
      'a body that is not JSON-typed',
      good,
      { 'content-type': 'text/plain' },
      400,
      'Content-Type must be application/json',
    ],
    ['no API key', good, { authorization: '' }, 401, 'Malformed Authorization header'],
    ['a key that is not a Leonardo key', good, { authorization: 'Bearer sk-abc' }, 401, 'Invalid API key'],
  ];
  for (const [what, body, headers, status, message] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const response = await post(body, headers);
      expect(response.status).toBe(status);
      const answer = (await response.json()) as { error: string; path: string; code: string };
      expect(answer.error).toContain(message);
      expect(answer.path).toMatch(/^\$/);
    });
  }

  it('refuses storage uploads that carry a key or put the file first', async () => {
    const slot = (await (
      await fetch(`${double.url}/api/rest/v1/init-image`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ extension: 'png' }),
      })
    ).json()) as { uploadInitImage: { url: string; fields: string } };
    const fields = JSON.parse(slot.uploadInitImage.fields) as Record<string, string>;
    const form = (fileFirst: boolean) => {
      const data = new FormData();
      if (fileFirst) data.append('file', new Blob([new Uint8Array([1, 2, 3])]), 'x.png');
      for (const [name, value] of Object.entries(fields)) data.append(name, value);
      if (!fileFirst) data.append('file', new Blob([new Uint8Array([1, 2, 3])]), 'x.png');
      return data;
    };
    const withKey = await fetch(slot.uploadInitImage.url, {
      method: 'POST',
      body: form(false),
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(withKey.status).toBe(400);
    expect(await withKey.text()).toContain('<Code>InvalidArgument</Code>');
    expect((await fetch(slot.uploadInitImage.url, { method: 'POST', body: form(true) })).status).toBe(400);
    expect((await fetch(slot.uploadInitImage.url, { method: 'POST', body: form(false) })).status).toBe(204);
    const badExtension = await fetch(`${double.url}/api/rest/v1/init-image`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ extension: 'gif' }),
    });
    expect(badExtension.status).toBe(400);
  });

  it('answers null for unknown generations and 404 for unknown paths', async () => {
    const unknown = await fetch(`${double.url}/api/rest/v1/generations/nope`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(await unknown.json()).toEqual({ generations_by_pk: null });
    expect((await fetch(`${double.url}/api/rest/v2/generations`, { method: 'POST' })).status).toBe(404);
  });
});

describe('the Leonardo catalog entry', () => {
  it('lists Phoenix (default), Lucid Origin and Kino XL with limits and credit billing', () => {
    expect(provider).toMatchObject({
      keyEnv: 'LEONARDO',
      defaultEndpoint: 'https://cloud.leonardo.ai',
      limits: { perMinute: 100, perDay: null, concurrency: 10 },
    });
    expect(provider.models.map((m) => m.id)).toEqual([MODELS.phoenix, MODELS.lucidOrigin, MODELS.kinoXl]);
    expect(kino.capabilities).toMatchObject({
      imageInput: true,
      exactSize: { min: 32, max: 1536, multiple: 8 },
    });
  });
});
