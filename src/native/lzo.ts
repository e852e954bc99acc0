// The system's liblzo2 (liblzo2.so.2, which lzop uses): LZO1X block compressors for `cpiox
// create --compress lzo` (decoding needs no library: the WebAssembly codecs module does it).
import { systemLibrary, type AsyncFn } from "./library.js";

export const liblzo2 = systemLibrary("liblzo2.so.2", "liblzo2-2", (lib) => ({
  /** LZO1X-1: lzop's levels 2-6. */
  compress1: lib.func("int lzo1x_1_compress(const void *src, uint64_t srcLen, void *dst, void *dstLen, void *wrkmem)") as AsyncFn<number>,
  /** LZO1X-1(15): lzop's level 1. */
  compress1x15: lib.func("int lzo1x_1_15_compress(const void *src, uint64_t srcLen, void *dst, void *dstLen, void *wrkmem)") as AsyncFn<number>,
  /** LZO1X-999 at a level: lzop's levels 7-9. */
  compress999: lib.func("int lzo1x_999_compress_level(const void *src, uint64_t srcLen, void *dst, void *dstLen, void *wrkmem, const void *dict, uint64_t dictLen, void *callback, int level)") as AsyncFn<number>,
  adler32: lib.func("uint32_t lzo_adler32(uint32_t adler, const void *buf, uint64_t len)") as AsyncFn<number>,
}));

/** Work memory the compressors need: LZO1X_999_MEM_COMPRESS (the largest) on 64-bit, rounded up. */
export const LZO_WORK_MEMORY = 1 << 20;
