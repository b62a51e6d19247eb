import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../shared/contract';
import { err, ok, type Result } from '../../shared/result';
import type { EventListener } from '../core/events';
import { silentLogger } from '../core/ports';
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

describe('loopback HTTP transport', () => {
  let dir: string;
  let server: LoopbackServer;
  const calls: Array<{ name: string; input: unknown }> = [];
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
      resolveMedia: (rel) =>
        rel.startsWith('thumbs/') && !rel.includes('..') ? path.join(dir, 'data', rel) : null,
      port: 0,
      token: 'test-token-123',
      log: silentLogger,
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
});
