import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { startComfyUIDouble } from '../../../test/doubles/comfyui-double';
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
import type { FetchLike } from '../ports';
import { loadCatalog, resolveModel } from './catalog';
import { comfyuiAdapter } from './comfyui';
import { BUILT_IN_WORKFLOWS } from './comfyui-workflow';

const catalog = loadCatalog();
const { provider, model } = resolveModel(catalog, 'comfyui');

const double = await suiteDouble(startComfyUIDouble({ maxImageSide: 48 }));
const callFor = callBuilder({
  provider,
  model,
  prompt: 'a glass teapot',
  seed: 777,
  endpoint: double.url,
  request: { steps: 6 },
  server: { id: 1, basicAuth: null, workflow: null },
  // Real waits, a hundred times shorter: polls and idle checks keep their order without slowing the suite.
  clock: () => scaledClock(100),
});
const harness = (...args: Parameters<typeof callFor>) => {
  const call = callFor(...args);
  return { call, progress: call.progress };
};

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;
const queued = () =>
  double.requests.find((r) => r.path === '/prompt')?.body as { prompt: Graph; client_id: string };

const reference = (strength = 0.45) => referenceImage({ width: 80, height: 60, strength });

describe('the comfyui catalog entry', () => {
  it('is a free local provider whose one model is the loaded checkpoint', () => {
    expect(provider).toMatchObject({ kind: 'local', auth: 'none', defaultEndpoint: 'http://127.0.0.1:8188' });
    expect(provider.models.map((m) => m.id)).toEqual(['default']);
    expect(model.capabilities).toMatchObject({
      negativePrompt: true,
      seed: true,
      steps: { min: 1, max: 150 },
      guidance: { param: 'cfg', min: 1, max: 30 },
      exactSize: { min: 64, max: 2048, multiple: 8 },
      imageInput: true,
    });
    expect(Object.values(model.pricing.perImageUsd)).toEqual([0, 0]);
  });
});

describe('comfyuiAdapter.generate, txt2img over the websocket', () => {
  it('fills the shipped workflow, follows the socket and reads the images from /view', async () => {
    const { call, progress } = harness({
      count: 2,
      negativePrompt: 'blurry',
      guidance: 6.5,
      aspectRatio: '3:2',
    });
    const result = ok(await comfyuiAdapter.generate(call));
    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      expect(image.declaredMime).toBe('image/png');
      expect((await sharp(image.bytes).metadata()).format).toBe('png');
    }
    expect(result).toMatchObject({
      seedUsed: 777,
      costUsd: 0,
      httpStatus: 200,
      warnings: [],
      providerMessage: 'Checkpoint: sd_xl_base_1.0.safetensors',
    });

    const sent = queued();
    expect(sent.prompt).toEqual(result.requestSent.prompt);
    expect(result.requestSent.workflow).toBe('Atelier txt2img (SD 1.5 / SDXL)');
    expect(sent.prompt['6']!.inputs.text).toBe('a glass teapot');
    expect(sent.prompt['7']!.inputs.text).toBe('blurry');
    expect(sent.prompt['3']!.inputs).toMatchObject({ seed: 777, steps: 6, cfg: 6.5 });
    expect(sent.prompt['5']!.inputs).toEqual({ width: 1248, height: 832, batch_size: 2 });
    expect(sent.prompt['4']!.inputs.ckpt_name).toBe('sd_xl_base_1.0.safetensors');
    // The socket was opened for this client before the prompt was queued.
    expect(double.connections).toContain(sent.client_id);

    const routes = double.requests
      .filter((r) => r.path !== '/history/' + '')
      .map((r) => `${r.method} ${r.path}`);
    expect(routes.filter((r) => !r.startsWith('GET /history/'))).toEqual([
      'GET /object_info/CheckpointLoaderSimple',
      'POST /prompt',
      'GET /view',
      'GET /view',
    ]);
    const steps = progress.filter((p) => p.message?.startsWith('Step '));
    expect(steps.map((p) => p.fraction)).toEqual([1, 2, 3, 4, 5, 6].map((s) => s / 6));
    expect(progress.some((p) => p.message === 'ComfyUI started the workflow')).toBe(true);
  });

  it('uses the draft tier for fewer default steps, and clamps what is out of range with a warning', async () => {
    const draft = ok(await comfyuiAdapter.generate(harness({ steps: undefined, quality: 'draft' }).call));
    expect((draft.requestSent.prompt as Graph)['3']!.inputs.steps).toBe(15);
    double.requests.length = 0;
    const clamped = ok(
      await comfyuiAdapter.generate(harness({ guidance: 45, size: { width: 3000, height: 517 } }).call),
    );
    expect(clamped.warnings).toEqual([
      'Loaded checkpoint takes sizes from 64 to 2048 px in steps of 8; asked for 3000×517, made 2048×520',
      'Loaded checkpoint takes cfg 1–30; asked for 45, used 30',
    ]);
  });

  it('applies options: a checkpoint, sampler, scheduler and raw inputs; names what it cannot use', async () => {
    const options = {
      checkpoint: 'v1-5-pruned-emaonly.safetensors',
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      inputs: { '9.filename_prefix': 'brand-x' },
      lora: { name: 'add_detail.safetensors', weight: 0.6 },
      clip_skip: 2,
    };
    const result = ok(await comfyuiAdapter.generate(harness({}, { options }).call));
    const graph = result.requestSent.prompt as Graph;
    expect(graph['4']!.inputs.ckpt_name).toBe('v1-5-pruned-emaonly.safetensors');
    expect(graph['3']!.inputs).toMatchObject({ sampler_name: 'dpmpp_2m', scheduler: 'karras' });
    expect(graph['9']!.inputs.filename_prefix).toBe('brand-x');
    expect(result.providerMessage).toBe('Checkpoint: v1-5-pruned-emaonly.safetensors');
    expect(result.warnings).toEqual([
      'options.comfyui.clip_skip is not a ComfyUI option; it was not used',
      'The workflow "Atelier txt2img (SD 1.5 / SDXL)" has no LoraLoader (lora binding); the LoRA was not applied',
    ]);
    // A checkpoint was named, so the server was not asked for its list.
    expect(double.requests.some((r) => r.path.startsWith('/object_info'))).toBe(false);
  });

  it('refuses malformed options before sending anything', async () => {
    const result = failed(
      await comfyuiAdapter.generate(harness({}, { options: { lora: { name: 'x', weight: 9 } } }).call),
    );
    expect(result).toMatchObject({
      outcome: 'invalid_request',
      providerCode: 'invalid_options',
      httpStatus: null,
    });
    expect(result.providerMessage).toContain('options.comfyui.lora.weight');
    const inputs = failed(
      await comfyuiAdapter.generate(harness({}, { options: { inputs: { '3.steps': 'many' } } }).call),
    );
    expect(inputs.providerMessage).toBe('options.comfyui.inputs["3.steps"]: must be a number');
    expect(double.requests.filter((r) => r.path === '/prompt')).toHaveLength(0);
  });
});

describe('comfyuiAdapter.generate, img2img', () => {
  it('uploads the reference, binds it into LoadImage and denoises by its strength', async () => {
    const ref = await reference(0.45);
    const result = ok(await comfyuiAdapter.generate(harness({ count: 2 }, { reference: ref }).call));
    expect(result.images).toHaveLength(2);
    const upload = double.requests.find((r) => r.path === '/upload/image')!;
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data/);
    const form = upload.body as Record<string, { filename: string; type: string } | string>;
    expect(form.overwrite).toBe('true');
    expect(form.image).toMatchObject({
      type: 'image/png',
      filename: expect.stringMatching(/^atelier-[0-9a-f]{16}\.png$/),
    });
    const name = (form.image as { filename: string }).filename;
    const graph = queued().prompt;
    expect(graph['10']!.inputs.image).toBe(name);
    expect(graph['3']!.inputs.denoise).toBe(0.45);
    expect(graph['11']!.inputs).toMatchObject({ width: 1024, height: 1024 });
    expect(graph['13']!.inputs.amount).toBe(2);
    expect(result.requestSent.reference).toBe(`<png 80×60, 1 KB> uploaded as ${name}`);
    expect(result.requestSent.workflow).toBe('Atelier img2img (SD 1.5 / SDXL)');
    expect(double.uploads.has(name)).toBe(true);
  });
});

describe('comfyuiAdapter.generate, classified failures', () => {
  it('names the node the server refused (a checkpoint it does not have)', async () => {
    const result = failed(
      await comfyuiAdapter.generate(harness({}, { options: { checkpoint: 'missing.safetensors' } }).call),
    );
    expect(result).toMatchObject({
      outcome: 'invalid_request',
      httpStatus: 400,
      providerCode: 'prompt_outputs_failed_validation',
    });
    expect(result.providerMessage).toBe(
      'Prompt outputs failed validation: node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: \'missing.safetensors\' not in ["sd_xl_base_1.0.safetensors","v1-5-pruned-emaonly.safetensors"]',
    );
  });

  it('shows the double refusing a malformed graph (an unknown sampler, a missing node class)', async () => {
    const sampler = failed(
      await comfyuiAdapter.generate(harness({}, { options: { sampler: 'euler_x' } }).call),
    );
    expect(sampler.providerMessage).toContain(
      "node 3 (KSampler): Value not in list: sampler_name: 'euler_x'",
    );
    const graph = structuredClone(BUILT_IN_WORKFLOWS.txt2img);
    graph.prompt['5']!.class_type = 'EmptySD3LatentImage';
    const unknown = failed(
      await comfyuiAdapter.generate(
        harness({}, { server: { id: 1, basicAuth: null, workflow: graph } }).call,
      ),
    );
    expect(unknown).toMatchObject({ outcome: 'invalid_request', providerCode: 'invalid_prompt' });
    expect(unknown.providerMessage).toBe(
      "Cannot execute because node EmptySD3LatentImage does not exist.: Node ID '#5'",
    );
  });

  const runtime = [
    [
      'execution_error',
      'invalid_request',
      'RuntimeError',
      'ComfyUI failed in node 3 (KSampler): mat1 and mat2 shapes',
    ],
    [
      'oom',
      'unavailable',
      'torch.OutOfMemoryError',
      'ComfyUI failed in node 3 (KSampler): Allocation on device 0',
    ],
    ['interrupted', 'cancelled', 'execution_interrupted', 'ComfyUI interrupted the prompt at node 3'],
  ] as const;
  for (const [scenario, outcome, code, message] of runtime) {
    it(`classifies ${scenario} on the socket as ${outcome}`, async () => {
      double.setScenario(scenario);
      const result = failed(await comfyuiAdapter.generate(harness().call));
      expect(result).toMatchObject({ outcome, providerCode: code });
      expect(result.providerMessage).toContain(message);
    });
  }

  it('classifies the same failures from the history when polling', async () => {
    const polled = await startComfyUIDouble({ websocket: false, maxImageSide: 32 });
    try {
      polled.setScenario('oom');
      const result = failed(await comfyuiAdapter.generate(harness({}, { endpoint: polled.url }).call));
      expect(result).toMatchObject({ outcome: 'unavailable', providerCode: 'torch.OutOfMemoryError' });
    } finally {
      await polled.close();
    }
  });

  it('calls an output node that saved nothing no_image, and a crashing server unavailable', async () => {
    double.setScenario('no_outputs');
    const empty = failed(await comfyuiAdapter.generate(harness().call));
    expect(empty).toMatchObject({ outcome: 'no_image' });
    expect(empty.providerMessage).toBe("The workflow's output node 9 produced no images");
    double.setScenario('server_error');
    expect(failed(await comfyuiAdapter.generate(harness().call))).toMatchObject({
      outcome: 'unavailable',
      httpStatus: 500,
    });
  });

  it('says no server answers at a closed port', async () => {
    const port = await unusedPort();
    const result = failed(
      await comfyuiAdapter.generate(harness({}, { endpoint: `http://127.0.0.1:${port}` }).call),
    );
    expect(result.outcome).toBe('unavailable');
    expect(result.providerMessage).toMatch(
      /^No ComfyUI server answers at http:\/\/127\.0\.0\.1:\d+: fetch failed/,
    );
  });
});

describe('comfyuiAdapter.generate without a websocket, or losing it', () => {
  it('polls /history when the socket cannot be opened', async () => {
    const polled = await startComfyUIDouble({ websocket: false, maxImageSide: 32 });
    try {
      const { call, progress } = harness({}, { endpoint: polled.url });
      const result = ok(await comfyuiAdapter.generate(call));
      expect(result.images).toHaveLength(1);
      expect(polled.connections).toHaveLength(0);
      expect(polled.requests.filter((r) => r.path.startsWith('/history/')).length).toBeGreaterThan(0);
      expect(progress).toContainEqual({ fraction: null, message: 'Waiting for ComfyUI' });
    } finally {
      await polled.close();
    }
  });

  it('finishes by polling when the socket closes mid-run', async () => {
    double.setScenario('ws_closes');
    const result = ok(await comfyuiAdapter.generate(harness({ steps: 20 }).call));
    expect(result.images).toHaveLength(1);
  });
});

describe('cancelling', () => {
  it('mid-run: drops the prompt and interrupts it on the server', async () => {
    const slow = await startComfyUIDouble({ scenario: 'slow', slowStepMs: 100, maxImageSide: 32 });
    try {
      const controller = new AbortController();
      const { call } = harness({ steps: 50 }, { endpoint: slow.url, signal: controller.signal });
      call.onProgress = (update) => {
        if (update.message?.startsWith('Step ')) controller.abort(new Error('user cancelled'));
      };
      const started = Date.now();
      const result = failed(await comfyuiAdapter.generate(call));
      expect(result.outcome).toBe('cancelled');
      expect(Date.now() - started).toBeLessThan(3_000);
      const promptId = result.providerMessage.match(/prompt ([0-9a-f-]{36})/)![1]!;
      const cancels = slow.requests.filter((r) => r.path === '/queue' || r.path === '/interrupt');
      expect(cancels.map((r) => [r.path, r.body])).toEqual([
        ['/queue', { delete: [promptId] }],
        ['/interrupt', { prompt_id: promptId }],
      ]);
    } finally {
      await slow.close();
    }
  });

  it('while queued: deletes it from the queue and interrupts nothing', async () => {
    const busy = await startComfyUIDouble({ scenario: 'queued', maxImageSide: 32 });
    try {
      const controller = new AbortController();
      const { call } = harness({}, { endpoint: busy.url, signal: controller.signal });
      call.onProgress = (update) => {
        if (update.message?.startsWith('Queued on ComfyUI')) setTimeout(() => controller.abort(), 20);
      };
      const result = failed(await comfyuiAdapter.generate(call));
      expect(result.outcome).toBe('cancelled');
      expect(busy.pending()).toEqual([]);
      expect(busy.requests.some((r) => r.path === '/queue')).toBe(true);
      expect(busy.requests.some((r) => r.path === '/interrupt')).toBe(false);
    } finally {
      await busy.close();
    }
  });

  it('before anything was queued: sends nothing', async () => {
    const result = failed(await comfyuiAdapter.generate(harness({}, { signal: AbortSignal.abort() }).call));
    expect(result.outcome).toBe('cancelled');
    expect(double.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe('custom workflows', () => {
  it('refuses an invalid one without sending it', async () => {
    const broken = { name: 'mine', prompt: BUILT_IN_WORKFLOWS.txt2img.prompt, bindings: {}, output: '9' };
    const result = failed(
      await comfyuiAdapter.generate(
        harness({}, { server: { id: 1, basicAuth: null, workflow: broken } }).call,
      ),
    );
    expect(result).toMatchObject({ outcome: 'invalid_request', providerCode: 'invalid_workflow' });
    expect(result.providerMessage).toContain("This server's ComfyUI workflow is invalid: bindings.prompt:");
    expect(double.requests).toHaveLength(0);
  });

  it('warns for each request part the workflow does not bind, and keeps its own checkpoint', async () => {
    const base = structuredClone(BUILT_IN_WORKFLOWS.txt2img);
    base.prompt['4']!.inputs.ckpt_name = 'v1-5-pruned-emaonly.safetensors';
    const workflow = {
      name: 'Bare',
      prompt: base.prompt,
      bindings: { prompt: base.bindings.prompt, checkpoint: base.bindings.checkpoint },
      output: '9',
    };
    const { call } = harness(
      { negativePrompt: 'noise', count: 2, guidance: 5 },
      { server: { id: 1, basicAuth: null, workflow }, reference: await reference() },
    );
    const result = ok(await comfyuiAdapter.generate(call));
    expect(result.seedUsed).toBeNull();
    expect(result.providerMessage).toBe('Checkpoint: v1-5-pruned-emaonly.safetensors');
    expect(result.warnings).toEqual([
      'The workflow "Bare" has no negative prompt binding; negative prompt was not applied',
      'The workflow "Bare" has no seed binding; this run cannot be reproduced exactly',
      'The workflow "Bare" has no steps binding; steps was not applied',
      'The workflow "Bare" has no guidance binding; guidance was not applied',
      'The workflow "Bare" sets its own size; 1024×1024 was not applied',
      'The workflow "Bare" has no batch binding; made 1 image instead of 2',
      'The workflow "Bare" takes no reference image; it was ignored',
    ]);
    expect(double.requests.some((r) => r.path === '/upload/image')).toBe(false);
  });

  it('requires a reference for an img2img workflow', async () => {
    const workflow = structuredClone(BUILT_IN_WORKFLOWS.img2img);
    const result = failed(
      await comfyuiAdapter.generate(harness({}, { server: { id: 1, basicAuth: null, workflow } }).call),
    );
    expect(result).toMatchObject({ outcome: 'invalid_request', providerCode: 'reference_required' });
  });
});

describe('basic auth (a ComfyUI behind a proxy)', () => {
  it('sends it on every HTTP call and never stores the password', async () => {
    const seen: string[] = [];
    const spy: FetchLike = (input, init) => {
      seen.push(new Headers(init?.headers).get('authorization') ?? '');
      return globalThis.fetch(input, init);
    };
    const server = { id: 1, basicAuth: 'artist:hunter2-long-pass', workflow: null };
    const result = ok(await comfyuiAdapter.generate(harness({}, { server, fetch: spy }).call));
    expect(seen.length).toBeGreaterThan(2);
    expect(new Set(seen)).toEqual(
      new Set([`Basic ${Buffer.from('artist:hunter2-long-pass').toString('base64')}`]),
    );
    const { images: _images, ...rest } = result;
    expect(JSON.stringify(rest)).not.toContain('hunter2');
  });
});

describe('comfyuiAdapter.inspect and testKey', () => {
  const target = (endpoint: string) => keyCall(callFor({}, { endpoint }));

  it('reports health, checkpoints and LoRAs, in both combo shapes', async () => {
    for (const comboStyle of ['classic', 'COMBO'] as const) {
      const server = await startComfyUIDouble({ comboStyle, loras: ['a.safetensors', 'b.safetensors'] });
      try {
        expect(await comfyuiAdapter.inspect!(target(server.url))).toEqual({
          state: 'healthy',
          message:
            'ComfyUI 0.3.60 answers on cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync. 2 checkpoints, 2 LoRAs.',
          models: ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors'],
          loras: ['a.safetensors', 'b.safetensors'],
        });
        expect(server.requests.map((r) => r.path)).toEqual([
          '/system_stats',
          '/object_info/CheckpointLoaderSimple',
          '/object_info/LoraLoader',
        ]);
      } finally {
        await server.close();
      }
    }
  });

  it('reports an unreachable server, and testKey says who answers', async () => {
    const port = await unusedPort();
    const down = await comfyuiAdapter.inspect!(target(`http://127.0.0.1:${port}`));
    expect(down).toMatchObject({ state: 'unreachable', models: [], loras: [] });
    expect(down.message).toMatch(/^No ComfyUI server answers at/);
    expect(await comfyuiAdapter.testKey(target(double.url))).toEqual({
      outcome: 'ok',
      message: 'ComfyUI 0.3.60 answers on cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync.',
    });
  });
});
