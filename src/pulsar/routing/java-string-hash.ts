/**
 * Java's `String.hashCode()`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code
 * units with 32-bit signed wrap-around. JS strings are UTF-16 too, so
 * non-BMP characters contribute their two surrogates, exactly as in Java.
 *
 * @returns a signed 32-bit integer
 */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The Java client's `JavaStringHash.makeHash(key)`: `String.hashCode()` masked
 * with `Integer.MAX_VALUE` (clears the sign bit; it does not take the absolute
 * value, so `Integer.MIN_VALUE` maps to 0). Pulsar's default `hashingScheme`.
 *
 * @returns an integer in [0, 2^31)
 */
export function javaStringHash(key: string): number {
  return javaStringHashCode(key) & 0x7fffffff;
}
