// The system's libbz2 (libbz2.so.1.0, which dpkg itself needs): the stream compressor for
// `cpiox create --compress bzip2` (decoding is the WebAssembly codecs module's), and the layout
// of bz_stream on 64-bit Linux.
import { systemLibrary, type AsyncFn } from "./library.js";

export const libbz2 = systemLibrary("libbz2.so.1.0", "libbz2-1.0", (lib) => ({
  compressInit: lib.func("int BZ2_bzCompressInit(void *strm, int blockSize100k, int verbosity, int workFactor)") as AsyncFn<number>,
  compress: lib.func("int BZ2_bzCompress(void *strm, int action)") as AsyncFn<number>,
  compressEnd: lib.func("int BZ2_bzCompressEnd(void *strm)") as AsyncFn<number>,
}));

/** sizeof(bz_stream) and the offsets of the fields cpiox sets and reads (avail_* are 32-bit). */
export const BZ_STREAM = { bytes: 80, nextIn: 0, availIn: 8, nextOut: 24, availOut: 32 } as const;
