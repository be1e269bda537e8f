/**
 * CRC32C (Castagnoli: reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF), the checksum
 * of Pulsar payload frames (docs/pulsar-binary-protocol.md §1.2). Node's zlib.crc32 is the IEEE
 * polynomial and cannot be used (§4).
 *
 * Slice-by-8: eight 256-entry tables let the main loop consume 8 bytes per iteration; measured at
 * roughly 650 MB/s in pure JS (§4), fast enough that no native accelerator is needed for now.
 */

const POLY = 0x82f63b78;

const TABLES: Uint32Array[] = buildTables();

function buildTables(): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[i] = c >>> 0;
  }
  tables.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1]!;
    const next = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      const p = prev[i]!;
      next[i] = (p >>> 8) ^ t0[p & 0xff]!;
    }
    tables.push(next);
  }
  return tables;
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/**
 * Continues a CRC32C over `data`. Start with `crc = 0` (the default) for a fresh checksum; pass a
 * previous result to checksum data given in several pieces. Returns an unsigned 32-bit value.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const lo =
      (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c =
      T7[lo & 0xff]! ^
      T6[(lo >>> 8) & 0xff]! ^
      T5[(lo >>> 16) & 0xff]! ^
      T4[lo >>> 24]! ^
      T3[data[i + 4]!]! ^
      T2[data[i + 5]!]! ^
      T1[data[i + 6]!]! ^
      T0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = (c >>> 8) ^ T0[(c ^ data[i]!) & 0xff]!;
  return ~c >>> 0;
}
