// Compile-time only (checked by `npm run typecheck`): the handler table and the contract list the same calls.
import type { CallName } from '../../../shared/contract';
import type { createHandlers } from './handlers';

type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type HandlerNames = keyof ReturnType<typeof createHandlers>;

export const everyCallHasAHandler: Exact<HandlerNames, CallName> = true;
export const noHandlerOutsideTheContract: Exact<Exclude<HandlerNames, CallName>, never> = true;
