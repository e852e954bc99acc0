// The decoder registry: compression name -> its decoder, loaded on first use so a run pays
// only for the formats it meets (and binds a system library only for those that need one).
import type { CompressionName } from "../sniff.js";
import type { MemberDecoder } from "./types.js";

export const decoders: Record<CompressionName, () => Promise<MemberDecoder>> = {
  gzip: async () => (await import("./gzip.js")).gzipDecoder,
  zstd: async () => (await import("./zstd.js")).zstdDecoder,
  xz: async () => (await import("./xz.js")).xzDecoder,
  lzma: async () => (await import("./lzma.js")).lzmaDecoder,
  lz4: async () => (await import("./lz4.js")).lz4LegacyDecoder,
  "lz4-frame": async () => (await import("./lz4.js")).lz4FrameDecoder,
  lzo: async () => (await import("./lzo.js")).lzoDecoder,
  bzip2: async () => (await import("./bzip2.js")).bzip2Decoder,
};
