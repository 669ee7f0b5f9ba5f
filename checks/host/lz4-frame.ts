/**
 * LZ4 frame decoding (lz4's doc/lz4_Frame_format.md and lz4_Block_format.md),
 * for apt lists stored lz4-compressed (Acquire::GzipIndexes with lz4, as
 * Debian's container images set it). Every length is bounds-checked and
 * the output capped: a crafted file gives an Error, never a crash or an
 * unbounded allocation. Checksums are not verified (the lists are apt's).
 */
const MAGIC = 0x184d2204;

export class Lz4Error extends Error {}

export function lz4FrameDecode(input: Buffer, maxOutput: number): Buffer {
  let out = Buffer.allocUnsafe(Math.min(maxOutput, Math.max(64 * 1024, input.length * 4)));
  let o = 0;
  let i = 0;
  const need = (n: number) => {
    if (i + n > input.length) throw new Lz4Error('truncated lz4 data');
  };
  /** Makes room for `n` more bytes at `at` (the block decoder's own position). */
  const room = (at: number, n: number) => {
    if (at + n <= out.length) return;
    if (at + n > maxOutput) throw new Lz4Error(`lz4 data expands beyond ${maxOutput} bytes`);
    const bigger = Buffer.allocUnsafe(Math.min(maxOutput, Math.max(at + n, out.length * 2)));
    out.copy(bigger, 0, 0, at);
    out = bigger;
  };
  while (i < input.length) {
    need(4);
    const magic = input.readUInt32LE(i);
    i += 4;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // A skippable frame: its length, then data nobody reads.
      need(4);
      const len = input.readUInt32LE(i);
      i += 4;
      need(len);
      i += len;
      continue;
    }
    if (magic !== MAGIC) throw new Lz4Error('not lz4 frame data');
    need(2);
    const flg = input[i]!;
    i += 2; // FLG, BD
    if (flg >> 6 !== 1) throw new Lz4Error('unknown lz4 frame version');
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    i += ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1; // content size, dict id, header checksum
    for (;;) {
      need(4);
      const word = input.readUInt32LE(i);
      i += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      need(size + (blockChecksum ? 4 : 0));
      if (word & 0x80000000) {
        room(o, size);
        input.copy(out, o, i, i + size);
        o += size;
      } else {
        o = decodeBlock(input, i, i + size, () => out, room, o);
      }
      i += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) (need(4), (i += 4));
  }
  return out.subarray(0, o);
}

/** One LZ4 block into `out()` from position `o`; matches may reach back into earlier blocks (linked blocks). */
function decodeBlock(src: Buffer, i: number, end: number, out: () => Buffer, room: (at: number, n: number) => void, o: number): number {
  const byte = () => {
    if (i >= end) throw new Lz4Error('truncated lz4 block');
    return src[i++]!;
  };
  const length = (n: number) => {
    if (n !== 15) return n;
    for (;;) {
      const b = byte();
      n += b;
      if (b !== 255) return n;
    }
  };
  while (i < end) {
    const token = byte();
    const lit = length(token >> 4);
    if (i + lit > end) throw new Lz4Error('truncated lz4 literals');
    room(o, lit);
    src.copy(out(), o, i, i + lit);
    o += lit;
    i += lit;
    if (i === end) break; // the last sequence has literals only
    const offset = byte() | (byte() << 8);
    if (offset === 0 || offset > o) throw new Lz4Error('lz4 match before the start of the data');
    const len = length(token & 15) + 4;
    room(o, len);
    const buf = out();
    for (let k = 0; k < len; k++, o++) buf[o] = buf[o - offset]!;
  }
  return o;
}
