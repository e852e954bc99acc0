// Legacy .lzma members (props 0x5D, dictionary size, 64-bit size) with liblzma's alone decoder,
// which stops at the end marker or the declared size; its total_in is the member's length.
import { CpioxError } from "../../errors.js";
import { lzmaNative } from "./liblzma.js";
import { streamThrough } from "./through.js";
import { memberErrors, type DecodeContext, type MemberDecoder } from "./types.js";

export const lzmaDecoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const { corrupt } = memberErrors(ctx, "lzma");
    const head = await ctx.reader.peek(13);
    if (head.length >= 13) {
      const view = new DataView(head.buffer, head.byteOffset, 13);
      const size = view.getBigUint64(5, true);
      ctx.describe({
        dictionarySize: view.getUint32(1, true),
        uncompressedSize: size === 0xffffffffffffffffn ? null : Number(size),
      });
    }
    const engine = lzmaNative.createStream("aloneDecoder");
    try {
      yield* streamThrough(ctx.reader, engine, { consumed: () => engine.totalIn() });
    } catch (e) {
      if (e instanceof CpioxError) throw e;
      throw corrupt((e as Error).message);
    }
  },
};
