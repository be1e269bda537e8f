export { BaseError, hasErrorCode } from './errors.ts';
export { systemClock, sleep, type Clock, type TimerHandle } from './clock.ts';
export { FakeClock } from './fake-clock.ts';
export { createLogger, silentLogger, REDACTED_PATHS, type Logger } from './logger.ts';
export { exitOnSignals } from './shutdown.ts';
export { metricsOn } from './metrics-on.ts';
