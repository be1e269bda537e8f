interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/**
 * The callers blocked in `receive()`, served first come first served. Each one can be abandoned
 * through its AbortSignal (it then leaves the queue and rejects with the signal's reason); the
 * owner hands values out with {@link serve} and fails everyone with {@link rejectAll} on close.
 */
export class ReceiveWaiters<T> {
  #waiters: Waiter<T>[] = [];

  /** How many callers are waiting. */
  get size(): number {
    return this.#waiters.length;
  }

  /** Queues a caller; settles when served, rejected, or its `signal` aborts. */
  wait(signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal?.reason as Error);
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Resolves waiters in order with what `take` yields, until either runs out. */
  serve(take: () => T | undefined): void {
    while (this.#waiters.length > 0) {
      const value = take();
      if (value === undefined) return;
      const waiter = this.#waiters.shift()!;
      waiter.cleanup();
      waiter.resolve(value);
    }
  }

  /** Rejects and removes every waiter. */
  rejectAll(error: unknown): void {
    for (const w of this.#waiters.splice(0)) {
      w.cleanup();
      w.reject(error);
    }
  }
}
