/**
 * Building attempt results the same way in every adapter: failures, the problem an exchange ended in,
 * and the one request a key check makes.
 */
import type { Clock, FetchLike } from '../ports';
import { clip, type Exchange, exchange, redact } from './http';
import type { AttemptFailure, KeyCheck } from './types';

/** A failure before the request and warnings are attached. */
export type Classified = Omit<AttemptFailure, 'requestSent' | 'warnings'>;

/** What every attempt records, failed or not. */
export interface Sent {
  requestSent: Record<string, unknown>;
  warnings: string[];
}

/** An adapter's map from a provider's non-2xx answer onto the closed set; `secret` is removed from messages. */
export type Classify = (
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
  secret: string,
) => Classified;

/**
 * What a classifier builds its results from: the message the provider stated (or a plain one when it stated
 * none), clipped and with the key removed, and `as(outcome)` for each class it may choose.
 */
export function refusal(
  status: number,
  providerCode: string | null,
  stated: string | null,
  name: string,
  secret: string,
): { message: string; as(outcome: Classified['outcome'], retryAfterMs?: number | null): Classified } {
  // Only what the provider stated is redacted: our own wording names the provider, which a key may too.
  const message =
    stated === null
      ? `${name} answered HTTP ${status} without an error message`
      : redact(clip(stated, 1000), secret);
  return {
    message,
    as: (outcome, retryAfterMs = null) => ({
      outcome,
      httpStatus: status,
      providerCode,
      providerMessage: message,
      retryAfterMs,
    }),
  };
}

export function plain(
  outcome: Classified['outcome'],
  message: string,
  httpStatus: number | null = null,
): Classified {
  return { outcome, httpStatus, providerCode: null, providerMessage: message, retryAfterMs: null };
}

export function failure(
  base: Sent,
  outcome: AttemptFailure['outcome'],
  httpStatus: number | null,
  providerCode: string | null,
  providerMessage: string,
  retry: number | null = null,
): AttemptFailure {
  return { ...base, outcome, httpStatus, providerCode, providerMessage, retryAfterMs: retry };
}

/** `No ComfyUI server answers at URL: fetch failed (ECONNREFUSED).`: a local server's refused connection, said plainly. */
export function unreachable(name: string, endpoint: string, message: string, secret: string): string {
  const refused = /^Could not reach .+? at \S+: (.*)$/.exec(message);
  return redact(refused ? `No ${name} server answers at ${endpoint}: ${refused[1]}` : message, secret);
}

export function is2xx(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** A 2xx answer, read whole. */
export type Answered = Extract<Exchange, { kind: 'response' }>;

/** The 2xx answer, or why there is none: an abort, the network (the key removed), or the classified refusal. */
export function answered(
  answer: Exchange,
  classify: Classify,
  secret: string,
  clock: Pick<Clock, 'now'>,
): Answered | Classified {
  if (answer.kind === 'cancelled') return plain('cancelled', answer.message);
  if (answer.kind === 'network') return plain('unavailable', redact(answer.message, secret));
  if (is2xx(answer.status)) return answer;
  return classify(answer.status, answer.headers, answer.text, clock.now(), secret);
}

export function isProblem<T extends object>(value: T | Classified): value is Classified {
  return 'outcome' in value;
}

export interface KeyRequest {
  url: string;
  method?: string;
  headers: Record<string, string>;
  body?: FormData;
}

/** The answer a key check hands back to its adapter to read. */
export interface KeyAnswer {
  status: number;
  text: string;
}

/**
 * A key check's one request: the KeyCheck for an abort, the network or a refusal, else the answer
 * (`handBack` picks the statuses the adapter reads itself: 2xx, and for some a telling 404 or 422).
 */
export async function askWithKey(
  call: { fetch: FetchLike; signal: AbortSignal; clock: Clock },
  request: KeyRequest,
  name: string,
  secret: string,
  classify: Classify,
  handBack: (status: number) => boolean = is2xx,
): Promise<KeyCheck | KeyAnswer> {
  const answer = await exchange(
    call.fetch,
    request.url,
    {
      method: request.method ?? 'GET',
      headers: request.headers,
      ...(request.body ? { body: request.body } : {}),
      signal: call.signal,
    },
    name,
  );
  if (answer.kind === 'cancelled') return { outcome: 'cancelled', message: answer.message };
  if (answer.kind === 'network') return { outcome: 'unavailable', message: redact(answer.message, secret) };
  if (handBack(answer.status)) return { status: answer.status, text: answer.text };
  const failed = classify(answer.status, answer.headers, answer.text, call.clock.now(), secret);
  return { outcome: failed.outcome, message: failed.providerMessage };
}

export function isKeyCheck(value: KeyCheck | KeyAnswer): value is KeyCheck {
  return 'outcome' in value;
}

/** POSTs a JSON body and reads the answer: the 2xx answer, or the failure classified (never throws). */
export async function postJson(
  call: { fetch: FetchLike; signal: AbortSignal; clock: Pick<Clock, 'now'> },
  request: { url: string; headers: Record<string, string>; body: unknown },
  name: string,
  classify: Classify,
  secret: string,
): Promise<Answered | Classified> {
  const exchanged = await exchange(
    call.fetch,
    request.url,
    {
      method: 'POST',
      headers: { ...request.headers, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request.body),
      signal: call.signal,
    },
    name,
  );
  return answered(exchanged, classify, secret, call.clock);
}
