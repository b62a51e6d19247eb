import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, startFalDouble } from '../../../test/doubles/fal-double';
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
import { falAdapter, MAX_WAIT_MS, NEGATIVE_PROMPT_NOTE, POLL_INTERVAL_MS } from './fal';
import type { AdapterCall, ProgressUpdate } from './types';

const KEY = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0:0123456789abcdef0123456789abcdef';
const catalog = providerCatalog('fal');
const { provider, model: schnell } = resolveModel(catalog, 'fal');
const dev = resolveModel(catalog, 'fal', 'fal-ai/flux/dev').model;

const double = await suiteDouble(startFalDouble({ maxImageSide: 48 }));
const callFor = callBuilder({
  provider,
  model: schnell,
  prompt: 'a brass teapot on linen',
  seed: 5150,
  apiKey: KEY,
  endpoint: double.url,
  clock: () => fakeClock(),
});

const submits = () => double.requests.filter((r) => r.method === 'POST');
const sentBody = (i = 0) => submits()[i]!.body as Record<string, unknown>;
const cancels = () => double.requests.filter((r) => r.method === 'PUT');
const reference = (width: number, height: number, strength = 0.55) =>
  referenceImage({ width, height, strength });

describe('falAdapter.generate against the protocol double', () => {
  it('queues the documented request, follows the returned URLs, and returns the fetched PNG', async () => {
    const result = ok(await falAdapter.generate(callFor({ seed: 77 })));
    expect(result.requestSent).toEqual({
      prompt: 'a brass teapot on linen',
      image_size: 'square_hd',
      num_images: 1,
      seed: 77,
      enable_safety_checker: true,
      output_format: 'png',
    });
    expect(result.warnings).toEqual([]);
    expect(result.seedUsed).toBe(77);
    expect(result.costUsd).toBe(0.003);
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.declaredMime).toBe('image/png');
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');

    const [submit, status, response, file] = double.requests;
    expect(submit).toMatchObject({
      method: 'POST',
      path: '/fal-ai/flux/schnell',
      authorization: true,
      status: 200,
    });
    expect(submit!.headers['content-type']).toBe('application/json');
    expect(submit!.body).toEqual(result.requestSent);
    const id = [...double.queued.keys()][0]!;
    // Status and result live under the app id, without the /schnell sub-path.
    expect(status).toMatchObject({
      method: 'GET',
      path: `/fal-ai/flux/requests/${id}/status`,
      authorization: true,
    });
    expect(response).toMatchObject({
      method: 'GET',
      path: `/fal-ai/flux/requests/${id}`,
      authorization: true,
    });
    // The image host never sees the key.
    expect(file).toMatchObject({ method: 'GET', path: `/files/${id}-0.png`, authorization: false });
  });

  it('uses fal named sizes where they match and exact pixels elsewhere', async () => {
    ok(await falAdapter.generate(callFor({ aspectRatio: '16:9' })));
    expect(sentBody(0).image_size).toBe('landscape_16_9');
    const wide = ok(await falAdapter.generate(callFor({ aspectRatio: '3:2' })));
    expect(sentBody(1).image_size).toEqual({ width: 1152, height: 768 });
    expect(wide.warnings).toEqual([]);
    const meta = await sharp(wide.images[0]!.bytes).metadata();
    expect(meta.width! / meta.height!).toBeCloseTo(1.5, 1);
    const sized = ok(await falAdapter.generate(callFor({ size: { width: 1000, height: 700 } })));
    expect(sentBody(2).image_size).toEqual({ width: 1008, height: 704 });
    expect(sized.warnings).toEqual([
      'FLUX.1 [schnell] on fal takes sizes of 256–2048 px in steps of 16; asked for 1000×700, made 1008×704',
    ]);
  });

  it('passes count, steps and guidance to dev within their ranges and drops the negative prompt', async () => {
    const result = ok(
      await falAdapter.generate(
        callFor({ count: 6, steps: 70, guidance: 0.5, negativePrompt: 'fog' }, { model: dev }),
      ),
    );
    expect(sentBody()).toMatchObject({ num_images: 4, num_inference_steps: 50, guidance_scale: 1 });
    expect(JSON.stringify(sentBody())).not.toContain('fog');
    expect(result.images).toHaveLength(4);
    expect(result.costUsd).toBe(0.1);
    expect(result.warnings).toEqual([
      NEGATIVE_PROMPT_NOTE,
      'FLUX.1 [dev] on fal makes at most 4 images per request; asked for 6, made 4',
      'FLUX.1 [dev] on fal takes 1–50 steps; steps 70 was clamped to 50',
      'FLUX.1 [dev] on fal takes guidance_scale 1–20; guidance 0.5 was clamped to 1',
    ]);
    const schnellGuided = ok(await falAdapter.generate(callFor({ guidance: 3, steps: 20 })));
    expect(sentBody(1)).toMatchObject({ num_inference_steps: 12 });
    expect(sentBody(1)).not.toHaveProperty('guidance_scale');
    expect(schnellGuided.warnings).toEqual([
      'FLUX.1 [schnell] on fal takes 1–12 steps; steps 20 was clamped to 12',
      'FLUX.1 [schnell] on fal takes no guidance setting; guidance 3 was ignored',
    ]);
  });

  it('sends a reference to the dev image-to-image endpoint as a data URI with strength', async () => {
    const ref = await reference(64, 48, 0.6);
    const result = ok(
      await falAdapter.generate(callFor({ steps: 5, aspectRatio: '4:3' }, { model: dev, reference: ref })),
    );
    expect(submits()[0]!.path).toBe('/fal-ai/flux/dev/image-to-image');
    expect(sentBody()).toMatchObject({ strength: 0.6, num_inference_steps: 10, enable_safety_checker: true });
    expect(sentBody().image_url).toBe(`data:image/png;base64,${Buffer.from(ref.bytes).toString('base64')}`);
    expect(sentBody()).not.toHaveProperty('image_size');
    expect(sentBody()).not.toHaveProperty('output_format');
    expect(result.requestSent.image_url).toMatch(/^<png 64×48, \d+ KB>$/);
    expect(result.warnings).toEqual([
      'FLUX.1 [dev] on fal takes 10–50 steps in image-to-image mode; steps 5 was clamped to 10',
    ]);
    // Status and result for the sub-path endpoint still live under the app id.
    expect(double.requests[1]!.path).toMatch(/^\/fal-ai\/flux\/requests\/[\w-]+\/status$/);

    const ignored = ok(await falAdapter.generate(callFor({}, { reference: ref })));
    expect(submits()[1]!.path).toBe('/fal-ai/flux/schnell');
    expect(ignored.warnings).toEqual([
      'FLUX.1 [schnell] on fal takes no reference image; it was ignored and the image made from the prompt alone',
    ]);
  });

  it('merges documented options last, never the safety switch or the seed', async () => {
    const result = ok(
      await falAdapter.generate(
        callFor({}, { options: { acceleration: 'high', enable_safety_checker: false, seed: 3, loras: [] } }),
      ),
    );
    expect(sentBody()).toMatchObject({ acceleration: 'high', enable_safety_checker: true, seed: 5150 });
    expect(sentBody()).not.toHaveProperty('loras');
    expect(result.warnings).toEqual([
      'Option "enable_safety_checker" is set by Atelier for fal; the option was ignored',
      'Option "seed" is set by Atelier for fal; the option was ignored',
      'Option "loras" is not a text-to-image parameter of fal; it was ignored',
    ]);
  });

  it('polls through the queue, reporting the position, without real sleeping', async () => {
    double.setScenario('queued');
    const clock = fakeClock();
    const progress: ProgressUpdate[] = [];
    ok(await falAdapter.generate(callFor({}, { clock, onProgress: (u) => progress.push(u) })));
    expect(clock.slept).toEqual([POLL_INTERVAL_MS, POLL_INTERVAL_MS, POLL_INTERVAL_MS]);
    expect(progress.map((p) => p.message)).toEqual([
      'Sending to fal',
      'Queued at fal (position 3)',
      'Queued at fal (position 1)',
      'Generating',
      'Fetching the result',
    ]);
  });

  it('rides out one failed status check', async () => {
    double.setScenario('poll_flaky');
    ok(await falAdapter.generate(callFor()));
    expect(double.requests.filter((r) => r.status === 503)).toHaveLength(1);
  });

  it('cancels the request at fal (PUT cancel_url) when aborted mid-poll', async () => {
    double.setScenario('never_finishes');
    const controller = new AbortController();
    let updates = 0;
    const onProgress = () => {
      updates += 1;
      if (updates === 3) controller.abort();
    };
    const result = failed(await falAdapter.generate(callFor({}, { signal: controller.signal, onProgress })));
    expect(result.outcome).toBe('cancelled');
    expect(cancels()).toHaveLength(1);
    const id = [...double.queued.keys()].at(-1)!;
    expect(cancels()[0]).toMatchObject({
      path: `/fal-ai/flux/requests/${id}/cancel`,
      authorization: true,
      status: 202,
    });
    expect(double.queued.get(id)!.cancelled).toBe(true);
    expect(result.providerMessage).toBe(
      `Cancelled while fal was generating; asked fal to cancel request ${id} (it answered HTTP 202).`,
    );
  });

  it('gives up, cancels and reports a timeout when a request never completes', async () => {
    double.setScenario('never_finishes');
    const clock = fakeClock({ stretch: 60 });
    const result = failed(await falAdapter.generate(callFor({}, { clock })));
    expect(result.outcome).toBe('timeout');
    expect(result.providerMessage).toMatch(
      /^No result from fal within 10 minutes; asked fal to cancel request/,
    );
    expect(cancels()).toHaveLength(1);
    expect(clock.slept.reduce((a, b) => a + b, 0) * 60).toBeGreaterThan(MAX_WAIT_MS);
    expect(clock.slept.length).toBeLessThan(30);
  });

  const failures = [
    ['invalid_key', 'auth_failed', 401, null, 'No user found for Key ID and Secret'],
    ['locked_balance', 'quota_exhausted', 403, null, 'Exhausted balance'],
    ['forbidden', 'auth_failed', 403, null, 'Access denied'],
    ['rate_limited', 'rate_limited', 429, null, 'Too many concurrent requests'],
    [
      'content_policy',
      'content_blocked',
      422,
      'content_policy_violation',
      'prompt: The content could not be processed',
    ],
    [
      'nsfw_all',
      'content_blocked',
      200,
      'has_nsfw_concepts',
      "fal's safety checker flagged all 2 images as NSFW",
    ],
    ['server_error', 'unavailable', 500, 'internal_error', 'Internal Server Error'],
    ['runner_error', 'unavailable', 503, 'runner_disconnected', 'The runner disconnected unexpectedly.'],
    ['request_timeout', 'timeout', 504, 'request_timeout', 'Request timed out'],
    ['expired_output', 'no_image', 404, null, 'was gone when fetched (HTTP 404)'],
  ] as const;
  for (const [scenario, outcome, status, code, message] of failures) {
    it(`classifies ${scenario} as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(await falAdapter.generate(callFor({ count: 2, negativePrompt: 'fog' })));
      expect(result).toMatchObject({ outcome, httpStatus: status, providerCode: code, retryAfterMs: null });
      expect(result.providerMessage).toContain(message);
      expect(result.warnings).toEqual([NEGATIVE_PROMPT_NOTE]);
      expect(result.requestSent).toMatchObject({ prompt: 'a brass teapot on linen', num_images: 2 });
      expect(JSON.stringify(result)).not.toContain(KEY);
    });
  }

  it('drops images the safety checker flagged and keeps the rest, with a warning', async () => {
    double.setScenario('nsfw_some');
    const result = ok(await falAdapter.generate(callFor({ count: 2 })));
    expect(result.images).toHaveLength(1);
    expect(result.costUsd).toBe(0.003);
    expect(result.warnings).toEqual([
      "fal's safety checker flagged 1 of the 2 images as NSFW; they were dropped",
    ]);
    // The kept image carries fal's own verdict on it.
    expect(result.images[0]!.safety).toEqual({ field: 'has_nsfw_concepts', flagged: false, ratings: [] });
  });

  it('returns bytes that are not an image undecoded; media ingest is what refuses them', async () => {
    double.setScenario('not_an_image');
    const result = ok(await falAdapter.generate(callFor()));
    expect(Buffer.from(result.images[0]!.bytes).toString()).toBe('definitely not a png');
  });

  it("classifies what the double refuses as invalid_request with fal's detail", async () => {
    const tooMany = failed(await falAdapter.generate(callFor({}, { options: { num_inference_steps: 30 } })));
    expect(tooMany).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 422,
      providerCode: 'less_than_equal',
    });
    expect(tooMany.providerMessage).toBe('num_inference_steps: Input should be less than or equal to 12');
    const unknown = failed(
      await falAdapter.generate(callFor({}, { model: { ...schnell, id: 'fal-ai/flux/turbo' } })),
    );
    expect(unknown).toMatchObject({ outcome: 'invalid_request', httpStatus: 404 });
    expect(unknown.providerMessage).toBe("Application 'fal-ai/flux/turbo' not found");
  });

  it('does not send the key to a host other than the endpoint', async () => {
    const port = new URL(double.url).port;
    const elsewhere = await startFalDouble({ queueOrigin: `http://localhost:${port}` });
    try {
      const result = failed(await falAdapter.generate(callFor({}, { endpoint: elsewhere.url })));
      expect(result.outcome).toBe('unavailable');
      expect(result.providerMessage).toBe(
        `fal answered with a URL on another host (http://localhost:${port}); Atelier sends the key only to ${elsewhere.url}`,
      );
      expect(elsewhere.requests).toHaveLength(1);
      expect(double.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('classifies a refused connection as unavailable', async () => {
    const closed = await unusedPort();
    const result = failed(await falAdapter.generate(callFor({}, { endpoint: `http://127.0.0.1:${closed}` })));
    expect(result.outcome).toBe('unavailable');
    expect(result.providerMessage).toMatch(/^Could not reach fal at http:\/\/127\.0\.0\.1:\d+: fetch failed/);
  });

  it('never lets the key appear, even when the provider or the network echoes it', async () => {
    const echo: FetchLike = async () => Response.json({ detail: `Key ${KEY} is not valid` }, { status: 401 });
    expect(failed(await falAdapter.generate(callFor({}, { fetch: echo }))).providerMessage).toBe(
      'Key [redacted key] is not valid',
    );
    const leaky: FetchLike = async () => {
      throw new TypeError(`connect ECONNRESET Key ${KEY}`);
    };
    expect(JSON.stringify(await falAdapter.generate(callFor({}, { fetch: leaky })))).not.toContain(KEY);
    for (const attempt of await shownPerScenario(double, SCENARIOS, () => falAdapter.generate(callFor()))) {
      expect(attempt).not.toContain(KEY);
    }
    expect(JSON.stringify(double.requests)).not.toContain(KEY);
  });
});

describe('falAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) => falAdapter.testKey(keyCall(callFor({}, extra)));

  it('asks the queue about a request that cannot exist: "not found" means the key was accepted', async () => {
    expect(await check()).toEqual({ outcome: 'ok', message: 'fal accepted the key.' });
    expect(double.requests[0]).toMatchObject({
      method: 'GET',
      path: '/fal-ai/flux/requests/00000000-0000-0000-0000-000000000000/status',
      status: 404,
    });
  });

  it('reports a refused key and a spent balance', async () => {
    double.setScenario('invalid_key');
    expect(await check()).toEqual({ outcome: 'auth_failed', message: 'No user found for Key ID and Secret' });
    double.setScenario('locked_balance');
    expect((await check()).outcome).toBe('quota_exhausted');
  });
});

describe('the fal double itself refuses what the real API refuses', () => {
  const post = (body: unknown, headers: Record<string, string> = {}, endpoint = 'fal-ai/flux/schnell') =>
    fetch(`${double.url}/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Key ${KEY}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('queues a well-formed request and answers 422 on the result for a malformed one', async () => {
    const accepted = (await (await post({ prompt: 'a cat', image_size: 'square' })).json()) as {
      status_url: string;
      response_url: string;
    };
    expect((await fetch(accepted.status_url, { headers: { authorization: `Key ${KEY}` } })).status).toBe(200);
    expect((await fetch(accepted.response_url, { headers: { authorization: `Key ${KEY}` } })).status).toBe(
      200,
    );

    const bad = (await (
      await post({ prompt: 'a cat', image_size: 'huge', num_images: 5, extra: 1 })
    ).json()) as {
      status_url: string;
      response_url: string;
    };
    await fetch(bad.status_url, { headers: { authorization: `Key ${KEY}` } });
    const result = await fetch(bad.response_url, { headers: { authorization: `Key ${KEY}` } });
    expect(result.status).toBe(422);
    const { detail } = (await result.json()) as { detail: Array<{ loc: string[]; type: string }> };
    expect(detail.map((d) => [d.loc.join('.'), d.type])).toEqual([
      ['body.image_size', 'image_size'],
      ['body.num_images', 'less_than_equal'],
      ['body.extra', 'extra_forbidden'],
    ]);
  });

  it('answers a result asked for too early, a cancel too late, and an unknown request as fal does', async () => {
    double.setScenario('never_finishes');
    const pending = (await (await post({ prompt: 'a cat' })).json()) as {
      response_url: string;
      cancel_url: string;
    };
    expect((await fetch(pending.response_url, { headers: { authorization: `Key ${KEY}` } })).status).toBe(
      400,
    );
    double.setScenario('success');
    const done = (await (await post({ prompt: 'a cat' })).json()) as {
      status_url: string;
      cancel_url: string;
    };
    await fetch(done.status_url, { headers: { authorization: `Key ${KEY}` } });
    const late = await fetch(done.cancel_url, { method: 'PUT', headers: { authorization: `Key ${KEY}` } });
    expect(late.status).toBe(400);
    expect(await late.json()).toEqual({ status: 'ALREADY_COMPLETED' });
  });

  const refusals: Array<[string, unknown, Record<string, string>, number, string]> = [
    ['no key', { prompt: 'a' }, { authorization: '' }, 401, 'Missing Authorization header'],
    [
      'a Bearer token',
      { prompt: 'a' },
      { authorization: `Bearer ${KEY}` },
      401,
      'Missing Authorization header',
    ],
    [
      'a key without its secret',
      { prompt: 'a' },
      { authorization: 'Key 0b1c2d3e' },
      401,
      'Invalid Key Authorization',
    ],
    ['a body that is not JSON', '{"prompt":', {}, 400, 'not valid JSON'],
    [
      'a body that is not JSON-typed',
      { prompt: 'a' },
      { 'content-type': 'text/plain' },
      400,
      'application/json',
    ],
  ];
  for (const [what, body, headers, status, message] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const response = await post(body, headers);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { detail: string }).detail).toContain(message);
    });
  }
});
