import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { bodyTooLarge, callBodyLimit, LARGE_CALL_BODY_BYTES } from '../../shared/body-limits';
import { isEventName } from '../../shared/contract';
import { AppError, err, type Result } from '../../shared/result';
import type { EventListener } from '../core/events';
import { decodeUrlPath } from '../core/media';
import type { Logger } from '../core/ports';
import { contentSecurityPolicy } from '../csp';

export interface LoopbackServerOptions {
  invoke(name: string, input: unknown): Promise<Result<unknown>>;
  subscribe(listener: EventListener): () => void;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** The real path of a stored media file the renderer may see, or null (see `resolveServedMedia`). */
  resolveMedia(relativePath: string): Promise<string | null>;
  /**
   * An output's original as it leaves Atelier, its metadata written per the setting (`GET /download/output/<id>`);
   * rejects with an AppError `not_found` for an unknown output.
   */
  downloadOutput(outputId: number): Promise<{ bytes: Buffer; fileName: string; contentType: string }>;
  port?: number;
  /** Fixed for tests; otherwise a fresh random token for every launch. */
  token?: string;
  log: Logger;
  /** Bytes a call's body may have; `callBodyLimit` (declared next to the contract) when absent. */
  bodyLimit?(callName: string): number;
  /** Bytes of request bodies held at once across all requests; past it a call is asked to retry. */
  maxBufferedBytes?: number;
  pingIntervalMs?: number;
}

export interface LoopbackServer {
  url: string;
  /** The URL to open: the token travels in the fragment, which browsers never send to servers. */
  launchUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': contentSecurityPolicy(),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * Serves the contract and the renderer to a browser on this machine only. Three locks: the socket
 * binds 127.0.0.1, a per-launch token guards every API and media request, and a foreign Host or
 * Origin (DNS rebinding, other pages in the browser) is refused before anything else happens.
 */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const bodyLimit = options.bodyLimit ?? callBodyLimit;
  // Room for two of the largest bodies at once: concurrent uploads cannot add up past it.
  const budget = new BodyBudget(
    options.maxBufferedBytes ?? 2 * Math.max(...Object.values(LARGE_CALL_BODY_BYTES)),
  );
  const pingMs = options.pingIntervalMs ?? 15_000;
  const sseClients = new Set<ServerResponse>();
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log.error('loopback request failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) sendResult(res, 500, err('internal', 'The request failed inside Atelier.'));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (!allowedHosts.has(host)) {
      sendResult(
        res,
        403,
        err('forbidden', 'Refused: this server answers only requests addressed to 127.0.0.1.'),
      );
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      sendResult(res, 403, err('forbidden', 'Refused: requests from other sites are not allowed.'));
      return;
    }
    const url = new URL(req.url ?? '/', `http://${host}`);

    if (url.pathname.startsWith('/api/')) {
      if (!hasToken(bearerToken(req))) {
        sendResult(
          res,
          401,
          err('unauthorized', 'Missing or wrong access token: open the URL printed by `npm run serve`.'),
        );
        return;
      }
      if (url.pathname === '/api/events' && req.method === 'GET') {
        openEventStream(req, res);
        return;
      }
      const match = /^\/api\/call\/([a-zA-Z]+\.[a-zA-Z]+)$/.exec(url.pathname);
      if (!match || req.method !== 'POST') {
        sendResult(res, 404, err('not_found', `No API route ${req.method} ${url.pathname}.`));
        return;
      }
      const name = match[1]!;
      const limit = bodyLimit(name);
      // Refused from the declared length when it says so, else as soon as the count passes the limit
      // (or the bytes held by all calls together would pass the budget).
      const declared = Number(req.headers['content-length'] ?? Number.NaN);
      const read =
        declared > limit
          ? 'too_large'
          : declared > budget.room()
            ? 'busy'
            : await readBody(req, limit, budget);
      if (read === 'too_large') {
        refuseBody(req, res, 413, bodyTooLarge(name, limit));
        return;
      }
      if (read === 'busy') {
        res.setHeader('Retry-After', '2');
        refuseBody(
          req,
          res,
          503,
          err('unavailable', 'Atelier is receiving other large requests; try again in a moment.'),
        );
        return;
      }
      // The bytes count against the budget until the call is done with what they became.
      try {
        let input: unknown;
        try {
          input = read.length === 0 ? {} : JSON.parse(read.toString('utf8'));
        } catch {
          sendResult(res, 400, err('invalid_input', 'The request body is not valid JSON.'));
          return;
        }
        const result = await options.invoke(name, input);
        sendResult(res, 200, result);
      } finally {
        budget.give(read.length);
      }
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendResult(res, 405, err('not_found', `${req.method} is not served here.`));
      return;
    }

    if (url.pathname.startsWith('/media/')) {
      if (!hasToken(url.searchParams.get('token') ?? bearerToken(req))) {
        sendResult(res, 401, err('unauthorized', 'Missing or wrong access token for media.'));
        return;
      }
      const relative = decodeUrlPath(url.pathname.slice('/media/'.length));
      if (relative === null) {
        refuseMalformedUrl(res);
        return;
      }
      const file = await options.resolveMedia(relative);
      if (!file || !(await sendFile(req, res, file, 'private, max-age=31536000, immutable'))) {
        sendResult(res, 404, err('not_found', 'No such media file.'));
      }
      return;
    }

    if (url.pathname.startsWith('/download/')) {
      if (!hasToken(url.searchParams.get('token') ?? bearerToken(req))) {
        sendResult(res, 401, err('unauthorized', 'Missing or wrong access token for downloads.'));
        return;
      }
      const match = /^\/download\/output\/([1-9][0-9]{0,15})$/.exec(url.pathname);
      if (!match) {
        sendResult(res, 404, err('not_found', 'No such download.'));
        return;
      }
      let file: { bytes: Buffer; fileName: string; contentType: string };
      try {
        file = await options.downloadOutput(Number(match[1]));
      } catch (error) {
        if (isAppError(error) && error.code === 'not_found') {
          sendResult(res, 404, err('not_found', error.message));
          return;
        }
        throw error;
      }
      // Written per the metadata setting at this moment, so never cached.
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': file.contentType,
        'Content-Length': file.bytes.length,
        'Content-Disposition': `attachment; filename="${file.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : file.bytes);
      return;
    }

    const relative = url.pathname === '/' ? 'index.html' : decodeUrlPath(url.pathname.slice(1));
    if (relative === null) {
      refuseMalformedUrl(res);
      return;
    }
    const file = path.resolve(options.staticDir, relative);
    if (!file.startsWith(path.resolve(options.staticDir) + path.sep)) {
      sendResult(res, 404, err('not_found', 'Not found.'));
      return;
    }
    const cache = relative === 'index.html' ? 'no-cache' : 'public, max-age=3600';
    if (!(await sendFile(req, res, file, cache))) sendResult(res, 404, err('not_found', 'Not found.'));
  }

  function bearerToken(req: IncomingMessage): string | null {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return null;
    return header.slice('Bearer '.length).trim();
  }

  function hasToken(candidate: string | null): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': connected\n\n');
    sseClients.add(res);
    const unsubscribe = options.subscribe((name, payload) => {
      if (!isEventName(name)) return;
      res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), pingMs);
    ping.unref();
    req.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      sseClients.delete(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    launchUrl: `${url}/#token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sseClients) client.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** A bad request, answered without logging: malformed `%` escapes are the client's mistake. */
function refuseMalformedUrl(res: ServerResponse): void {
  sendResult(res, 400, err('invalid_input', 'url: the path has malformed percent-encoding.'));
}

/** Time after the answer at which a refused request is destroyed, should its connection still be open. */
const REFUSED_BODY_LINGER_MS = 500;

/**
 * Refuses a body that was not read to its end (413 too large, 503 no room). Nothing more of it is read:
 * the request stays paused, `Connection: close` ends the connection once the answer is out, and the
 * request is destroyed shortly after in any case.
 */
function refuseBody(req: IncomingMessage, res: ServerResponse, status: number, result: Result<never>): void {
  req.pause();
  res.on('finish', () => setTimeout(() => req.destroy(), REFUSED_BODY_LINGER_MS).unref());
  res.setHeader('Connection', 'close');
  sendResult(res, status, result);
}

/** Bytes of request bodies held in memory by all requests together, against a ceiling. */
class BodyBudget {
  private held = 0;
  constructor(private readonly max: number) {}
  take(bytes: number): boolean {
    if (this.held + bytes > this.max) return false;
    this.held += bytes;
    return true;
  }
  give(bytes: number): void {
    this.held -= bytes;
  }
  room(): number {
    return this.max - this.held;
  }
}

function sendResult(res: ServerResponse, status: number, result: Result<unknown>): void {
  const body = JSON.stringify(result);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: string,
  cache: string,
): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return false;
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': cache,
  });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
  });
  return true;
}

/**
 * The whole body, its bytes taken from `budget` (the caller gives them back). Stops reading the moment
 * the body passes `limit` ('too_large') or the budget has no room ('busy'), keeping nothing.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  budget: BodyBudget,
): Promise<Buffer | 'too_large' | 'busy'> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const stop = (outcome: 'too_large' | 'busy' | Error) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.pause();
      budget.give(size);
      chunks = [];
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) return stop('too_large');
      if (!budget.take(chunk.length)) return stop('busy');
      size += chunk.length;
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    req.once('error', (error) => stop(error));
  });
}
