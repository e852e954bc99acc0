// The liblzma binding (lzma-native): CommonJS, loaded once, typed here for what cpiox uses.
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";

export interface LzmaStream extends Duplex {
  totalIn(): number;
}

interface LzmaNative {
  createStream(coder: "streamDecoder" | "aloneDecoder", options?: { memlimit?: number }): LzmaStream;
}

export const lzmaNative = createRequire(import.meta.url)("lzma-native") as LzmaNative;
