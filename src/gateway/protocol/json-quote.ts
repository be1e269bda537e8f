// Characters Jackson escapes in strings: the quote, the backslash and C0 controls. Lone
// surrogates are escaped too (Jackson would emit invalid UTF-8 for them).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const SHORT: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * A JSON string literal for `s`, byte-identical to Jackson's output: short escapes for
 * `" \\ \b \f \n \r \t`, `\u00XX` with **uppercase** hex for other controls (JSON.stringify
 * writes lowercase), and `/` and non-ASCII left as is. Fast path: no escaping needed.
 */
export function jsonQuote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    const short = SHORT[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20) out += '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
    else if (code >= 0xd800 && code <= 0xdbff && isLow(s.charCodeAt(i + 1))) {
      out += ch + s[i + 1]!;
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += '\\u' + code.toString(16).toUpperCase();
    } else out += ch;
  }
  return out + '"';
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
