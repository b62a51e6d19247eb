import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, startReplicateDouble } from '../../../test/doubles/replicate-double';
import {
  callBuilder,
  failed,
  fakeClock,
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
import {
  MAX_WAIT_MS,
  NEGATIVE_PROMPT_NOTE,
  POLL_INTERVAL_MS,
  replicateAdapter,
  SYNC_WAIT_S,
} from './replicate';
import type { AdapterCall, ProgressUpdate } from './types';

const KEY = 'r8_TestToken_0123456789abcdefghijklmn';
const catalog = providerCatalog('replicate');
const modelOf = (id: string) => resolveModel(catalog, 'replicate', `black-forest-labs/${id}`).model;
const { provider, model: schnell } = resolveModel(catalog, 'replicate');
const dev = modelOf('flux-dev');
const pro = modelOf('flux-1.1-pro');

const double = await suiteDouble(startReplicateDouble({ maxImageSide: 48 }));
const callFor = callBuilder({
  provider,
  model: schnell,
  prompt: 'a brass teapot on linen',
  seed: 4242,
  apiKey: KEY,
  endpoint: double.url,
  clock: () => fakeClock(),
});

const created = () => double.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/predictions'));
const cancels = () => double.requests.filter((r) => r.path.endsWith('/cancel'));
const sentInput = (i = 0) => (created()[i]!.body as { input: Record<string, unknown> }).input;
const reference = (width: number, height: number, strength = 0.6) =>
  referenceImage({ width, height, strength });

describe('replicateAdapter.generate against the protocol double', () => {
  it('creates a prediction with Prefer: wait and the documented input, and returns the fetched PNGs', async () => {
    const result = ok(await replicateAdapter.generate(callFor({ count: 2, seed: 31 })));
    expect(result.requestSent).toEqual({
      input: {
        prompt: 'a brass teapot on linen',
        aspect_ratio: '1:1',
        num_outputs: 2,
        seed: 31,
        output_format: 'png',
        go_fast: false,
      },
    });
    expect(result.warnings).toEqual([]);
    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      expect(image.declaredMime).toBe('image/png');
      expect((await sharp(image.bytes).metadata()).format).toBe('png');
    }
    expect(result.seedUsed).toBe(31);
    expect(result.costUsd).toBeCloseTo(0.006, 6);
    expect(result.httpStatus).toBe(201);

    const [create] = created();
    expect(create).toMatchObject({
      method: 'POST',
      path: '/v1/models/black-forest-labs/flux-schnell/predictions',
      authorization: true,
    });
    expect(create!.headers.prefer).toBe(`wait=${SYNC_WAIT_S}`);
    expect(create!.headers['content-type']).toBe('application/json');
    expect(create!.body).toEqual(result.requestSent);
    expect(sentInput()).not.toHaveProperty('disable_safety_checker');
    // The outputs come from the delivery host, which never sees the token.
    const downloads = double.requests.filter((r) => r.path.startsWith('/delivery/'));
    expect(downloads).toHaveLength(2);
    for (const download of downloads) expect(download.authorization).toBe(false);
  });

  it('caps the count, clamps steps, and ignores guidance on schnell, saying so', async () => {
    const result = ok(await replicateAdapter.generate(callFor({ count: 6, steps: 8, guidance: 4 })));
    expect(sentInput()).toMatchObject({ num_outputs: 4, num_inference_steps: 4 });
    expect(sentInput()).not.toHaveProperty('guidance');
    expect(result.images).toHaveLength(4);
    expect(result.warnings).toEqual([
      'FLUX.1 [schnell] on Replicate makes at most 4 images per request; asked for 6, made 4',
      'FLUX.1 [schnell] on Replicate takes 1–4 steps; steps 8 was clamped to 4',
      'FLUX.1 [schnell] on Replicate takes no guidance setting; guidance 4 was ignored',
    ]);
  });

  it('passes steps and guidance to dev within their ranges', async () => {
    const result = ok(await replicateAdapter.generate(callFor({ steps: 60, guidance: 12 }, { model: dev })));
    expect(sentInput()).toMatchObject({ num_inference_steps: 50, guidance: 10, go_fast: false });
    expect(result.costUsd).toBe(0.025);
    expect(result.warnings).toEqual([
      'FLUX.1 [dev] on Replicate takes 1–50 steps; steps 60 was clamped to 50',
      'FLUX.1 [dev] on Replicate takes guidance 0–10; guidance 12 was clamped to 10',
    ]);
  });

  it('sends 1.1 [pro] one image, a custom size snapped to multiples of 32, and reads its single URL', async () => {
    const result = ok(
      await replicateAdapter.generate(
        callFor({ count: 2, size: { width: 1000, height: 700 }, steps: 20 }, { model: pro }),
      ),
    );
    expect(sentInput()).toEqual({
      prompt: 'a brass teapot on linen',
      aspect_ratio: 'custom',
      width: 992,
      height: 704,
      seed: 4242,
      output_format: 'png',
    });
    expect(result.images).toHaveLength(1);
    expect(result.costUsd).toBe(0.04);
    expect(result.warnings).toEqual([
      'FLUX1.1 [pro] on Replicate takes sizes of 256–1440 px in steps of 32; asked for 1000×700, made 992×704',
      'FLUX1.1 [pro] on Replicate makes at most 1 image per request; asked for 2, made 1',
      'FLUX1.1 [pro] on Replicate chooses its own sampling steps; steps 20 was ignored',
    ]);
  });

  it('snaps an exact size to the nearest ratio on models without custom sizes and drops the negative prompt', async () => {
    const result = ok(
      await replicateAdapter.generate(
        callFor({ size: { width: 2100, height: 900 }, negativePrompt: 'watermark' }),
      ),
    );
    expect(sentInput()).toMatchObject({ aspect_ratio: '21:9' });
    expect(JSON.stringify(sentInput())).not.toContain('watermark');
    expect(result.warnings).toEqual([
      NEGATIVE_PROMPT_NOTE,
      'FLUX.1 [schnell] on Replicate makes only fixed aspect ratios, not exact sizes; asked for 2100×900, made 21:9',
    ]);
  });

  it('sends a reference to dev as a data URL with prompt_strength, and records a description of it', async () => {
    const ref = await reference(60, 40, 0.45);
    const result = ok(
      await replicateAdapter.generate(callFor({ aspectRatio: '1:1' }, { model: dev, reference: ref })),
    );
    expect(sentInput()).toMatchObject({ prompt_strength: 0.45 });
    expect(sentInput().image).toBe(`data:image/png;base64,${Buffer.from(ref.bytes).toString('base64')}`);
    expect((result.requestSent.input as Record<string, unknown>).image).toMatch(/^<png 60×40, \d+ KB>$/);
    expect(result.warnings).toEqual([
      "In image-to-image mode FLUX.1 [dev] on Replicate keeps the reference's shape (60×40); the requested 1:1 was not used",
    ]);
    const meta = await sharp(result.images[0]!.bytes).metadata();
    expect(meta.width! / meta.height!).toBeCloseTo(1.5, 1);

    double.requests.length = 0;
    const ignored = ok(await replicateAdapter.generate(callFor({}, { reference: ref })));
    expect(sentInput()).not.toHaveProperty('image');
    expect(ignored.warnings).toEqual([
      'FLUX.1 [schnell] on Replicate takes no reference image; it was ignored and the image made from the prompt alone',
    ]);
  });

  it('merges documented options last, never the safety switch, and drops the rest', async () => {
    const result = ok(
      await replicateAdapter.generate(
        callFor({}, { options: { megapixels: '0.25', disable_safety_checker: true, seed: 1, lora: 'x' } }),
      ),
    );
    expect(sentInput()).toMatchObject({ megapixels: '0.25', seed: 4242 });
    expect(sentInput()).not.toHaveProperty('disable_safety_checker');
    expect(sentInput()).not.toHaveProperty('lora');
    expect(result.warnings).toEqual([
      'Option "disable_safety_checker" was not sent: Atelier never turns off Replicate\'s safety checker',
      'Option "seed" is set by Atelier for Replicate; the option was ignored',
      'Option "lora" is not an input of black-forest-labs/flux-schnell; it was ignored',
    ]);
  });

  it('polls a prediction that outlasts the wait, reporting progress, without real sleeping', async () => {
    double.setScenario('queued');
    const clock = fakeClock();
    const progress: ProgressUpdate[] = [];
    const result = ok(
      await replicateAdapter.generate(
        callFor({ model: undefined }, { clock, onProgress: (u) => progress.push(u) }),
      ),
    );
    expect(result.images).toHaveLength(1);
    const polls = double.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/predictions/'));
    expect(polls).toHaveLength(3);
    expect(polls.every((p) => p.authorization)).toBe(true);
    expect(clock.slept).toEqual([POLL_INTERVAL_MS, POLL_INTERVAL_MS, POLL_INTERVAL_MS]);
    expect(progress.map((p) => p.message)).toEqual([
      'Sending to Replicate',
      'Starting (the model may be booting)',
      'Generating',
      'Generating',
      'Downloading',
    ]);
    expect(progress.map((p) => p.fraction)).toEqual([null, null, 0.32, 0.64, 1]);
  });

  it('rides out one failed status check', async () => {
    double.setScenario('poll_flaky');
    ok(await replicateAdapter.generate(callFor()));
    expect(double.requests.filter((r) => r.status === 503)).toHaveLength(1);
  });

  it('cancels the prediction at Replicate when aborted mid-poll', async () => {
    double.setScenario('never_finishes');
    const controller = new AbortController();
    let checks = 0;
    const onProgress = () => {
      checks += 1;
      if (checks === 3) controller.abort();
    };
    const result = failed(
      await replicateAdapter.generate(callFor({}, { signal: controller.signal, onProgress })),
    );
    expect(result.outcome).toBe('cancelled');
    expect(cancels()).toHaveLength(1);
    const id = cancels()[0]!.path.split('/')[3]!;
    expect(result.providerMessage).toBe(
      `Cancelled while Replicate was generating; asked Replicate to cancel prediction ${id} (it answered HTTP 200).`,
    );
    expect(double.predictions.get(id)!.status).toBe('canceled');
    expect(cancels()[0]!.authorization).toBe(true);
  });

  it('gives up, cancels and reports a timeout when a prediction never settles', async () => {
    double.setScenario('never_finishes');
    const clock = fakeClock({ stretch: 60 });
    const result = failed(await replicateAdapter.generate(callFor({}, { clock })));
    expect(result.outcome).toBe('timeout');
    expect(result.providerMessage).toMatch(
      /^No result from Replicate within 10 minutes; asked Replicate to cancel/,
    );
    expect(cancels()).toHaveLength(1);
    expect(clock.slept.reduce((a, b) => a + b, 0) * 60).toBeGreaterThan(MAX_WAIT_MS);
    expect(clock.slept.length).toBeLessThan(30);
  });

  it('says the prediction could not be cancelled when aborted before its id was known', async () => {
    const controller = new AbortController();
    const hanging: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    setTimeout(() => controller.abort(), 20);
    const result = failed(
      await replicateAdapter.generate(callFor({}, { fetch: hanging, signal: controller.signal })),
    );
    expect(result.outcome).toBe('cancelled');
    expect(result.providerMessage).toBe(
      'Cancelled while waiting for Replicate. The prediction id was not known yet, so it could not be cancelled at Replicate.',
    );
  });

  const failures = [
    ['sensitive', 'content_blocked', 201, 'E005', 'flagged as sensitive', null],
    ['nsfw', 'content_blocked', 201, 'failed', 'NSFW content', null],
    ['model_error', 'unavailable', 201, 'failed', 'CUDA out of memory', null],
    ['canceled_elsewhere', 'cancelled', 201, null, 'was canceled at Replicate', null],
    [
      'invalid_token',
      'auth_failed',
      401,
      'Unauthenticated',
      'did not pass a valid authentication token',
      null,
    ],
    ['insufficient_credit', 'quota_exhausted', 402, 'Insufficient credit', 'insufficient credit', null],
    ['throttled', 'rate_limited', 429, 'Request was throttled', 'resets in ~7s', 7000],
    ['throttled_retry_after', 'rate_limited', 429, 'Request was throttled', 'throttled', 12000],
    ['server_error', 'unavailable', 500, null, 'Replicate answered HTTP 500 without an error message', null],
    ['expired_output', 'no_image', 404, null, 'was gone when fetched (HTTP 404)', null],
  ] as const;
  for (const [scenario, outcome, status, code, message, retryAfterMs] of failures) {
    it(`classifies ${scenario} as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(
        await replicateAdapter.generate(callFor({ negativePrompt: 'fog' }, { model: dev })),
      );
      expect(result).toMatchObject({ outcome, httpStatus: status, providerCode: code, retryAfterMs });
      expect(result.providerMessage).toContain(message);
      expect(result.warnings).toEqual([NEGATIVE_PROMPT_NOTE]);
      expect(result.requestSent).toMatchObject({ input: { prompt: 'a brass teapot on linen', seed: 4242 } });
      expect(JSON.stringify(result)).not.toContain(KEY);
    });
  }

  it('keeps what arrived when fewer outputs come back than were asked for', async () => {
    double.setScenario('partial_outputs');
    const result = ok(await replicateAdapter.generate(callFor({ count: 2 })));
    expect(result.images).toHaveLength(1);
    expect(result.costUsd).toBe(0.003);
    expect(result.warnings).toEqual(['Asked Replicate for 2 images and received 1']);
  });

  it('returns output bytes that are not an image undecoded; media ingest is what refuses them', async () => {
    double.setScenario('not_an_image');
    const result = ok(await replicateAdapter.generate(callFor()));
    expect(Buffer.from(result.images[0]!.bytes).toString()).toBe('not an image at all');
  });

  it("classifies what the double refuses as invalid_request with Replicate's detail", async () => {
    const unknown = failed(
      await replicateAdapter.generate(callFor({}, { model: { ...schnell, id: 'black-forest-labs/flux-9' } })),
    );
    expect(unknown).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 404,
      providerCode: 'Model not found',
    });
    const tooMany = failed(await replicateAdapter.generate(callFor({}, { options: { num_outputs: 9 } })));
    expect(tooMany).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 422,
      providerCode: 'Input validation failed',
    });
    expect(tooMany.providerMessage).toContain('input.num_outputs: Must be less than or equal to 4');
    double.requests.length = 0;
    const malformedId = failed(
      await replicateAdapter.generate(callFor({}, { model: { ...schnell, id: 'flux' } })),
    );
    expect(malformedId.outcome).toBe('invalid_request');
    expect(double.requests).toHaveLength(0);
  });

  it('classifies a refused connection as unavailable', async () => {
    const closed = await unusedPort();
    const result = failed(
      await replicateAdapter.generate(callFor({}, { endpoint: `http://127.0.0.1:${closed}` })),
    );
    expect(result.outcome).toBe('unavailable');
    expect(result.providerMessage).toMatch(
      /^Could not reach Replicate at http:\/\/127\.0\.0\.1:\d+: fetch failed/,
    );
  });

  it('never lets the token appear, even when the provider or the network echoes it', async () => {
    const echo: FetchLike = async () =>
      Response.json({ title: 'Unauthenticated', detail: `bad ${KEY}` }, { status: 401 });
    expect(failed(await replicateAdapter.generate(callFor({}, { fetch: echo }))).providerMessage).toBe(
      'bad [redacted key]',
    );
    const leaky: FetchLike = async () => {
      throw new TypeError(`socket hang up (Bearer ${KEY})`);
    };
    expect(JSON.stringify(await replicateAdapter.generate(callFor({}, { fetch: leaky })))).not.toContain(KEY);
    for (const attempt of await shownPerScenario(double, SCENARIOS, () =>
      replicateAdapter.generate(callFor()),
    )) {
      expect(attempt).not.toContain(KEY);
    }
    expect(JSON.stringify(double.requests)).not.toContain(KEY);
  });
});

describe('replicateAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) => replicateAdapter.testKey(keyCall(callFor({}, extra)));

  it('reads the account with the token', async () => {
    expect(await check()).toEqual({
      outcome: 'ok',
      message: 'Replicate accepted the token (account atelier-test).',
    });
    expect(double.requests[0]).toMatchObject({ method: 'GET', path: '/v1/account', authorization: true });
  });

  it('reports a rejected token', async () => {
    double.setScenario('invalid_token');
    expect(await check()).toEqual({
      outcome: 'auth_failed',
      message: 'You did not pass a valid authentication token',
    });
  });
});

describe('the Replicate double itself refuses what the real API refuses', () => {
  const post = (
    body: unknown,
    headers: Record<string, string> = {},
    model = 'black-forest-labs/flux-schnell',
  ) =>
    fetch(`${double.url}/v1/models/${model}/predictions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        prefer: 'wait=5',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const good = { input: { prompt: 'a cat', aspect_ratio: '1:1', num_outputs: 1, output_format: 'png' } };

  it('accepts a well-formed request and settles it within the wait', async () => {
    const response = await post(good);
    expect(response.status).toBe(201);
    const prediction = (await response.json()) as { status: string; output: string[]; urls: { get: string } };
    expect(prediction.status).toBe('succeeded');
    expect(prediction.output[0]).toMatch(/\/delivery\/.+\/out-0\.png$/);
    expect(prediction.urls.get).toContain('/v1/predictions/');
  });

  const refusals: Array<[string, unknown, Record<string, string>, string, number, string]> = [
    ['a missing input', { prompt: 'a cat' }, {}, 'black-forest-labs/flux-schnell', 422, 'input is required'],
    ['a missing prompt', { input: {} }, {}, 'black-forest-labs/flux-schnell', 422, 'prompt is required'],
    [
      'an input the model lacks',
      { input: { prompt: 'a', guidance: 3 } },
      {},
      'black-forest-labs/flux-schnell',
      422,
      'Additional property guidance',
    ],
    [
      'too many steps for schnell',
      { input: { prompt: 'a', num_inference_steps: 5 } },
      {},
      'black-forest-labs/flux-schnell',
      422,
      'less than or equal to 4',
    ],
    [
      'a ratio it lacks',
      { input: { prompt: 'a', aspect_ratio: '7:3' } },
      {},
      'black-forest-labs/flux-dev',
      422,
      'must be one of',
    ],
    [
      'an image that is not a URL',
      { input: { prompt: 'a', image: 'abc' } },
      {},
      'black-forest-labs/flux-dev',
      422,
      "format 'uri'",
    ],
    ['a wait over 60 s', good, { prefer: 'wait=120' }, 'black-forest-labs/flux-schnell', 400, 'from 1 to 60'],
    ['a body that is not JSON', '{"input":', {}, 'black-forest-labs/flux-schnell', 400, 'not valid JSON'],
    ['an unknown model', good, {}, 'black-forest-labs/flux-9', 404, 'does not exist'],
    [
      'no token',
      good,
      { authorization: '' },
      'black-forest-labs/flux-schnell',
      401,
      'did not pass an authentication token',
    ],
    [
      'a token that is not a Replicate token',
      good,
      { authorization: 'Bearer sk-1' },
      'black-forest-labs/flux-schnell',
      401,
      'valid',
    ],
  ];
  for (const [what, body, headers, model, status, message] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const response = await post(body, headers, model);
      expect(response.status).toBe(status);
      const answer = (await response.json()) as { title: string; detail: string; status: number };
      expect(answer.status).toBe(status);
      expect(answer.detail).toContain(message);
    });
  }
});
