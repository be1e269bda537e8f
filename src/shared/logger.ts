import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

/**
 * The logging surface the libraries in this project accept. It is pino's
 * shape (object first, constant message second), so a pino logger fits, and a
 * test can pass {@link silentLogger}.
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Paths redacted from every log line: credentials must never reach logs. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'authData',
  '*.authData',
  'password',
  '*.password',
  'key',
  '*.privateKey',
];

/** Creates the process logger: JSON lines on stdout, with secrets redacted. */
export function createLogger(options: LoggerOptions = {}): PinoLogger {
  return pino({
    level: process.env['LOG_LEVEL'] ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...options,
  });
}

/** A logger that discards everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
