// The decoder registry: compression name -> decoder, one for every name the sniffer returns.
import type { CompressionName } from "../sniff.js";
import type { MemberDecoder } from "./types.js";
import { bzip2Decoder } from "./bzip2.js";
import { gzipDecoder } from "./gzip.js";
import { lz4FrameDecoder, lz4LegacyDecoder } from "./lz4.js";
import { lzmaDecoder } from "./lzma.js";
import { lzoDecoder } from "./lzo.js";
import { xzDecoder } from "./xz.js";
import { zstdDecoder } from "./zstd.js";

export const decoders: Record<CompressionName, MemberDecoder> = {
  gzip: gzipDecoder,
  zstd: zstdDecoder,
  xz: xzDecoder,
  lzma: lzmaDecoder,
  lz4: lz4LegacyDecoder,
  "lz4-frame": lz4FrameDecoder,
  lzo: lzoDecoder,
  bzip2: bzip2Decoder,
};
