/**
 * The core as tests build it: every call's output and every event's payload is parsed with its schema, so a
 * handler that answers something other than what the contract promises fails the test that made the call.
 */
import { type Core, type CoreOptions, createCore } from '../../electron/core';
import { calls, events, isCallName } from '../../shared/contract';
import { AppErrorShape, describeZodError, type Result } from '../../shared/result';

/** Thrown (never returned) by a checked `invoke`: a broken promise is the test's failure, not a refusal. */
export class OutputMismatchError extends Error {
  constructor(name: string, detail: string) {
    super(`${name} answered an output its schema refuses: ${detail}`);
    this.name = 'OutputMismatchError';
  }
}

type Invoke = Core['invoke'];

/**
 * `invoke` whose answers are parsed as they would be read across the boundary: an output with its call's
 * output schema, a refusal with the error shape. The result is returned as is.
 */
export function checkedInvoke(invoke: Invoke): Invoke {
  return async (name, input) => {
    const result: Result<unknown> = await invoke(name, input);
    const schema = result.ok ? (isCallName(name) ? calls[name].output : null) : AppErrorShape;
    const parsed = schema?.safeParse(result.ok ? result.value : result.error);
    if (parsed && !parsed.success)
      throw new OutputMismatchError(String(name), describeZodError(parsed.error));
    return result;
  };
}

/**
 * The core with its `invoke` checked (see `checkedInvoke`), and every event it pushes parsed with the
 * event's schema: a payload the schema refuses makes `close()` throw, so the test that caused it fails.
 */
export function createTestCore(options: CoreOptions): Core {
  const core = createCore(options);
  const refused: string[] = [];
  core.events.subscribe((name, payload) => {
    const parsed = events[name].safeParse(payload);
    if (!parsed.success) refused.push(`${name}: ${describeZodError(parsed.error)}`);
  });
  return {
    ...core,
    invoke: checkedInvoke(core.invoke),
    async close() {
      await core.close();
      if (refused.length > 0) throw new OutputMismatchError('events', refused.join('; '));
    },
  };
}
