// The system's liblz4 (liblz4.so.1): one block at a time, for lz4 legacy members.
import { systemLibrary, type AsyncFn } from "./library.js";

export const liblz4 = systemLibrary("liblz4.so.1", "liblz4-1", (lib) => ({
  decompressSafe: lib.func("int LZ4_decompress_safe(const void *src, void *dst, int compressedSize, int dstCapacity)") as AsyncFn<number>,
}));
