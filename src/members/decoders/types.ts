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
  /** Records what the container header says (shown by `cpiox examine`). */
  describe(facts: ContainerFacts): void;
}

export type ContainerFacts = Record<string, string | number | boolean | null>;

export interface MemberDecoder {
  /** Yields decompressed bytes; returns when the member's last byte has been consumed. */
  decode(ctx: DecodeContext): AsyncGenerator<Uint8Array, void, void>;
}
