// The decoder registry: compression name -> decoder. Formats without a decoder yet are named in
// the error so the user knows what the image uses.
import type { CompressionName } from "../sniff.js";
import type { MemberDecoder } from "./types.js";
import { gzipDecoder } from "./gzip.js";

export const decoders: Partial<Record<CompressionName, MemberDecoder>> = {
  gzip: gzipDecoder,
};
