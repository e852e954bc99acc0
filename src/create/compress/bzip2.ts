// bzip2 for `cpiox create`, with the system's libbz2: one stream, blocks of LEVEL x 100 kB.
import { CpioxError } from "../../errors.js";
import { freeNative, nativeBuffer, onThreadPool } from "../../native/library.js";
import { BZ_STREAM, libbz2 } from "../../native/bzip2.js";
import { pointerWindows, StreamCompress, type StreamCodec } from "./stream.js";

const BZ_RUN = 0, BZ_FINISH = 2;
const BZ_OK = 0, BZ_STREAM_END = 4;
/** BZ_RUN_OK, BZ_FLUSH_OK, BZ_FINISH_OK: the call made progress. */
const BZ_PROGRESS = new Set([1, 2, 3]);

function bzip2Codec(level: number): StreamCodec {
  const bz = libbz2();
  const strm = nativeBuffer(BZ_STREAM.bytes);
  strm.view.fill(0); // no custom allocator
  const s = new DataView(strm.view.buffer, strm.view.byteOffset, BZ_STREAM.bytes);
  const init = bz.compressInit(strm.ptr, level, 0, 0);
  if (init !== BZ_OK) {
    freeNative(strm);
    throw new CpioxError("CPIOX_BAD_ARGUMENT", `bzip2 encoder at level ${level}: libbz2 refused it (${init})`);
  }
  return {
    ...pointerWindows(s, BZ_STREAM, 32),
    async step(finish) {
      const r = await onThreadPool(bz.compress, strm.ptr, finish ? BZ_FINISH : BZ_RUN);
      if (r === BZ_STREAM_END) return "end";
      if (!BZ_PROGRESS.has(r)) throw new CpioxError("CPIOX_WRITE_FAILED", `bzip2: libbz2 error ${r}`);
      return "more";
    },
    close() {
      bz.compressEnd(strm.ptr);
      freeNative(strm);
    },
  };
}

export const bzip2Compress = (level: number) => new StreamCompress(bzip2Codec(level));
