// The system's liblzma (liblzma.so.5): the stream and .lzma ("alone") decoders, and the layout of
// struct lzma_stream on 64-bit Linux that the decoder fills in place.
import { systemLibrary, type AsyncFn } from "./library.js";

export const liblzma = systemLibrary("liblzma.so.5", "liblzma5", (lib) => ({
  streamDecoder: lib.func("int lzma_stream_decoder(void *strm, uint64_t memlimit, uint32_t flags)") as AsyncFn<number>,
  aloneDecoder: lib.func("int lzma_alone_decoder(void *strm, uint64_t memlimit)") as AsyncFn<number>,
  code: lib.func("int lzma_code(void *strm, int action)") as AsyncFn<number>,
  end: lib.func("void lzma_end(void *strm)") as AsyncFn<void>,
}));

/** sizeof(lzma_stream) and the offsets of the fields cpiox sets and reads. */
export const LZMA_STREAM = { bytes: 136, nextIn: 0, availIn: 8, nextOut: 24, availOut: 32 } as const;
