import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type A1111Double, startA1111Double } from '../../../test/doubles/a1111-double';
import {
  callBuilder,
  failed,
  keyCall,
  ok,
  referenceImage,
  scaledClock,
  suiteDouble,
  unusedPort,
} from '../../../test/support';
import { a1111Adapter } from './a1111';
import { loadCatalog, resolveModel } from './catalog';
import type { ReferenceImage } from './types';

const catalog = loadCatalog();
const { provider, model } = resolveModel(catalog, 'a1111');
const PASSWORD = 'studio-pass-9876';

const double = await suiteDouble(startA1111Double({ maxImageSide: 48, holdMs: 60 }));
const callFor = callBuilder({
  provider,
  model,
  prompt: 'a ceramic owl',
  seed: 777,
  endpoint: double.url,
  server: { id: 1, basicAuth: null, workflow: null },
  // Real waits, a hundred times shorter: the progress poller runs every 10 ms instead of every second.
  clock: () => scaledClock(100),
});
const harness = (...args: Parameters<typeof callFor>) => {
  const call = callFor(...args);
  return { call, progress: call.progress };
};

const generation = () =>
  double.requests.find((r) => r.path.startsWith('/sdapi/v1/txt2img') || r.path === '/sdapi/v1/img2img')!;

const reference = (width = 96, height = 64, strength = 0.5) => referenceImage({ width, height, strength });

describe('the a1111 catalog entry', () => {
  it('is a free local provider with optional basic auth and cfg_scale guidance', () => {
    expect(provider).toMatchObject({
      kind: 'local',
      auth: 'optional',
      defaultEndpoint: 'http://127.0.0.1:7860',
    });
    expect(model).toMatchObject({ id: 'default', name: 'Loaded checkpoint' });
    expect(model.capabilities.guidance).toEqual({ param: 'cfg_scale', min: 1, max: 30, default: 7 });
    expect(model.capabilities.steps).toEqual({ min: 1, max: 150, default: 25 });
  });
});

describe('a1111Adapter.generate', () => {
  it('sends the txt2img request, reports progress while it blocks, and reads seed and checkpoint from info', async () => {
    const slow = await startA1111Double({ maxImageSide: 48, holdMs: 300 });
    try {
      const { call, progress } = harness(
        { count: 2, negativePrompt: 'lowres', steps: 30, guidance: 6, aspectRatio: '2:3' },
        { endpoint: slow.url },
      );
      const result = ok(await a1111Adapter.generate(call));
      expect(result.requestSent).toEqual({
        prompt: 'a ceramic owl',
        negative_prompt: 'lowres',
        seed: 777,
        steps: 30,
        cfg_scale: 6,
        width: 832,
        height: 1248,
        batch_size: 2,
        n_iter: 1,
      });
      expect(result).toMatchObject({
        seedUsed: 777,
        costUsd: 0,
        warnings: [],
        providerMessage: 'Checkpoint: sd_xl_base_1.0',
      });
      expect(result.images).toHaveLength(2);
      for (const image of result.images) {
        expect(image.declaredMime).toBe('image/png');
        expect((await sharp(image.bytes).metadata()).format).toBe('png');
      }
      const polls = slow.requests.filter((r) => r.path === '/sdapi/v1/progress');
      expect(polls.length).toBeGreaterThan(2);
      expect(polls[0]!.query).toEqual({ skip_current_image: 'true' });
      const steps = progress.filter((p) => p.message?.startsWith('Step '));
      expect(steps.length).toBeGreaterThan(0);
      expect(steps.at(-1)!.message).toMatch(/^Step \d+ of 30, about \d+ s left$/);
      for (const p of steps) expect(p.fraction).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });

  it('turns options into override_settings and LoRA prompt tags, and passes the rest through', async () => {
    const options = {
      checkpoint: 'v1-5-pruned-emaonly.safetensors [6ce0161689]',
      lora: [{ name: 'add_detail', weight: 0.7 }, { name: 'film_grain' }],
      sampler_name: 'DPM++ 2M Karras',
      override_settings: { CLIP_stop_at_last_layers: 2 },
      restore_faces: false,
    };
    const result = ok(await a1111Adapter.generate(harness({}, { options }).call));
    expect(result.requestSent).toMatchObject({
      prompt: 'a ceramic owl <lora:add_detail:0.7> <lora:film_grain:1>',
      sampler_name: 'DPM++ 2M Karras',
      restore_faces: false,
      override_settings: {
        CLIP_stop_at_last_layers: 2,
        sd_model_checkpoint: 'v1-5-pruned-emaonly.safetensors [6ce0161689]',
      },
      _note: 'LoRA from options.a1111.lora added to the prompt as <lora:add_detail:0.7> <lora:film_grain:1>',
    });
    expect(result.requestSent).not.toHaveProperty('checkpoint');
    expect(result.requestSent).not.toHaveProperty('lora');
    expect(generation().body).not.toHaveProperty('_note');
    expect(result.providerMessage).toBe('Checkpoint: v1-5-pruned-emaonly');
    expect(result.warnings).toEqual([]);
  });

  it('warns when A1111 silently fell back from a checkpoint it does not have', async () => {
    const result = ok(
      await a1111Adapter.generate(harness({}, { options: { checkpoint: 'dreamshaper_8.safetensors' } }).call),
    );
    // Which checkpoint it fell back to is whatever was loaded; that it says so is what matters.
    expect(result.warnings).toEqual([
      expect.stringMatching(/^A1111 has no checkpoint "dreamshaper_8\.safetensors"; it used \S+ instead$/),
    ]);
  });

  it('refuses malformed options before sending anything', async () => {
    const result = failed(
      await a1111Adapter.generate(harness({}, { options: { lora: { name: 'a:b' } } }).call),
    );
    expect(result).toMatchObject({
      outcome: 'invalid_request',
      providerCode: 'invalid_options',
      httpStatus: null,
    });
    expect(result.providerMessage).toContain('options.a1111.lora');
    expect(double.requests).toHaveLength(0);
  });

  it('sends img2img with the reference, its strength as denoising, cropped to the output shape', async () => {
    const ref = await reference(96, 64, 0.42);
    const result = ok(
      await a1111Adapter.generate(harness({ size: { width: 512, height: 512 } }, { reference: ref }).call),
    );
    const sent = generation();
    expect(sent.path).toBe('/sdapi/v1/img2img');
    const body = sent.body as Record<string, unknown>;
    expect(body.init_images).toEqual([Buffer.from(ref.bytes).toString('base64')]);
    expect(body).toMatchObject({ denoising_strength: 0.42, resize_mode: 1, width: 512, height: 512 });
    expect(result.requestSent.init_images).toEqual(['<png 96×64, 1 KB>']);
    expect(result.warnings).toEqual(['The reference (96×64) was cropped to the output shape 512×512']);
  });

  it('skips the grid image older builds put first', async () => {
    const gridded = await startA1111Double({ returnGrid: true, holdMs: 5 });
    try {
      const result = ok(
        await a1111Adapter.generate(
          harness({ count: 2, size: { width: 64, height: 64 } }, { endpoint: gridded.url }).call,
        ),
      );
      expect(result.images).toHaveLength(2);
      for (const image of result.images) expect((await sharp(image.bytes).metadata()).width).toBe(64);
    } finally {
      await gridded.close();
    }
  });

  const failures = [
    [
      'oom',
      'unavailable',
      500,
      'OutOfMemoryError',
      'A1111 ran out of GPU memory: CUDA out of memory. Tried to allocate 2.25 GiB',
    ],
    [
      'server_error',
      'unavailable',
      500,
      'RuntimeError',
      'A1111 failed: RuntimeError: Expected all tensors to be on the same device',
    ],
    ['no_images', 'no_image', 200, null, 'A1111 answered successfully but sent no images'],
    ['malformed_json', 'no_image', 200, null, 'A1111 returned a response that is not JSON'],
  ] as const;
  for (const [scenario, outcome, status, code, message] of failures) {
    it(`classifies ${scenario} as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(await a1111Adapter.generate(harness().call));
      expect(result).toMatchObject({ outcome, httpStatus: status, providerCode: code });
      expect(result.providerMessage).toContain(message);
    });
  }

  it('shows the double refusing malformed requests: a sampler it lacks, steps out of range, a broken image', async () => {
    const sampler = failed(
      await a1111Adapter.generate(harness({}, { options: { sampler_name: 'Euler z' } }).call),
    );
    expect(sampler).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 404,
      providerMessage: 'Sampler not found',
    });
    const steps = failed(await a1111Adapter.generate(harness({}, { options: { steps: 500 } }).call));
    expect(steps).toMatchObject({ outcome: 'invalid_request', httpStatus: 422 });
    expect(steps.providerMessage).toBe('body.steps: ensure this value is less than or equal to 150');
    const broken: ReferenceImage = {
      ...(await reference()),
      bytes: new TextEncoder().encode('not an image'),
    };
    const image = failed(await a1111Adapter.generate(harness({}, { reference: broken }).call));
    expect(image).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 500,
      providerMessage: 'Invalid encoded image',
    });
  });

  it('says when the server was not started with --api', async () => {
    const noApi = await startA1111Double({ api: false });
    try {
      const result = failed(await a1111Adapter.generate(harness({}, { endpoint: noApi.url }).call));
      expect(result).toMatchObject({
        outcome: 'invalid_request',
        httpStatus: 404,
        providerCode: 'api_disabled',
      });
      expect(result.providerMessage).toBe(
        `A1111 at ${noApi.url} has no /sdapi/v1/txt2img: the server was not started with --api (add --api to its command line arguments)`,
      );
    } finally {
      await noApi.close();
    }
  });

  it('says no server answers at a closed port', async () => {
    const port = await unusedPort();
    const result = failed(
      await a1111Adapter.generate(harness({}, { endpoint: `http://127.0.0.1:${port}` }).call),
    );
    expect(result.outcome).toBe('unavailable');
    expect(result.providerMessage).toMatch(
      /^No A1111 server answers at http:\/\/127\.0\.0\.1:\d+: fetch failed/,
    );
  });

  it('cancels mid-render: the call stops at once and A1111 is told to interrupt', async () => {
    const slow = await startA1111Double({ scenario: 'slow', slowMs: 10_000 });
    try {
      const controller = new AbortController();
      const { call } = harness({}, { endpoint: slow.url, signal: controller.signal });
      call.onProgress = (update) => {
        if (update.message?.startsWith('Step ')) controller.abort(new Error('user cancelled'));
      };
      const started = Date.now();
      const result = failed(await a1111Adapter.generate(call));
      expect(result).toMatchObject({ outcome: 'cancelled', httpStatus: null });
      expect(result.providerMessage).toBe('Cancelled; A1111 was asked to interrupt the generation.');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(slow.requests.some((r) => r.method === 'POST' && r.path === '/sdapi/v1/interrupt')).toBe(true);
      expect(slow.interrupted).toBe(1);
    } finally {
      await slow.close();
    }
  });
});

describe('basic auth (--api-auth)', () => {
  let locked: A1111Double;
  beforeAll(async () => {
    locked = await startA1111Double({ auth: `artist:${PASSWORD}`, holdMs: 120, maxImageSide: 32 });
  });
  afterAll(() => locked.close());

  it('asks for credentials when none are set, and refuses wrong ones without echoing them', async () => {
    const none = failed(await a1111Adapter.generate(harness({}, { endpoint: locked.url }).call));
    expect(none).toMatchObject({ outcome: 'auth_failed', httpStatus: 401 });
    expect(none.providerMessage).toBe(
      'A1111 wants a user name and password: it was started with --api-auth; add user:password to this server in Settings → Local GPU',
    );
    const server = { id: 1, basicAuth: 'artist:wrong-password-1', workflow: null };
    const wrong = failed(await a1111Adapter.generate(harness({}, { endpoint: locked.url, server }).call));
    expect(wrong.providerMessage).toBe(
      'A1111 refused the user name or password set for this server (its --api-auth)',
    );
    expect(JSON.stringify(wrong)).not.toContain('wrong-password-1');
  });

  it('sends the credentials on the generation and on every progress poll', async () => {
    // Polls the previous test abandoned are still held by the double (holdMs); let them land before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    locked.requests.length = 0;
    const server = { id: 1, basicAuth: `artist:${PASSWORD}`, workflow: null };
    const result = ok(await a1111Adapter.generate(harness({}, { endpoint: locked.url, server }).call));
    expect(locked.requests.length).toBeGreaterThan(1);
    expect(locked.requests.every((r) => r.authorization && r.status === 200)).toBe(true);
    const { images: _images, ...rest } = result;
    expect(JSON.stringify(rest)).not.toContain(PASSWORD);
  });
});

describe('a1111Adapter.inspect and testKey', () => {
  const target = (endpoint: string, basicAuth: string | null = null) =>
    keyCall(callFor({}, { endpoint, server: { id: 1, basicAuth, workflow: null } }));

  it('lists checkpoint titles and LoRA names', async () => {
    expect(await a1111Adapter.inspect!(target(double.url))).toEqual({
      state: 'healthy',
      message: 'A1111 answers; 2 checkpoints, 2 LoRAs.',
      models: ['sd_xl_base_1.0.safetensors [31e35c80fc]', 'v1-5-pruned-emaonly.safetensors [6ce0161689]'],
      loras: ['add_detail', 'film_grain'],
    });
    expect(await a1111Adapter.testKey(target(double.url))).toEqual({
      outcome: 'ok',
      message: 'A1111 answers; 2 checkpoints.',
    });
  });

  it('treats a server without the Lora extension as having no LoRAs', async () => {
    const bare = await startA1111Double({ loras: null });
    try {
      expect(await a1111Adapter.inspect!(target(bare.url))).toMatchObject({ state: 'healthy', loras: [] });
    } finally {
      await bare.close();
    }
  });

  it('reports unreachable, --api missing and --api-auth as what they are', async () => {
    const port = await unusedPort();
    expect(await a1111Adapter.inspect!(target(`http://127.0.0.1:${port}`))).toMatchObject({
      state: 'unreachable',
      models: [],
    });
    const noApi = await startA1111Double({ api: false });
    const locked = await startA1111Double({ auth: 'a:b-secret' });
    try {
      const off = await a1111Adapter.inspect!(target(noApi.url));
      expect(off.state).toBe('error');
      expect(off.message).toContain('was not started with --api');
      expect((await a1111Adapter.testKey(target(locked.url))).outcome).toBe('auth_failed');
      expect((await a1111Adapter.inspect!(target(locked.url, 'a:b-secret'))).state).toBe('healthy');
    } finally {
      await noApi.close();
      await locked.close();
    }
  });
});
