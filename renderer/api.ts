// The renderer's only way to the main process: IPC through the preload in the desktop app,
// loopback HTTP + Server-Sent Events when served to a browser by `npm run serve`.
import type { AtelierBridge } from '../shared/bridge';
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../shared/contract';
import type { AppErrorShape, Result } from '../shared/result';
import { type ConnectionState, streamEvents } from './lib/event-stream';

declare global {
  interface Window {
    atelier?: AtelierBridge;
  }
}

export type ApiMode = 'desktop' | 'browser';
export type { ConnectionState };

export interface Api {
  readonly mode: ApiMode;
  /** False in browser mode when the page was opened without its access token. */
  readonly hasToken: boolean;
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutput<K>>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
  mediaUrl(relativePath: string): string;
  /** Where an output's original downloads from, written with its metadata per the setting (the library file is only read). */
  downloadUrl(outputId: number): string;
  /**
   * Makes a drag of an output also a drag out of the app: in the browser, Chromium's `DownloadURL` (dropping on
   * the desktop downloads through `downloadUrl`); returns false on the desktop, where `startDrag` does it.
   */
  offerDragOut(data: DataTransfer, outputId: number, fileName: string, contentType: string): boolean;
  /** Desktop only: an OS drag of the output's file (call from a prevented `dragstart`). */
  startDrag: ((outputId: number) => void) | null;
  connection(): ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

const TOKEN_KEY = 'atelier.token';
const UNREACHABLE: AppErrorShape = {
  code: 'unavailable',
  message: 'Atelier is not reachable. Check that `npm run serve` is still running, then reload this page.',
};

function encodePath(relativePath: string): string {
  return relativePath
    .replaceAll('\\', '/')
    .split('/')
    .filter((segment) => segment.length > 0)
    .map(encodeURIComponent)
    .join('/');
}

function isResult(body: unknown): body is Result<unknown> {
  if (typeof body !== 'object' || body === null || !('ok' in body)) return false;
  if (body.ok === true) return 'value' in body;
  if (body.ok !== false || !('error' in body)) return false;
  const { error } = body;
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    'message' in error &&
    typeof error.message === 'string'
  );
}

/** Takes the token out of `#token=…` (so it is neither bookmarked nor shared) and keeps it for this tab. */
function takeToken(): string | null {
  const hash = window.location.hash.replace(/^#/, '');
  const params = new URLSearchParams(hash);
  const fromHash = params.get('token');
  if (fromHash) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromHash);
    } catch {
      // Storage may be disabled; the token still works for this page load.
    }
    params.delete('token');
    const rest = params.toString();
    const url = `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`;
    window.history.replaceState(window.history.state, '', url);
    return fromHash;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

type AnyListener = (payload: unknown) => void;

class Listeners {
  private readonly byName = new Map<string, Set<AnyListener>>();
  add(name: string, listener: AnyListener): () => void {
    let set = this.byName.get(name);
    if (!set) {
      set = new Set();
      this.byName.set(name, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }
  emit(name: string, payload: unknown): void {
    for (const listener of this.byName.get(name) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        console.error(`Atelier: a listener for "${name}" failed`, error);
      }
    }
  }
}

class ConnectionWatch {
  private state: ConnectionState = 'connecting';
  private readonly listeners = new Set<(state: ConnectionState) => void>();
  get(): ConnectionState {
    return this.state;
  }
  set(next: ConnectionState): void {
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener(next);
  }
  subscribe(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

function desktopApi(bridge: AtelierBridge): Api {
  const connection = new ConnectionWatch();
  connection.set('open');
  return {
    mode: 'desktop',
    hasToken: true,
    call: async (name, input) => {
      try {
        return await bridge.call(name, input);
      } catch {
        return { ok: false, error: UNREACHABLE };
      }
    },
    on: (name, listener) => bridge.on(name, listener),
    mediaUrl: (relativePath) => `atelier-media://local/${encodePath(relativePath)}`,
    downloadUrl: (outputId) => `atelier-media://local/download/output/${outputId}`,
    offerDragOut: () => false,
    startDrag: bridge.startDrag ? (outputId) => bridge.startDrag?.(outputId) : null,
    connection: () => connection.get(),
    onConnection: (listener) => connection.subscribe(listener),
  };
}

function browserApi(token: string | null): Api {
  const listeners = new Listeners();
  const connection = new ConnectionWatch();
  let streaming = false;

  const headers = (): Record<string, string> => ({
    Authorization: `Bearer ${token ?? ''}`,
    'Content-Type': 'application/json',
  });

  return {
    mode: 'browser',
    hasToken: token !== null,
    call: async <K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutput<K>>> => {
      let response: Response;
      try {
        response = await fetch(`/api/call/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: headers(),
          body: JSON.stringify(input ?? {}),
          cache: 'no-store',
        });
      } catch {
        return { ok: false, error: UNREACHABLE };
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        return { ok: false, error: UNREACHABLE };
      }
      // Only the envelope is checked. Outputs are parsed by neither side at run time: the handlers are typed
      // against the output schemas, and the core's tests parse every output with its schema (test/support/core.ts).
      return isResult(body) ? (body as Result<CallOutput<K>>) : { ok: false, error: UNREACHABLE };
    },
    on: <K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void) => {
      if (!streaming && token !== null) {
        streaming = true;
        void streamEvents({
          url: '/api/events',
          token,
          onEvent: (event, payload) => listeners.emit(event, payload),
          onState: (state) => connection.set(state),
        });
      }
      return listeners.add(name, listener as AnyListener);
    },
    mediaUrl: (relativePath) => `/media/${encodePath(relativePath)}?token=${encodeURIComponent(token ?? '')}`,
    downloadUrl: (outputId) => `/download/output/${outputId}?token=${encodeURIComponent(token ?? '')}`,
    offerDragOut(data, outputId, fileName, contentType) {
      const url = new URL(
        `/download/output/${outputId}?token=${encodeURIComponent(token ?? '')}`,
        window.location.href,
      );
      data.setData('DownloadURL', `${contentType}:${fileName}:${url.href}`);
      return true;
    },
    startDrag: null,
    connection: () => connection.get(),
    onConnection: (listener) => connection.subscribe(listener),
  };
}

function createApi(): Api {
  if (window.atelier) return desktopApi(window.atelier);
  return browserApi(takeToken());
}

export const api: Api = createApi();
