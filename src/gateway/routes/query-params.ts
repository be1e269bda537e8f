import { GatewayError } from '../errors.ts';

/** Decoded query parameters: the first value of each (case-sensitive) key. */
export type QueryParams = ReadonlyMap<string, string>;

const HEX2 = /^[0-9A-Fa-f]{2}$/;
const HEX4 = /^[0-9A-Fa-f]{4}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function badQuery(): GatewayError {
  return new GatewayError('GW_ERR_BAD_QUERY', 'Unable to parse URI query');
}

/**
 * Form-decodes one key or value as Jetty 9.4's `UrlEncoded.decodeUtf8To` does: `+` is a space,
 * `%XX` bytes are UTF-8, `%uXXXX` is a UTF-16 code unit. Malformed escapes or invalid UTF-8 are a
 * 400 (Jetty's "Unable to parse URI query").
 */
function formDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  let out = '';
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length === 0) return;
    try {
      out += strictUtf8.decode(Uint8Array.from(bytes));
    } catch {
      throw badQuery();
    }
    bytes = [];
  };
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if (c === '%') {
      if (s[i + 1] === 'u') {
        const hex = s.slice(i + 2, i + 6);
        if (!HEX4.test(hex)) throw badQuery();
        flush();
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 6;
      } else {
        const hex = s.slice(i + 1, i + 3);
        if (!HEX2.test(hex)) throw badQuery();
        bytes.push(Number.parseInt(hex, 16));
        i += 3;
      }
    } else {
      flush();
      out += c === '+' ? ' ' : c;
      i++;
    }
  }
  flush();
  return out;
}

/**
 * Parses a raw query string (without the leading `?`) into the servlet parameter view the
 * reference handlers use (pulsar-websocket-api.md §2.2): pairs split on `&`, key and value split
 * on the first `=`, both form-decoded (`+` → space, so a base64 message id must send `+` as
 * `%2B`); a key without `=` has the value `""`; empty pairs are skipped; for repeated keys the
 * **first** value wins.
 *
 * @throws GatewayError `GW_ERR_BAD_QUERY` (400) for malformed percent-escapes or invalid UTF-8.
 */
export function parseQueryString(rawQuery: string): QueryParams {
  const params = new Map<string, string>();
  if (rawQuery === '') return params;
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = formDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : formDecode(pair.slice(eq + 1));
    if (!params.has(key)) params.set(key, value);
  }
  return params;
}

/**
 * Splits a request target (`/ws/v2/...?a=b`) into its still-encoded path and its raw query.
 * The path is not normalized: the reference splits the raw request URI (§2.2 step 1).
 */
export function splitRequestTarget(target: string): { rawPath: string; rawQuery: string } {
  const q = target.indexOf('?');
  if (q < 0) return { rawPath: target, rawQuery: '' };
  return { rawPath: target.slice(0, q), rawQuery: target.slice(q + 1) };
}

/**
 * The query with configured defaults (`websocket.producerDefaults` / `consumerDefaults`) added
 * for keys the client did not send; the client's values always win. The result is parsed by the
 * endpoint's params parser like any query, so a bad default fails the same way.
 */
export function withDefaultParams(
  query: QueryParams,
  defaults: Readonly<Record<string, string>>,
): QueryParams {
  const keys = Object.keys(defaults);
  if (keys.length === 0) return query;
  const merged = new Map(query);
  for (const k of keys) if (!merged.has(k)) merged.set(k, defaults[k]!);
  return merged;
}
