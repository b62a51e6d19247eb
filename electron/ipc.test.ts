import type { IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { describe, expect, it } from 'vitest';
import { callBodyLimit, DEFAULT_CALL_BODY_BYTES } from '../shared/body-limits';
import { IPC_CALL_PREFIX } from '../shared/bridge';
import { CALL_NAMES } from '../shared/contract';
import { ok, type Result } from '../shared/result';
import { registerIpcHandlers } from './ipc';

type Handler = (event: IpcMainInvokeEvent, input: unknown) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle: (channel: string, handler: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, handler);
    },
    removeHandler: (channel: string) => {
      handlers.delete(channel);
    },
  };
}

const frame = (url: string) => ({ url }) as WebFrameMain;
const event = (url: string) => ({ senderFrame: frame(url) }) as unknown as IpcMainInvokeEvent;

describe('Electron IPC registration', () => {
  it('registers exactly one handler per contract call and removes them all', () => {
    const ipc = fakeIpcMain();
    const unregister = registerIpcHandlers(
      ipc,
      async () => ok(null),
      () => true,
    );
    expect([...ipc.handlers.keys()].sort()).toEqual(CALL_NAMES.map((n) => `${IPC_CALL_PREFIX}${n}`).sort());
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });

  it('refuses a call from a frame that is not our page, without reaching the core', async () => {
    const ipc = fakeIpcMain();
    const seen: string[] = [];
    registerIpcHandlers(
      ipc,
      async (name): Promise<Result<unknown>> => {
        seen.push(name);
        return ok(null);
      },
      (f) => f?.url === 'file:///app/index.html',
    );
    const handler = ipc.handlers.get(`${IPC_CALL_PREFIX}keys.list`)!;
    expect(await handler(event('https://evil.example/'), {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(seen).toEqual([]);
    expect(await handler(event('file:///app/index.html'), {})).toEqual({ ok: true, value: null });
    expect(seen).toEqual(['keys.list']);
  });

  it("refuses an input past its call's body limit, as the loopback server does, without reaching the core", async () => {
    const ipc = fakeIpcMain();
    const seen: string[] = [];
    registerIpcHandlers(
      ipc,
      async (name): Promise<Result<unknown>> => {
        seen.push(name);
        return ok(null);
      },
      () => true,
    );
    const big = 'x'.repeat(DEFAULT_CALL_BODY_BYTES + 1);
    const start = ipc.handlers.get(`${IPC_CALL_PREFIX}generation.start`)!;
    expect(await start(event('file:///app/index.html'), { prompt: big })).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_input',
        message: 'body: the request is larger than the 1 MB this call accepts.',
        details: { call: 'generation.start', limitBytes: DEFAULT_CALL_BODY_BYTES },
      },
    });
    // Nested arrays count too.
    expect(await start(event('file:///app/index.html'), { a: [[{ b: big }]] })).toMatchObject({ ok: false });
    expect(seen).toEqual([]);
    const importCall = ipc.handlers.get(`${IPC_CALL_PREFIX}references.import`)!;
    expect(callBodyLimit('references.import')).toBeGreaterThan(big.length);
    expect(
      await importCall(event('file:///app/index.html'), { files: [{ name: 'a.png', dataBase64: big }] }),
    ).toEqual({
      ok: true,
      value: null,
    });
    expect(seen).toEqual(['references.import']);
  });
});
