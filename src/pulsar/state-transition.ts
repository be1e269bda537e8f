import { PulsarError } from './errors.ts';

/** Allowed next states of each state of a lifecycle state machine. */
export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

/**
 * Checks `from → to` against `table` (connections, producers and consumers each keep one).
 * An illegal move is a bug in the client, reported as PULSAR_ERR_PROTOCOL naming `what`
 * (e.g. `consumer`) and both states.
 */
export function checkTransition<S extends string>(
  table: TransitionTable<S>,
  from: S,
  to: S,
  what: string,
): void {
  if (!table[from].includes(to)) {
    throw new PulsarError('PULSAR_ERR_PROTOCOL', `illegal ${what} transition ${from} → ${to}`);
  }
}
