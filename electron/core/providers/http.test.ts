import { describe, expect, it } from 'vitest';
import { decodeBase64, describeError, exchange, readErrorBody, redact, retryAfterMs } from './http';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-02T10:00:00Z');
  const headers = (init: Record<string, string>) => new Headers(init);

  it('prefers retry-after-ms, then retry-after in seconds', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '1750', 'retry-after': '2' }), now)).toBe(1750);
    expect(retryAfterMs(headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(headers({ 'retry-after': '0.5' }), now)).toBe(500);
  });

  it('reads an HTTP date against the injected clock, never negative', () => {
    expect(retryAfterMs(headers({ 'retry-after': 'Mon, 02 Nov 2026 10:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(headers({ 'retry-after': 'Mon, 02 Nov 2026 09:59:00 GMT' }), now)).toBe(0);
  });

  it('answers null when absent or unreadable', () => {
    expect(retryAfterMs(headers({}), now)).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }), now)).toBeNull();
    expect(retryAfterMs(headers({ 'retry-after-ms': 'x', 'retry-after': '4' }), now)).toBe(4000);
  });
});

describe('readErrorBody', () => {
  it('reads the { error: { message, type, param, code } } shape', () => {
    const body = JSON.stringify({
      error: { message: 'Bad', type: 'invalid_request_error', param: 'n', code: 'x' },
    });
    expect(readErrorBody(body)).toEqual({
      message: 'Bad',
      type: 'invalid_request_error',
      param: 'n',
      code: 'x',
    });
  });

  it('keeps a short plain-text body and drops an HTML page', () => {
    expect(readErrorBody('upstream timed out').message).toBe('upstream timed out');
    expect(readErrorBody('<html><body>502</body></html>').message).toBeNull();
    expect(readErrorBody('').message).toBeNull();
  });
});

describe('redact, decodeBase64, describeError', () => {
  it('removes every copy of the key', () => {
    expect(redact('a sk-123456 b sk-123456', 'sk-123456')).toBe('a [redacted key] b [redacted key]');
  });

  it('decodes standard and URL-safe base64, and refuses what is not base64', () => {
    expect(Buffer.from(decodeBase64('aGVsbG8=')!).toString()).toBe('hello');
    expect(Buffer.from(decodeBase64('-_8=')!)).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64('not base64!')).toBeNull();
    expect(decodeBase64('')).toBeNull();
  });

  it('names the system error code behind "fetch failed"', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    expect(describeError(error)).toBe('fetch failed (ECONNREFUSED)');
  });
});

describe('exchange', () => {
  it('calls a broken body mid-answer a network failure, and an abort there cancelled', async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"data": ['));
        controller.error(new Error('socket hang up'));
      },
    });
    const result = await exchange(
      async () => new Response(broken),
      'http://x.test/',
      { signal: new AbortController().signal },
      'X',
    );
    expect(result).toMatchObject({ kind: 'network', message: expect.stringContaining('socket hang up') });

    const controller = new AbortController();
    const hanging = new ReadableStream<Uint8Array>({
      start(stream) {
        controller.signal.addEventListener('abort', () => stream.error(new Error('aborted')));
      },
    });
    setTimeout(() => controller.abort(), 10);
    const cancelled = await exchange(
      async () => new Response(hanging),
      'http://x.test/',
      { signal: controller.signal },
      'X',
    );
    expect(cancelled.kind).toBe('cancelled');
  });
});
