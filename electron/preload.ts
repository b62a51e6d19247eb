// The renderer's only door: `call` and `on`, exposed through contextBridge (sandboxed, no Node).
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import { IPC_CALL_PREFIX, IPC_DRAG_OUT_CHANNEL, IPC_EVENT_CHANNEL } from '../shared/bridge';

contextBridge.exposeInMainWorld('atelier', {
  mode: 'desktop',
  call: async (name: unknown, input: unknown) => {
    if (typeof name !== 'string') {
      return { ok: false, error: { code: 'invalid_input', message: 'A call name must be a string.' } };
    }
    try {
      return await ipcRenderer.invoke(`${IPC_CALL_PREFIX}${name}`, input);
    } catch (error) {
      return {
        ok: false,
        error: { code: 'not_found', message: error instanceof Error ? error.message : String(error) },
      };
    }
  },
  on: (name: unknown, listener: unknown) => {
    if (typeof name !== 'string' || typeof listener !== 'function') return () => {};
    const wrapped = (_event: IpcRendererEvent, message: { name: string; payload: unknown }) => {
      if (message.name === name) listener(message.payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
  },
  startDrag: (outputId: unknown) => {
    if (Number.isInteger(outputId) && (outputId as number) > 0)
      ipcRenderer.send(IPC_DRAG_OUT_CHANNEL, outputId);
  },
});
