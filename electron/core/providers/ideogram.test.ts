import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, startIdeogramDouble } from '../../../test/doubles/ideogram-double';
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
import { loadCatalog, resolveModel } from './catalog';
import { ideogramAdapter, MAGIC_PROMPT_WARNING, RESOLUTIONS } from './ideogram';
import type { AdapterCall } from './types';

const KEY = 'idg_TESTkey0123456789abcdefghijklmnopqrstuv';
const catalog = loadCatalog();
const { provider, model: v3 } = resolveModel(catalog, 'ideogram');

const double = await suiteDouble(startIdeogramDouble({ maxImageSide: 40, slowMs: 5_000 }));
const callFor = callBuilder({
  provider,
  model: v3,
  prompt: 'a poster reading OPEN LATE',
  seed: 12345,
  apiKey: KEY,
  endpoint: double.url,
});
const png = () => pngBytes(20, 16);

describe('ideogramAdapter.generate against the protocol double', () => {
  it('posts the documented multipart form and fetches the ephemeral image at once, without the key', async () => {
    const result = ok(await ideogramAdapter.generate(callFor()));
    expect(result.requestSent).toEqual({
      prompt: 'a poster reading OPEN LATE',
      aspect_ratio: '1x1',
      rendering_speed: 'QUALITY',
      magic_prompt: 'OFF',
      num_images: 1,
      seed: 12345,
    });
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.declaredMime).toBe('image/png');
    expect((await sharp(result.images[0]!.bytes).metadata()).format).toBe('png');
    expect(result).toMatchObject({
      seedUsed: 12345,
      costUsd: 0.09,
      httpStatus: 200,
      warnings: [],
      providerMessage: null,
    });

    const [post, image] = double.requests;
    expect(post).toMatchObject({
      method: 'POST',
      path: '/v1/ideogram-v3/generate',
      apiKey: true,
      status: 200,
    });
    expect(post!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(post!.body).toEqual({
      prompt: 'a poster reading OPEN LATE',
      aspect_ratio: '1x1',
      rendering_speed: 'QUALITY',
      magic_prompt: 'OFF',
      num_images: '1',
      seed: '12345',
    });
    expect(image).toMatchObject({ method: 'GET', apiKey: false, status: 200 });
    expect(image!.path).toMatch(/^\/ephemeral\/[A-Za-z0-9_-]+\.png$/);
  });

  it('renders drafts with TURBO and prices them; sends the negative prompt as is', async () => {
    const result = ok(
      await ideogramAdapter.generate(
        callFor({ quality: 'draft', count: 3, negativePrompt: 'serif fonts', aspectRatio: '9:16' }),
      ),
    );
    expect(result.requestSent).toMatchObject({
      rendering_speed: 'TURBO',
      negative_prompt: 'serif fonts',
      aspect_ratio: '9x16',
      num_images: 3,
    });
    expect(result.images).toHaveLength(3);
    expect(result.costUsd).toBeCloseTo(0.09, 6);
    const meta = await sharp(result.images[0]!.bytes).metadata();
    expect(meta.height! > meta.width!).toBe(true);
  });

  it('maps an exact size to the nearest listed resolution, and says so when it differs', async () => {
    const exact = ok(await ideogramAdapter.generate(callFor({ size: { width: 1024, height: 1024 } })));
    expect(exact.requestSent).toMatchObject({ resolution: '1024x1024' });
    expect(exact.requestSent).not.toHaveProperty('aspect_ratio');
    expect(exact.warnings).toEqual([]);
    const near = ok(await ideogramAdapter.generate(callFor({ size: { width: 1300, height: 740 } })));
    expect(near.requestSent).toMatchObject({ resolution: '1344x768' });
    expect(near.warnings).toEqual([
      'Ideogram 3.0 has no 1300×740 size; it made the nearest listed one, 1344×768',
    ]);
  });

  it('never wraps a seed above Ideogram’s range into another number: Ideogram refuses it as it stands', async () => {
    const result = failed(await ideogramAdapter.generate(callFor({ seed: 2_171_723_135 })));
    expect(result.requestSent.seed).toBe(2_171_723_135);
    expect(result.outcome).toBe('invalid_request');
    expect(result.warnings.join(' ')).not.toContain('was sent as');
  });

  it('sends the seed as given, caps the count, and says what it ignored', async () => {
    const result = ok(
      await ideogramAdapter.generate(callFor({ seed: 2_147_483_647, count: 10, steps: 20, guidance: 4 })),
    );
    expect(result.requestSent).toMatchObject({ seed: 2_147_483_647, num_images: 8 });
    expect(result.seedUsed).toBe(2_147_483_647);
    expect(result.images).toHaveLength(8);
    expect(result.warnings).toEqual([
      'Ideogram 3.0 makes at most 8 images per request; asked for 10, made 8',
      'Ideogram 3.0 chooses its own steps; steps 20 was ignored',
      'Ideogram 3.0 has no guidance setting; guidance 4 was ignored',
    ]);
  });

  it('warns when options turn Magic Prompt on, and reports the prompt Ideogram used', async () => {
    const result = ok(await ideogramAdapter.generate(callFor({}, { options: { magic_prompt: 'ON' } })));
    expect(result.requestSent.magic_prompt).toBe('ON');
    expect(result.warnings).toEqual([MAGIC_PROMPT_WARNING]);
    expect(result.providerMessage).toMatch(
      /^Ideogram used the prompt: a poster reading OPEN LATE, warm cinematic light/,
    );
  });

  it('passes options through as form fields, JSON for objects and repeated fields for lists', async () => {
    const options = {
      style_codes: ['AB12CD34', '0F0F0F0F'],
      color_palette: { name: 'EMBER' },
      image: 'https://example.com/not-a-file.png',
    };
    const result = ok(await ideogramAdapter.generate(callFor({}, { options })));
    expect(double.requests[0]!.body).toMatchObject({
      style_codes: ['AB12CD34', '0F0F0F0F'],
      color_palette: '{"name":"EMBER"}',
    });
    expect(double.requests[0]!.body).not.toHaveProperty('image');
    expect(result.warnings).toEqual([
      'Ideogram option "image" is a file upload and cannot be passed as an option; it was not sent',
    ]);
  });

  it('remixes a reference image with image_weight from the strength', async () => {
    const bytes = await png();
    const reference = { bytes, mime: 'image/png' as const, width: 20, height: 16, strength: 0.55 };
    const result = ok(await ideogramAdapter.generate(callFor({}, { reference })));
    const post = double.requests[0]!;
    expect(post.path).toBe('/v1/ideogram-v3/remix');
    expect(post.body).toMatchObject({
      image_weight: '45',
      image: `<file reference.png, image/png, ${bytes.length} bytes>`,
    });
    expect(result.requestSent).toMatchObject({ image_weight: 45, image: '<png 20×16, 1 KB>' });
    expect(result.warnings).toEqual([]);

    const loose = ok(
      await ideogramAdapter.generate(callFor({}, { reference: { ...reference, strength: 1 } })),
    );
    expect(loose.requestSent.image_weight).toBe(1);
    expect(loose.warnings).toEqual(['Ideogram takes image_weight 1–100; reference strength 1 was sent as 1']);
  });

  it('says so when a reference was asked for but not handed over', async () => {
    const path = `references/cd/${'c'.repeat(64)}.png`;
    const result = ok(await ideogramAdapter.generate(callFor({ reference: { path, strength: 0.5 } })));
    expect(result.warnings).toEqual([
      'Ideogram 3.0 takes no reference image here; the reference was ignored',
    ]);
    expect(double.requests[0]!.path).toBe('/v1/ideogram-v3/generate');
  });

  const failures = [
    ['invalid_api_key', 'auth_failed', 401, null, 'Invalid API key'],
    ['rate_limited', 'rate_limited', 429, null, 'Too many requests'],
    ['safety_rejected', 'content_blocked', 422, 'safety_check', 'failed safety check'],
    ['all_unsafe', 'content_blocked', 200, 'is_image_safe', "Ideogram's safety check withheld the image"],
    ['payment_required', 'quota_exhausted', 402, null, 'Insufficient API credits'],
    ['server_error', 'unavailable', 500, null, 'Internal Server Error'],
    ['malformed_json', 'no_image', 200, null, 'Ideogram returned a response that is not JSON'],
    ['expired_urls', 'no_image', 200, null, 'HTTP 403 (the link may have expired)'],
  ] as const;
  for (const [scenario, outcome, status, code, message] of failures) {
    it(`classifies ${scenario} as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(await ideogramAdapter.generate(callFor({ steps: 12 })));
      expect(result).toMatchObject({ outcome, httpStatus: status, providerCode: code, retryAfterMs: null });
      expect(result.providerMessage).toContain(message);
      expect(result.warnings).toEqual(['Ideogram 3.0 chooses its own steps; steps 12 was ignored']);
      expect(result.requestSent).toMatchObject({ magic_prompt: 'OFF' });
      expect(JSON.stringify(result)).not.toContain(KEY);
    });
  }

  it('drops the unsafe images of a batch with a warning and keeps the rest', async () => {
    double.setScenario('some_unsafe');
    const result = ok(await ideogramAdapter.generate(callFor({ count: 3 })));
    expect(result.images).toHaveLength(2);
    expect(result.costUsd).toBeCloseTo(0.18, 6);
    expect(result.warnings).toEqual([
      "Ideogram's safety check withheld 1 of 3 images",
      'Asked Ideogram for 3 images and received 2',
    ]);
    // Each kept image carries Ideogram's is_image_safe, read so that flagged means unsafe.
    for (const image of result.images) {
      expect(image.safety).toEqual({ field: 'is_image_safe', flagged: false, ratings: [] });
    }
  });

  it('returns not_an_image bytes undecoded; media ingest is what refuses them', async () => {
    double.setScenario('not_an_image');
    const result = ok(await ideogramAdapter.generate(callFor()));
    expect(Buffer.from(result.images[0]!.bytes).toString()).toContain('not the bytes of any image');
  });

  it('cancels mid-request when the signal aborts', async () => {
    double.setScenario('slow');
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    const result = failed(await ideogramAdapter.generate(callFor({}, { signal: controller.signal })));
    expect(result.outcome).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const result = failed(await ideogramAdapter.generate(callFor({}, { signal: AbortSignal.abort() })));
    expect(result.outcome).toBe('cancelled');
    expect(double.requests).toHaveLength(0);
  });

  it('classifies a refused connection as unavailable', async () => {
    const closed = await unusedPort();
    const result = failed(
      await ideogramAdapter.generate(callFor({}, { endpoint: `http://127.0.0.1:${closed}` })),
    );
    expect(result.outcome).toBe('unavailable');
    expect(result.providerMessage).toMatch(/Could not reach Ideogram at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('reports what the double refuses as invalid_request, not as a safety block', async () => {
    const badRatio = failed(
      await ideogramAdapter.generate(callFor({}, { options: { aspect_ratio: '7x5' } })),
    );
    expect(badRatio).toMatchObject({ outcome: 'invalid_request', httpStatus: 422, providerCode: null });
    expect(badRatio.providerMessage).toMatch(/^aspect_ratio: Input should be '1x1'/);
    const both = failed(
      await ideogramAdapter.generate(callFor({}, { options: { resolution: '1024x1024' } })),
    );
    expect(both).toMatchObject({ outcome: 'invalid_request', httpStatus: 400 });
    expect(both.providerMessage).toBe('aspect_ratio cannot be used in conjunction with resolution.');
  });

  it('never lets the key appear, even when Ideogram or the network echoes it', async () => {
    const echo: FetchLike = async () =>
      Response.json({ detail: `Api-Key ${KEY} is revoked` }, { status: 401 });
    const echoed = failed(await ideogramAdapter.generate(callFor({}, { fetch: echo })));
    expect(echoed.providerMessage).toBe('Api-Key [redacted key] is revoked');
    const leaky: FetchLike = async () => {
      throw new TypeError(`connect failed for ${KEY}`);
    };
    expect(JSON.stringify(await ideogramAdapter.generate(callFor({}, { fetch: leaky })))).not.toContain(KEY);
    for (const attempt of await shownPerScenario(
      double,
      SCENARIOS.filter((s) => s !== 'slow'),
      () => ideogramAdapter.generate(callFor({ negativePrompt: 'noise' })),
    )) {
      expect(attempt).not.toContain(KEY);
    }
    expect(double.requests.filter((r) => r.path.startsWith('/ephemeral/')).every((r) => !r.apiKey)).toBe(
      true,
    );
  });

  it('classifies other answers the way Ideogram documents them', async () => {
    const answer =
      (status: number, body: unknown, headers: Record<string, string> = {}): FetchLike =>
      async () =>
        new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
    const cases: Array<[FetchLike, string, number | null]> = [
      [answer(403, { detail: 'Forbidden' }), 'auth_failed', null],
      [answer(429, { detail: 'slow down' }, { 'retry-after': '4' }), 'rate_limited', 4000],
      [answer(400, { detail: 'Insufficient credits for this request' }), 'quota_exhausted', null],
      [answer(422, { error: 'Initial image failed the safety check.' }), 'content_blocked', null],
      [answer(504, '<html>Gateway Timeout</html>'), 'timeout', null],
      [answer(503, '<html>Service Unavailable</html>'), 'unavailable', null],
      [answer(400, { detail: 'Invalid seed' }), 'invalid_request', null],
    ];
    for (const [fetch, outcome, retryAfterMs] of cases) {
      const result = failed(await ideogramAdapter.generate(callFor({}, { fetch })));
      expect(result, outcome).toMatchObject({ outcome, retryAfterMs });
    }
  });

  it('calls a 200 without usable data no_image', async () => {
    const answer =
      (body: unknown): FetchLike =>
      async () =>
        Response.json(body);
    for (const body of [
      { created: 'x', data: [] },
      { created: 'x' },
      { data: [{ url: '', is_image_safe: true }] },
    ]) {
      const result = failed(await ideogramAdapter.generate(callFor({}, { fetch: answer(body) })));
      expect(result.outcome).toBe('no_image');
      expect(result.providerMessage).toMatch(/Ideogram answered successfully but sent/);
    }
  });
});

describe('ideogramAdapter.testKey', () => {
  const check = (extra: Partial<AdapterCall> = {}) => ideogramAdapter.testKey(keyCall(callFor({}, extra)));

  it('checks the key with a request Ideogram refuses before generating anything', async () => {
    expect(await check()).toEqual({
      outcome: 'ok',
      message: 'Ideogram accepted the key (checked without generating an image).',
    });
    expect(double.requests).toHaveLength(1);
    expect(double.requests[0]).toMatchObject({ path: '/v1/ideogram-v3/generate', apiKey: true, status: 422 });
  });

  it('reports a rejected key and an unreachable server', async () => {
    double.setScenario('invalid_api_key');
    expect(await check()).toEqual({ outcome: 'auth_failed', message: 'Invalid API key' });
    const closed = await unusedPort();
    expect((await check({ endpoint: `http://127.0.0.1:${closed}` })).outcome).toBe('unavailable');
  });
});

describe('the Ideogram double itself refuses what the real API refuses', () => {
  const post = (fields: Record<string, string | Blob>, { path = 'generate', key = KEY } = {}) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    return fetch(`${double.url}/v1/ideogram-v3/${path}`, {
      method: 'POST',
      headers: key ? { 'Api-Key': key } : {},
      body: form,
    });
  };
  const good = { prompt: 'a cat', aspect_ratio: '16x9', rendering_speed: 'TURBO', magic_prompt: 'OFF' };

  it('accepts a well-formed form and ignores fields it does not know, as FastAPI does', async () => {
    const response = await post({ ...good, mood: 'calm' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Array<{ resolution: string; is_image_safe: boolean }> };
    expect(body.data[0]).toMatchObject({ resolution: '1312x736', is_image_safe: true });
  });

  const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });
  const gif = new Blob([new Uint8Array([0x47, 0x49, 0x46])], { type: 'image/gif' });
  const refusals: Array<
    [string, Record<string, string | Blob>, { path?: string; key?: string }, number, string]
  > = [
    ['a missing prompt', { aspect_ratio: '1x1' }, {}, 422, 'Field required'],
    ['an aspect ratio Ideogram lacks', { ...good, aspect_ratio: '16:9' }, {}, 422, 'Input should be'],
    ['a resolution Ideogram lacks', { prompt: 'x', resolution: '1000x1000' }, {}, 422, 'Input should be'],
    [
      'aspect ratio and resolution together',
      { ...good, resolution: '1024x1024' },
      {},
      400,
      'cannot be used in conjunction',
    ],
    ['an unknown rendering speed', { ...good, rendering_speed: 'FAST' }, {}, 422, 'Input should be'],
    ['nine images', { ...good, num_images: '9' }, {}, 422, 'less than or equal to 8'],
    ['a negative seed', { ...good, seed: '-1' }, {}, 422, 'greater than or equal to 0'],
    ['a seed beyond its range', { ...good, seed: '3000000000' }, {}, 422, 'less than or equal to 2147483647'],
    [
      'style codes with a style type',
      { ...good, style_codes: 'AB12CD34', style_type: 'DESIGN' },
      {},
      400,
      'style_codes cannot',
    ],
    ['a colour palette that is not JSON', { ...good, color_palette: 'EMBER' }, {}, 422, 'Invalid JSON'],
    [
      'image_weight outside remix',
      { ...good, image_weight: '50' },
      {},
      400,
      'only accepted by the remix endpoint',
    ],
    ['a remix without an image', { prompt: 'x' }, { path: 'remix' }, 422, 'Field required'],
    [
      'a remix of a GIF',
      { prompt: 'x', image: gif },
      { path: 'remix' },
      400,
      'Unsupported image format image/gif',
    ],
    [
      'a remix weight of 0',
      { prompt: 'x', image: png, image_weight: '0' },
      { path: 'remix' },
      422,
      'greater than or equal to 1',
    ],
    ['no key', good, { key: '' }, 401, 'Missing Api-Key header'],
    ['a malformed key', good, { key: 'short key' }, 401, 'Invalid API key'],
  ];
  for (const [what, fields, where, status, message] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const response = await post(fields, where);
      expect(response.status).toBe(status);
      expect(await response.text()).toContain(message);
    });
  }

  it('refuses a JSON body as a form with every field missing, and 404s unknown paths', async () => {
    const json = await fetch(`${double.url}/v1/ideogram-v3/generate`, {
      method: 'POST',
      headers: { 'Api-Key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify(good),
    });
    expect(json.status).toBe(422);
    expect(((await json.json()) as { detail: Array<{ loc: string[] }> }).detail[0]!.loc).toEqual([
      'body',
      'prompt',
    ]);
    expect(
      (await fetch(`${double.url}/generate`, { method: 'POST', headers: { 'Api-Key': KEY } })).status,
    ).toBe(404);
    expect(JSON.stringify(double.requests)).not.toContain(KEY);
  });
});

describe('the Ideogram catalog entry', () => {
  it('lists Ideogram 3.0 with prices per rendering speed and 10 requests in flight', () => {
    expect(provider).toMatchObject({
      keyEnv: 'IDEOGRAM',
      limits: { concurrency: 10 },
      strengths: ['text-heavy'],
    });
    expect(v3.qualityTiers).toEqual({ draft: 'TURBO', final: 'QUALITY' });
    expect(v3.pricing.perImageUsd).toEqual({ TURBO: 0.03, DEFAULT: 0.06, QUALITY: 0.09 });
    expect(RESOLUTIONS).toHaveLength(69);
    expect(RESOLUTIONS.every((r) => /^\d+x\d+$/.test(r))).toBe(true);
  });
});
