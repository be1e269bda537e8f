import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `probe` until it returns true, or throws after `timeoutMs` with the
 * last error seen, so a service that never becomes ready says why.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; isAlive?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (opts.isAlive && !opts.isAlive()) {
      throw new Error(`${what}: the process exited before it became ready`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${what}: not ready after ${opts.timeoutMs} ms${detail}`);
    }
    await delay(opts.intervalMs ?? 250);
  }
}
