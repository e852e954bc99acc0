// xz and .lzma for `cpiox create`, with the system's liblzma. xz gets the crc32 check (the
// kernel's decoder verifies crc32 or none and refuses xz's default crc64) and liblzma's
// multi-threaded encoder, as mkinitramfs runs `xz --check=crc32 --threads=0` (its blocks are the
// same whatever the number of threads); .lzma is the single-stream "alone" format.
import { availableParallelism } from "node:os";
import { CpioxError } from "../../errors.js";
import { freeNative, nativeBuffer, onThreadPool } from "../../native/library.js";
import { liblzma, LZMA_CHECK_CRC32, LZMA_MT, LZMA_OPTIONS_LZMA_BYTES, LZMA_STREAM } from "../../native/lzma.js";
import { pointerWindows, StreamCompress, type StreamCodec } from "./stream.js";

const LZMA_RUN = 0, LZMA_FINISH = 3;
const LZMA_OK = 0, LZMA_STREAM_END = 1;
const LZMA_MEM_ERROR = 5, LZMA_OPTIONS_ERROR = 8;

function lzmaCodec(format: "xz" | "lzma", level: number): StreamCodec {
  const lz = liblzma();
  const strm = nativeBuffer(LZMA_STREAM.bytes);
  strm.view.fill(0); // LZMA_STREAM_INIT
  const s = new DataView(strm.view.buffer, strm.view.byteOffset, LZMA_STREAM.bytes);
  let init: number;
  if (format === "xz") {
    // liblzma copies the options during the call: an ordinary zeroed buffer is enough.
    const mt = Buffer.alloc(LZMA_MT.bytes);
    mt.writeUInt32LE(availableParallelism(), LZMA_MT.threads);
    mt.writeUInt32LE(level, LZMA_MT.preset);
    mt.writeUInt32LE(LZMA_CHECK_CRC32, LZMA_MT.check);
    init = lz.streamEncoderMt(strm.ptr, mt);
  } else {
    const options = Buffer.alloc(LZMA_OPTIONS_LZMA_BYTES);
    if (lz.lzmaPreset(options, level)) init = LZMA_OPTIONS_ERROR;
    else init = lz.aloneEncoder(strm.ptr, options);
  }
  if (init !== LZMA_OK) {
    freeNative(strm);
    throw new CpioxError(init === LZMA_MEM_ERROR ? "CPIOX_WRITE_FAILED" : "CPIOX_BAD_ARGUMENT",
      `${format} encoder at level ${level}: ${init === LZMA_MEM_ERROR ? "out of memory" : `liblzma refused it (${init})`}`);
  }
  return {
    ...pointerWindows(s, LZMA_STREAM, 64),
    async step(finish) {
      const r = await onThreadPool(lz.code, strm.ptr, finish ? LZMA_FINISH : LZMA_RUN);
      if (r === LZMA_STREAM_END) return "end";
      if (r !== LZMA_OK) throw new CpioxError("CPIOX_WRITE_FAILED", `${format}: liblzma error ${r}`);
      return "more";
    },
    close() {
      lz.end(strm.ptr);
      freeNative(strm);
    },
  };
}

export const xzCompress = (level: number) => new StreamCompress(lzmaCodec("xz", level));
export const lzmaCompress = (level: number) => new StreamCompress(lzmaCodec("lzma", level));
