import { setTimeout as delay } from 'node:timers/promises';

/**
 * Retries `check` until it stops throwing or `timeoutMs` passes, then
 * rethrows its last error. For asserting state that a controller or broker
 * reaches asynchronously, without fixed sleeps.
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await delay(intervalMs);
    }
  }
}
