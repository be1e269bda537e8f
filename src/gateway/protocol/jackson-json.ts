/**
 * JSON reading with the leniency of the reference's Jackson 2.18 `ObjectMapper`
 * (pulsar-websocket-api.md §4.2, checked locally there): unknown fields ignored, trailing content
 * after the top-level value ignored, scalars coerced into the declared field types. Field
 * coercers return a {@link Coerced} instead of throwing, since a mismatch is ordinary client input.
 */

/** The exact source text of a JSON number, kept when a number lands in a string field. */
export class JsonNumber {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
}

/** Result of parsing a frame: a value, or Jackson-like failure text. */
export type JsonRead = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Reads the first JSON value of `text`, ignoring anything after it (Jackson's default
 * `FAIL_ON_TRAILING_TOKENS=false`).
 *
 * @param keepNumberSource when true, every number becomes a {@link JsonNumber} with its source
 *   text, so `"context": 1.50` can become the string `"1.50"` exactly as Jackson coerces it.
 */
export function readJson(text: string, keepNumberSource = false): JsonRead {
  const reviver = keepNumberSource ? numberSourceReviver : undefined;
  try {
    return { ok: true, value: JSON.parse(text, reviver) as unknown };
  } catch (err) {
    const end = endOfFirstValue(text);
    if (end !== undefined && end < text.length) {
      try {
        return { ok: true, value: JSON.parse(text.slice(0, end), reviver) as unknown };
      } catch {
        // fall through to the original error
      }
    }
    if (text.trim() === '') return { ok: false, message: 'No content to map due to end-of-input' };
    return { ok: false, message: (err as Error).message };
  }
}

function numberSourceReviver(
  this: unknown,
  _key: string,
  value: unknown,
  context?: { source?: string },
): unknown {
  return typeof value === 'number' && context?.source !== undefined
    ? new JsonNumber(context.source)
    : value;
}

/**
 * Index just past the first top-level object or array, by bracket matching outside strings;
 * undefined if the text does not start with one or it never closes.
 */
function endOfFirstValue(text: string): number | undefined {
  let i = 0;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  const open = text[i];
  if (open !== '{' && open !== '[') return undefined;
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return undefined;
}

/** A coerced field value, or the reason it cannot be read into the field's Java type. */
export type Coerced<T> = { ok: true; value: T } | { ok: false; message: string };

function fail(javaType: string, value: unknown): { ok: false; message: string } {
  const shape = Array.isArray(value) ? 'Array value' : 'Object value';
  return { ok: false, message: `Cannot deserialize value of type \`${javaType}\` from ${shape}` };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** Jackson's object check for the top-level frame. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return isRecord(v);
}

/**
 * A `String` field: strings as is, numbers as their source text, booleans as `true`/`false`,
 * null/absent as undefined; objects and arrays fail.
 */
export function coerceString(v: unknown): Coerced<string | undefined> {
  if (v === undefined || v === null) return { ok: true, value: undefined };
  if (typeof v === 'string') return { ok: true, value: v };
  if (v instanceof JsonNumber) return { ok: true, value: v.source };
  if (typeof v === 'number') return { ok: true, value: String(v) };
  if (typeof v === 'boolean') return { ok: true, value: String(v) };
  return fail('java.lang.String', v);
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INT_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function integral(
  v: unknown,
  javaType: 'long' | 'int' | 'java.lang.Integer',
  min: bigint,
  max: bigint,
): Coerced<bigint | undefined> {
  if (v === undefined || v === null) return { ok: true, value: undefined };
  let text: string;
  if (v instanceof JsonNumber) text = v.source;
  else if (typeof v === 'number') text = Number.isInteger(v) ? BigInt(v).toString() : String(v);
  else if (typeof v === 'string') {
    text = v.trim();
    if (text === '') return { ok: true, value: undefined };
    if (!INT_TEXT.test(text)) {
      return {
        ok: false,
        message: `Cannot deserialize value of type \`${javaType}\` from String "${v}": not a valid \`${javaType}\` value`,
      };
    }
  } else if (typeof v === 'boolean') {
    return {
      ok: false,
      message: `Cannot deserialize value of type \`${javaType}\` from Boolean value`,
    };
  } else return fail(javaType, v);

  let big: bigint;
  if (INT_TEXT.test(text)) big = BigInt(text);
  else if (FLOAT_TEXT.test(text)) {
    // ACCEPT_FLOAT_AS_INT: 1.7 → 1, -1.7 → -1 (truncation toward zero).
    const n = Math.trunc(Number(text));
    if (!Number.isFinite(n)) return { ok: false, message: `Numeric value (${text}) out of range` };
    big = BigInt(n);
  } else return { ok: false, message: `Numeric value (${text}) not valid` };
  if (big < min || big > max) {
    return { ok: false, message: `Numeric value (${text}) out of range of ${javaType}` };
  }
  return { ok: true, value: big };
}

/** A primitive `long` field (null/absent/`""` → 0). */
export function coerceLong(v: unknown): Coerced<bigint> {
  const r = integral(v, 'long', LONG_MIN, LONG_MAX);
  return r.ok ? { ok: true, value: r.value ?? 0n } : r;
}

/** A boxed `Integer` field (null/absent/`""` → undefined). */
export function coerceInteger(v: unknown): Coerced<number | undefined> {
  const r = integral(v, 'java.lang.Integer', -(2n ** 31n), 2n ** 31n - 1n);
  return r.ok ? { ok: true, value: r.value === undefined ? undefined : Number(r.value) } : r;
}

/**
 * A `Map<String,String>` field: an object whose values are coerced like {@link coerceString}.
 * A `null` entry value is reported separately (`nullValueKey`), since the reference fails later
 * and differently for it (§4.5).
 */
export function coerceStringMap(
  v: unknown,
): Coerced<Record<string, string> | undefined> & { nullValueKey?: string } {
  if (v === undefined || v === null) return { ok: true, value: undefined };
  if (!isRecord(v)) {
    if (Array.isArray(v)) return fail('java.util.Map<java.lang.String,java.lang.String>', v);
    return {
      ok: false,
      message: 'Cannot construct instance of `java.util.LinkedHashMap` from a scalar value',
    };
  }
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let nullValueKey: string | undefined;
  for (const [k, raw] of Object.entries(v)) {
    if (raw === null) {
      nullValueKey ??= k;
      continue;
    }
    const s = coerceString(raw);
    if (!s.ok) return s;
    out[k] = s.value!;
  }
  return nullValueKey === undefined
    ? { ok: true, value: out }
    : { ok: true, value: out, nullValueKey };
}

/** A `List<String>` field: an array of scalars (a bare string is an error, no single-value unwrap). */
export function coerceStringList(v: unknown): Coerced<string[] | undefined> {
  if (v === undefined || v === null) return { ok: true, value: undefined };
  if (!Array.isArray(v)) {
    if (isRecord(v)) return fail('java.util.ArrayList<java.lang.String>', v);
    return {
      ok: false,
      message:
        'Cannot deserialize value of type `java.util.ArrayList<java.lang.String>` from String value',
    };
  }
  const out: string[] = [];
  for (const item of v as unknown[]) {
    const s = coerceString(item);
    if (!s.ok) return s;
    if (s.value === undefined) {
      return { ok: false, message: 'Null value in list of java.lang.String' };
    }
    out.push(s.value);
  }
  return { ok: true, value: out };
}
