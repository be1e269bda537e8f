/**
 * Timestamps as the reference writes and reads them: Pulsar's `DateFormatter`, i.e.
 * `DateTimeFormatter.ISO_OFFSET_DATE_TIME` (pulsar-websocket-api.md §8.2).
 */

/** A timestamp that `ISO_OFFSET_DATE_TIME` would not parse; message as `DateTimeParseException`. */
export class TimestampParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimestampParseError';
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Formats epoch milliseconds like the reference: seconds always printed, the fraction with the
 * fewest digits (none when zero), offset `Z` (the gateway formats in UTC; the reference uses its
 * JVM's zone, which in containers is normally UTC too — docs/compatibility.md):
 * `2024-06-19T07:13:57Z`, `2024-06-19T07:13:57.1Z`, `2024-06-19T07:13:57.123Z`.
 */
export function formatTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const year = d.getUTCFullYear();
  // ISO_LOCAL_DATE: four digits, a sign only beyond 9999 or below 0 (SignStyle.EXCEEDS_PAD).
  const y = year > 9999 ? `+${year}` : year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  let s = `${y}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(
    d.getUTCHours(),
    2,
  )}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const ms = d.getUTCMilliseconds();
  if (ms !== 0) s += '.' + pad(ms, 3).replace(/0+$/, '');
  return s + 'Z';
}

class Cursor {
  readonly text: string;
  pos = 0;
  constructor(text: string) {
    this.text = text;
  }
  fail(): never {
    throw new TimestampParseError(`Text '${this.text}' could not be parsed at index ${this.pos}`);
  }
  digits(min: number, max: number): number {
    let end = this.pos;
    while (end < this.text.length && end - this.pos < max && isDigit(this.text, end)) end++;
    if (end - this.pos < min) this.fail();
    const v = Number(this.text.slice(this.pos, end));
    this.pos = end;
    return v;
  }
  literal(ch: string): void {
    if (this.text[this.pos]?.toLowerCase() !== ch.toLowerCase()) this.fail();
    this.pos++;
  }
  peek(ch: string): boolean {
    return this.text[this.pos]?.toLowerCase() === ch.toLowerCase();
  }
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;

function range(text: string, field: string, min: number, max: number, v: number): void {
  if (v < min || v > max) {
    throw new TimestampParseError(
      `Text '${text}' could not be parsed: Invalid value for ${field} (valid values ${min} - ${max}): ${v}`,
    );
  }
}

/**
 * Parses an `eventTime` as `ISO_OFFSET_DATE_TIME` does: `yyyy-MM-ddTHH:mm[:ss[.fraction]]`
 * followed by an offset (`Z`, `+HH`, `+HH:MM`, `+HHMM`, `+HH:MM:SS`); case-insensitive `T`/`Z`;
 * strict calendar. A missing offset, a space instead of `T`, or epoch numbers fail (§8.2).
 *
 * @returns epoch milliseconds (sub-millisecond digits truncated, as `Instant.toEpochMilli`).
 * @throws TimestampParseError with a `DateTimeParseException`-style message.
 */
export function parseTimestamp(text: string): number {
  const c = new Cursor(text);
  let year: number;
  const sign = text[0];
  if (sign === '+' || sign === '-') {
    c.pos++;
    const start = c.pos;
    const v = c.digits(4, 10);
    if (sign === '+' && c.pos - start <= 4) {
      c.pos = 0;
      c.fail();
    }
    year = sign === '-' ? -v : v;
  } else {
    year = c.digits(4, 4);
  }
  c.literal('-');
  const month = c.digits(2, 2);
  c.literal('-');
  const day = c.digits(2, 2);
  c.literal('T');
  const hour = c.digits(2, 2);
  c.literal(':');
  const minute = c.digits(2, 2);
  let second = 0;
  let nanos = 0;
  if (c.peek(':')) {
    c.pos++;
    second = c.digits(2, 2);
    if (c.peek('.')) {
      c.pos++;
      const start = c.pos;
      while (c.pos < text.length && c.pos - start < 9 && isDigit(text, c.pos)) c.pos++;
      const frac = text.slice(start, c.pos);
      nanos = frac === '' ? 0 : Number(frac.padEnd(9, '0'));
    }
  }
  const offsetSeconds = parseOffset(c);
  if (c.pos !== text.length) {
    throw new TimestampParseError(
      `Text '${text}' could not be parsed, unparsed text found at index ${c.pos}`,
    );
  }
  range(text, 'MonthOfYear', 1, 12, month);
  range(text, 'DayOfMonth', 1, 31, day);
  range(text, 'HourOfDay', 0, 23, hour);
  range(text, 'MinuteOfHour', 0, 59, minute);
  range(text, 'SecondOfMinute', 0, 59, second);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCDate() !== day) {
    throw new TimestampParseError(
      `Text '${text}' could not be parsed: Invalid date '${MONTHS[month - 1]!} ${day}'`,
    );
  }
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime() - offsetSeconds * 1000 + Math.floor(nanos / 1e6);
}

function parseOffset(c: Cursor): number {
  if (c.peek('Z')) {
    c.pos++;
    return 0;
  }
  const sign = c.text[c.pos];
  if (sign !== '+' && sign !== '-') c.fail();
  const at = c.pos;
  c.pos++;
  const h = c.digits(2, 2);
  let m = 0;
  let s = 0;
  const part = (): number | undefined => {
    const save = c.pos;
    if (c.peek(':')) c.pos++;
    if (c.pos + 1 < c.text.length && isDigit(c.text, c.pos) && isDigit(c.text, c.pos + 1)) {
      return c.digits(2, 2);
    }
    c.pos = save;
    return undefined;
  };
  const mm = part();
  if (mm !== undefined) {
    m = mm;
    s = part() ?? 0;
  }
  if (h > 18 || m > 59 || s > 59 || (h === 18 && (m > 0 || s > 0))) {
    c.pos = at;
    c.fail();
  }
  const total = h * 3600 + m * 60 + s;
  return sign === '-' ? -total : total;
}
