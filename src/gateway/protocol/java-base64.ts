/**
 * Java's strict `Base64.getDecoder()` (RFC 4648 basic alphabet), which the reference uses for
 * publish payloads, ack/nack message ids and the reader's `messageId` (§4.3). Node's
 * `Buffer.from(s, 'base64')` silently accepts anything, so inputs are validated first.
 *
 * Accepted: standard alphabet only; padding optional (`aGk`), but when present it must be
 * complete (`aGk=` ok, `aG==` ok, `aGk==` / `aG=` rejected). Rejected: URL-safe `-`/`_`,
 * whitespace, a single dangling character.
 */

/** A decoding failure carrying the JDK's `IllegalArgumentException` message. */
export class JavaBase64Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JavaBase64Error';
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const FROM_BASE64 = new Int8Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) FROM_BASE64[ALPHABET.charCodeAt(i)] = i;
FROM_BASE64['='.charCodeAt(0)] = -2;

/**
 * Decodes `s` exactly as `java.util.Base64.getDecoder().decode(String)` does.
 *
 * Fast path (every well-formed publish): Node's native decoder, then its re-encoding compared
 * with the input. Node's re-encoding is canonical base64, so equality (up to the padding the
 * input may omit) proves the input was valid for Java too; a mismatch (an illegal character, bad
 * padding, or merely non-zero trailing bits, which Java accepts) takes the JDK algorithm below.
 * This replaced a validating regular expression that cost 12% of the gateway's CPU under publish
 * load; native decode + encode + compare cost about a third of it (BENCHMARKS.md).
 *
 * @throws JavaBase64Error with the JDK's message (e.g. `Illegal base64 character 20`).
 */
export function decodeJavaBase64(s: string): Uint8Array {
  // Invalid, or valid but not canonical: run the JDK algorithm for the exact error or bytes.
  return decodeCanonicalBase64(s) ?? decodeSlow(s);
}

/**
 * The bytes of `s` when it is canonical base64 (what any encoder writes; padding optional),
 * else undefined. Java's decoder accepts every such input with these bytes.
 */
export function decodeCanonicalBase64(s: string): Buffer | undefined {
  const bytes = Buffer.from(s, 'base64');
  return isCanonicalOf(bytes.toString('base64'), s) ? bytes : undefined;
}

/** True when `s` is `encoded`, or `encoded` without all of its `=` padding (Java: all or none). */
function isCanonicalOf(encoded: string, s: string): boolean {
  if (encoded.length === s.length) return encoded === s;
  if (encoded.length < s.length || encoded.length - s.length > 2) return false;
  if (s.charCodeAt(s.length - 1) === 0x3d) return false;
  for (let i = s.length; i < encoded.length; i++) if (encoded.charCodeAt(i) !== 0x3d) return false;
  return encoded.startsWith(s);
}

/** `Base64.Decoder.decode` step by step (`decodedOutLength` then `decode0`), JDK 17. */
function decodeSlow(str: string): Uint8Array {
  // decode(String) encodes with ISO-8859-1: characters above U+00FF become '?'.
  const src = new Uint8Array(str.length);
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    src[i] = c > 0xff ? 0x3f : c;
  }
  const sl = src.length;
  if (sl === 0) return new Uint8Array(0);
  if (sl < 2) {
    throw new JavaBase64Error('Input byte[] should at least have 2 bytes for base64 bytes');
  }
  const dst: number[] = [];
  let sp = 0;
  let bits = 0;
  let shiftto = 18;
  while (sp < sl) {
    const raw = src[sp++]!;
    const b = FROM_BASE64[raw]!;
    if (b < 0) {
      if (b === -2) {
        if ((shiftto === 6 && (sp === sl || src[sp++] !== 0x3d)) || shiftto === 18) {
          throw new JavaBase64Error('Input byte array has wrong 4-byte ending unit');
        }
        break;
      }
      // Integer.toString of a signed byte, in hex: bytes ≥ 0x80 print as negative numbers.
      const signed = raw > 0x7f ? raw - 256 : raw;
      throw new JavaBase64Error(`Illegal base64 character ${signed.toString(16)}`);
    }
    bits |= b << shiftto;
    shiftto -= 6;
    if (shiftto < 0) {
      dst.push((bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff);
      shiftto = 18;
      bits = 0;
    }
  }
  if (shiftto === 6) dst.push((bits >> 16) & 0xff);
  else if (shiftto === 0) dst.push((bits >> 16) & 0xff, (bits >> 8) & 0xff);
  else if (shiftto === 12) {
    throw new JavaBase64Error('Last unit does not have enough valid bits');
  }
  if (sp < sl) throw new JavaBase64Error(`Input byte array has incorrect ending byte at ${sp}`);
  return Uint8Array.from(dst);
}

/** Standard base64 with padding, as `Base64.getEncoder()` writes it. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
