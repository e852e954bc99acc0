// Where bzip2 blocks may start. Blocks are bit-aligned and their sizes are recorded nowhere; each
// starts with the 48-bit magic 0x314159265359 (the digits of pi). The magic can also occur by
// chance inside compressed data, so a position found here is only a candidate: a block decoded
// from it counts only if it starts where the previous block ended.

const MAGIC_HI = 0x314159, MAGIC_LO = 0x265359; // 24 bits each

/** One bit shift of the magic: the bytes it fills whole, and the partial bytes around them. */
interface ShiftedMagic {
  shift: number;
  /** The whole bytes, starting one byte after the magic's first (partial) byte when shift > 0. */
  whole: Buffer;
  /** Mask and value of the first byte's low bits (shift > 0) and of the byte after the whole ones. */
  headMask: number;
  headValue: number;
  tailMask: number;
  tailValue: number;
}

/** The magic starting at bit `shift` (0-7, most significant first) of a byte, as 7 bytes. */
function shifted(shift: number): ShiftedMagic {
  const bytes = Buffer.alloc(7);
  for (let bit = 0; bit < 48; bit++) {
    const v = bit < 24 ? (MAGIC_HI >>> (23 - bit)) & 1 : (MAGIC_LO >>> (47 - bit)) & 1;
    const at = shift + bit;
    bytes[at >> 3] |= v << (7 - (at & 7));
  }
  if (shift === 0) return { shift, whole: bytes.subarray(0, 6), headMask: 0, headValue: 0, tailMask: 0, tailValue: 0 };
  const headMask = 0xff >> shift, tailMask = (0xff << (8 - shift)) & 0xff;
  return { shift, whole: bytes.subarray(1, 6), headMask, headValue: bytes[0] & headMask, tailMask, tailValue: bytes[6] & tailMask };
}

const SHIFTS = Array.from({ length: 8 }, (_, s) => shifted(s));

/** Bytes after a candidate's first byte that must be present to judge it. */
export const MAGIC_SPAN = 7;

/**
 * Bit positions (from the start of `bytes`) where the block magic begins, for magics whose first
 * byte lies in [from, to); bytes up to `to - 1 + MAGIC_SPAN` are looked at when present (a
 * magic cut by the end of `bytes` is not reported). Sorted.
 */
export function findBlockMagics(bytes: Buffer, from = 0, to = bytes.length): number[] {
  const found: number[] = [];
  for (const m of SHIFTS) {
    // The whole bytes start at the first byte (shift 0) or the one after it.
    const lead = m.shift === 0 ? 0 : 1;
    let at = bytes.indexOf(m.whole, from + lead);
    while (at >= 0) {
      const first = at - lead;
      if (first >= to) break;
      const tail = at + m.whole.length;
      const ok = m.shift === 0 ||
        ((bytes[first] & m.headMask) === m.headValue && tail < bytes.length && (bytes[tail] & m.tailMask) === m.tailValue);
      if (ok) found.push(first * 8 + m.shift);
      at = bytes.indexOf(m.whole, at + 1);
    }
  }
  return found.sort((a, b) => a - b);
}
