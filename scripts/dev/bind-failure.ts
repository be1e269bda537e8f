/**
 * How each of our services reports that its port was taken (EADDRINUSE), as seen in their
 * logs (samples in test/unit/dev/bind-failure.test.ts):
 * - Go (etcd, kube-apiserver, kube-controller-manager): `listen tcp 127.0.0.1:N: bind:
 *   address already in use`, inside a zap JSON line or a klog/cobra error line;
 * - Java (Pulsar broker, bookie, Jetty of the WebSocket proxy): `java.net.BindException:
 *   Address already in use`, or Netty's native transport `bind(..) failed: Address already
 *   in use`, often as the cause under a "Failed to bind" wrapper;
 * - Node: `EADDRINUSE`.
 * The strerror text of EADDRINUSE is the one thing all of them print verbatim, so that is
 * what we match. Other bind errors (EACCES, EADDRNOTAVAIL) are not races: new ports would
 * not help, so they do not count.
 */
const BIND_FAILURE = /address already in use|\bEADDRINUSE\b/i;

/** Longest excerpt returned, so a progress line stays one readable line. */
const MAX_EXCERPT = 240;

/**
 * The first log line of a failed service start that says a port was already taken, or
 * undefined when there is none. A child process shows a port race only through its log
 * text, so this is the one place that decides whether a start is retried on new ports.
 *
 * @param logText what the child wrote during the failed start attempt (not earlier runs)
 * @returns the matching line, trimmed to at most 240 characters
 */
export function findBindFailure(logText: string): string | undefined {
  for (const line of logText.split('\n')) {
    if (BIND_FAILURE.test(line)) {
      const trimmed = line.trim();
      return trimmed.length > MAX_EXCERPT ? `${trimmed.slice(0, MAX_EXCERPT - 3)}...` : trimmed;
    }
  }
  return undefined;
}
