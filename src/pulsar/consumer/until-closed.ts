import { isPulsarError } from '../errors.ts';

/**
 * Async iteration over `next()`: yields each value and ends quietly when `next` rejects with
 * PULSAR_ERR_CLOSED (the consumer or reader was closed); any other error is thrown to the loop.
 */
export async function* untilClosed<T>(next: () => Promise<T>): AsyncGenerator<T, void, undefined> {
  for (;;) {
    try {
      yield await next();
    } catch (err) {
      if (isPulsarError(err, 'PULSAR_ERR_CLOSED')) return;
      throw err;
    }
  }
}
