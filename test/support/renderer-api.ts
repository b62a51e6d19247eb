// A scripted main process for renderer store tests: every call is recorded and answered by the test's script.
//
//   vi.mock('../api', async () => ({ api: (await import('../../test/support/renderer-api')).stubApi }));
//
// The script lives on globalThis, so a store imported again after `vi.resetModules()` (a fresh store, as after
// a reload) still talks to the same script as the test.

export type Answer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
export type ApiCall = { name: string; input: Record<string, unknown> };
type Script = (name: string, input: Record<string, unknown>) => Answer | Promise<Answer>;

interface State {
  calls: ApiCall[];
  script: Script;
}

const KEY = Symbol.for('atelier.test.rendererApi');
const unscripted: Script = (name) => {
  throw new Error(`the test did not script an answer for ${name}`);
};
const holder = globalThis as typeof globalThis & { [KEY]?: State };
holder[KEY] ??= { calls: [], script: unscripted };
const state: State = holder[KEY];

/** Every call the renderer made since the last `resetApi()`, in order. */
export const apiCalls: readonly ApiCall[] = state.calls;

/** Answers the next calls with `script` (it may throw for a call the test does not expect). */
export function answerWith(script: Script): void {
  state.script = script;
}

/** Forgets the calls and the script. */
export function resetApi(): void {
  state.calls.length = 0;
  state.script = unscripted;
}

export const ok = (value: unknown): Answer => ({ ok: true, value });
export const fail = (code: string, message: string): Answer => ({ ok: false, error: { code, message } });

/** An answer given later, to hold a call in flight while something else happens (any value, Answer by default). */
export function heldAnswer<T = Answer>(): { promise: Promise<T>; release(answer: T): void } {
  let release: (answer: T) => void = () => {};
  const promise = new Promise<T>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** Stands in for `renderer/api.ts`'s `api`. */
export const stubApi = {
  call(name: string, input: Record<string, unknown>): Promise<Answer> {
    state.calls.push({ name, input });
    return new Promise<Answer>((resolve) => resolve(state.script(name, input)));
  },
  on: () => () => {},
  /** The event stream's state never changes here. */
  onConnection: () => () => {},
  /** As the served app spells a media URL, without a token. */
  mediaUrl: (relativePath: string): string => `/media/${relativePath}`,
};
