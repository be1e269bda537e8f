import { jsonQuote } from './json-quote.ts';
import type { SendErrorCode } from './publish-request.ts';

/*
 * The producer's answers (`data/ProducerAck.java`, pulsar-websocket-api.md §4.3): fields in the
 * order result, errorMsg, messageId, context, errorCode, schemaVersion; null fields omitted;
 * `errorCode` and `schemaVersion` always present and always 0. Hand-rolled because the ok ack is
 * written once per published message.
 */

const OK_HEAD = '{"result":"ok","messageId":"';
const TAIL = ',"errorCode":0,"schemaVersion":0}';

/**
 * The ok ack: `{"result":"ok","messageId":"<id>","context":"<ctx>","errorCode":0,"schemaVersion":0}`,
 * `context` omitted when the request had none.
 *
 * @param messageId standard base64 of the serialized message id (no escaping needed).
 */
export function okAck(messageId: string, context: string | undefined): string {
  return context === undefined
    ? OK_HEAD + messageId + '"' + TAIL
    : OK_HEAD + messageId + '","context":' + jsonQuote(context) + TAIL;
}

/**
 * An error ack: `{"result":"send-error:<code>","errorMsg":"...","context":"...","errorCode":0,"schemaVersion":0}`.
 * Code 3: frame not deserializable (never echo context); 7: payload/eventTime; 8: send failed.
 */
export function errorAck(
  code: SendErrorCode,
  errorMsg: string,
  context: string | undefined,
): string {
  const ctx = context === undefined ? '' : ',"context":' + jsonQuote(context);
  return `{"result":"send-error:${code}","errorMsg":${jsonQuote(errorMsg)}${ctx}${TAIL}`;
}
