import type { CallInput, CallName, CallOutput, EventName, EventPayload } from './contract';
import type { Result } from './result';

/** What the renderer can reach: two functions, the same over IPC (preload) and loopback HTTP; plus, on the desktop, drag out. */
export interface AtelierBridge {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutput<K>>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
  /**
   * Desktop only: starts an OS drag of an output's original (written with its metadata per the setting to a
   * temp file), to drop onto the desktop, a folder or another app. Call it from a `dragstart` that was
   * prevented (Electron's `webContents.startDrag`).
   */
  startDrag?(outputId: number): void;
}

/** Channel names used by the Electron transport; kept here so preload and main agree. */
export const IPC_CALL_PREFIX = 'atelier:call:';
export const IPC_EVENT_CHANNEL = 'atelier:event';
export const IPC_DRAG_OUT_CHANNEL = 'atelier:drag-out';
