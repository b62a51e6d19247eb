/**
 * A protocol double of a ComfyUI server for tests: HTTP routes and the `/ws` websocket on one port.
 * `POST /prompt` is validated the way ComfyUI's validate_prompt does (known node classes, required
 * inputs, links to existing nodes of the right type, number ranges, combo values such as checkpoint
 * names and uploaded images, at least one output node) and answers its documented 400 shape.
 * Accepted prompts run one at a time in a small simulated executor that sends the documented socket
 * messages (status, execution_start, execution_cached, executing, progress with binary previews,
 * executed, execution_success | execution_error | execution_interrupted), writes the history and
 * serves the output PNGs through `/view`.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type Answer,
  doubleFace,
  fitWithin,
  formRecord,
  type Incoming,
  isObject,
  type RecordedBase,
  readForm,
  scenarioState,
  stampedImage,
  startDoubleServer,
} from './kit';

export const COMFY_SCENARIOS = [
  'success',
  /** KSampler raises a RuntimeError (shape mismatch, as with an SD1.5 LoRA on SDXL). */
  'execution_error',
  /** KSampler runs out of GPU memory. */
  'oom',
  /** Someone presses Cancel on the server after two steps. */
  'interrupted',
  /** Steps take `slowStepMs` each, so a test can cancel mid-run. */
  'slow',
  /** The queue never moves (another user's long job): prompts stay pending until deleted. */
  'queued',
  /** The socket closes after the first progress message; the run still finishes. */
  'ws_closes',
  /** The run succeeds but the output node saves nothing. */
  'no_outputs',
  /** `POST /prompt` fails with a 500. */
  'server_error',
] as const;
export type ComfyScenario = (typeof COMFY_SCENARIOS)[number];

/** The body is JSON when JSON, a record of fields (files as { filename, type, bytes }) when multipart, else text. */
export interface ComfyRecordedRequest extends RecordedBase {
  query: Record<string, string>;
  /** The body as sent (parsed JSON rounds integers past 2^53; seeds are checked here). */
  text: string;
}

export interface ComfyUIDoubleOptions {
  scenario?: ComfyScenario;
  /** Whether `/ws` accepts upgrades; false answers 404, as a proxy without websocket support does. */
  websocket?: boolean;
  checkpoints?: string[];
  loras?: string[];
  /** How `/object_info` lists combo values: `[[...]]` (classic) or `["COMBO", { options }]` (newer). */
  comboStyle?: 'classic' | 'COMBO';
  stepMs?: number;
  slowStepMs?: number;
  maxImageSide?: number;
}

export interface ComfyUIDouble {
  url: string;
  readonly scenario: ComfyScenario;
  setScenario(scenario: ComfyScenario): void;
  requests: ComfyRecordedRequest[];
  /** Client ids of the websockets that connected. */
  connections: string[];
  /** Prompt ids still waiting in the queue. */
  pending(): string[];
  /** Files uploaded to the input folder. */
  uploads: Map<string, Buffer>;
  close(): Promise<void>;
}

type InputSpec =
  | { kind: 'link'; type: string }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'float'; min: number; max: number }
  | { kind: 'string' }
  | { kind: 'combo'; options: () => string[] };

interface NodeSpec {
  inputs: Record<string, InputSpec>;
  outputs: string[];
  outputNode?: boolean;
}

export const SAMPLERS = ['euler', 'euler_ancestral', 'dpmpp_2m', 'dpmpp_2m_sde', 'ddim'];
export const SCHEDULERS = ['normal', 'karras', 'exponential', 'simple', 'sgm_uniform'];
/** KSampler takes seeds up to 2^64 - 1; a double holds them only approximately, which is fine here. */
const MAX_SEED = 2 ** 64;
const TEXT = { 'content-type': 'text/plain' };

interface Job {
  promptId: string;
  number: number;
  clientId: string | null;
  prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
  interrupted: boolean;
}

interface HistoryEntry {
  prompt: unknown[];
  outputs: Record<string, { images: Array<{ filename: string; subfolder: string; type: string }> }>;
  status: {
    status_str: 'success' | 'error';
    completed: boolean;
    messages: Array<[string, Record<string, unknown>]>;
  };
  meta: Record<string, unknown>;
}

export async function startComfyUIDouble(opts: ComfyUIDoubleOptions = {}): Promise<ComfyUIDouble> {
  const scenario = scenarioState<ComfyScenario>(opts.scenario ?? 'success', () => server.later(0, pump));
  const checkpoints = opts.checkpoints ?? ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors'];
  const loras = opts.loras ?? ['add_detail.safetensors'];
  const stepMs = opts.stepMs ?? 2;
  const slowStepMs = opts.slowStepMs ?? 250;
  const connections: string[] = [];
  const uploads = new Map<string, Buffer>();
  const outputs = new Map<string, Buffer>();
  const history = new Map<string, HistoryEntry>();
  const sockets = new Map<string, WebSocket>();
  const queue: Job[] = [];
  let running: Job | null = null;
  let counter = 0;
  let imageCounter = 0;
  let closing = false;

  const specs: Record<string, NodeSpec> = {
    CheckpointLoaderSimple: {
      inputs: { ckpt_name: { kind: 'combo', options: () => checkpoints } },
      outputs: ['MODEL', 'CLIP', 'VAE'],
    },
    LoraLoader: {
      inputs: {
        model: { kind: 'link', type: 'MODEL' },
        clip: { kind: 'link', type: 'CLIP' },
        lora_name: { kind: 'combo', options: () => loras },
        strength_model: { kind: 'float', min: -100, max: 100 },
        strength_clip: { kind: 'float', min: -100, max: 100 },
      },
      outputs: ['MODEL', 'CLIP'],
    },
    CLIPTextEncode: {
      inputs: { text: { kind: 'string' }, clip: { kind: 'link', type: 'CLIP' } },
      outputs: ['CONDITIONING'],
    },
    EmptyLatentImage: {
      inputs: {
        width: { kind: 'int', min: 16, max: 16384 },
        height: { kind: 'int', min: 16, max: 16384 },
        batch_size: { kind: 'int', min: 1, max: 4096 },
      },
      outputs: ['LATENT'],
    },
    KSampler: {
      inputs: {
        model: { kind: 'link', type: 'MODEL' },
        seed: { kind: 'int', min: 0, max: MAX_SEED },
        steps: { kind: 'int', min: 1, max: 10000 },
        cfg: { kind: 'float', min: 0, max: 100 },
        sampler_name: { kind: 'combo', options: () => SAMPLERS },
        scheduler: { kind: 'combo', options: () => SCHEDULERS },
        positive: { kind: 'link', type: 'CONDITIONING' },
        negative: { kind: 'link', type: 'CONDITIONING' },
        latent_image: { kind: 'link', type: 'LATENT' },
        denoise: { kind: 'float', min: 0, max: 1 },
      },
      outputs: ['LATENT'],
    },
    VAEDecode: {
      inputs: { samples: { kind: 'link', type: 'LATENT' }, vae: { kind: 'link', type: 'VAE' } },
      outputs: ['IMAGE'],
    },
    VAEEncode: {
      inputs: { pixels: { kind: 'link', type: 'IMAGE' }, vae: { kind: 'link', type: 'VAE' } },
      outputs: ['LATENT'],
    },
    LoadImage: {
      inputs: { image: { kind: 'combo', options: () => ['example.png', ...uploads.keys()] } },
      outputs: ['IMAGE', 'MASK'],
    },
    ImageScale: {
      inputs: {
        upscale_method: {
          kind: 'combo',
          options: () => ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos'],
        },
        width: { kind: 'int', min: 0, max: 16384 },
        height: { kind: 'int', min: 0, max: 16384 },
        crop: { kind: 'combo', options: () => ['disabled', 'center'] },
        image: { kind: 'link', type: 'IMAGE' },
      },
      outputs: ['IMAGE'],
    },
    RepeatLatentBatch: {
      inputs: { samples: { kind: 'link', type: 'LATENT' }, amount: { kind: 'int', min: 1, max: 64 } },
      outputs: ['LATENT'],
    },
    SaveImage: {
      inputs: { images: { kind: 'link', type: 'IMAGE' }, filename_prefix: { kind: 'string' } },
      outputs: [],
      outputNode: true,
    },
  };

  const server = await startDoubleServer<ComfyRecordedRequest>({
    secretHeaders: ['authorization'],
    describe: ({ url, text }) => ({ query: Object.fromEntries(url.searchParams), text }),
    answer: answerFor,
    crashed: (error) => ({
      status: 500,
      body: `500 Internal Server Error\n\nServer got itself in trouble: ${error instanceof Error ? error.message : String(error)}`,
      headers: TEXT,
    }),
    headers: () => ({ 'content-type': 'application/json; charset=utf-8' }),
    onClose: () => {
      closing = true;
      for (const socket of sockets.values()) socket.terminate();
      wss.close();
    },
  });
  const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });

  async function answerFor(incoming: Incoming): Promise<Answer> {
    const { req, url, bytes } = incoming;
    const route = `${req.method} ${url.pathname}`;
    const objectInfo = /^\/object_info\/([^/]+)$/.exec(url.pathname);
    const historyOf = /^\/history\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && objectInfo)
      return json(200, describeNode(decodeURIComponent(objectInfo[1]!)));
    if (req.method === 'GET' && historyOf) {
      const id = decodeURIComponent(historyOf[1]!);
      const entry = history.get(id);
      return json(200, entry ? { [id]: entry } : {});
    }
    switch (route) {
      case 'GET /system_stats':
        return json(200, {
          system: {
            os: 'posix',
            ram_total: 68_719_476_736,
            ram_free: 40_000_000_000,
            comfyui_version: '0.3.60',
            python_version: '3.12.3',
            pytorch_version: '2.8.0+cu128',
            embedded_python: false,
            argv: ['main.py', '--listen'],
          },
          devices: [
            {
              name: 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync',
              type: 'cuda',
              index: 0,
              vram_total: 25_757_220_864,
              vram_free: 20_000_000_000,
              torch_vram_total: 0,
              torch_vram_free: 0,
            },
          ],
        });
      case 'GET /view': {
        const filename = url.searchParams.get('filename') ?? '';
        const type = url.searchParams.get('type') ?? 'output';
        if (filename.startsWith('/') || filename.includes('..'))
          return { status: 400, body: '', headers: TEXT };
        const file =
          type === 'input'
            ? uploads.get(filename)
            : outputs.get(`${url.searchParams.get('subfolder') ?? ''}/${filename}`);
        return file
          ? { status: 200, body: file, headers: { 'content-type': 'image/png' } }
          : { status: 404, body: '404: Not Found', headers: TEXT };
      }
      case 'POST /upload/image':
        return upload(incoming);
      case 'POST /prompt':
        return queuePrompt(bytes);
      case 'POST /queue': {
        const body = parseBody(bytes);
        if (body.delete !== undefined) {
          const ids = Array.isArray(body.delete) ? body.delete : [];
          for (let i = queue.length - 1; i >= 0; i -= 1)
            if (ids.includes(queue[i]!.promptId)) queue.splice(i, 1);
        }
        if (body.clear === true) queue.length = 0;
        broadcastStatus();
        return { status: 200, body: '', headers: TEXT };
      }
      case 'POST /interrupt': {
        const body = bytes.length > 0 ? parseBody(bytes) : {};
        const only = typeof body.prompt_id === 'string' ? body.prompt_id : null;
        if (running && (only === null || only === running.promptId)) running.interrupted = true;
        return { status: 200, body: '', headers: TEXT };
      }
      default:
        return { status: 404, body: '404: Not Found', headers: TEXT };
    }
  }

  function parseBody(bytes: Buffer): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(bytes.toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : {};
    } catch {
      throw new Error('Expecting value: line 1 column 1 (char 0)');
    }
  }

  async function upload(incoming: Incoming): Promise<Answer> {
    const form = await readForm(incoming, /^multipart\/form-data/);
    if (!form) return { status: 400, body: '', headers: TEXT };
    incoming.recorded = formRecord(form, (file) => ({
      filename: file.name,
      type: file.type,
      bytes: file.size,
    }));
    const image = form.get('image');
    if (!image || typeof image === 'string' || image.name === '')
      return { status: 400, body: '', headers: TEXT };
    const data = Buffer.from(await image.arrayBuffer());
    const meta = await sharp(data)
      .metadata()
      .catch(() => null);
    // ComfyUI stores any bytes, but LoadImage later fails on them; refusing here keeps tests honest.
    if (!meta) return { status: 400, body: '', headers: TEXT };
    const overwrite = form.get('overwrite');
    let name = image.name;
    if (uploads.has(name) && overwrite !== 'true' && overwrite !== '1' && !uploads.get(name)!.equals(data)) {
      const dot = name.lastIndexOf('.');
      name = `${name.slice(0, dot)} (1)${name.slice(dot)}`;
    }
    uploads.set(name, data);
    return json(200, { name, subfolder: '', type: 'input' });
  }

  function queuePrompt(bytes: Buffer): Answer {
    if (scenario.current === 'server_error') {
      return {
        status: 500,
        body: '500 Internal Server Error\n\nServer got itself in trouble',
        headers: TEXT,
      };
    }
    const body = parseBody(bytes);
    for (const key of Object.keys(body)) {
      if (!['prompt', 'client_id', 'extra_data', 'front', 'number', 'prompt_id'].includes(key)) {
        return json(400, {
          error: { type: 'invalid_prompt', message: `Unknown field ${key}`, details: '', extra_info: {} },
          node_errors: {},
        });
      }
    }
    const prompt = body.prompt;
    if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt)) {
      return json(400, {
        error: {
          type: 'no_prompt',
          message: 'No prompt provided',
          details: 'No prompt provided',
          extra_info: {},
        },
        node_errors: {},
      });
    }
    const graph = prompt as Record<string, unknown>;
    for (const [id, node] of Object.entries(graph)) {
      const classType = isObject(node) && typeof node.class_type === 'string' ? node.class_type : null;
      if (classType === null || !isObject((node as Record<string, unknown>).inputs)) {
        return json(400, {
          error: {
            type: 'invalid_prompt',
            message: 'Cannot execute because a node is missing the class_type property.',
            details: `Node ID '#${id}'`,
            extra_info: {},
          },
          node_errors: {},
        });
      }
      if (!Object.hasOwn(specs, classType)) {
        return json(400, {
          error: {
            type: 'invalid_prompt',
            message: `Cannot execute because node ${classType} does not exist.`,
            details: `Node ID '#${id}'`,
            extra_info: {},
          },
          node_errors: {},
        });
      }
    }
    const nodes = graph as Job['prompt'];
    const outputIds = Object.keys(nodes).filter((id) => specs[nodes[id]!.class_type]!.outputNode);
    if (outputIds.length === 0) {
      return json(400, {
        error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} },
        node_errors: {},
      });
    }
    const nodeErrors: Record<string, unknown> = {};
    for (const [id, node] of Object.entries(nodes)) {
      const errors = validateNode(nodes, node);
      if (errors.length > 0)
        nodeErrors[id] = { errors, dependent_outputs: outputIds, class_type: node.class_type };
    }
    if (Object.keys(nodeErrors).length > 0) {
      return json(400, {
        error: {
          type: 'prompt_outputs_failed_validation',
          message: 'Prompt outputs failed validation',
          details: '',
          extra_info: {},
        },
        node_errors: nodeErrors,
      });
    }
    counter += 1;
    const job: Job = {
      promptId: typeof body.prompt_id === 'string' ? body.prompt_id : randomUUID(),
      number: counter,
      clientId: typeof body.client_id === 'string' ? body.client_id : null,
      prompt: nodes,
      interrupted: false,
    };
    queue.push(job);
    broadcastStatus();
    server.later(0, pump);
    return json(200, { prompt_id: job.promptId, number: job.number, node_errors: {} });
  }

  function validateNode(graph: Job['prompt'], node: Job['prompt'][string]): Array<Record<string, unknown>> {
    const spec = specs[node.class_type]!;
    const errors: Array<Record<string, unknown>> = [];
    const error = (type: string, message: string, details: string, input: string) =>
      errors.push({ type, message, details, extra_info: { input_name: input } });
    for (const [input, want] of Object.entries(spec.inputs)) {
      if (!Object.hasOwn(node.inputs, input)) {
        error('required_input_missing', 'Required input is missing', input, input);
        continue;
      }
      const value = node.inputs[input];
      if (want.kind === 'link') {
        const link = Array.isArray(value) && value.length === 2 ? value : null;
        const source = link && typeof link[0] === 'string' ? graph[link[0]] : undefined;
        const produced =
          source && typeof link![1] === 'number' ? specs[source.class_type]?.outputs[link![1]] : undefined;
        if (!source)
          error(
            'bad_linked_input',
            'Bad linked input, must be a length-2 list of [string, int]',
            `${input}: ${JSON.stringify(value)}`,
            input,
          );
        else if (produced !== want.type) {
          error(
            'return_type_mismatch',
            'Return type mismatch between linked nodes',
            `${input}, received_type(${produced}) mismatch input_type(${want.type})`,
            input,
          );
        }
        continue;
      }
      if (Array.isArray(value)) {
        error(
          'invalid_input_type',
          'Failed to convert an input value to a literal',
          `${input}: a link where a value belongs`,
          input,
        );
        continue;
      }
      if (want.kind === 'int' || want.kind === 'float') {
        if (typeof value !== 'number' || (want.kind === 'int' && !Number.isInteger(value))) {
          error(
            'invalid_input_type',
            `Failed to convert an input value to a ${want.kind.toUpperCase()} value`,
            `${input}, ${String(value)}`,
            input,
          );
        } else if (value < want.min) {
          error(
            'value_smaller_than_min',
            `Value ${value} smaller than min of ${want.min}`,
            `${input}`,
            input,
          );
        } else if (value > want.max) {
          error('value_bigger_than_max', `Value ${value} bigger than max of ${want.max}`, `${input}`, input);
        }
      } else if (want.kind === 'string') {
        if (typeof value !== 'string')
          error('invalid_input_type', 'Failed to convert an input value to a STRING value', input, input);
      } else if (typeof value !== 'string' || !want.options().includes(value)) {
        const list = want.options();
        error(
          'value_not_in_list',
          'Value not in list',
          `${input}: '${String(value)}' not in ${JSON.stringify(list)}`,
          input,
        );
      }
    }
    return errors;
  }

  function describeNode(classType: string): Record<string, unknown> {
    const spec = specs[classType];
    if (!spec) return {};
    const required: Record<string, unknown> = {};
    for (const [input, want] of Object.entries(spec.inputs)) {
      if (want.kind === 'link') required[input] = [want.type];
      else if (want.kind === 'int')
        required[input] = ['INT', { default: want.min, min: want.min, max: want.max }];
      else if (want.kind === 'float')
        required[input] = ['FLOAT', { default: 1, min: want.min, max: want.max, step: 0.01 }];
      else if (want.kind === 'string') required[input] = ['STRING', { multiline: true }];
      else
        required[input] =
          opts.comboStyle === 'COMBO' ? ['COMBO', { options: want.options() }] : [want.options(), {}];
    }
    return {
      [classType]: {
        input: { required },
        input_order: { required: Object.keys(required) },
        output: spec.outputs,
        output_is_list: spec.outputs.map(() => false),
        output_name: spec.outputs,
        name: classType,
        display_name: classType,
        description: '',
        python_module: 'nodes',
        category: 'loaders',
        output_node: spec.outputNode === true,
      },
    };
  }

  // The executor: one prompt at a time, in queue order.
  function pump(): void {
    if (running || closing || scenario.current === 'queued') return;
    const job = queue.shift();
    if (!job) return;
    running = job;
    execute(job)
      .catch(() => undefined)
      .finally(() => {
        running = null;
        broadcastStatus();
        server.later(0, pump);
      });
  }

  async function execute(job: Job): Promise<void> {
    const messages: HistoryEntry['status']['messages'] = [];
    const emit = (type: string, data: Record<string, unknown>) => {
      if (type.startsWith('execution_')) messages.push([type, data]);
      sendTo(job.clientId, type, data);
    };
    const finish = (status: 'success' | 'error', saved: HistoryEntry['outputs']) => {
      history.set(job.promptId, {
        prompt: [job.number, job.promptId, job.prompt, { client_id: job.clientId }, Object.keys(saved)],
        outputs: saved,
        status: { status_str: status, completed: status === 'success', messages },
        meta: {},
      });
    };
    broadcastStatus();
    emit('execution_start', { prompt_id: job.promptId, timestamp: Date.now() });
    emit('execution_cached', { nodes: [], prompt_id: job.promptId, timestamp: Date.now() });
    const executed: string[] = [];
    const saved: HistoryEntry['outputs'] = {};
    const interrupt = (id: string, classType: string) => {
      emit('execution_interrupted', {
        prompt_id: job.promptId,
        node_id: id,
        node_type: classType,
        executed,
        timestamp: Date.now(),
      });
      finish('error', {});
    };
    for (const id of executionOrder(job.prompt)) {
      const node = job.prompt[id]!;
      sendTo(job.clientId, 'executing', { node: id, display_node: id, prompt_id: job.promptId });
      if (node.class_type === 'KSampler') {
        const steps = Number(node.inputs.steps);
        for (let step = 1; step <= steps; step += 1) {
          await server.hold(scenario.current === 'slow' ? slowStepMs : stepMs);
          if (job.interrupted || closing) return interrupt(id, node.class_type);
          sendTo(job.clientId, 'progress', { value: step, max: steps, prompt_id: job.promptId, node: id });
          // A JPEG preview as ComfyUI sends it: 4-byte event type, 4-byte format, image bytes.
          if (step === 1) sendBinary(job.clientId, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xd8, 0xff]));
          if (step === 1 && scenario.current === 'ws_closes') {
            for (const socket of sockets.values()) socket.close(1011, 'proxy timeout');
          }
          if (step === 2 && scenario.current === 'interrupted') return interrupt(id, node.class_type);
          if (step === 2 && (scenario.current === 'execution_error' || scenario.current === 'oom')) {
            const oom = scenario.current === 'oom';
            emit('execution_error', {
              prompt_id: job.promptId,
              node_id: id,
              node_type: node.class_type,
              executed,
              exception_message: oom
                ? 'Allocation on device 0 would exceed allowed memory. (out of memory)\nCurrently allocated     : 22.90 GiB\nThis error means you ran out of memory on your GPU.'
                : 'mat1 and mat2 shapes cannot be multiplied (154x2048 and 768x320)',
              exception_type: oom ? 'torch.OutOfMemoryError' : 'RuntimeError',
              traceback: ['  File "execution.py", line 323, in execute\n'],
              current_inputs: {},
              current_outputs: {},
              timestamp: Date.now(),
            });
            return finish('error', {});
          }
        }
      }
      if (node.class_type === 'SaveImage' && scenario.current !== 'no_outputs') {
        const images = await render(job, String(node.inputs.filename_prefix ?? 'ComfyUI'));
        saved[id] = { images };
        sendTo(job.clientId, 'executed', {
          node: id,
          display_node: id,
          output: { images },
          prompt_id: job.promptId,
        });
      }
      executed.push(id);
    }
    sendTo(job.clientId, 'executing', { node: null, prompt_id: job.promptId });
    emit('execution_success', { prompt_id: job.promptId, timestamp: Date.now() });
    finish('success', saved);
  }

  /** Dependencies first (a depth-first walk from each output node), as ComfyUI executes them. */
  function executionOrder(graph: Job['prompt']): string[] {
    const order: string[] = [];
    const visit = (id: string) => {
      if (order.includes(id) || !graph[id]) return;
      for (const value of Object.values(graph[id]!.inputs)) {
        if (Array.isArray(value) && typeof value[0] === 'string') visit(value[0]);
      }
      order.push(id);
    };
    for (const id of Object.keys(graph)) if (specs[graph[id]!.class_type]!.outputNode) visit(id);
    return order;
  }

  async function render(job: Job, prefix: string) {
    const nodes = Object.values(job.prompt);
    const sized = nodes.find((n) => n.class_type === 'EmptyLatentImage' || n.class_type === 'ImageScale');
    const batchNode = nodes.find(
      (n) => n.class_type === 'EmptyLatentImage' || n.class_type === 'RepeatLatentBatch',
    );
    const w = Number(sized?.inputs.width ?? 512);
    const h = Number(sized?.inputs.height ?? 512);
    const count = Number(batchNode?.inputs.batch_size ?? batchNode?.inputs.amount ?? 1);
    const { width, height } = fitWithin(w, h, opts.maxImageSide);
    const images = [];
    for (let i = 0; i < count; i += 1) {
      imageCounter += 1;
      const png = await stampedImage(width, height, imageCounter);
      const filename = `${prefix}_${String(imageCounter).padStart(5, '0')}_.png`;
      outputs.set(`/${filename}`, png);
      images.push({ filename, subfolder: '', type: 'output' });
    }
    return images;
  }

  function sendTo(clientId: string | null, type: string, data: Record<string, unknown>): void {
    const socket = clientId === null ? undefined : sockets.get(clientId);
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type, data }));
  }

  function sendBinary(clientId: string | null, data: Buffer): void {
    const socket = clientId === null ? undefined : sockets.get(clientId);
    if (socket && socket.readyState === socket.OPEN) socket.send(data);
  }

  function broadcastStatus(): void {
    const remaining = queue.length + (running ? 1 : 0);
    for (const [sid, socket] of sockets) {
      if (socket.readyState === socket.OPEN) {
        socket.send(
          JSON.stringify({
            type: 'status',
            data: { status: { exec_info: { queue_remaining: remaining } }, sid },
          }),
        );
      }
    }
  }

  const wss = new WebSocketServer({ noServer: true });
  server.server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://double');
    if (url.pathname !== '/ws' || opts.websocket === false) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sid = url.searchParams.get('clientId') || randomUUID().replaceAll('-', '');
      sockets.get(sid)?.close();
      sockets.set(sid, ws);
      connections.push(sid);
      ws.on('close', () => {
        if (sockets.get(sid) === ws) sockets.delete(sid);
      });
      ws.send(
        JSON.stringify({
          type: 'status',
          data: { status: { exec_info: { queue_remaining: queue.length + (running ? 1 : 0) } }, sid },
        }),
      );
    });
  });

  return doubleFace(server, scenario, {
    connections,
    pending: () => queue.map((job) => job.promptId),
    uploads,
  });
}
