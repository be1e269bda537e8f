import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPulsarError } from '../../../src/pulsar/errors.ts';
import { checkTransition, type TransitionTable } from '../../../src/pulsar/state-transition.ts';

type S = 'idle' | 'ready' | 'closed';
const TABLE: TransitionTable<S> = { idle: ['ready', 'closed'], ready: ['closed'], closed: [] };

describe('checkTransition', () => {
  it('accepts every move the table lists', () => {
    checkTransition(TABLE, 'idle', 'ready', 'thing');
    checkTransition(TABLE, 'idle', 'closed', 'thing');
    checkTransition(TABLE, 'ready', 'closed', 'thing');
  });

  it('rejects a move the table does not list with PULSAR_ERR_PROTOCOL naming both states', () => {
    for (const [from, to] of [
      ['ready', 'idle'],
      ['closed', 'ready'],
      ['ready', 'ready'],
    ] as const) {
      assert.throws(
        () => {
          checkTransition(TABLE, from, to, 'thing');
        },
        (err: unknown) =>
          isPulsarError(err, 'PULSAR_ERR_PROTOCOL') &&
          err.message.includes(`thing transition ${from} → ${to}`),
      );
    }
  });
});
