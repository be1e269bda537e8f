/**
 * Progress lines for long dev-environment steps: every line carries the
 * component, the elapsed time, and what is happening, on stderr so test
 * reporters on stdout stay clean.
 */
const started = performance.now();

/** Prints one progress line: `[component +12.3s] message`. */
export function progress(component: string, message: string): void {
  const s = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[${component} +${s}s] ${message}\n`);
}

/** Seconds elapsed since `t0` (a `performance.now()` value), one decimal. */
export function secondsSince(t0: number): string {
  return ((performance.now() - t0) / 1000).toFixed(1);
}
