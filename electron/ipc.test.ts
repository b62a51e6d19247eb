import type { IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { describe, expect, it } from 'vitest';
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
});
