// The system's liblz4 (liblz4.so.1): one block at a time, for lz4 legacy members, decoded and
// (for `cpiox create`) encoded, the fast compressor below level 3 and the HC one from it, as the
// lz4 command does.
import { systemLibrary, type AsyncFn } from "./library.js";

export const liblz4 = systemLibrary("liblz4.so.1", "liblz4-1", (lib) => ({
  decompressSafe: lib.func("int LZ4_decompress_safe(const void *src, void *dst, int compressedSize, int dstCapacity)") as AsyncFn<number>,
  compressFast: lib.func("int LZ4_compress_fast(const void *src, void *dst, int srcSize, int dstCapacity, int acceleration)") as AsyncFn<number>,
  compressHC: lib.func("int LZ4_compress_HC(const void *src, void *dst, int srcSize, int dstCapacity, int level)") as AsyncFn<number>,
}));
