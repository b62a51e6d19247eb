import type { CallInput, CallName, CallOutput, EventName, EventPayload } from './contract';
import type { Result } from './result';

/** What the renderer can reach: exactly two functions, the same over IPC (preload) and loopback HTTP. */
export interface AtelierBridge {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutput<K>>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
}

/** Channel names used by the Electron transport; kept here so preload and main agree. */
export const IPC_CALL_PREFIX = 'atelier:call:';
export const IPC_EVENT_CHANNEL = 'atelier:event';
