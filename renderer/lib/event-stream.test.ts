import { describe, expect, it } from 'vitest';
import { type ConnectionState, streamEvents } from './event-stream';

/** A response whose body sends `chunks` one read at a time, then ends (the server dropped the stream). */
function streamed(chunks: string[]): Response {
  const encoder = new TextEncoder();
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(encoder.encode(chunks[next++]));
      else controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

interface Harness {
  events: Array<[string, unknown]>;
  states: ConnectionState[];
  delays: number[];
  requests: Array<{ url: string; headers: Record<string, string> }>;
  /** Resolves once the stream waits for the `count`-th time (and it then waits forever). */
  waited: Promise<void>;
}

/** Runs the stream against `responses`, one per connection (an Error is a refused connection). */
function run(responses: Array<Response | Error>, stopAfterWaits: number): Harness {
  const harness = { events: [], states: [], delays: [], requests: [] } as unknown as Harness;
  let reached: () => void = () => {};
  harness.waited = new Promise((resolve) => {
    reached = resolve;
  });
  let connection = 0;
  void streamEvents({
    url: '/api/events',
    token: 'secret',
    onEvent: (name, payload) => harness.events.push([name, payload]),
    onState: (state) => harness.states.push(state),
    random: () => 0.5,
    fetch: async (input, init) => {
      harness.requests.push({ url: String(input), headers: init?.headers as Record<string, string> });
      const response = responses[connection++];
      if (!response || response instanceof Error) throw response ?? new Error('refused');
      return response;
    },
    sleep: (ms) => {
      harness.delays.push(ms);
      if (harness.delays.length < stopAfterWaits) return Promise.resolve();
      reached();
      return new Promise(() => {});
    },
  });
  return harness;
}

const transitions = (states: ConnectionState[]) => states.filter((state, i) => state !== states[i - 1]);

describe('event stream', () => {
  it('delivers named JSON events, across chunk boundaries, CR LF line ends included', async () => {
    const h = run(
      [
        streamed([
          ': connected\n\n',
          'event: run.progress\ndata: {"runId":1,',
          '"done":2}\n\nevent: run.completed\r',
          '\ndata: {"runId":1}\r\n\r',
          '\ndata: {"plain":true}\n\n',
          'event: junk\ndata: not json\n\nevent: empty\n\n: ping\n\n',
          'event: lines\ndata: [1,\ndata: 2]\n\n',
        ]),
      ],
      1,
    );
    await h.waited;
    expect(h.events).toEqual([
      ['run.progress', { runId: 1, done: 2 }],
      ['run.completed', { runId: 1 }],
      ['message', { plain: true }],
      ['lines', [1, 2]],
    ]);
    expect(h.requests[0]).toEqual({
      url: '/api/events',
      headers: { Authorization: 'Bearer secret', Accept: 'text/event-stream' },
    });
  });

  it('reconnects after a dropped stream, backing off only while connections fail', async () => {
    const h = run(
      [
        new Error('refused'),
        new Error('refused'),
        streamed(['event: a\ndata: 1\n\n']),
        streamed(['event: b\ndata: 2\n\n']),
        new Error('refused'),
      ],
      5,
    );
    await h.waited;
    expect(h.events).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    // 0.5 s, then doubled; an opened stream resets the delay; 0.125 s of jitter at random() = 0.5.
    expect(h.delays).toEqual([625, 1125, 625, 625, 1125]);
    // As the page shows them (it ignores a repeat of the current state).
    expect(transitions(h.states)).toEqual(['connecting', 'open', 'reconnecting', 'open', 'reconnecting']);
  });

  it('waits 30 s after a refused token, and caps the backoff at 10 s', async () => {
    const unauthorized = run([new Response('no', { status: 401 })], 2);
    await unauthorized.waited;
    expect(transitions(unauthorized.states)).toEqual(['connecting', 'unauthorized', 'connecting']);
    expect(unauthorized.delays).toEqual([30_000, 625]);

    const down = run([], 8);
    await down.waited;
    expect(down.delays).toEqual([625, 1125, 2125, 4125, 8125, 10_125, 10_125, 10_125]);
    expect(transitions(down.states)).toEqual(['connecting']);
  });
});
