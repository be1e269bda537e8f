import type { Logger } from './logger.ts';

/**
 * Stops a process gracefully on SIGTERM or SIGINT: runs `stop` once, exits 0
 * when it resolves and 1 when it rejects or outlives `timeoutMs` (so a hung
 * drain never keeps a pod in Terminating past its grace period).
 *
 * @returns `isStopping()`, true once a signal has started the shutdown.
 */
export function exitOnSignals(options: {
  logger: Logger;
  stop: () => Promise<void>;
  /** Hard deadline for `stop`, in milliseconds. */
  timeoutMs: number;
}): { isStopping: () => boolean } {
  const { logger, stop, timeoutMs } = options;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    stop().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { isStopping: () => stopping };
}
