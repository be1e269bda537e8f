/**
 * Exact re-implementations of the few Java library parsers whose quirks decide what the reference
 * proxy accepts (docs: pulsar-websocket-api.md §2.2, §4.1, §5.1). Each throws a
 * {@link JavaParseError} carrying the message text the JDK would put in its exception, so callers
 * can build the reference's `Invalid query params: <message>` answers.
 */

/** A parse failure with the JDK's exception message (NumberFormatException / IllegalArgumentException). */
export class JavaParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JavaParseError';
  }
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const LONG_MIN = -9223372036854775808n;
const LONG_MAX = 9223372036854775807n;

// ASCII digits only. Java's Character.digit also accepts other Unicode decimal digits (for
// example Arabic-Indic); we reject those on purpose (docs/compatibility.md).
const DECIMAL = /^[+-]?[0-9]+$/;

function parseBounded(s: string, min: bigint, max: bigint): bigint {
  if (!DECIMAL.test(s)) throw new JavaParseError(`For input string: "${s}"`);
  const v = BigInt(s);
  if (v < min || v > max) throw new JavaParseError(`For input string: "${s}"`);
  return v;
}

/**
 * `Integer.parseInt(s)`: optional single `+`/`-`, decimal digits, 32-bit range. Rejects `""`,
 * `" 1"`, `"1.0"`, `"+"`, `"0x1"`. Message as JDK 17: `For input string: "<s>"`.
 */
export function parseJavaInt(s: string): number {
  return Number(parseBounded(s, INT_MIN, INT_MAX));
}

/** `Long.parseLong(s)`: like {@link parseJavaInt} with the signed 64-bit range; returns a bigint. */
export function parseJavaLong(s: string): bigint {
  return parseBounded(s, LONG_MIN, LONG_MAX);
}

/** `Boolean.parseBoolean(s)`: true only for "true" in any letter case; never fails. */
export function parseJavaBoolean(s: string | undefined): boolean {
  return s !== undefined && s.length === 4 && s.toLowerCase() === 'true';
}

// Character.isWhitespace: Unicode space separators except the no-break ones (U+00A0, U+2007,
// U+202F), plus the ASCII controls \t \n \v \f \r and U+001C..U+001F.
const JAVA_BLANK =
  // eslint-disable-next-line no-control-regex -- Java counts these controls as whitespace
  /^[\t\n\v\f\r\u001C-\u001F \u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000]*$/;

/** Apache commons `StringUtils.isBlank`: empty or only Java whitespace. */
export function isJavaBlank(s: string): boolean {
  return JAVA_BLANK.test(s);
}

/** `String.trim()`: strips characters up to U+0020 from both ends (not other Unicode spaces). */
export function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) <= 0x20) end--;
  return s.slice(start, end);
}

/**
 * Guava `Enums.getIfPresent(E, s)` / `E.valueOf(s)`: the exact, case-sensitive constant name.
 * Returns the matching member or undefined.
 */
export function javaEnumValue<const T extends string>(
  members: readonly T[],
  s: string,
): T | undefined {
  return members.find((m) => m === s);
}

const HEX = /^[0-9A-Fa-f]$/;
const utf8 = new TextDecoder('utf-8');

function hexPairValue(a: string, b: string, s: string): number {
  // Integer.parseInt(s, i+1, i+3, 16) accepts a leading sign: "%+1" decodes to 0x01, "%-1" is a
  // negative value that URLDecoder then rejects.
  if (a === '+' || a === '-') {
    if (!HEX.test(b)) throw illegalHex(s, a + b);
    if (a === '-' && b !== '0') {
      throw new JavaParseError(
        'URLDecoder: Illegal hex characters in escape (%) pattern - negative value',
      );
    }
    return Number.parseInt(b, 16);
  }
  if (!HEX.test(a) || !HEX.test(b)) throw illegalHex(s, a + b);
  return Number.parseInt(a + b, 16);
}

function illegalHex(_s: string, pair: string): JavaParseError {
  // NumberFormatException.forCharSequence: the index of the first bad character in the pair.
  const first = pair[0]!;
  const index = first === '+' || first === '-' || HEX.test(first) ? 1 : 0;
  return new JavaParseError(
    `URLDecoder: Illegal hex characters in escape (%) pattern - Error at index ${index} in: "${pair}"`,
  );
}

/**
 * `java.net.URLDecoder.decode(s, UTF_8)` (what Pulsar's `Codec.decode` calls): `+` becomes a
 * space, runs of `%XX` are collected into bytes and decoded as UTF-8 (malformed sequences become
 * U+FFFD), any other character passes through. An incomplete trailing `%` or non-hex digits throw.
 */
export function javaUrlDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (c === '+') {
      out += ' ';
      i++;
    } else if (c === '%') {
      const bytes: number[] = [];
      while (i + 2 < n && s[i] === '%') {
        bytes.push(hexPairValue(s[i + 1]!, s[i + 2]!, s));
        i += 3;
      }
      if (i < n && s[i] === '%') {
        throw new JavaParseError('URLDecoder: Incomplete trailing escape (%) pattern');
      }
      out += utf8.decode(Uint8Array.from(bytes));
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
