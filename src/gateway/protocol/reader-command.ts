import { bindCommand } from './consumer-command.ts';
import type { InvalidCommand } from './consumer-command.ts';

/** A parsed reader frame (§7.2). */
export type ReaderCommand =
  | { kind: 'isEndOfTopic' }
  /** Any other valid JSON object: counts as an ack for flow control only; nothing goes to the broker. */
  | { kind: 'ack' }
  | InvalidCommand;

/**
 * Parses one reader text frame as `ReaderHandler.onWebSocketText` does: `isEndOfTopic` is
 * answered; every other frame (typically `{"messageId":"..."}`) only frees one slot of the push
 * window, whatever its `messageId` says. Invalid JSON: the reference attempts close code 3 and
 * still frees the slot; we close with 1007 (docs/compatibility.md).
 */
export function parseReaderCommand(text: string): ReaderCommand {
  const b = bindCommand(text);
  if (!b.ok) return b.invalid;
  return b.type === 'isEndOfTopic' ? { kind: 'isEndOfTopic' } : { kind: 'ack' };
}
