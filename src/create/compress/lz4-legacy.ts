// lz4's legacy frame for `cpiox create` (`lz4 -l`, the only lz4 format the kernel reads): the
// magic 0x184C2102, then per 8 MiB block its compressed size (32-bit little-endian) and the
// block, from the system's liblz4; the fast compressor below level 3, the HC one from there, as
// the lz4 command chooses. The frame has no end marker: create puts a zero word after it when
// another member follows.
import { CpioxError } from "../../errors.js";
import { onThreadPool } from "../../native/library.js";
import { liblz4 } from "../../native/lz4.js";
import { BlockCompress, type BlockFormat } from "./blocks.js";

const LEGACY_MAGIC = 0x184c2102;
const LEGACY_BLOCK = 8 << 20;
const LEGACY_BOUND = LEGACY_BLOCK + Math.floor(LEGACY_BLOCK / 255) + 16; // LZ4_compressBound(8 MiB)

function lz4Legacy(level: number): BlockFormat {
  const lz4 = liblz4();
  return {
    blockSize: LEGACY_BLOCK,
    bound: LEGACY_BOUND,
    workMemory: 0,
    header() {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(LEGACY_MAGIC);
      return b;
    },
    async block(slot, length) {
      const n = level < 3
        ? await onThreadPool(lz4.compressFast, slot.input.ptr, slot.output.ptr, length, LEGACY_BOUND, 1)
        : await onThreadPool(lz4.compressHC, slot.input.ptr, slot.output.ptr, length, LEGACY_BOUND, level);
      if (n <= 0) throw new CpioxError("CPIOX_WRITE_FAILED", `lz4: liblz4 could not compress a block (${n})`);
      const framed = Buffer.allocUnsafe(4 + n);
      framed.writeUInt32LE(n);
      framed.set(slot.output.view.subarray(0, n), 4);
      return framed;
    },
    trailer: () => Buffer.alloc(0),
  };
}

export const lz4LegacyCompress = (level: number) => new BlockCompress(lz4Legacy(level));
