// Legacy .lzma members (props, dictionary size, 64-bit size) with liblzma's alone decoder,
// which stops at the end marker or the declared size.
import { liblzmaDecode } from "./liblzma.js";
import { memberErrors, type DecodeContext, type MemberDecoder } from "./types.js";

export const lzmaDecoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const errors = memberErrors(ctx, "lzma");
    const head = await ctx.reader.peek(13);
    if (head.length >= 13) {
      const view = new DataView(head.buffer, head.byteOffset, 13);
      const size = view.getBigUint64(5, true);
      ctx.describe({
        dictionarySize: view.getUint32(1, true),
        uncompressedSize: size === 0xffffffffffffffffn ? null : Number(size),
      });
    }
    yield* liblzmaDecode(ctx.reader, "lzma", errors);
  },
};
