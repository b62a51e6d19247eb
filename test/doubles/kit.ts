/**
 * What every protocol double is built from (tests only; product code never imports it): an HTTP server on
 * 127.0.0.1 port 0 that records each request without the key's value, reads JSON and multipart bodies,
 * holds slow answers, serves the image URLs a provider answers with (and lets them expire), switches
 * scenarios, and closes cleanly.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

/** What a double answers; an object body is sent as JSON. */
export interface Answer {
  status: number;
  body: string | Buffer | Record<string, unknown> | unknown[];
  headers?: Record<string, string>;
}

/** Thrown by a double's checks: the provider's own refusal, answered as it is. */
export class Rejection {
  constructor(readonly answer: Answer) {}
}

/** The fields every recorded request has; each double adds how the key came (`authorization: true`). */
export interface RecordedBase {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Lower-case names; the key's header is never kept. */
  headers: Record<string, string>;
  body: unknown;
  /** The status the double answered with. */
  status: number;
}

/** One request as a double's handler sees it. */
export interface Incoming {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  url: URL;
  bytes: Buffer;
  text: string;
  /** The double's own base URL, for the links it answers with. */
  origin: string;
  /** What the record keeps as the body: parsed JSON, else the text ('' for none), unless the handler sets it. */
  recorded: unknown;
}

export interface DoubleServerOptions<R extends RecordedBase> {
  /** Request headers whose values are never recorded (where the key travels). */
  secretHeaders: readonly string[];
  /** What a record adds to the base fields (`authorization: true`, the query). */
  describe(incoming: Incoming): Omit<R, keyof RecordedBase>;
  answer(incoming: Incoming): Promise<Answer>;
  /** The answer when the double itself failed (a bug in the double, not a provider behaviour). */
  crashed(error: unknown): Answer;
  /** Headers every answer carries before its own (a request id, the usual content type). */
  headers?(answer: Answer): Record<string, string>;
  /** Runs first on close (stop an executor, end a running job). */
  onClose?(): void;
}

export interface DoubleServer<R> {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:54321`. */
  url: string;
  server: Server;
  requests: R[];
  /** Resolves after `ms`, when the client gives up (`res` closes) or when `until` aborts; cut short on close. */
  hold(ms: number, options?: { res?: ServerResponse; until?: AbortSignal }): Promise<void>;
  /** Runs `fn` after `ms` unless the double closes first. */
  later(ms: number, fn: () => void): void;
  close(): Promise<void>;
}

export async function startDoubleServer<R extends RecordedBase>(
  options: DoubleServerOptions<R>,
): Promise<DoubleServer<R>> {
  const requests: R[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const secret = new Set(options.secretHeaders);
  let origin = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const text = bytes.toString('utf8');
      const incoming: Incoming = {
        req,
        res,
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0]!,
        url: new URL(req.url ?? '/', 'http://double'),
        bytes,
        text,
        origin,
        recorded: text === '' ? '' : (jsonOf(text) ?? { value: text }).value,
      };
      options
        .answer(incoming)
        .catch((error: unknown) => (error instanceof Rejection ? error.answer : options.crashed(error)))
        .then((answer) => send(incoming, answer));
    });
  });

  function send(incoming: Incoming, answer: Answer): void {
    const { req, res } = incoming;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (secret.has(name) || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const base: RecordedBase = {
      method: incoming.method,
      path: incoming.path,
      headers,
      body: incoming.recorded,
      status: answer.status,
    };
    requests.push({ ...base, ...options.describe(incoming) } as R);
    if (res.destroyed) return;
    res.writeHead(answer.status, { ...options.headers?.(answer), ...answer.headers });
    const body = answer.body;
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  }

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    server,
    requests,
    later,
    hold: (ms, { res, until } = {}) =>
      new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        timers.add(timer);
        function done() {
          clearTimeout(timer);
          timers.delete(timer);
          resolve();
        }
        res?.once('close', done);
        until?.addEventListener('abort', done, { once: true });
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        options.onClose?.();
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * A gate a test closes to hold answers as long as it likes (requests in flight, a queue behind them) and
 * opens to let them all through; a request whose client went away stops waiting at once.
 */
export interface AnswerGate {
  readonly closed: boolean;
  /** Requests waiting at the gate right now. */
  readonly waiting: number;
  close(): void;
  /** Lets every waiting request through; later ones pass until the gate is closed again. */
  open(): void;
  /** Resolves when the gate opens or `res` closes; at once when the gate is open. */
  pass(res: ServerResponse): Promise<void>;
}

export function answerGate(): AnswerGate {
  let closed = false;
  const waiters = new Set<() => void>();
  return {
    get closed() {
      return closed;
    },
    get waiting() {
      return waiters.size;
    },
    close() {
      closed = true;
    },
    open() {
      closed = false;
      for (const release of [...waiters]) release();
    },
    pass(res) {
      if (!closed) return Promise.resolve();
      return new Promise((resolve) => {
        const release = () => {
          waiters.delete(release);
          res.off('close', release);
          resolve();
        };
        waiters.add(release);
        res.once('close', release);
      });
    },
  };
}

/** The scenario a double plays, switched by the test; `onSet` runs on each switch. */
export function scenarioState<S>(initial: S, onSet?: (next: S) => void): { current: S; set(next: S): void } {
  const state = {
    current: initial,
    set(next: S) {
      state.current = next;
      onSet?.(next);
    },
  };
  return state;
}

/** The public face every double has (`url`, `scenario`, `setScenario`, `requests`, `close`) plus its own extras. */
export function doubleFace<S, R, X extends object, Next = S>(
  server: DoubleServer<R>,
  scenario: { readonly current: S; set(next: Next): void },
  extras: X,
): {
  url: string;
  readonly scenario: S;
  setScenario(next: Next): void;
  requests: R[];
  close(): Promise<void>;
} & X {
  const face = {
    url: server.url,
    get scenario() {
      return scenario.current;
    },
    setScenario: (next: Next) => scenario.set(next),
    requests: server.requests,
    close: server.close,
  };
  // Copied as descriptors, so an extra that is a getter stays live.
  return Object.defineProperties(face, Object.getOwnPropertyDescriptors(extras)) as typeof face & X;
}

/** The media type of a request, lower-case, without parameters ('' when none). */
export function contentType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** `{ value }` for JSON text, null for anything else. */
export function jsonOf(text: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return null;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The form in a multipart (or, where `types` allows it, urlencoded) body; null for another type or a broken body. */
export async function readForm(
  incoming: Pick<Incoming, 'req' | 'bytes'>,
  types: RegExp = /^multipart\/form-data/i,
): Promise<FormData | null> {
  const type = incoming.req.headers['content-type'] ?? '';
  if (!types.test(type)) return null;
  try {
    return await new Response(new Uint8Array(incoming.bytes), {
      headers: { 'content-type': type },
    }).formData();
  } catch {
    return null;
  }
}

/**
 * A form as a record keeps it: text fields as sent, files as `file` makes them (never their bytes).
 * A name that repeats, or ends in `[]`, keeps a list.
 */
export function formRecord(form: FormData, file: (part: File) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const lists = new Map<string, unknown[]>();
  for (const [name, value] of form.entries()) {
    const entry = typeof value === 'string' ? value : file(value);
    const list = lists.get(name);
    if (list) list.push(entry);
    else if (name.endsWith('[]') || name in out) {
      const started = name in out ? [out[name], entry] : [entry];
      lists.set(name, started);
      out[name] = started;
    } else out[name] = entry;
  }
  return out;
}

/** Width and height scaled down to fit `maxSide` (a small stand-in keeps suites fast); as given when unset. */
export function fitWithin(
  width: number,
  height: number,
  maxSide?: number,
): { width: number; height: number } {
  const scale = maxSide ? Math.min(1, maxSide / Math.max(width, height)) : 1;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * A real image the double made: a gradient whose first pixels carry `stamp`, so no two share a hash.
 * `blank` makes it black (what a safety checker returns); `blur` smears it (a filtered image).
 */
export function stampedImage(
  width: number,
  height: number,
  stamp: number,
  options: { format?: string; blank?: boolean; blur?: boolean } = {},
): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  if (!options.blank) {
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const at = (y * width + x) * 3;
        pixels[at] = (x * 255) / width;
        pixels[at + 1] = (y * 255) / height;
        pixels[at + 2] = (stamp * 53) % 256;
      }
    }
    if (pixels.length >= 4) pixels.writeUInt32BE(stamp, 0);
  }
  let image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (options.blur) image = image.blur(Math.max(1, Math.round(width / 8)));
  if (options.format === 'jpeg') return image.jpeg({ quality: 90 }).toBuffer();
  if (options.format === 'webp') return image.webp({ quality: 90 }).toBuffer();
  return image.png({ compressionLevel: 1 }).toBuffer();
}

/**
 * A real image with `text` painted on it in large bold letters (sharp renders the SVG): what a provider returns
 * for a sign or a poster, with the text spelled as the test chose (right or wrong). `stamp` moves the colours
 * and shapes behind the text, so two images are not near-duplicates of each other.
 */
export function paintedText(
  width: number,
  height: number,
  text: string,
  options: { format?: string; stamp?: number } = {},
): Promise<Buffer> {
  const stamp = options.stamp ?? 0;
  const escaped = text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const size = Math.max(8, Math.round(Math.min(width / Math.max(4, text.length * 0.9), height / 4)));
  const hue = (stamp * 67) % 360;
  const shapes = Array.from({ length: 4 }, (_, i) => {
    const x = ((stamp * 0.37 + i * 0.29) % 1) * width;
    const y = (i % 2 === 0 ? 0.18 : 0.82) * height;
    return `<circle cx="${x.toFixed(0)}" cy="${y.toFixed(0)}" r="${(height * 0.16).toFixed(0)}" fill="hsl(${(hue + 90 * i) % 360},55%,35%)"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="${stamp % 2}" y1="0" x2="${1 - (stamp % 2)}" y2="1"><stop offset="0" stop-color="hsl(${hue},80%,70%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},85%,45%)"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>${shapes}
    <rect x="${width * 0.08}" y="${height / 2 - size}" width="${width * 0.84}" height="${size * 2}" rx="${size / 4}" fill="#fbf7ef"/>
    <text x="${width / 2}" y="${height / 2}" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${size}" text-anchor="middle" dominant-baseline="middle" fill="#1b1b1b">${escaped}</text></svg>`;
  const image = sharp(Buffer.from(svg));
  if (options.format === 'jpeg') return image.jpeg({ quality: 90 }).toBuffer();
  if (options.format === 'webp') return image.webp({ quality: 90 }).toBuffer();
  return image.png().toBuffer();
}

/** The storage host a provider's image URLs point at: files by path, which answer `missing` or `expired` when gone. */
export class ImageHost {
  private readonly files = new Map<string, Buffer>();

  constructor(private readonly answers: { missing: Answer; expired?: Answer }) {}

  put(path: string, bytes: Buffer): void {
    this.files.set(path, bytes);
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  /** Forgets every file: each URL served so far now answers `missing`. */
  clear(): void {
    this.files.clear();
  }

  /** The file at `path` as a PNG answer; `missing` for an unknown path or a method other than GET, `expired` when told. */
  serve(method: string, path: string, expired = false): Answer {
    const bytes = this.files.get(path);
    if (method !== 'GET' || !bytes) return this.answers.missing;
    if (expired) return this.answers.expired ?? this.answers.missing;
    return { status: 200, body: bytes, headers: { 'content-type': 'image/png' } };
  }
}

/** A JSON answer with its content type. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}

/** One pydantic field error, as FastAPI services (fal, BFL) list them under `detail`. */
export interface FieldError {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** A body field as a pydantic input model declares it; `format` and `check` add a service's own rules. */
export type FieldRule =
  | {
      type: 'string';
      required?: boolean;
      oneOf?: readonly string[];
      format?: (value: string) => Omit<FieldError, 'loc'> | null;
    }
  | { type: 'integer' | 'number'; min?: number; max?: number; multiple?: number }
  | { type: 'boolean' }
  | { type: 'custom'; check: (value: unknown) => Omit<FieldError, 'loc'> | null };

/** Checks a body the way a pydantic input model with `extra = forbid` does: every error, in field order. */
export function pydanticErrors(
  schema: Record<string, FieldRule>,
  body: Record<string, unknown>,
): FieldError[] {
  const errors: FieldError[] = [];
  const add = (name: string, msg: string, type: string) => errors.push({ loc: ['body', name], msg, type });
  for (const [name, rule] of Object.entries(schema)) {
    if (rule.type === 'string' && rule.required && body[name] === undefined)
      add(name, 'Field required', 'missing');
  }
  for (const [name, value] of Object.entries(body)) {
    const rule = schema[name];
    if (!rule) {
      add(name, 'Extra inputs are not permitted', 'extra_forbidden');
      continue;
    }
    if (rule.type === 'custom' || rule.type === 'string') {
      const own =
        rule.type === 'custom'
          ? rule.check(value)
          : typeof value !== 'string'
            ? { msg: 'Input should be a valid string', type: 'string_type' }
            : rule.oneOf && !rule.oneOf.includes(value)
              ? {
                  msg: `Input should be ${rule.oneOf.map((v) => `'${v}'`).join(' or ')}`,
                  type: 'literal_error',
                }
              : (rule.format?.(value) ?? null);
      if (own) add(name, own.msg, own.type);
    } else if (rule.type === 'boolean') {
      if (typeof value !== 'boolean') add(name, 'Input should be a valid boolean', 'bool_type');
    } else if (typeof value !== 'number' || (rule.type === 'integer' && !Number.isInteger(value))) {
      add(name, `Input should be a valid ${rule.type}`, rule.type === 'integer' ? 'int_type' : 'float_type');
    } else if (rule.min !== undefined && value < rule.min) {
      add(name, `Input should be greater than or equal to ${rule.min}`, 'greater_than_equal');
    } else if (rule.max !== undefined && value > rule.max) {
      add(name, `Input should be less than or equal to ${rule.max}`, 'less_than_equal');
    } else if (rule.multiple !== undefined && value % rule.multiple !== 0) {
      add(name, `Input should be a multiple of ${rule.multiple}`, 'multiple_of');
    }
  }
  return errors;
}
