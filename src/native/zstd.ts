// The system's libzstd (libzstd.so.1), bound once for both directions: streaming decompression
// for zstd members and compression for `cpiox create --compress zstd`.
import { systemLibrary, type AsyncFn } from "./library.js";

export const libzstd = systemLibrary("libzstd.so.1", "libzstd1", (lib) => ({
  createDCtx: lib.func("void *ZSTD_createDCtx(void)") as AsyncFn<unknown>,
  freeDCtx: lib.func("size_t ZSTD_freeDCtx(void *dctx)") as AsyncFn<bigint>,
  resetDCtx: lib.func("size_t ZSTD_DCtx_reset(void *dctx, int reset)") as AsyncFn<number | bigint>,
  decompressStream: lib.func("size_t ZSTD_decompressStream(void *dctx, void *output, void *input)") as AsyncFn<number | bigint>,
  frameContentSize: lib.func("unsigned long long ZSTD_getFrameContentSize(const void *src, size_t size)") as AsyncFn<number | bigint>,
  createCCtx: lib.func("void *ZSTD_createCCtx(void)") as AsyncFn<unknown>,
  freeCCtx: lib.func("size_t ZSTD_freeCCtx(void *cctx)") as AsyncFn<bigint>,
  setParameter: lib.func("size_t ZSTD_CCtx_setParameter(void *cctx, int param, int value)") as AsyncFn<number | bigint>,
  compressStream2: lib.func("size_t ZSTD_compressStream2(void *cctx, void *output, void *input, int endOp)") as AsyncFn<number | bigint>,
  isError: lib.func("unsigned int ZSTD_isError(size_t code)") as AsyncFn<number>,
  errorName: lib.func("const char *ZSTD_getErrorName(size_t code)") as AsyncFn<string>,
}));

/** ZSTD_inBuffer and ZSTD_outBuffer: { pointer, size, pos }, each a 64-bit field. */
export const ZSTD_BUFFER = { bytes: 24, pointer: 0, size: 8, pos: 16 } as const;
