// What every member decoder provides: decompressed chunks, and the reader left exactly at the
// first byte after the member.
import type { ChunkReader } from "../../input/reader.js";
import type { Warning } from "../../errors.js";

export interface DecodeContext {
  reader: ChunkReader;
  /** Input offset where the member starts. */
  start: number;
  member: number;
  warn(w: Warning): void;
}

export interface MemberDecoder {
  /** Yields decompressed bytes; returns when the member's last byte has been consumed. */
  decode(ctx: DecodeContext): AsyncGenerator<Uint8Array, void, void>;
}
