import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, startBflDouble } from '../../../test/doubles/bfl-double';
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
import {
  bflAdapter,
  MAX_WAIT_MS,
  NEGATIVE_PROMPT_NOTE,
  POLL_INTERVAL_MS,
  SAFETY_TOLERANCE,
  trustedPollingUrl,
} from './bfl';
import { resolveModel } from './catalog';
import type { AdapterCall, ProgressUpdate } from './types';

const KEY = 'bfl_test_key_abcdefghijklmnop_1234';
const catalog = providerCatalog('bfl');
const modelOf = (id: string) => resolveModel(catalog, 'bfl', id).model;
const { provider, model: pro } = resolveModel(catalog, 'bfl');

const double = await suiteDouble(startBflDouble({ maxImageSide: 48 }));
const callFor = callBuilder({
  provider,
  model: pro,
  prompt: 'a brass teapot on linen',
  seed: 9001,
  apiKey: KEY,
  endpoint: double.url,
  clock: () => fakeClock(),
});

const submits = () => double.requests.filter((r) => r.method === 'POST');
const sentBody = (i = 0) => submits()[i]!.body as Record<string, unknown>;
const polls = () => double.requests.filter((r) => r.path === '/v1/get_result');
const reference = (width: number, height: number, strength = 0.55) =>
  referenceImage({ width, height, strength });

describe('bflAdapter.generate against the protocol double', () => {
  it('submits the documented task, polls the returned polling_url, and fetches the sample at once', async () => {
    const result = ok(await bflAdapter.generate(callFor({ seed: 11 })));
    expect(result.requestSent).toEqual({
      prompt: 'a brass teapot on linen',
      width: 1024,
      height: 1024,
      seed: 11,
      safety_tolerance: SAFETY_TOLERANCE,
      output_format: 'png',
    });
    expect(result.warnings).toEqual([]);
    expect(result.seedUsed).toBe(11);
    expect(result.costUsd).toBe(0.04);
    expect(result.costCredits).toBeNull();
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.declaredMime).toBe('image/png');
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');

    const [submit, poll, sample] = double.requests;
    const id = [...double.tasks.keys()][0]!;
    expect(submit).toMatchObject({ method: 'POST', path: '/v1/flux-pro-1.1', key: true, status: 200 });
    expect(submit!.headers['content-type']).toBe('application/json');
    expect(submit!.body).toEqual(result.requestSent);
    expect(poll).toMatchObject({ method: 'GET', path: '/v1/get_result', query: `id=${id}`, key: true });
    // The delivery host never sees the key.
    expect(sample).toMatchObject({ method: 'GET', path: `/delivery/${id}/sample.png`, key: false });
  });

  it('sends exact multiples of 32, snapping a custom size with a warning', async () => {
    ok(await bflAdapter.generate(callFor({ aspectRatio: '16:9' })));
    expect(sentBody(0)).toMatchObject({ width: 1024, height: 576 });
    const sized = ok(await bflAdapter.generate(callFor({ size: { width: 1000, height: 700 } })));
    expect(sentBody(1)).toMatchObject({ width: 992, height: 704 });
    expect(sized.warnings).toEqual([
      'FLUX1.1 [pro] takes sizes of 256–1440 px in steps of 32; asked for 1000×700, made 992×704',
    ]);
  });

  it('sends Ultra an aspect ratio, reducing an exact size to one within 21:9 … 9:21', async () => {
    const ultra = modelOf('flux-pro-1.1-ultra');
    const plainRatio = ok(await bflAdapter.generate(callFor({ aspectRatio: '3:4' }, { model: ultra })));
    expect(sentBody(0)).toMatchObject({ aspect_ratio: '3:4' });
    expect(sentBody(0)).not.toHaveProperty('width');
    expect(plainRatio.costUsd).toBe(0.06);
    const hd = ok(
      await bflAdapter.generate(callFor({ size: { width: 1920, height: 1080 } }, { model: ultra })),
    );
    expect(sentBody(1)).toMatchObject({ aspect_ratio: '16:9' });
    expect(hd.warnings).toEqual([
      'FLUX1.1 [pro] Ultra takes an aspect ratio, not an exact size; asked for 1920×1080, sent 16:9 (size set by Black Forest Labs)',
    ]);
    ok(await bflAdapter.generate(callFor({ size: { width: 3000, height: 1000 } }, { model: ultra })));
    expect(sentBody(2)).toMatchObject({ aspect_ratio: '21:9' });
  });

  it('passes steps and guidance where the model takes them, and says what it could not honour', async () => {
    const devResult = ok(
      await bflAdapter.generate(
        callFor({ steps: 80, guidance: 1, count: 3 }, { model: modelOf('flux-dev') }),
      ),
    );
    expect(sentBody(0)).toMatchObject({ steps: 50, guidance: 1.5 });
    expect(devResult.warnings).toEqual([
      'Black Forest Labs makes one image per task; asked for 3, made 1',
      'FLUX.1 [dev] takes 1–50 steps; steps 80 was clamped to 50',
      'FLUX.1 [dev] takes guidance 1.5–5; guidance 1 was clamped to 1.5',
    ]);
    const proResult = ok(
      await bflAdapter.generate(callFor({ steps: 20, guidance: 3, negativePrompt: 'fog' })),
    );
    expect(sentBody(1)).not.toHaveProperty('steps');
    expect(sentBody(1)).not.toHaveProperty('guidance');
    expect(proResult.warnings).toEqual([
      NEGATIVE_PROMPT_NOTE,
      'FLUX1.1 [pro] chooses its own sampling steps; steps 20 was ignored',
      'FLUX1.1 [pro] takes no guidance setting; guidance 3 was ignored',
    ]);
  });

  it('records the cost BFL reports for FLUX.2 tasks, in credits and dollars', async () => {
    const result = ok(
      await bflAdapter.generate(callFor({ aspectRatio: '16:9' }, { model: modelOf('flux-2-pro') })),
    );
    expect(sentBody()).toMatchObject({ width: 1280, height: 720 });
    expect(result.costCredits).toBe(3);
    expect(result.costUsd).toBe(0.03);
    const big = ok(
      await bflAdapter.generate(
        callFor({ size: { width: 2048, height: 1536 } }, { model: modelOf('flux-2-max') }),
      ),
    );
    expect(big.costCredits).toBeCloseTo(7 + (3.15 - 1) * 3, 6);
    expect(big.costUsd).toBeCloseTo(big.costCredits! / 100, 6);
  });

  it('sends a reference to Kontext as base64 input_image, without a size, and says strength is unused', async () => {
    const ref = await reference(64, 32, 0.4);
    const result = ok(
      await bflAdapter.generate(
        callFor({ aspectRatio: '1:1' }, { model: modelOf('flux-kontext-pro'), reference: ref }),
      ),
    );
    expect(sentBody().input_image).toBe(Buffer.from(ref.bytes).toString('base64'));
    expect(sentBody()).not.toHaveProperty('aspect_ratio');
    expect(result.requestSent.input_image).toMatch(/^<png 64×32, \d+ KB>$/);
    expect(result.warnings).toEqual([
      'FLUX.1 Kontext [pro] edits the reference as the prompt says; it has no strength setting, so 0.4 was not used',
      "With a reference FLUX.1 Kontext [pro] keeps the reference's shape (64×32); the requested 1:1 was not used",
    ]);
    const meta = await sharp(result.images[0]!.bytes).metadata();
    expect(meta.width! / meta.height!).toBeCloseTo(2, 1);

    const ignored = ok(await bflAdapter.generate(callFor({}, { reference: ref })));
    expect(sentBody(1)).not.toHaveProperty('input_image');
    expect(ignored.warnings).toEqual([
      'FLUX1.1 [pro] takes no reference image; it was ignored and the image made from the prompt alone',
    ]);
  });

  it('merges documented options last and drops the rest', async () => {
    const result = ok(
      await bflAdapter.generate(
        callFor(
          {},
          {
            model: modelOf('flux-pro-1.1-ultra'),
            options: { raw: true, seed: 2, webhook_url: 'https://example.test/hook', safety_tolerance: 4 },
          },
        ),
      ),
    );
    expect(sentBody()).toMatchObject({ raw: true, seed: 9001, safety_tolerance: 4 });
    expect(sentBody()).not.toHaveProperty('webhook_url');
    expect(result.warnings).toEqual([
      'Option "seed" is set by Atelier for Black Forest Labs; the option was ignored',
      'Option "webhook_url" is not a parameter of flux-pro-1.1-ultra; it was ignored',
    ]);
  });

  it('polls while the task is pending, reporting progress, without real sleeping', async () => {
    double.setScenario('pending');
    const clock = fakeClock();
    const progress: ProgressUpdate[] = [];
    ok(await bflAdapter.generate(callFor({}, { clock, onProgress: (u) => progress.push(u) })));
    expect(clock.slept).toEqual([POLL_INTERVAL_MS, POLL_INTERVAL_MS, POLL_INTERVAL_MS]);
    expect(polls()).toHaveLength(3);
    expect(progress.map((p) => p.message)).toEqual([
      'Sending to Black Forest Labs',
      'Generating',
      'Generating',
      'Downloading',
    ]);
    expect(progress.map((p) => p.fraction)).toEqual([null, 0.3, 0.6, 1]);
  });

  it('rides out one failed poll', async () => {
    double.setScenario('poll_flaky');
    ok(await bflAdapter.generate(callFor()));
    expect(polls().map((p) => p.status)).toEqual([502, 200]);
  });

  it('stops polling when aborted and says BFL cannot cancel the task', async () => {
    double.setScenario('never_finishes');
    const controller = new AbortController();
    let updates = 0;
    const onProgress = () => {
      updates += 1;
      if (updates === 3) controller.abort();
    };
    const result = failed(await bflAdapter.generate(callFor({}, { signal: controller.signal, onProgress })));
    const id = [...double.tasks.keys()].at(-1)!;
    expect(result.outcome).toBe('cancelled');
    expect(result.providerMessage).toBe(
      `Cancelled; stopped polling. Black Forest Labs has no cancel endpoint, so task ${id} may still finish (and be billed).`,
    );
    expect(double.requests.every((r) => r.path === '/v1/flux-pro-1.1' || r.path === '/v1/get_result')).toBe(
      true,
    );
    const seen = polls().length;
    await new Promise((r) => setTimeout(r, 20));
    expect(polls()).toHaveLength(seen);
  });

  it('reports a timeout when a task never settles', async () => {
    double.setScenario('never_finishes');
    const clock = fakeClock({ stretch: 60 });
    const result = failed(await bflAdapter.generate(callFor({}, { clock })));
    expect(result.outcome).toBe('timeout');
    expect(result.providerMessage).toMatch(
      /^No result from Black Forest Labs within 10 minutes; Black Forest Labs has no cancel endpoint/,
    );
    expect(clock.slept.reduce((a, b) => a + b, 0) * 60).toBeGreaterThan(MAX_WAIT_MS);
    expect(clock.slept.length).toBeLessThan(30);
  });

  const failures = [
    ['invalid_key', 'auth_failed', 401, null, 'Invalid API key'],
    ['insufficient_credits', 'quota_exhausted', 402, null, 'Insufficient credits'],
    ['rate_limited', 'rate_limited', 429, null, 'maximum number of active tasks (24)'],
    [
      'request_moderated',
      'content_blocked',
      200,
      'Request Moderated',
      'flagged the prompt or input image (Request Moderated): Moderation Reasons: Derivative Works Filter',
    ],
    [
      'content_moderated',
      'content_blocked',
      200,
      'Content Moderated',
      'flagged the generated image (Content Moderated): Moderation Reasons: NSFW',
    ],
    ['error', 'unavailable', 200, 'Error', 'reported "Error" for task'],
    ['task_not_found', 'unavailable', 200, 'Task not found', 'reported "Task not found"'],
    ['server_error', 'unavailable', 500, null, 'Internal Server Error'],
    [
      'expired_sample',
      'no_image',
      403,
      null,
      'had expired when fetched (HTTP 403); Black Forest Labs sample URLs last 10 minutes',
    ],
  ] as const;
  for (const [scenario, outcome, status, code, message] of failures) {
    it(`classifies ${scenario} as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(await bflAdapter.generate(callFor({ negativePrompt: 'fog' })));
      expect(result).toMatchObject({ outcome, httpStatus: status, providerCode: code, retryAfterMs: null });
      expect(result.providerMessage).toContain(message);
      expect(result.warnings).toEqual([NEGATIVE_PROMPT_NOTE]);
      expect(result.requestSent).toMatchObject({ prompt: 'a brass teapot on linen', seed: 9001 });
      expect(JSON.stringify(result)).not.toContain(KEY);
    });
  }

  it('returns sample bytes that are not an image undecoded; media ingest is what refuses them', async () => {
    double.setScenario('not_an_image');
    const result = ok(await bflAdapter.generate(callFor()));
    expect(Buffer.from(result.images[0]!.bytes).toString()).toBe('this is no png');
  });

  it("classifies what the double refuses as invalid_request with BFL's detail", async () => {
    const odd = failed(await bflAdapter.generate(callFor({}, { options: { width: 1000 } })));
    expect(odd).toMatchObject({ outcome: 'invalid_request', httpStatus: 422, providerCode: 'multiple_of' });
    expect(odd.providerMessage).toBe('width: Input should be a multiple of 32');
    const unknown = failed(await bflAdapter.generate(callFor({}, { model: { ...pro, id: 'flux-pro-9' } })));
    expect(unknown).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 404,
      providerMessage: 'Not Found',
    });
  });

  it('does not send the key to a polling_url on a foreign host', async () => {
    const port = new URL(double.url).port;
    const regional = await startBflDouble({ pollingOrigin: `http://localhost:${port}` });
    try {
      const result = failed(await bflAdapter.generate(callFor({}, { endpoint: regional.url })));
      expect(result.outcome).toBe('unavailable');
      expect(result.providerMessage).toContain('polling_url on an unexpected host (http://localhost:');
      expect(regional.requests).toHaveLength(1);
      expect(double.requests).toHaveLength(0);
    } finally {
      await regional.close();
    }
  });

  it('trusts regional polling hosts of the same domain and nothing else', () => {
    expect(trustedPollingUrl('https://api.us1.bfl.ai/v1/get_result?id=1', 'https://api.bfl.ai')).toBe(true);
    expect(trustedPollingUrl('https://api.eu.bfl.ai/v1/get_result?id=1', 'https://api.bfl.ai')).toBe(true);
    expect(trustedPollingUrl('https://api.bfl.ai/v1/get_result?id=1', 'https://api.bfl.ai')).toBe(true);
    expect(trustedPollingUrl('http://api.us1.bfl.ai/v1/get_result', 'https://api.bfl.ai')).toBe(false);
    expect(trustedPollingUrl('https://bfl.ai.example.com/v1/get_result', 'https://api.bfl.ai')).toBe(false);
    expect(trustedPollingUrl('https://example.com/v1/get_result', 'https://api.bfl.ai')).toBe(false);
    expect(trustedPollingUrl('http://127.0.0.2:80/x', 'http://127.0.0.1:80')).toBe(false);
    expect(trustedPollingUrl('not a url', 'https://api.bfl.ai')).toBe(false);
  });

  it('classifies a refused connection as unavailable', async () => {
    const closed = await unusedPort();
    const result = failed(await bflAdapter.generate(callFor({}, { endpoint: `http://127.0.0.1:${closed}` })));
    expect(result.outcome).toBe('unavailable');
    expect(result.providerMessage).toMatch(
      /^Could not reach Black Forest Labs at http:\/\/127\.0\.0\.1:\d+: fetch failed/,
    );
  });

  it('never lets the key appear, even when the provider or the network echoes it', async () => {
    const echo: FetchLike = async () => Response.json({ detail: `key ${KEY} unknown` }, { status: 401 });
    expect(failed(await bflAdapter.generate(callFor({}, { fetch: echo }))).providerMessage).toBe(
      'key [redacted key] unknown',
    );
    const leaky: FetchLike = async () => {
      throw new TypeError(`getaddrinfo failed x-key=${KEY}`);
    };
    expect(JSON.stringify(await bflAdapter.generate(callFor({}, { fetch: leaky })))).not.toContain(KEY);
    for (const attempt of await shownPerScenario(double, SCENARIOS, () => bflAdapter.generate(callFor()))) {
      expect(attempt).not.toContain(KEY);
    }
    expect(JSON.stringify(double.requests)).not.toContain(KEY);
  });
});

describe('bflAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) => bflAdapter.testKey(keyCall(callFor({}, extra)));

  it('reads the credits with the key', async () => {
    expect(await check()).toEqual({
      outcome: 'ok',
      message: 'Black Forest Labs accepted the key; 1234.5 credits left (about $12.35).',
    });
    expect(double.requests[0]).toMatchObject({ method: 'GET', path: '/v1/credits', key: true });
  });

  it('reports a rejected key', async () => {
    double.setScenario('invalid_key');
    expect(await check()).toEqual({ outcome: 'auth_failed', message: 'Invalid API key' });
  });
});

describe('the BFL double itself refuses what the real API refuses', () => {
  const post = (model: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${double.url}/v1/${model}`, {
      method: 'POST',
      headers: { 'x-key': KEY, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('accepts a well-formed task and answers with id and polling_url', async () => {
    const response = await post('flux-pro-1.1', { prompt: 'a cat', width: 1024, height: 768 });
    expect(response.status).toBe(200);
    const task = (await response.json()) as { id: string; polling_url: string };
    expect(task.polling_url).toBe(`${double.url}/v1/get_result?id=${task.id}`);
  });

  const refusals: Array<[string, string, unknown, Record<string, string>, number, string]> = [
    ['an unknown field', 'flux-pro-1.1', { prompt: 'a', steps: 20 }, {}, 422, 'extra_forbidden'],
    ['a width off the grid', 'flux-pro-1.1', { prompt: 'a', width: 1000 }, {}, 422, 'multiple_of'],
    ['a width over 1440', 'flux-dev', { prompt: 'a', width: 1472 }, {}, 422, 'less_than_equal'],
    [
      'a ratio beyond 21:9',
      'flux-pro-1.1-ultra',
      { prompt: 'a', aspect_ratio: '3:1' },
      {},
      422,
      'value_error',
    ],
    [
      'more than 4 MP on FLUX.2',
      'flux-2-pro',
      { prompt: 'a', width: 2048, height: 2064 },
      {},
      422,
      'less_than_equal',
    ],
    ['Kontext without a prompt', 'flux-kontext-pro', { input_image: 'abc' }, {}, 422, 'missing'],
    ['no key', 'flux-pro-1.1', { prompt: 'a' }, { 'x-key': '' }, 403, 'Not authenticated'],
    ['a malformed key', 'flux-pro-1.1', { prompt: 'a' }, { 'x-key': 'abc' }, 401, 'Invalid API key'],
  ];
  for (const [what, model, body, headers, status, marker] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const response = await post(model, body, headers);
      expect(response.status).toBe(status);
      expect(await response.text()).toContain(marker);
    });
  }
});
