// zstd for `cpiox create`: one frame with a content checksum, as the kernel reads, written by the
// system's libzstd on every core (the frame is the same whatever the number of workers).
import { availableParallelism } from "node:os";
import { CpioxError } from "../../errors.js";
import { freeNative, nativeBuffer, onThreadPool } from "../../native/library.js";
import { libzstd, ZSTD_BUFFER } from "../../native/zstd.js";
import { StreamCompress, type StreamCodec } from "./stream.js";

const ZSTD_c_compressionLevel = 100;
const ZSTD_c_checksumFlag = 201;
const ZSTD_c_nbWorkers = 400;
const ZSTD_e_continue = 0, ZSTD_e_end = 2;

function zstdCodec(level: number): StreamCodec {
  const z = libzstd();
  const cctx = z.createCCtx();
  const inDesc = nativeBuffer(ZSTD_BUFFER.bytes), outDesc = nativeBuffer(ZSTD_BUFFER.bytes);
  const view = (b: typeof inDesc) => new DataView(b.view.buffer, b.view.byteOffset, ZSTD_BUFFER.bytes);
  const i = view(inDesc), o = view(outDesc);
  const set = (param: number, value: number, what: string) => {
    const r = z.setParameter(cctx, param, value);
    if (z.isError(r)) throw new CpioxError("CPIOX_BAD_ARGUMENT", `zstd ${what} ${value}: ${z.errorName(r)}`);
  };
  set(ZSTD_c_compressionLevel, level, "level");
  set(ZSTD_c_checksumFlag, 1, "checksum");
  // A libzstd built without threads refuses workers; it then compresses on the calling thread.
  z.setParameter(cctx, ZSTD_c_nbWorkers, availableParallelism());
  const left = (d: DataView) => Number(d.getBigUint64(ZSTD_BUFFER.size, true) - d.getBigUint64(ZSTD_BUFFER.pos, true));
  const point = (d: DataView, address: bigint, length: number) => {
    d.setBigUint64(ZSTD_BUFFER.pointer, address, true);
    d.setBigUint64(ZSTD_BUFFER.size, BigInt(length), true);
    d.setBigUint64(ZSTD_BUFFER.pos, 0n, true);
  };
  return {
    setInput: (address, length) => point(i, address, length),
    inputLeft: () => left(i),
    setOutput: (address, length) => point(o, address, length),
    outputLeft: () => left(o),
    async step(finish) {
      const r = await onThreadPool(z.compressStream2, cctx, outDesc.ptr, inDesc.ptr, finish ? ZSTD_e_end : ZSTD_e_continue);
      if (z.isError(r)) throw new CpioxError("CPIOX_WRITE_FAILED", `zstd: ${z.errorName(r)}`);
      return finish && BigInt(r) === 0n ? "end" : "more";
    },
    close() {
      z.freeCCtx(cctx);
      freeNative(inDesc, outDesc);
    },
  };
}

export const zstdCompress = (level: number) => new StreamCompress(zstdCodec(level));
