import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callBodyLimit, DEFAULT_CALL_BODY_BYTES } from '../../shared/body-limits';
import type { EventName, EventPayload } from '../../shared/contract';
import { AppError, err, ok, type Result } from '../../shared/result';
import type { EventListener } from '../core/events';
import { resolveServedMedia } from '../core/media';
import type { Logger } from '../core/ports';
import { type LoopbackServer, startLoopbackServer } from './http';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * POSTs up to `total` bytes of body in 64 KiB chunks, stopping when the server answers. `written` is
 * what had been handed to the socket by then: a server that stops reading holds it near its limit.
 */
function streamBody(
  port: number,
  path: string,
  headers: Record<string, string>,
  total: number,
): Promise<Reply & { written: number }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      answered = true;
      const at = written;
      let body = '';
      res.on('data', (data) => {
        body += data;
      });
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, written: at });
      });
    });
    // Once answered, the server cuts the connection we are still writing to: EPIPE/ECONNRESET are expected.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('loopback HTTP transport', () => {
  let dir: string;
  let server: LoopbackServer;
  const calls: Array<{ name: string; input: unknown }> = [];
  const logged: string[] = [];
  const log: Logger = {
    info: () => {},
    warn: (message) => logged.push(`warn ${message}`),
    error: (message) => logged.push(`error ${message}`),
  };
  const listeners = new Set<EventListener>();
  const emit = <K extends EventName>(name: K, payload: EventPayload<K>) => {
    for (const listener of listeners) listener(name, payload);
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'atelier-http-'));
    mkdirSync(path.join(dir, 'static', 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'static', 'index.html'), '<!doctype html><title>Atelier</title>');
    writeFileSync(path.join(dir, 'static', 'assets', 'app.js'), 'console.log(1)');
    mkdirSync(path.join(dir, 'data', 'thumbs', 'ab'), { recursive: true });
    writeFileSync(path.join(dir, 'data', 'thumbs', 'ab', 'abc.webp'), 'RIFFxxxxWEBP');
    writeFileSync(path.join(dir, 'secret.txt'), 'not for you');
    calls.length = 0;
    logged.length = 0;
    server = await startLoopbackServer({
      invoke: async (name, input): Promise<Result<unknown>> => {
        calls.push({ name, input });
        if (name === 'app.info') return ok({ echo: input });
        return err('invalid_input', `${name}: prompt: must not be empty`);
      },
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      staticDir: path.join(dir, 'static'),
      // The core's own resolver, so links are followed as the app follows them.
      resolveMedia: (rel) => resolveServedMedia(path.join(dir, 'data'), rel),
      downloadOutput: async (id) => {
        if (id !== 7) throw new AppError('not_found', `There is no image ${id}.`);
        return { bytes: Buffer.from('PNGBYTES'), fileName: 'atelier-run-3-1.png', contentType: 'image/png' };
      },
      port: 0,
      token: 'test-token-123',
      log,
    });
  });

  afterEach(async () => {
    await server.close();
    listeners.clear();
    rmSync(dir, { recursive: true, force: true });
  });

  const host = () => ({ Host: `127.0.0.1:${server.port}` });
  const authed = () => ({
    ...host(),
    Authorization: 'Bearer test-token-123',
    'Content-Type': 'application/json',
  });

  it('prints a launch URL that carries the token in the fragment only', () => {
    expect(server.launchUrl).toBe(`http://127.0.0.1:${server.port}/#token=test-token-123`);
  });

  it('refuses an API call without the token, and with a wrong one', async () => {
    const none = await send(server.port, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: host(),
      body: '{}',
    });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const wrong = await send(server.port, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: { ...host(), Authorization: 'Bearer test-token-124' },
      body: '{}',
    });
    expect(wrong.status).toBe(401);
    expect(calls).toHaveLength(0);
  });

  it('refuses a foreign Host (DNS rebinding) even with the token', async () => {
    const reply = await send(server.port, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: { ...authed(), Host: `evil.example:${server.port}` },
      body: '{}',
    });
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body).error.code).toBe('forbidden');
    expect(calls).toHaveLength(0);
  });

  it('refuses a foreign Origin even with the token', async () => {
    const reply = await send(server.port, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: { ...authed(), Origin: 'https://evil.example' },
      body: '{}',
    });
    expect(reply.status).toBe(403);
    expect(calls).toHaveLength(0);
  });

  it('accepts a call from our own origin and returns the Result as JSON', async () => {
    const reply = await send(server.port, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: { ...authed(), Origin: `http://127.0.0.1:${server.port}` },
      body: JSON.stringify({ a: 1 }),
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ ok: true, value: { echo: { a: 1 } } });
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('passes invalid input through to the core and relays its invalid_input naming the field', async () => {
    const reply = await send(server.port, {
      method: 'POST',
      path: '/api/call/generation.start',
      headers: authed(),
      body: JSON.stringify({ prompt: '' }),
    });
    expect(JSON.parse(reply.body)).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('prompt') },
    });
  });

  it('answers a body that is not JSON with invalid_input, without calling the core', async () => {
    const reply = await send(server.port, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: authed(),
      body: '{nope',
    });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error.code).toBe('invalid_input');
    expect(calls).toHaveLength(0);
  });

  it('serves the renderer with a strict CSP, and nothing outside its folder', async () => {
    const index = await send(server.port, { path: '/', headers: host() });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Atelier</title>');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    const asset = await send(server.port, { path: '/assets/app.js', headers: host() });
    expect(asset.headers['content-type']).toContain('javascript');
    const outside = await send(server.port, { path: '/%2e%2e/secret.txt', headers: host() });
    expect(outside.status).toBe(404);
    expect(outside.body).not.toContain('not for you');
  });

  it('serves media only with the token and only what the core resolves', async () => {
    expect((await send(server.port, { path: '/media/thumbs/ab/abc.webp', headers: host() })).status).toBe(
      401,
    );
    const ok = await send(server.port, {
      path: '/media/thumbs/ab/abc.webp?token=test-token-123',
      headers: host(),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('image/webp');
    const traversal = await send(server.port, {
      path: '/media/thumbs/..%2F..%2Fsecret.txt?token=test-token-123',
      headers: host(),
    });
    expect(traversal.status).toBe(404);
  });

  it('downloads an output as an attachment written by the core, only with the token, never cached', async () => {
    const route = '/download/output/7';
    expect((await send(server.port, { path: route, headers: host() })).status).toBe(401);
    const file = await send(server.port, { path: `${route}?token=test-token-123`, headers: host() });
    expect(file.status).toBe(200);
    expect(file.body).toBe('PNGBYTES');
    expect(file.headers['content-type']).toBe('image/png');
    expect(file.headers['content-disposition']).toBe('attachment; filename="atelier-run-3-1.png"');
    expect(file.headers['cache-control']).toBe('no-store');
    const missing = await send(server.port, {
      path: '/download/output/8?token=test-token-123',
      headers: host(),
    });
    expect(missing.status).toBe(404);
    const bad = await send(server.port, { path: '/download/output/x?token=test-token-123', headers: host() });
    expect(bad.status).toBe(404);
  });

  it('streams events over SSE to an authorized client', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.port, path: '/api/events', headers: authed() },
        (res) => {
          expect(res.headers['content-type']).toContain('text/event-stream');
          let text = '';
          res.on('data', (chunk) => {
            text += chunk;
            if (text.includes('\n\n') && !text.includes('event:')) {
              emit('run.completed', { runId: 7, status: 'succeeded', outputsCount: 1, error: null });
            }
            if (text.includes('"runId":7')) {
              req.destroy();
              resolve(text);
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(received).toContain(
      'event: run.completed\ndata: {"runId":7,"status":"succeeded","outputsCount":1,"error":null}',
    );
  });

  it('refuses the event stream without the token', async () => {
    const reply = await send(server.port, { path: '/api/events', headers: host() });
    expect(reply.status).toBe(401);
  });

  it('refuses a link in media/ that leads outside the data folder, with the token', async () => {
    symlinkSync(path.join(dir, 'secret.txt'), path.join(dir, 'data', 'thumbs', 'ab', 'evil.webp'));
    const reply = await send(server.port, {
      path: '/media/thumbs/ab/evil.webp?token=test-token-123',
      headers: host(),
    });
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain('not for you');
  });

  it('answers malformed percent-encoding with 400 invalid_input naming the URL, and logs nothing', async () => {
    const media = await send(server.port, { path: '/media/%E0%A4%A?token=test-token-123', headers: host() });
    expect(media.status).toBe(400);
    expect(JSON.parse(media.body).error).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/^url: .*percent-encoding/),
    });
    const page = await send(server.port, { path: '/assets/%E0%A4%A.js', headers: host() });
    expect(page.status).toBe(400);
    expect(JSON.parse(page.body).error.code).toBe('invalid_input');
    expect(logged).toEqual([]);
  });

  it("stops reading a body as soon as it passes the call's limit, and answers 413 naming the limit", async () => {
    const limit = callBodyLimit('app.info');
    expect(limit).toBe(DEFAULT_CALL_BODY_BYTES);
    const reply = await streamBody(server.port, '/api/call/app.info', authed(), 80 * 1024 * 1024);
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).error).toMatchObject({
      code: 'invalid_input',
      message: 'body: the request is larger than the 1 MB this call accepts.',
      details: { call: 'app.info', limit: 'body_bytes', limitBytes: limit },
    });
    // Socket buffers let a few MB more leave the client; a server that kept reading would take all 80.
    expect(reply.written).toBeLessThan(limit + 16 * 1024 * 1024);
    expect(reply.headers.connection).toBe('close');
    expect(calls).toHaveLength(0);
  });

  it('refuses from Content-Length alone, before any of the body arrives', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/api/call/references.import',
          headers: { ...authed(), 'Content-Length': String(1024 * 1024 * 1024) },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          });
        },
      );
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).error.details.limitBytes).toBe(callBodyLimit('references.import'));
    expect(calls).toHaveLength(0);
  }, 5_000);

  it('lets the calls where images travel carry more than the default limit', async () => {
    const dataBase64 = 'A'.repeat(DEFAULT_CALL_BODY_BYTES + 1024);
    const reply = await send(server.port, {
      method: 'POST',
      path: '/api/call/references.import',
      headers: authed(),
      body: JSON.stringify({ files: [{ name: 'big.png', dataBase64 }] }),
    });
    expect(reply.status).toBe(200);
    expect(calls).toEqual([
      { name: 'references.import', input: { files: [{ name: 'big.png', dataBase64 }] } },
    ]);
    const small = await send(server.port, {
      method: 'POST',
      path: '/api/call/generation.start',
      headers: authed(),
      body: JSON.stringify({ prompt: dataBase64 }),
    });
    expect(small.status).toBe(413);
    expect(calls).toHaveLength(1);
  });

  it('holds request bodies within one budget across concurrent calls, and asks the extra one to retry', async () => {
    let release: () => void = () => {};
    let started: () => void = () => {};
    const firstStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: string[] = [];
    const tight = await startLoopbackServer({
      invoke: async (_name, input): Promise<Result<unknown>> => {
        const id = (input as { files: Array<{ name: string }> }).files[0]!.name;
        seen.push(id);
        if (id === 'a.png') {
          started();
          await gate;
        }
        return ok(id);
      },
      subscribe: () => () => {},
      staticDir: path.join(dir, 'static'),
      resolveMedia: async () => null,
      downloadOutput: async () => {
        throw new AppError('not_found', 'none');
      },
      token: 'test-token-123',
      log,
      maxBufferedBytes: 1.5 * 1024 * 1024,
    });
    try {
      const body = (name: string) =>
        JSON.stringify({ files: [{ name, dataBase64: 'A'.repeat(1024 * 1024) }] });
      const headers = { Host: `127.0.0.1:${tight.port}`, Authorization: 'Bearer test-token-123' };
      const route = '/api/call/references.import';
      const first = send(tight.port, { method: 'POST', path: route, headers, body: body('a.png') });
      await firstStarted;
      const second = await send(tight.port, { method: 'POST', path: route, headers, body: body('b.png') });
      expect(second.status).toBe(503);
      expect(second.headers['retry-after']).toBe('2');
      expect(JSON.parse(second.body).error.code).toBe('unavailable');
      release();
      expect((await first).status).toBe(200);
      // The first call's bytes were given back: the next one fits.
      const third = await send(tight.port, { method: 'POST', path: route, headers, body: body('c.png') });
      expect(JSON.parse(third.body)).toEqual({ ok: true, value: 'c.png' });
      expect(seen).toEqual(['a.png', 'c.png']);
    } finally {
      release();
      await tight.close();
    }
  });
});
