import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type RecordedFile, SCENARIOS, startStabilityDouble } from '../../../test/doubles/stability-double';
import {
  callBuilder,
  failed,
  keyCall,
  ok,
  providerCatalog,
  referenceImage,
  shownPerScenario,
  suiteDouble,
  unusedPort,
} from '../../../test/support';
import type { FetchLike } from '../ports';
import { resolveModel } from './catalog';
import { DEFAULT_RATE_LIMIT_WAIT_MS, describeImage, stabilityAdapter } from './stability';
import type { AdapterCall, ProgressUpdate } from './types';

const KEY = 'sk-test-abcdefghijklmnop-9876';
const catalog = providerCatalog('stability');
const modelOf = (id: string) => resolveModel(catalog, 'stability', id).model;
const { provider, model: core } = resolveModel(catalog, 'stability');

const double = await suiteDouble(startStabilityDouble({ maxImageSide: 48, slowMs: 5_000 }));
const callFor = callBuilder({
  provider,
  model: core,
  prompt: 'a brass teapot on linen',
  seed: 12345,
  apiKey: KEY,
  endpoint: double.url,
});
const reference = (width: number, height: number, strength = 0.55) =>
  referenceImage({ width, height, strength });

describe('stabilityAdapter.generate against the protocol double', () => {
  it('posts the documented multipart request to core and returns the PNG bytes and the seed', async () => {
    const result = ok(await stabilityAdapter.generate(callFor({ negativePrompt: 'blurry', seed: 777 })));
    expect(result.requestSent).toEqual({
      prompt: 'a brass teapot on linen',
      negative_prompt: 'blurry',
      aspect_ratio: '1:1',
      output_format: 'png',
      seed: 777,
    });
    expect(result.warnings).toEqual([]);
    expect(result.seedUsed).toBe(777);
    expect(result.costUsd).toBe(0.03);
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.declaredMime).toBe('image/png');
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');

    expect(double.requests).toHaveLength(1);
    const sent = double.requests[0]!;
    expect(sent).toMatchObject({
      method: 'POST',
      path: '/v2beta/stable-image/generate/core',
      authorization: true,
    });
    expect(sent.headers.accept).toBe('image/*');
    expect(sent.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent.body).toEqual({
      prompt: 'a brass teapot on linen',
      negative_prompt: 'blurry',
      aspect_ratio: '1:1',
      output_format: 'png',
      seed: '777',
    });
  });

  it('sends ultra to its own endpoint and sd3.5 models to sd3 with the model and cfg_scale', async () => {
    ok(await stabilityAdapter.generate(callFor({}, { model: modelOf('ultra') })));
    expect(double.requests[0]!.path).toBe('/v2beta/stable-image/generate/ultra');

    const large = ok(
      await stabilityAdapter.generate(callFor({ guidance: 7.5 }, { model: modelOf('sd3.5-large') })),
    );
    expect(double.requests[1]!.path).toBe('/v2beta/stable-image/generate/sd3');
    expect(double.requests[1]!.body).toMatchObject({ model: 'sd3.5-large', cfg_scale: '7.5' });
    expect(large.costUsd).toBe(0.065);
    expect(large.warnings).toEqual([]);
  });

  it('clamps guidance, ignores steps, and drops the negative prompt for Large Turbo, saying so', async () => {
    const turbo = ok(
      await stabilityAdapter.generate(
        callFor({ guidance: 30, steps: 20, negativePrompt: 'fog' }, { model: modelOf('sd3.5-large-turbo') }),
      ),
    );
    expect(double.requests[0]!.body).toMatchObject({ model: 'sd3.5-large-turbo', cfg_scale: '10' });
    expect(double.requests[0]!.body).not.toHaveProperty('negative_prompt');
    expect(turbo.warnings).toEqual([
      'Stable Diffusion 3.5 Large Turbo takes no negative prompt; "fog" was dropped',
      'Stable Diffusion 3.5 Large Turbo takes cfg_scale 1–10; guidance 30 was clamped to 10',
      'Stability AI chooses the sampling steps itself; steps 20 was ignored',
    ]);
    const coreGuided = ok(await stabilityAdapter.generate(callFor({ guidance: 5 })));
    expect(double.requests[1]!.body).not.toHaveProperty('cfg_scale');
    expect(coreGuided.warnings).toEqual(['Stable Image Core sets its own guidance; guidance 5 was ignored']);
  });

  it('snaps 4:3 to 5:4 and an exact size to the nearest ratio, with a warning', async () => {
    const snapped = ok(await stabilityAdapter.generate(callFor({ aspectRatio: '4:3' })));
    expect(snapped.requestSent.aspect_ratio).toBe('5:4');
    expect(snapped.warnings).toEqual(['Stable Image Core has no 4:3 aspect ratio; it made 5:4 instead']);
    const tall = ok(await stabilityAdapter.generate(callFor({ aspectRatio: '9:16' })));
    expect(tall.requestSent.aspect_ratio).toBe('9:16');
    expect(tall.warnings).toEqual([]);
    const sized = ok(await stabilityAdapter.generate(callFor({ size: { width: 2100, height: 900 } })));
    expect(sized.requestSent.aspect_ratio).toBe('21:9');
    expect(sized.warnings[0]).toContain('asked for 2100×900, made 21:9');
  });

  it('makes one request per image with consecutive seeds, reports progress, and caps at the maximum', async () => {
    const progress: ProgressUpdate[] = [];
    const three = ok(
      await stabilityAdapter.generate(
        callFor({ count: 3, seed: 10 }, { onProgress: (u) => progress.push(u) }),
      ),
    );
    expect(three.images).toHaveLength(3);
    expect(double.requests.map((r) => (r.body as Record<string, string>).seed)).toEqual(['10', '11', '12']);
    expect(three.requestSent).toMatchObject({ seed: 10, seeds: [10, 11, 12] });
    expect(three.seedUsed).toBe(10);
    expect(three.costUsd).toBeCloseTo(0.09, 6);
    expect(three.warnings).toEqual([
      'Stability AI makes one image per request: made 3 requests with seeds 10, 11, 12; the run records the first',
    ]);
    expect(progress.map((p) => p.message)).toEqual(['Image 1 of 3', 'Image 2 of 3', 'Image 3 of 3', null]);
    expect(progress.at(-1)!.fraction).toBe(1);

    double.requests.length = 0;
    const six = ok(await stabilityAdapter.generate(callFor({ count: 6, seed: 4_294_967_293 })));
    expect(six.images).toHaveLength(4);
    expect(six.requestSent.seeds).toEqual([4_294_967_293, 4_294_967_294, 1, 2]);
    expect(six.warnings[0]).toBe(
      'Stability AI makes one image per request and Atelier sends at most 4 in a row; asked for 6, made 4',
    );
  });

  it('keeps the images already made when a later request is refused, and fails when the first is', async () => {
    double.setScenario(['success', 'content_moderation']);
    const partial = ok(await stabilityAdapter.generate(callFor({ count: 3 })));
    expect(partial.images).toHaveLength(1);
    expect(partial.costUsd).toBe(0.03);
    expect(partial.warnings.at(-1)).toMatch(
      /^Stability AI refused image 2 of 3 \(content_blocked: Your request was flagged.*\); kept the 1 already made$/,
    );
    expect(double.requests).toHaveLength(2);

    double.setScenario(['payment_required']);
    const first = failed(await stabilityAdapter.generate(callFor({ count: 3 })));
    expect(first.outcome).toBe('quota_exhausted');
    expect(first.warnings).toContain(
      'Stability AI makes one image per request: made 3 requests with seeds 12345, 12346, 12347; the run records the first',
    );
  });

  const failures = [
    ['invalid_api_key', 'auth_failed', 401, 'unauthorized', 'the API key you provided is invalid', null],
    ['payment_required', 'quota_exhausted', 402, 'payment_required', 'You lack sufficient credits', null],
    [
      'content_moderation',
      'content_blocked',
      403,
      'content_moderation',
      'flagged by our content moderation',
      null,
    ],
    ['content_filtered', 'content_blocked', 200, 'CONTENT_FILTERED', 'finish-reason CONTENT_FILTERED', null],
    [
      'rate_limited',
      'rate_limited',
      429,
      'rate_limit_exceeded',
      'exceeded the rate limit',
      DEFAULT_RATE_LIMIT_WAIT_MS,
    ],
    ['request_too_large', 'invalid_request', 413, 'payload_too_large', 'cannot be larger than 10MiB', null],
    [
      'unprocessable',
      'invalid_request',
      422,
      'invalid_language',
      'English is the only supported language',
      null,
    ],
    ['server_error', 'unavailable', 500, 'internal_error', 'unexpected server error', null],
  ] as const;
  for (const [scenario, outcome, status, code, message, retryAfterMs] of failures) {
    it(`classifies ${scenario} as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(
        await stabilityAdapter.generate(callFor({ steps: 9 }, { model: modelOf('ultra') })),
      );
      expect(result).toMatchObject({ outcome, httpStatus: status, providerCode: code, retryAfterMs });
      expect(result.providerMessage).toContain(message);
      expect(result.warnings).toEqual([
        'Stability AI chooses the sampling steps itself; steps 9 was ignored',
      ]);
      expect(result.requestSent).toMatchObject({ prompt: 'a brass teapot on linen', seed: 12345 });
      expect(JSON.stringify(result)).not.toContain(KEY);
    });
  }

  it('reads a JSON answer (base64 image, finish_reason, seed) as well', async () => {
    double.setScenario('json_answer');
    const result = ok(await stabilityAdapter.generate(callFor({ seed: 99 })));
    expect(result.images[0]!.declaredMime).toBe('image/png');
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');
    expect(result.seedUsed).toBe(99);
  });

  it('returns bytes that are not an image undecoded; media ingest is what refuses them', async () => {
    double.setScenario('not_an_image');
    const result = ok(await stabilityAdapter.generate(callFor()));
    expect(Buffer.from(result.images[0]!.bytes).toString()).toContain('plain text');
  });

  it('sends the reference as a file with strength in image-to-image mode (sd3 and ultra)', async () => {
    const ref = await reference(96, 64, 0.45);
    const result = ok(
      await stabilityAdapter.generate(
        callFor({ aspectRatio: '1:1' }, { model: modelOf('sd3.5-medium'), reference: ref }),
      ),
    );
    const body = double.requests[0]!.body as Record<string, string | RecordedFile>;
    expect(body).toMatchObject({ mode: 'image-to-image', strength: '0.45', model: 'sd3.5-medium' });
    expect(body).not.toHaveProperty('aspect_ratio');
    expect(body.image).toEqual({
      file: { type: 'image/png', name: 'reference.png', bytes: ref.bytes.byteLength },
    });
    expect(result.requestSent.image).toBe(describeImage(ref));
    expect(result.requestSent.image).toMatch(/^<png 96×64, \d+ KB>$/);
    expect(result.warnings).toEqual([
      "In image-to-image mode Stability AI keeps the reference's shape (96×64); the requested 1:1 was not used",
    ]);
    const meta = await sharp(result.images[0]!.bytes).metadata();
    expect(meta.width! / meta.height!).toBeCloseTo(1.5, 1);

    ok(
      await stabilityAdapter.generate(
        callFor({ aspectRatio: '3:2' }, { model: modelOf('ultra'), reference: ref }),
      ),
    );
    expect(double.requests[1]!.body).toMatchObject({ strength: '0.45' });
    expect(double.requests[1]!.body).not.toHaveProperty('mode');
  });

  it('ignores a reference on core, which takes none, and says so', async () => {
    const result = ok(await stabilityAdapter.generate(callFor({}, { reference: await reference(32, 32) })));
    expect(double.requests[0]!.body).not.toHaveProperty('image');
    expect(result.warnings).toEqual([
      'Stable Image Core takes no reference image; it was ignored and the image made from the prompt alone',
    ]);
  });

  it('merges documented options last and drops the rest with a warning', async () => {
    const result = ok(
      await stabilityAdapter.generate(
        callFor({}, { options: { style_preset: 'cinematic', seed: 5, cfg_scale: 3, nested: { a: 1 } } }),
      ),
    );
    expect(double.requests[0]!.body).toMatchObject({ style_preset: 'cinematic', seed: '12345' });
    expect(double.requests[0]!.body).not.toHaveProperty('cfg_scale');
    expect(result.warnings).toEqual([
      'Option "seed" is set by Atelier for Stability AI; the option was ignored',
      'Option "cfg_scale" is not a core parameter Atelier passes to Stability AI; it was ignored',
      'Option "nested" is not a core parameter Atelier passes to Stability AI; it was ignored',
    ]);
  });

  it('classifies what the double refuses as invalid_request with the provider message', async () => {
    const result = failed(
      await stabilityAdapter.generate(callFor({}, { options: { style_preset: 'vaporwave' } })),
    );
    expect(result).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 400,
      providerCode: 'bad_request',
    });
    expect(result.providerMessage).toMatch(/^style_preset: must be one of 3d-model/);
    const wrongModel = failed(
      await stabilityAdapter.generate(callFor({}, { model: { ...modelOf('sd3.5-large'), id: 'sd9' } })),
    );
    expect(wrongModel.providerMessage).toMatch(/^model: must be one of/);
  });

  it('cancels mid-request when the signal aborts', async () => {
    double.setScenario('slow');
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    const result = failed(await stabilityAdapter.generate(callFor({}, { signal: controller.signal })));
    expect(result.outcome).toBe('cancelled');
    expect(result.httpStatus).toBeNull();
    expect(Date.now() - started).toBeLessThan(2_000);
    // The double records the dropped request once it sees the connection close; wait so it lands in this test.
    await until(() => double.requests.some((r) => r.status === 499));
  });

  it('stops a run of requests when cancelled between images and sends nothing once aborted', async () => {
    const controller = new AbortController();
    const onProgress = (u: ProgressUpdate) => {
      if (u.message === 'Image 2 of 3') controller.abort();
    };
    const result = failed(
      await stabilityAdapter.generate(callFor({ count: 3 }, { signal: controller.signal, onProgress })),
    );
    expect(result.outcome).toBe('cancelled');
    expect(result.providerMessage).toContain('(1 image(s) already made were discarded)');
    expect(double.requests).toHaveLength(1);

    const none = failed(await stabilityAdapter.generate(callFor({}, { signal: AbortSignal.abort() })));
    expect(none.outcome).toBe('cancelled');
    expect(double.requests).toHaveLength(1);
  });

  it('classifies a refused connection and other answers the way Stability documents them', async () => {
    const closed = await unusedPort();
    const refused = failed(
      await stabilityAdapter.generate(callFor({}, { endpoint: `http://127.0.0.1:${closed}` })),
    );
    expect(refused.outcome).toBe('unavailable');
    expect(refused.providerMessage).toMatch(
      /^Could not reach Stability AI at http:\/\/127\.0\.0\.1:\d+: fetch failed/,
    );

    const answer =
      (status: number, body: unknown, headers: Record<string, string> = {}): FetchLike =>
      async () =>
        new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
    const cases: Array<[FetchLike, string, number | null, string]> = [
      [
        answer(403, { name: 'forbidden', errors: ['This key has no access to ultra'] }),
        'auth_failed',
        null,
        'no access',
      ],
      [answer(429, { message: 'slow down' }, { 'retry-after': '3' }), 'rate_limited', 3000, 'slow down'],
      [answer(503, '<html>down</html>'), 'unavailable', null, 'answered HTTP 503 without an error message'],
      [answer(502, 'upstream reset'), 'unavailable', null, 'upstream reset'],
      [
        answer(404, { name: 'not_found', errors: ['no such route'] }),
        'invalid_request',
        null,
        'no such route',
      ],
      [
        answer(200, '', { 'content-type': 'image/png', 'finish-reason': 'SUCCESS' }),
        'no_image',
        null,
        'no image',
      ],
    ];
    for (const [fetch, outcome, retryAfterMs, message] of cases) {
      const result = failed(await stabilityAdapter.generate(callFor({}, { fetch })));
      expect(result, outcome).toMatchObject({ outcome, retryAfterMs });
      expect(result.providerMessage).toContain(message);
    }
  });

  it('never lets the key appear, even when the provider or the network echoes it', async () => {
    const echo: FetchLike = async () =>
      Response.json({ name: 'unauthorized', errors: [`key ${KEY} revoked`] }, { status: 401 });
    const echoed = failed(await stabilityAdapter.generate(callFor({}, { fetch: echo })));
    expect(echoed.providerMessage).toBe('key [redacted key] revoked');
    const leaky: FetchLike = async () => {
      throw new TypeError(`connect failed for Bearer ${KEY}`);
    };
    expect(JSON.stringify(await stabilityAdapter.generate(callFor({}, { fetch: leaky })))).not.toContain(KEY);
    const scenarios = SCENARIOS.filter((s) => s !== 'slow');
    for (const attempt of await shownPerScenario(double, scenarios, () =>
      stabilityAdapter.generate(callFor()),
    )) {
      expect(attempt).not.toContain(KEY);
    }
    expect(JSON.stringify(double.requests)).not.toContain(KEY);
  });

  it('answers auth_failed without sending anything when there is no key', async () => {
    const result = failed(await stabilityAdapter.generate(callFor({}, { apiKey: null })));
    expect(result.outcome).toBe('auth_failed');
    expect(double.requests).toHaveLength(0);
  });
});

describe('stabilityAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) => stabilityAdapter.testKey(keyCall(callFor({}, extra)));

  it('reads the balance with the key', async () => {
    expect(await check()).toEqual({
      outcome: 'ok',
      message: 'Stability AI accepted the key; 42.5 credits left (about $0.43).',
    });
    expect(double.requests[0]).toMatchObject({
      method: 'GET',
      path: '/v1/user/balance',
      authorization: true,
    });
  });

  it('reports a rejected key and an unreachable service', async () => {
    double.setScenario('invalid_api_key');
    expect(await check()).toMatchObject({ outcome: 'auth_failed' });
    const closed = await unusedPort();
    expect((await check({ endpoint: `http://127.0.0.1:${closed}` })).outcome).toBe('unavailable');
  });
});

describe('the Stability double itself refuses what the real API refuses', () => {
  const post = (fields: Record<string, string>, headers: Record<string, string> = {}, route = 'core') => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    return fetch(`${double.url}/v2beta/stable-image/generate/${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, accept: 'image/*', ...headers },
      body: form,
    });
  };
  const good = { prompt: 'a cat', aspect_ratio: '1:1', output_format: 'png' };

  it('accepts a well-formed request', async () => {
    const response = await post(good);
    expect(response.status).toBe(200);
    expect(response.headers.get('finish-reason')).toBe('SUCCESS');
    expect(response.headers.get('seed')).toMatch(/^\d+$/);
  });

  const refusals: Array<[string, Record<string, string>, Record<string, string>, string, number, string]> = [
    ['an unknown field', { ...good, steps: '30' }, {}, 'core', 400, 'steps: is not a parameter'],
    ['a missing prompt', { aspect_ratio: '1:1' }, {}, 'core', 400, 'prompt: cannot be empty'],
    ['a ratio it lacks', { ...good, aspect_ratio: '4:3' }, {}, 'core', 400, 'aspect_ratio: must be one of'],
    ['a seed out of range', { ...good, seed: '4294967295' }, {}, 'core', 400, 'seed: must be an integer'],
    ['cfg_scale on core', { ...good, cfg_scale: '5' }, {}, 'core', 400, 'cfg_scale: is not a parameter'],
    ['cfg_scale out of range', { ...good, cfg_scale: '11' }, {}, 'sd3', 400, 'cfg_scale: must be'],
    [
      'image-to-image without an image',
      { ...good, mode: 'image-to-image' },
      {},
      'sd3',
      400,
      'image: is required',
    ],
    ['a wrong Accept', good, { accept: 'text/html' }, 'core', 400, 'accept: must be one of'],
    ['no key', good, { authorization: '' }, 'core', 401, 'missing or malformed'],
    ['a key that is not a Stability key', good, { authorization: 'Bearer abc' }, 'core', 401, 'invalid'],
  ];
  for (const [what, fields, headers, route, status, message] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const response = await post(fields, headers, route);
      expect(response.status).toBe(status);
      const body = (await response.json()) as { id: string; name: string; errors: string[] };
      expect(body.id).toMatch(/^[0-9a-f]{32}$/);
      expect(body.errors.join(' ')).toContain(message);
    });
  }

  it('refuses a JSON body: the API takes multipart only', async () => {
    const response = await fetch(`${double.url}/v2beta/stable-image/generate/core`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, accept: 'image/*', 'content-type': 'application/json' },
      body: JSON.stringify(good),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: string[] }).errors[0]).toContain('multipart/form-data');
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
