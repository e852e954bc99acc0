// The lzop container for `cpiox create`, as the kernel's unlzo reads it: a version 0x1040
// header, blocks of at most 256 KiB (its LZO_BLOCK_SIZE) each with exactly one checksum (adler32
// of the data: the kernel skips one word and verifies nothing), a block that does not shrink
// stored as it is, and a zero word at the end. LZO1X-1(15) at level 1, LZO1X-1 at 2-6 and
// LZO1X-999 at 7-9, as lzop chooses; compressed by the system's liblzo2.
import { CpioxError } from "../../errors.js";
import { onThreadPool } from "../../native/library.js";
import { liblzo2, LZO_WORK_MEMORY } from "../../native/lzo.js";
import { BlockCompress, type BlockFormat } from "./blocks.js";

const MAGIC = [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
const BLOCK = 256 << 10;
const BOUND = BLOCK + BLOCK / 16 + 64 + 3; // LZO1X's worst case
const F_ADLER32_D = 0x1, F_OS_UNIX = 0x03000000;
const M_LZO1X_1 = 1, M_LZO1X_1_15 = 2, M_LZO1X_999 = 3;
const LZO_E_OK = 0;

function lzop(level: number): BlockFormat {
  const lzo = liblzo2();
  const method = level === 1 ? M_LZO1X_1_15 : level <= 6 ? M_LZO1X_1 : M_LZO1X_999;
  return {
    blockSize: BLOCK,
    bound: BOUND,
    workMemory: LZO_WORK_MEMORY,
    header() {
      const h = Buffer.alloc(9 + 2 + 2 + 2 + 1 + 1 + 4 + 4 + 4 + 4 + 1 + 4);
      h.set(MAGIC);
      let at = 9;
      at = h.writeUInt16BE(0x1040, at);        // written by lzop 1.04's format
      at = h.writeUInt16BE(0x20a0, at);        // LZO library version
      at = h.writeUInt16BE(0x0940, at);        // version needed to extract
      at = h.writeUInt8(method, at);
      at = h.writeUInt8(level, at);
      at = h.writeUInt32BE(F_ADLER32_D | F_OS_UNIX, at);
      at = h.writeUInt32BE(0o100644, at);      // mode of the (unnamed) original file
      at = h.writeUInt32BE(0, at);             // mtime low, high: none, for reproducible images
      at = h.writeUInt32BE(0, at);
      at = h.writeUInt8(0, at);                // no name
      h.writeUInt32BE(lzo.adler32(1, h.subarray(9, at), at - 9), at);
      return h;
    },
    async block(slot, length) {
      const out = new DataView(slot.scratch.view.buffer, slot.scratch.view.byteOffset, 8);
      out.setBigUint64(0, 0n, true);
      const r = method === M_LZO1X_999
        ? await onThreadPool(lzo.compress999, slot.input.ptr, length, slot.output.ptr, slot.scratch.ptr, slot.work!.ptr, null, 0, null, level)
        : await onThreadPool(method === M_LZO1X_1 ? lzo.compress1 : lzo.compress1x15, slot.input.ptr, length, slot.output.ptr, slot.scratch.ptr, slot.work!.ptr);
      if (r !== LZO_E_OK) throw new CpioxError("CPIOX_WRITE_FAILED", `lzo: liblzo2 could not compress a block (${r})`);
      const packed = Number(out.getBigUint64(0, true));
      const stored = packed >= length;
      const data = stored ? slot.input.view.subarray(0, length) : slot.output.view.subarray(0, packed);
      const framed = Buffer.allocUnsafe(12 + data.length);
      framed.writeUInt32BE(length, 0);
      framed.writeUInt32BE(data.length, 4);
      framed.writeUInt32BE(await onThreadPool(lzo.adler32, 1, slot.input.ptr, length) >>> 0, 8);
      framed.set(data, 12);
      return framed;
    },
    trailer: () => Buffer.alloc(4),
  };
}

export const lzopCompress = (level: number) => new BlockCompress(lzop(level));
