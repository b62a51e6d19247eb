/**
 * ComfyUI: a workflow template (API format + bindings, see ./comfyui-workflow) filled from the request,
 * queued with `POST /prompt`, followed on the `/ws` websocket (or by polling `/history/{id}` when no
 * socket opens), and its output images read with `/view`. A reference is uploaded with `/upload/image`
 * first. Cancelling drops the prompt from the queue and interrupts it if it runs.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FetchLike } from '../ports';
import { type Classified, failure, plain, unreachable } from './attempt';
import {
  type ApiGraph,
  applyBindings,
  type BindingValues,
  BUILT_IN_WORKFLOWS,
  boundValue,
  type ComfyWorkflow,
  isBound,
  overrideInputs,
  parseWorkflow,
} from './comfyui-workflow';
import { clip, type Exchange, exchange, isRecord, parseJson, redact } from './http';
import {
  basicAuthHeader,
  basicAuthSecret,
  cappedCount,
  describeImage,
  extensionFor,
  guidanceScale,
  pixelSize,
  samplingSteps,
} from './image-params';
import { fetchImage } from './outputs';
import { pollUntilSettled } from './polling';
import type {
  AdapterCall,
  AttemptFailure,
  AttemptResult,
  KeyCheck,
  ProviderAdapter,
  ProviderImage,
  ServerInspection,
} from './types';

const NAME = 'ComfyUI';
/** How often `/history` is read when no websocket could be opened. */
export const POLL_MS = 1_000;
/** Silence on the socket after which `/history` is read once, in case a message was missed. */
export const SOCKET_IDLE_MS = 10_000;
const SOCKET_OPEN_MS = 5_000;
const CANCEL_MS = 5_000;

/** The documented `options.comfyui` keys; anything else is named in a warning and not used. */
const ComfyOptions = z.object({
  checkpoint: z.string().trim().min(1).optional(),
  sampler: z.string().trim().min(1).optional(),
  scheduler: z.string().trim().min(1).optional(),
  lora: z
    .strictObject({ name: z.string().trim().min(1), weight: z.number().min(-5).max(5).default(1) })
    .optional(),
  /** `"node id.input name": value`, written last onto the filled graph. */
  inputs: z.record(z.string(), z.unknown()).optional(),
  /**
   * An API graph as JSON text (an imported ComfyUI image's own `prompt`), queued as it is: no bindings are
   * applied. Text, so integers past 2^53 (seeds) reach the server with every digit.
   */
  graph: z.string().min(2).max(4_000_000).optional(),
});
const OPTION_KEYS = new Set(Object.keys(ComfyOptions.shape));

type Target = Pick<AdapterCall, 'endpoint' | 'server' | 'fetch' | 'signal'>;

export const comfyuiAdapter: ProviderAdapter = {
  id: 'comfyui',

  async generate(call): Promise<AttemptResult> {
    const { request } = call;
    const reference = call.reference ?? null;
    const warnings: string[] = [];
    const requestSent: Record<string, unknown> = {};
    const base = { requestSent, warnings };
    const secret = basicAuthSecret(call.server?.basicAuth);
    const http = httpFor(call);

    // The workflow: a graph sent as it is, the server's own, else the shipped one for the task.
    let workflow: ComfyWorkflow;
    const custom = call.server?.workflow ?? null;
    const asIs = asIsWorkflow(call.options);
    if (asIs && 'error' in asIs)
      return failure(base, 'invalid_request', null, 'invalid_workflow', asIs.error);
    if (asIs) {
      workflow = asIs.workflow;
    } else if (custom) {
      const parsed = parseWorkflow(custom, "This server's ComfyUI workflow");
      if (!parsed.ok) return failure(base, 'invalid_request', null, 'invalid_workflow', parsed.message);
      workflow = parsed.workflow;
    } else {
      workflow = reference ? BUILT_IN_WORKFLOWS.img2img : BUILT_IN_WORKFLOWS.txt2img;
    }
    requestSent.workflow = workflow.name;

    const rawOptions = call.options ?? {};
    for (const key of Object.keys(rawOptions)) {
      if (!OPTION_KEYS.has(key))
        warnings.push(`options.comfyui.${key} is not a ComfyUI option; it was not used`);
    }
    const parsedOptions = ComfyOptions.safeParse(rawOptions);
    if (!parsedOptions.success) {
      const problems = parsedOptions.error.issues.map(
        (i) => `options.comfyui.${i.path.join('.')}: ${i.message}`,
      );
      return failure(base, 'invalid_request', null, 'invalid_options', problems.join('; '));
    }
    const options = parsedOptions.data;

    const bound = asIs ? { values: {}, made: 1 } : bindRequest(workflow, call, options, warnings);
    if ('error' in bound) return failure(base, 'invalid_request', null, 'reference_required', bound.error);
    const { values, made } = bound;
    const unbound = (what: string) => warnings.push(unboundWarning(workflow, what));

    // The checkpoint: the one asked for, the template's own, or the server's first.
    let checkpoint: string | null = null;
    if (isBound(workflow, 'checkpoint')) {
      const template = boundValue(workflow, 'checkpoint');
      if (options.checkpoint !== undefined) checkpoint = options.checkpoint;
      else if (typeof template === 'string' && template !== '') checkpoint = template;
      else {
        const path = workflow.bindings.checkpoint!;
        const classType = workflow.prompt[path[0]]!.class_type;
        const listed = await comboOptions(http, classType, path[2]);
        if (!listed.ok)
          return failure(base, listed.outcome, listed.httpStatus, null, redact(listed.message, secret));
        checkpoint = listed.values[0] ?? null;
        if (checkpoint === null) {
          return failure(
            base,
            'invalid_request',
            null,
            'no_checkpoint',
            `${NAME} at ${call.endpoint} lists no checkpoints; put one in models/checkpoints`,
          );
        }
      }
      values.checkpoint = checkpoint;
    } else if (options.checkpoint !== undefined) {
      unbound('checkpoint');
    }

    // The reference goes into ComfyUI's input folder under a name derived from its bytes (uploads repeat cheaply).
    if (reference && isBound(workflow, 'reference')) {
      requestSent.reference = describeImage(reference);
      const uploaded = await uploadReference(http, reference.bytes, reference.mime);
      if (!uploaded.ok)
        return failure(base, uploaded.outcome, uploaded.httpStatus, null, redact(uploaded.message, secret));
      values.reference = uploaded.name;
      requestSent.reference = `${describeImage(reference)} uploaded as ${uploaded.name}`;
    }

    const filled = overrideInputs(applyBindings(workflow, values), options.inputs ?? {});
    if (!filled.ok) return failure(base, 'invalid_request', null, 'invalid_options', filled.message);
    const graph = filled.graph;
    requestSent.prompt = graph;

    // The socket opens before the prompt is queued, so no message about it can be missed.
    const clientId = randomUUID();
    const socket = await openSocket(call.endpoint, clientId, call.signal);
    try {
      const queued = await http.json('POST', '/prompt', { prompt: graph, client_id: clientId });
      if (queued.kind === 'cancelled') return failure(base, 'cancelled', null, null, queued.message);
      if (queued.kind === 'network')
        return failure(
          base,
          'unavailable',
          null,
          null,
          unreachable(NAME, call.endpoint, queued.message, secret),
        );
      if (queued.status !== 200)
        return { ...base, ...classifyPromptError(queued.status, queued.text, secret) };
      const body = parseJson(queued.text);
      const promptId = isRecord(body) && typeof body.prompt_id === 'string' ? body.prompt_id : null;
      if (promptId === null) {
        return failure(
          base,
          'unavailable',
          queued.status,
          null,
          `${NAME} accepted the prompt but sent no prompt_id`,
        );
      }
      const partial =
        isRecord(body) && isRecord(body.node_errors) ? describeNodeErrors(body.node_errors) : '';
      if (partial !== '') warnings.push(`${NAME} skipped outputs whose nodes failed validation: ${partial}`);
      call.onProgress({ fraction: null, message: 'Queued on ComfyUI' });

      const finished = await awaitPrompt(call, http, socket, promptId, graph);
      if (finished.kind === 'aborted') {
        await cancelPrompt(http, promptId, finished.started);
        return failure(
          base,
          'cancelled',
          null,
          null,
          `Cancelled; ${NAME} was asked to drop the prompt ${promptId}.`,
        );
      }
      if (finished.kind === 'failed') return { ...base, ...finished.failure };

      const outputs = outputImages(finished.entry, workflow.output);
      if (outputs.length === 0) {
        return failure(
          base,
          'no_image',
          200,
          null,
          `The workflow's output node ${workflow.output} produced no images`,
        );
      }
      const images: ProviderImage[] = [];
      let lost = 0;
      for (const file of outputs) {
        const query = new URLSearchParams({
          filename: file.filename,
          subfolder: file.subfolder,
          type: file.type,
        });
        const got = await fetchImage(call.fetch, `${http.origin}/view?${query}`, {
          signal: call.signal,
          headers: http.headers,
        });
        if (got.kind === 'cancelled')
          return failure(base, 'cancelled', null, null, 'Cancelled while reading the images from ComfyUI.');
        if (got.kind === 'bytes') images.push({ bytes: got.bytes, declaredMime: got.mime });
        else lost += 1;
      }
      if (images.length === 0)
        return failure(
          base,
          'no_image',
          200,
          null,
          `${NAME} listed ${outputs.length} output images but /view returned none`,
        );
      if (lost > 0) warnings.push(`${lost} of the ${outputs.length} images ComfyUI listed could not be read`);
      if (images.length < made)
        warnings.push(`Asked ComfyUI for ${made} images and received ${images.length}`);
      return {
        outcome: 'ok',
        requestSent,
        httpStatus: 200,
        warnings,
        images,
        seedUsed: isBound(workflow, 'seed') ? request.seed : null,
        costUsd: 0,
        providerMessage: checkpoint === null ? `Workflow: ${workflow.name}` : `Checkpoint: ${checkpoint}`,
      };
    } finally {
      socket?.close();
    }
  },

  async testKey(call): Promise<KeyCheck> {
    const http = httpFor(call);
    const stats = await http.get('/system_stats');
    const failed = failedAnswer(stats, call.endpoint, basicAuthSecret(call.server?.basicAuth));
    if (failed) return { outcome: failed.outcome, message: failed.message };
    return { outcome: 'ok', message: describeStats(stats.kind === 'response' ? stats.text : '') };
  },

  async inspect(call): Promise<ServerInspection> {
    const http = httpFor(call);
    const secret = basicAuthSecret(call.server?.basicAuth);
    const stats = await http.get('/system_stats');
    const failed = failedAnswer(stats, call.endpoint, secret);
    if (failed) {
      return {
        state: failed.outcome === 'unavailable' && stats.kind !== 'response' ? 'unreachable' : 'error',
        message: failed.message,
        models: [],
        loras: [],
      };
    }
    const models = await comboOptions(http, 'CheckpointLoaderSimple', 'ckpt_name');
    const loras = await comboOptions(http, 'LoraLoader', 'lora_name');
    if (!models.ok) return { state: 'error', message: models.message, models: [], loras: [] };
    const loraList = loras.ok ? loras.values : [];
    return {
      state: 'healthy',
      message: `${describeStats(stats.kind === 'response' ? stats.text : '')} ${models.values.length} checkpoints, ${loraList.length} LoRAs.`,
      models: models.values,
      loras: loraList,
    };
  },
};

type ComfyOptions = z.infer<typeof ComfyOptions>;

/**
 * `options.comfyui.graph`: the graph parsed with its large integers kept as raw JSON (so they are sent back
 * digit for digit), and its output: the image saver no other node consumes, the last by id.
 */
function asIsWorkflow(
  options: Record<string, unknown> | undefined,
): { workflow: ComfyWorkflow } | { error: string } | null {
  const text = options?.graph;
  if (typeof text !== 'string') return null;
  let graph: unknown;
  try {
    graph = JSON.parse(text, (_key, value, context?: { source?: string }) =>
      typeof value === 'number' &&
      !Number.isSafeInteger(value) &&
      context?.source &&
      /^-?\d+$/.test(context.source)
        ? (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(context.source)
        : value,
    );
  } catch (error) {
    return { error: `The ComfyUI graph is not JSON (${(error as Error).message}).` };
  }
  if (!isRecord(graph) || Object.keys(graph).length === 0)
    return { error: 'The ComfyUI graph holds no nodes.' };
  const savers = Object.entries(graph)
    .filter(
      ([, node]) =>
        isRecord(node) &&
        typeof node.class_type === 'string' &&
        /^(SaveImage|PreviewImage)/.test(node.class_type),
    )
    .map(([id]) => id)
    .sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const output =
    savers.find((id) =>
      (graph as Record<string, { class_type: string }>)[id]!.class_type.startsWith('SaveImage'),
    ) ?? savers.at(-1);
  if (!output)
    return { error: 'The ComfyUI graph has no SaveImage node, so it makes no image to bring back.' };
  return {
    workflow: {
      version: 1,
      name: 'The imported graph',
      prompt: graph as ComfyWorkflow['prompt'],
      // Nothing is bound: the graph runs as the file held it.
      bindings: {} as ComfyWorkflow['bindings'],
      output,
    },
  };
}

function unboundWarning(workflow: ComfyWorkflow, what: string): string {
  return `The workflow "${workflow.name}" has no ${what} binding; ${what} was not applied`;
}

/**
 * The request's parts as binding values (checkpoint and reference come later: they need the server).
 * Each part the workflow does not bind is a warning; `made` is how many images it will really make.
 */
function bindRequest(
  workflow: ComfyWorkflow,
  call: AdapterCall,
  options: ComfyOptions,
  warnings: string[],
): { values: BindingValues; made: number } | { error: string } {
  const { request, model } = call;
  const reference = call.reference ?? null;
  const named = `The workflow "${workflow.name}"`;
  const unbound = (what: string) => warnings.push(unboundWarning(workflow, what));
  const { width, height } = pixelSize(model, request, warnings);
  const steps = samplingSteps(model, request, warnings);
  const cfg = guidanceScale(model, request, warnings);
  const count = cappedCount(model, request.count, warnings);
  const values: BindingValues = { prompt: request.prompt };

  if (isBound(workflow, 'negative')) values.negative = request.negativePrompt;
  else if (request.negativePrompt.trim() !== '') unbound('negative prompt');
  if (isBound(workflow, 'seed')) values.seed = request.seed;
  else warnings.push(`${named} has no seed binding; this run cannot be reproduced exactly`);
  if (steps !== null && isBound(workflow, 'steps')) values.steps = steps;
  else if (request.steps !== undefined) unbound('steps');
  if (cfg !== null && isBound(workflow, 'cfg')) values.cfg = cfg;
  else if (request.guidance !== undefined) unbound('guidance');
  if (isBound(workflow, 'width') && isBound(workflow, 'height')) {
    values.width = width;
    values.height = height;
  } else {
    warnings.push(`${named} sets its own size; ${width}×${height} was not applied`);
  }
  let made = count;
  if (isBound(workflow, 'batch')) values.batch = count;
  else if (count > 1) {
    made = 1;
    warnings.push(`${named} has no batch binding; made 1 image instead of ${count}`);
  }
  for (const key of ['sampler', 'scheduler'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (isBound(workflow, key)) values[key] = value;
    else unbound(key);
  }
  if (options.lora !== undefined) {
    if (isBound(workflow, 'lora')) {
      values.lora = options.lora.name;
      if (isBound(workflow, 'loraStrength')) values.loraStrength = options.lora.weight;
    } else {
      warnings.push(`${named} has no LoraLoader (lora binding); the LoRA was not applied`);
    }
  }
  if (reference && !isBound(workflow, 'reference'))
    warnings.push(`${named} takes no reference image; it was ignored`);
  if (!reference && isBound(workflow, 'reference') && boundValue(workflow, 'reference') === '') {
    return { error: `${named} needs a reference image` };
  }
  if (reference && isBound(workflow, 'reference')) {
    if (isBound(workflow, 'denoise')) values.denoise = reference.strength;
    else warnings.push(`${named} has no denoise binding; the reference strength was not applied`);
  }
  return { values, made };
}

/** Requests to one ComfyUI server, with its basic auth (for servers behind a proxy) on each. */
interface ServerHttp {
  origin: string;
  headers: Record<string, string>;
  /** The basic-auth password, removed from anything stored. */
  secret: string;
  get(path: string, signal?: AbortSignal): Promise<Exchange>;
  json(method: 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<Exchange>;
  send(path: string, init: RequestShape): Promise<Exchange>;
}

interface RequestShape {
  method: string;
  headers: Record<string, string>;
  body?: string | FormData;
  signal?: AbortSignal;
}

function httpFor(call: Target): ServerHttp {
  const origin = call.endpoint.replace(/\/+$/, '');
  const headers = basicAuthHeader(call.server?.basicAuth);
  const fetch: FetchLike = call.fetch;
  const send = (path: string, init: RequestShape) =>
    exchange(fetch, `${origin}${path}`, { ...init, signal: init.signal ?? call.signal }, NAME);
  return {
    origin,
    headers,
    secret: basicAuthSecret(call.server?.basicAuth),
    get: (path, signal) =>
      send(path, {
        method: 'GET',
        headers: { ...headers, accept: 'application/json' },
        signal: signal ?? call.signal,
      }),
    json: (method, path, body, signal) =>
      send(path, {
        method,
        headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: signal ?? call.signal,
      }),
    send: (path, init) => send(path, { ...init, headers: { ...headers, ...init.headers } }),
  };
}

type Failed = { ok: false; outcome: AttemptFailure['outcome']; httpStatus: number | null; message: string };

/** An answer that is not a 2xx, as an outcome and a message; null for a success. */
function failedAnswer(answer: Exchange, endpoint: string, secret: string): Omit<Failed, 'ok'> | null {
  if (answer.kind === 'cancelled') return { outcome: 'cancelled', httpStatus: null, message: answer.message };
  if (answer.kind === 'network')
    return {
      outcome: 'unavailable',
      httpStatus: null,
      message: unreachable(NAME, endpoint, answer.message, secret),
    };
  if (answer.status >= 200 && answer.status <= 299) return null;
  const text = clip(answer.text.trim(), 300);
  const detail = text === '' || text.startsWith('<') ? '' : `: ${redact(text, secret)}`;
  if (answer.status === 401 || answer.status === 403) {
    return {
      outcome: 'auth_failed',
      httpStatus: answer.status,
      message: `${NAME} (or a proxy before it) refused the credentials (HTTP ${answer.status})${detail}`,
    };
  }
  const outcome = answer.status >= 500 ? 'unavailable' : 'invalid_request';
  return { outcome, httpStatus: answer.status, message: `${NAME} answered HTTP ${answer.status}${detail}` };
}

/** The values a node offers for a combo input (checkpoint names, LoRA names), from `/object_info/{class}`. */
async function comboOptions(
  http: ServerHttp,
  classType: string,
  input: string,
): Promise<{ ok: true; values: string[] } | Failed> {
  const answer = await http.get(`/object_info/${encodeURIComponent(classType)}`);
  const failed = failedAnswer(answer, http.origin, http.secret);
  if (failed) return { ok: false, ...failed };
  const body = answer.kind === 'response' ? parseJson(answer.text) : undefined;
  const info = isRecord(body) && isRecord(body[classType]) ? body[classType] : null;
  const inputs = info && isRecord(info.input) ? info.input : null;
  const spec = inputs
    ? [inputs.required, inputs.optional].find((group) => isRecord(group) && input in group)
    : undefined;
  const entry = isRecord(spec) ? spec[input] : undefined;
  // Two shapes: [[...names], {...}] (classic) and ["COMBO", { options: [...] }] (newer servers).
  const list = Array.isArray(entry)
    ? Array.isArray(entry[0])
      ? entry[0]
      : entry[0] === 'COMBO' && isRecord(entry[1]) && Array.isArray(entry[1].options)
        ? entry[1].options
        : []
    : [];
  return { ok: true, values: list.filter((v): v is string => typeof v === 'string') };
}

async function uploadReference(
  http: ServerHttp,
  bytes: Uint8Array,
  mime: string,
): Promise<{ ok: true; name: string } | Failed> {
  const name = `atelier-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.${extensionFor(mime)}`;
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)], { type: mime }), name);
  form.append('overwrite', 'true');
  form.append('type', 'input');
  const answer = await http.send('/upload/image', {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: form,
  });
  const failed = failedAnswer(answer, http.origin, http.secret);
  if (failed) return { ok: false, ...failed, message: `Uploading the reference failed: ${failed.message}` };
  const body = answer.kind === 'response' ? parseJson(answer.text) : undefined;
  if (!isRecord(body) || typeof body.name !== 'string') {
    return {
      ok: false,
      outcome: 'unavailable',
      httpStatus: 200,
      message: `${NAME} answered the reference upload without a file name`,
    };
  }
  const subfolder = typeof body.subfolder === 'string' ? body.subfolder : '';
  return { ok: true, name: subfolder === '' ? body.name : `${subfolder}/${body.name}` };
}

/** `POST /prompt` refused: `{ error: { type, message, details } | string, node_errors: { id: { errors, class_type } } }`. */
function classifyPromptError(status: number, text: string, secret: string): Classified {
  const body = parseJson(text);
  const error = isRecord(body) ? body.error : undefined;
  const type = isRecord(error) && typeof error.type === 'string' ? error.type : null;
  const headline =
    isRecord(error) && typeof error.message === 'string'
      ? error.message
      : typeof error === 'string'
        ? error
        : null;
  const details =
    isRecord(error) && typeof error.details === 'string' && error.details !== '' ? error.details : null;
  const nodes = isRecord(body) && isRecord(body.node_errors) ? describeNodeErrors(body.node_errors) : '';
  const parts = [headline ?? `${NAME} answered HTTP ${status}`, nodes !== '' ? nodes : details].filter(
    Boolean,
  );
  const outcome: Classified['outcome'] =
    status === 401 || status === 403 ? 'auth_failed' : status >= 500 ? 'unavailable' : 'invalid_request';
  return {
    outcome,
    httpStatus: status,
    providerCode: type,
    providerMessage: redact(clip(parts.join(': '), 1000), secret),
    retryAfterMs: null,
  };
}

/** `node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: 'x' not in [...]`, one per failing node. */
function describeNodeErrors(nodeErrors: Record<string, unknown>): string {
  return Object.entries(nodeErrors)
    .map(([id, entry]) => {
      if (!isRecord(entry)) return `node ${id}`;
      const classType = typeof entry.class_type === 'string' ? ` (${entry.class_type})` : '';
      const reasons = Array.isArray(entry.errors)
        ? entry.errors
            .map((e) =>
              isRecord(e)
                ? [e.message, e.details].filter((s) => typeof s === 'string' && s !== '').join(': ')
                : '',
            )
            .filter((s) => s !== '')
        : [];
      return `node ${id}${classType}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`;
    })
    .join('; ');
}

/** `execution_error`: out of memory and device faults pass (unavailable); anything else repeats with the same graph. */
function classifyExecutionError(data: Record<string, unknown>): Classified {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const type = str(data.exception_type) || null;
  const message = str(data.exception_message).trim();
  const node = `${str(data.node_id) || '?'}${data.node_type ? ` (${str(data.node_type)})` : ''}`;
  const transient = /out of memory|OutOfMemory|CUDA error|device-side|cudnn/i.test(
    `${type ?? ''} ${message}`,
  );
  return {
    outcome: transient ? 'unavailable' : 'invalid_request',
    httpStatus: null,
    providerCode: type,
    providerMessage: clip(`${NAME} failed in node ${node}: ${message || type || 'unknown error'}`, 1000),
    retryAfterMs: null,
  };
}

type Finished =
  | { kind: 'done'; entry: Record<string, unknown> }
  | { kind: 'failed'; failure: Classified }
  | { kind: 'aborted'; started: boolean | null };

/** Follows the prompt to its end on the socket; falls back to polling `/history` when there is none. */
async function awaitPrompt(
  call: AdapterCall,
  http: ServerHttp,
  socket: PromptSocket | null,
  promptId: string,
  graph: ApiGraph,
): Promise<Finished> {
  const { signal, clock, onProgress } = call;
  let started = false;
  let fraction: number | null = null;
  if (socket) {
    for (;;) {
      const next: SocketEvent = await socket.next(signal, clock, SOCKET_IDLE_MS);
      if (next === 'aborted') return { kind: 'aborted', started };
      if (next === 'closed') break;
      if (next === 'idle') {
        const entry = await readHistory(http, promptId);
        if (entry.kind !== 'pending') return settle(entry);
        continue;
      }
      const { type, data }: SocketMessage = next;
      if (typeof data.prompt_id === 'string' && data.prompt_id !== promptId) continue;
      if (type === 'status' && !started) {
        const info = isRecord(data.status) && isRecord(data.status.exec_info) ? data.status.exec_info : null;
        const remaining = info && typeof info.queue_remaining === 'number' ? info.queue_remaining : null;
        onProgress({
          fraction: null,
          message: remaining === null ? 'Queued on ComfyUI' : `Queued on ComfyUI (${remaining} in the queue)`,
        });
      } else if (type === 'execution_start') {
        started = true;
        fraction = 0;
        onProgress({ fraction, message: 'ComfyUI started the workflow' });
      } else if (type === 'executing') {
        if (data.node === null || data.node === undefined) {
          if (started || data.prompt_id === promptId) return settle(await readHistory(http, promptId));
          continue;
        }
        started = true;
        const nodeId = String(data.node);
        const classType: string | undefined = graph[nodeId]?.class_type;
        onProgress({
          fraction,
          message: classType ? `Running ${classType} (node ${nodeId})` : `Running node ${nodeId}`,
        });
      } else if (type === 'progress') {
        started = true;
        const value = typeof data.value === 'number' ? data.value : null;
        const max = typeof data.max === 'number' && data.max > 0 ? data.max : null;
        if (value !== null && max !== null) {
          fraction = Math.min(1, Math.max(0, value / max));
          onProgress({ fraction, message: `Step ${value} of ${max}` });
        }
      } else if (type === 'execution_success') {
        return settle(await readHistory(http, promptId));
      } else if (type === 'execution_error') {
        return { kind: 'failed', failure: classifyExecutionError(data) };
      } else if (type === 'execution_interrupted') {
        return interrupted(data);
      }
    }
  }
  // No socket, or it closed: the history is the truth.
  onProgress({ fraction: null, message: 'Waiting for ComfyUI' });
  const first = await readHistory(http, promptId);
  if (first.kind !== 'pending') return settle(first);
  const end = await pollUntilSettled<HistoryRead>({
    clock,
    signal,
    intervalMs: POLL_MS,
    // A local queue may hold the prompt behind others for as long as they take.
    deadlineMs: Number.POSITIVE_INFINITY,
    retries: 0,
    poll: async () => {
      const read = await readHistory(http, promptId);
      return read.kind === 'pending' ? { kind: 'pending' } : { kind: 'settled', value: read };
    },
  });
  return end.kind === 'settled' ? settle(end.value) : { kind: 'aborted', started: null };
}

function interrupted(data: Record<string, unknown>): Finished {
  const node = typeof data.node_id === 'string' ? ` at node ${data.node_id}` : '';
  return {
    kind: 'failed',
    failure: {
      outcome: 'cancelled',
      httpStatus: null,
      providerCode: 'execution_interrupted',
      providerMessage: `${NAME} interrupted the prompt${node} (cancelled on the server)`,
      retryAfterMs: null,
    },
  };
}

type HistoryRead =
  | { kind: 'pending' }
  | { kind: 'entry'; entry: Record<string, unknown> }
  | { kind: 'aborted' }
  | { kind: 'failed'; failure: Classified };

/** `GET /history/{id}`: `{}` while queued or running, `{ [id]: { outputs, status } }` once it ended. */
async function readHistory(http: ServerHttp, promptId: string): Promise<HistoryRead> {
  const answer = await http.get(`/history/${encodeURIComponent(promptId)}`);
  if (answer.kind === 'cancelled') return { kind: 'aborted' };
  const failed = failedAnswer(answer, http.origin, http.secret);
  if (failed) {
    return { kind: 'failed', failure: plain(failed.outcome, failed.message, failed.httpStatus) };
  }
  const body = answer.kind === 'response' ? parseJson(answer.text) : undefined;
  const entry = isRecord(body) && isRecord(body[promptId]) ? body[promptId] : null;
  if (!entry) return { kind: 'pending' };
  const status = isRecord(entry.status) ? entry.status : null;
  const hasOutputs = isRecord(entry.outputs) && Object.keys(entry.outputs).length > 0;
  if (status && status.completed === false && status.status_str !== 'error' && !hasOutputs)
    return { kind: 'pending' };
  return { kind: 'entry', entry };
}

/** Turns a history read into the end of the prompt: its outputs, or the error its status messages record. */
function settle(read: HistoryRead): Finished {
  if (read.kind === 'aborted') return { kind: 'aborted', started: null };
  if (read.kind === 'failed') return read;
  if (read.kind === 'pending') {
    const missing = `${NAME} reported the prompt done but has no history for it`;
    return { kind: 'failed', failure: plain('no_image', missing, 200) };
  }
  const status = isRecord(read.entry.status) ? read.entry.status : null;
  const messages = status && Array.isArray(status.messages) ? status.messages : [];
  for (const message of messages) {
    if (!Array.isArray(message) || typeof message[0] !== 'string' || !isRecord(message[1])) continue;
    if (message[0] === 'execution_error')
      return { kind: 'failed', failure: classifyExecutionError(message[1]) };
    if (message[0] === 'execution_interrupted') return interrupted(message[1]);
  }
  return { kind: 'done', entry: read.entry };
}

interface OutputFile {
  filename: string;
  subfolder: string;
  type: string;
}

function outputImages(entry: Record<string, unknown>, outputNode: string): OutputFile[] {
  const outputs = isRecord(entry.outputs) ? entry.outputs : {};
  const node = isRecord(outputs[outputNode]) ? outputs[outputNode] : {};
  const images = Array.isArray(node.images) ? node.images : [];
  return images.flatMap((image) =>
    isRecord(image) && typeof image.filename === 'string'
      ? [
          {
            filename: image.filename,
            subfolder: typeof image.subfolder === 'string' ? image.subfolder : '',
            type: typeof image.type === 'string' ? image.type : 'output',
          },
        ]
      : [],
  );
}

/** Drops a queued prompt, and interrupts it when it runs (or may run); bounded, so a dead server cannot hold the cancel. */
async function cancelPrompt(http: ServerHttp, promptId: string, started: boolean | null): Promise<void> {
  await http.json('POST', '/queue', { delete: [promptId] }, AbortSignal.timeout(CANCEL_MS));
  // Newer servers interrupt only when this prompt is the one running; older ones interrupt whatever runs.
  if (started !== false)
    await http.json('POST', '/interrupt', { prompt_id: promptId }, AbortSignal.timeout(CANCEL_MS));
}

function describeStats(text: string): string {
  const body = parseJson(text);
  const system = isRecord(body) && isRecord(body.system) ? body.system : {};
  const devices = isRecord(body) && Array.isArray(body.devices) ? body.devices : [];
  const version = typeof system.comfyui_version === 'string' ? ` ${system.comfyui_version}` : '';
  const device = isRecord(devices[0]) && typeof devices[0].name === 'string' ? ` on ${devices[0].name}` : '';
  return `${NAME}${version} answers${device}.`;
}

interface SocketMessage {
  type: string;
  data: Record<string, unknown>;
}

type SocketEvent = SocketMessage | 'closed' | 'aborted' | 'idle';

/** The `/ws` socket of one client id: JSON messages queued in order (binary previews are skipped). */
class PromptSocket {
  private readonly queue: SocketMessage[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(private readonly ws: WebSocket) {
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      const message = parseJson(event.data);
      if (!isRecord(message) || typeof message.type !== 'string') return;
      this.queue.push({ type: message.type, data: isRecord(message.data) ? message.data : {} });
      this.wake?.();
    });
    ws.addEventListener('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** The next message, or why there is none: the socket closed, the signal aborted, or `idleMs` of silence. */
  async next(signal: AbortSignal, clock: AdapterCall['clock'], idleMs: number): Promise<SocketEvent> {
    if (signal.aborted) return 'aborted';
    const queued = this.queue.shift();
    if (queued) return queued;
    if (this.closed) return 'closed';
    const quiet = new AbortController();
    const woken = new Promise<'message'>((resolve) => {
      this.wake = () => resolve('message');
    });
    const aborted = new Promise<'aborted'>((resolve) =>
      signal.addEventListener('abort', () => resolve('aborted'), { once: true, signal: quiet.signal }),
    );
    const idle = clock.sleep(idleMs, quiet.signal).then(
      () => 'idle' as const,
      () => 'message' as const,
    );
    const why = await Promise.race([woken, aborted, idle]);
    quiet.abort();
    this.wake = null;
    if (why === 'aborted' || signal.aborted) return 'aborted';
    if (why === 'idle') return 'idle';
    return this.next(signal, clock, idleMs);
  }

  close(): void {
    try {
      this.ws.close();
    } catch {
      // Already closed.
    }
  }
}

/** `ws://host/ws?clientId=…`; null when no socket opens in time (the prompt is then followed by polling). */
function openSocket(endpoint: string, clientId: string, signal: AbortSignal): Promise<PromptSocket | null> {
  if (signal.aborted) return Promise.resolve(null);
  let url: URL;
  try {
    url = new URL(`${endpoint.replace(/\/+$/, '')}/ws`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('clientId', clientId);
    url.username = '';
    url.password = '';
  } catch {
    return Promise.resolve(null);
  }
  return new Promise((resolve) => {
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      resolve(null);
      return;
    }
    // Listening from the first moment: messages sent right after the handshake are queued, not lost.
    const socket = new PromptSocket(ws);
    const done = (value: PromptSocket | null) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (value === null) socket.close();
      resolve(value);
    };
    const onAbort = () => done(null);
    const timer = setTimeout(() => done(null), SOCKET_OPEN_MS);
    signal.addEventListener('abort', onAbort, { once: true });
    ws.addEventListener('open', () => done(socket), { once: true });
    ws.addEventListener('error', () => done(null), { once: true });
  });
}
