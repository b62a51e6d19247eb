// The browser-mode event stream: one long-lived `GET /api/events`, parsed by `eventsource-parser`, restored with
// backoff when it drops.
//
// Not the browser's own `EventSource`: it cannot send the `Authorization` header (the token would have to travel
// in the URL, where proxies and history keep it), and on a failure it tells neither the HTTP status nor whether
// it will retry, so a refused token (401) could not be told from a server that is down. Not
// `@microsoft/fetch-event-source` either: unmaintained since 2021, and its retry policy would replace ours.
import { type EventSourceMessage, EventSourceParserStream } from 'eventsource-parser/stream';

/** `open`: events flow. `connecting`/`reconnecting`: the stream dropped and is being restored. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

export interface EventStreamOptions {
  url: string;
  token: string | null;
  /** An event with its name (`message` when the server sent none) and its JSON data, parsed. */
  onEvent(name: string, payload: unknown): void;
  onState(state: ConnectionState): void;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
const UNAUTHORIZED_DELAY_MS = 30_000;

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads the stream for as long as the page lives. A dropped or refused connection is retried after 0.5 s, doubling
 * up to 10 s (plus up to 0.25 s of jitter), back to 0.5 s once a connection opens; a refused token is retried
 * every 30 s.
 */
export async function streamEvents(options: EventStreamOptions): Promise<never> {
  const { onEvent, onState } = options;
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  let delay = FIRST_DELAY_MS;
  let everOpened = false;
  for (;;) {
    onState(everOpened ? 'reconnecting' : 'connecting');
    try {
      const response = await fetchFn(options.url, {
        headers: { Authorization: `Bearer ${options.token ?? ''}`, Accept: 'text/event-stream' },
        cache: 'no-store',
      });
      if (response.status === 401) {
        onState('unauthorized');
        await sleep(UNAUTHORIZED_DELAY_MS);
        continue;
      }
      if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
      everOpened = true;
      delay = FIRST_DELAY_MS;
      onState('open');
      const reader = response.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream())
        .getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        deliver(value, onEvent);
      }
    } catch {
      // Dropped or refused: fall through to the backoff below.
    }
    onState(everOpened ? 'reconnecting' : 'connecting');
    await sleep(delay + random() * 250);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

/** Every event Atelier sends carries JSON; anything else is not ours and is skipped. */
function deliver(event: EventSourceMessage, onEvent: EventStreamOptions['onEvent']): void {
  let payload: unknown;
  try {
    payload = JSON.parse(event.data);
  } catch {
    return;
  }
  onEvent(event.event ?? 'message', payload);
}
