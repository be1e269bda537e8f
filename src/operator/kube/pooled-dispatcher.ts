import type { RequestContext, SecurityAuthentication } from '@kubernetes/client-node';

/** Default time one connection pool is reused before the next request gets a fresh one: 5 min. */
export const DISPATCHER_MAX_AGE_MS = 5 * 60_000;

/** What {@link pooledDispatcher} needs of a dispatcher: undici's `Dispatcher.close`. */
interface Closable {
  close(): Promise<void>;
}

/** Options of {@link pooledDispatcher}. */
export interface PooledDispatcherOptions {
  /** How long one pool is reused, in ms (default {@link DISPATCHER_MAX_AGE_MS}). */
  maxAgeMs?: number;
  /** Monotonic time in ms (default `performance.now`). */
  now?: () => number;
}

/**
 * Wraps a kubeconfig's authentication so that requests share one keep-alive connection pool.
 *
 * Why: client-node 2.x builds a new undici `Agent` inside `applySecurityAuthentication` for
 * every request when the cluster uses TLS options (a CA, client certificates), so every API
 * call paid a TCP connect and a TLS handshake (with a freshly parsed secure context), and left
 * an idle agent behind. This keeps the first agent and hands it to later requests; the fresh
 * one each call builds is closed unused (it has no connection yet). The pool is replaced after
 * `maxAgeMs` so rotated CA or client-certificate files are picked up, as a restart would; the
 * old pool is closed gracefully (requests in flight finish). Headers (bearer tokens, which do
 * rotate) are still applied per request by the wrapped authentication.
 */
export function pooledDispatcher(
  inner: SecurityAuthentication,
  options: PooledDispatcherOptions = {},
): SecurityAuthentication {
  const maxAgeMs = options.maxAgeMs ?? DISPATCHER_MAX_AGE_MS;
  const now = options.now ?? ((): number => performance.now());
  let pool:
    | { dispatcher: NonNullable<ReturnType<RequestContext['getDispatcher']>>; at: number }
    | undefined;
  const close = (d: unknown): void => {
    // Closing never blocks the request; a failure to close an agent is not worth one.
    (d as Closable).close().catch(() => {});
  };
  return {
    getName: () => inner.getName(),
    async applySecurityAuthentication(context: RequestContext): Promise<void> {
      await inner.applySecurityAuthentication(context);
      const fresh = context.getDispatcher();
      if (fresh === undefined) return;
      const t = now();
      if (pool === undefined || t - pool.at >= maxAgeMs) {
        const old = pool;
        pool = { dispatcher: fresh, at: t };
        if (old !== undefined) close(old.dispatcher);
        return;
      }
      close(fresh);
      context.setDispatcher(pool.dispatcher);
    },
  };
}
