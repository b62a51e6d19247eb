import {
  type CallName,
  type CallOutput,
  calls,
  isCallName,
  type ParsedInput,
} from '../../../shared/contract';
import { AppError, describeIssues, err, ok, type Result, zodIssues } from '../../../shared/result';
import type { Logger } from '../ports';

export type HandlerTable = { [K in CallName]: (input: ParsedInput<K>) => Promise<CallOutput<K>> };

/**
 * The one door into the core for every transport: the name is checked, the input parsed with
 * its schema before the handler runs, and every outcome becomes a Result (no exception escapes).
 */
export async function invokeCall(
  handlers: HandlerTable,
  name: unknown,
  rawInput: unknown,
  log: Logger,
): Promise<Result<unknown>> {
  if (!isCallName(name)) {
    return err('not_found', `There is no call named ${JSON.stringify(String(name)).slice(0, 80)}.`, {
      details: { unknownCall: true },
    });
  }
  const parsed = calls[name].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    // The issues carry each field's path; the message says the same in one line, for logs.
    return err('invalid_input', `${name}: ${describeIssues(issues)}`, { issues });
  }
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return ok(await handler(parsed.data));
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error: error.toShape() };
    log.error('call failed unexpectedly', {
      call: name,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    return err('internal', `Something went wrong in ${name}. The details were written to the log.`);
  }
}
