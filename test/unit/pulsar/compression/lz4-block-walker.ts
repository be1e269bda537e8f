/** One LZ4 sequence as laid out in a block (test helper). */
export interface Lz4Sequence {
  /** Output position where the sequence's literals start. */
  literalStart: number;
  literals: number;
  /** Undefined for the final, literal-only sequence. */
  match?: { start: number; length: number; offset: number };
}

/**
 * Parses an LZ4 block into its sequences without decoding, so tests can
 * assert the format's end-of-block rules on our encoder's output.
 */
export function walkLz4Block(block: Buffer): Lz4Sequence[] {
  const out: Lz4Sequence[] = [];
  let ip = 0;
  let op = 0;
  const readLength = (base: number): number => {
    let n = base;
    if (base === 15) {
      let b: number;
      do {
        b = block[ip++]!;
        n += b;
      } while (b === 255);
    }
    return n;
  };
  while (ip < block.length) {
    const token = block[ip++]!;
    const literals = readLength(token >>> 4);
    const literalStart = op;
    ip += literals;
    op += literals;
    if (ip >= block.length) {
      out.push({ literalStart, literals });
      break;
    }
    const offset = block[ip]! | (block[ip + 1]! << 8);
    ip += 2;
    const length = readLength(token & 15) + 4;
    out.push({ literalStart, literals, match: { start: op, length, offset } });
    op += length;
  }
  return out;
}
