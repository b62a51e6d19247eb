/**
 * Calls `then` once the page is idle (at most `timeout` ms later): the place for work the first screen does
 * not need. Returns the function that cancels it.
 */
export function whenIdle(then: () => void, timeout = 1_500): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(then, { timeout });
    return () => cancelIdleCallback(id);
  }
  const timer = setTimeout(then, 200);
  return () => clearTimeout(timer);
}
