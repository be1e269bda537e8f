import { findBindFailure } from './bind-failure.ts';
import { progress } from './progress.ts';

/** Start attempts per service by default: one race in a row is rare, three is vanishing. */
export const DEFAULT_START_ATTEMPTS = 3;

/** What {@link retryOnBindFailure} needs to know about one service start. */
export interface PortRetryOptions<T> {
  /** Progress line component, e.g. `kube`. */
  component: string;
  /** The service, for the progress line, e.g. `etcd`. */
  what: string;
  /** Attempts in all, default {@link DEFAULT_START_ATTEMPTS}. */
  attempts?: number;
  /**
   * One attempt: chooses NEW ports, starts the process and waits until it is ready. When it
   * throws it must leave the process stopped.
   */
  attempt: (n: number) => Promise<T>;
  /** The log text the process wrote during the attempt that just failed. */
  logOfAttempt: () => string;
}

/**
 * Runs `attempt` until it succeeds, retrying only when the failed attempt's log shows a
 * port taken by someone else between our choice and the child's bind
 * ({@link findBindFailure}); any other failure, or the last attempt's, is thrown as is.
 * Each retry prints a progress line with the log line that proved the race.
 */
export async function retryOnBindFailure<T>(opts: PortRetryOptions<T>): Promise<T> {
  const attempts = opts.attempts ?? DEFAULT_START_ATTEMPTS;
  for (let n = 1; ; n++) {
    try {
      return await opts.attempt(n);
    } catch (err) {
      const line = n < attempts ? findBindFailure(opts.logOfAttempt()) : undefined;
      if (line === undefined) throw err;
      progress(
        opts.component,
        `${opts.what} could not bind a port chosen free a moment earlier (attempt ${n}/${attempts}); retrying on new ports. Log: ${line}`,
      );
    }
  }
}
