// What every member decoder provides: decompressed chunks, and the reader left exactly at the
// first byte after the member.
import type { ChunkReader } from "../../input/reader.js";
import { CpioxError, type Warning } from "../../errors.js";
import type { Codecs } from "./codecs.js";

export interface DecodeContext {
  reader: ChunkReader;
  /** Input offset where the member starts. */
  start: number;
  member: number;
  warn(w: Warning): void;
  /** Records what the container header says (shown by `cpiox examine`). */
  describe(facts: ContainerFacts): void;
  /** The WebAssembly block decoders, lent for this member (returned when it ends). */
  codecs(): Codecs;
}

export type ContainerFacts = Record<string, string | number | boolean | null>;

export interface MemberDecoder {
  /**
   * Yields decompressed bytes; returns when the member's last byte has been consumed. A yielded
   * chunk may be a view of the decoder's own (WebAssembly or native) buffer: it is valid only
   * until the next one is requested, so consumers use it at once and copy what they keep.
   */
  decode(ctx: DecodeContext): AsyncGenerator<Uint8Array, void, void>;
}

/** Where a member's errors point, and a maker of its CPIOX_CORRUPT_COMPRESSED errors. */
export function memberErrors(ctx: DecodeContext, format: string) {
  const where = { offset: ctx.start, member: ctx.member };
  return {
    where,
    corrupt: (why: string) => new CpioxError("CPIOX_CORRUPT_COMPRESSED", `${format}: ${why}`, where),
  };
}
