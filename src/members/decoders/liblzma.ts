// xz and legacy .lzma members with the system's liblzma (liblzma.so.5, part of every Debian
// base system) through koffi. lzma_code runs on the thread pool, so decoding overlaps parsing
// (and xz blocks decode on every core, see startXz);
// liblzma stops at the end of the stream and avail_in says exactly where the member ended.
import { availableParallelism } from "node:os";
import type { CpioxError } from "../../errors.js";
import type { ChunkReader } from "../../input/reader.js";
import { freeNative, nativeBuffer, onThreadPool } from "../../native/library.js";
import { liblzma, LZMA_MT, LZMA_STREAM } from "../../native/lzma.js";
import { growingFeed } from "./reuse.js";

/** liblzma may use this much memory for one member (xz -9 needs 65 MiB); more is refused. */
export const LZMA_MEMLIMIT = 512n << 20n;
/** Decoder threads for an xz member at most (liblzma uses fewer when blocks are few). */
export const XZ_THREADS_MAX = 8;
/**
 * What liblzma may spend on decoding blocks in parallel; a block that would need more is decoded
 * single-threaded. 96 MiB keeps two threads for mkinitramfs images (xz -T0, 24 MiB blocks) at
 * about 160 MiB peak RSS; 64 MiB measured no faster than one thread, 512 MiB 240 MiB RSS on
 * larger blocks for no further gain.
 */
export const XZ_THREADING_MEMORY = 96n << 20n;
const IN_SIZE = 1 << 20;
const OUT_SIZE = 1 << 20;
const STREAM_SIZE = LZMA_STREAM.bytes;
const { nextIn: NEXT_IN, availIn: AVAIL_IN, nextOut: NEXT_OUT, availOut: AVAIL_OUT } = LZMA_STREAM;
const LZMA_RUN = 0, LZMA_FINISH = 3;
const LZMA_OK = 0, LZMA_STREAM_END = 1;
const LZMA_ERRORS: Record<number, string> = {
  2: "no integrity check", 3: "unsupported integrity check", 5: "out of memory",
  6: `needs more than ${LZMA_MEMLIMIT >> 20n} MiB of memory`, 7: "file format not recognized",
  8: "invalid or unsupported options", 9: "data is corrupt", 10: "unexpected end of input", 11: "liblzma internal error",
};

/**
 * The xz stream decoder: liblzma's multi-threaded one where it has it. xz -T0 (as mkinitramfs
 * runs it) writes independent blocks with their sizes in the headers, which it decodes on every
 * core; a single-block stream it decodes like the single-threaded one.
 */
function startXz(lz: ReturnType<typeof liblzma>, strm: unknown): number {
  if (!lz.streamDecoderMt) return lz.streamDecoder(strm, LZMA_MEMLIMIT, 0);
  // liblzma copies the options during the call: an ordinary zeroed buffer is enough.
  const options = Buffer.alloc(LZMA_MT.bytes);
  options.writeUInt32LE(Math.max(1, Math.min(XZ_THREADS_MAX, availableParallelism())), LZMA_MT.threads);
  options.writeBigUInt64LE(XZ_THREADING_MEMORY, LZMA_MT.memlimitThreading);
  options.writeBigUInt64LE(LZMA_MEMLIMIT, LZMA_MT.memlimitStop);
  return lz.streamDecoderMt(strm, options);
}

/** Decodes one xz stream or .lzma file from the reader; the bytes after it go back to the reader. */
export async function* liblzmaDecode(
  reader: ChunkReader, format: "xz" | "lzma", errors: { where: { offset: number; member: number }; corrupt: (why: string) => CpioxError },
): AsyncGenerator<Uint8Array> {
  const { corrupt } = errors;
  const lz = liblzma(errors.where);
  const strmBuf = nativeBuffer(STREAM_SIZE), input = nativeBuffer(IN_SIZE), output = nativeBuffer(OUT_SIZE);
  const strm = strmBuf.ptr;
  const s = new DataView(strmBuf.view.buffer, strmBuf.view.byteOffset, STREAM_SIZE);
  strmBuf.view.fill(0); // LZMA_STREAM_INIT
  const inView = input.view, outView = output.view;
  const inAddr = input.address, outAddr = output.address;
  const init = format === "xz" ? startXz(lz, strm) : lz.aloneDecoder(strm, LZMA_MEMLIMIT);
  try {
    if (init !== LZMA_OK) throw corrupt(`decoder setup failed: ${LZMA_ERRORS[init] ?? init}`);
    let fed = 0;        // bytes copied into the input buffer for the current call
    const nextFeed = growingFeed(IN_SIZE); // what a small member does not use is copied back
    let action = LZMA_RUN;
    for (;;) {
      if (s.getBigUint64(AVAIL_IN, true) === 0n && action === LZMA_RUN) {
        const chunk = await reader.next();
        if (!chunk) action = LZMA_FINISH;
        else {
          fed = Math.min(chunk.length, nextFeed());
          inView.set(chunk.subarray(0, fed));
          if (fed < chunk.length) reader.unread(chunk.subarray(fed));
          s.setBigUint64(NEXT_IN, inAddr, true);
          s.setBigUint64(AVAIL_IN, BigInt(fed), true);
        }
      }
      s.setBigUint64(NEXT_OUT, outAddr, true);
      s.setBigUint64(AVAIL_OUT, BigInt(OUT_SIZE), true);
      const ret = await onThreadPool(lz.code, strm, action);
      const produced = OUT_SIZE - Number(s.getBigUint64(AVAIL_OUT, true));
      if (produced > 0) yield outView.subarray(0, produced);
      if (ret === LZMA_STREAM_END) {
        const left = Number(s.getBigUint64(AVAIL_IN, true));
        // A copy: the native buffer is freed below.
        if (left > 0) reader.unread(Buffer.from(inView.subarray(fed - left, fed)));
        return;
      }
      if (ret !== LZMA_OK) throw corrupt(LZMA_ERRORS[ret] ?? `liblzma error ${ret}`);
      if (action === LZMA_FINISH && produced === 0) throw corrupt("truncated stream");
    }
  } finally {
    lz.end(strm);
    freeNative(strmBuf, input, output);
  }
}
