// zstd members with zstd-napi's streaming context: it reports the input it consumed and stops
// at the end of the frame, so the member's exact end is known (the kernel decodes one frame).
import { createRequire } from "node:module";
import { CpioxError } from "../../errors.js";
import { memberErrors, type DecodeContext, type MemberDecoder } from "./types.js";

interface DCtx {
  decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number];
}
interface ZstdBinding {
  DCtx: new () => DCtx;
  getFrameContentSize(frame: Uint8Array): number | null;
}
// Loaded on first use: most images never need it.
let loaded: ZstdBinding | undefined;
const zstd = () => (loaded ??= createRequire(import.meta.url)("zstd-napi/binding") as ZstdBinding);

const OUT_CHUNK = 1 << 20;

export const zstdDecoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const { reader } = ctx;
    const { where, corrupt } = memberErrors(ctx, "zstd");
    const head = await reader.peek(18);
    ctx.describe(frameFacts(head));
    const dctx = new (zstd().DCtx)();
    let out = Buffer.alloc(0);
    for (;;) {
      const chunk = await reader.next();
      if (!chunk) throw corrupt("truncated frame (input ended before the frame's end)");
      let input: Uint8Array = chunk;
      let full: boolean;
      do {
        // A fresh buffer only once the previous one was handed out.
        if (out.length === 0) out = Buffer.allocUnsafe(OUT_CHUNK);
        let hint: number, produced: number, consumed: number;
        try {
          [hint, produced, consumed] = dctx.decompressStream(out, input);
        } catch (e) {
          throw corrupt((e as Error).message);
        }
        input = input.subarray(consumed);
        full = produced === out.length;
        if (produced > 0) {
          const view = out.subarray(0, produced);
          out = Buffer.alloc(0);
          yield view;
        }
        if (hint === 0) {
          reader.unread(input);
          return;
        }
      } while (input.length > 0 || full);
    }
  },
};

function frameFacts(head: Uint8Array): Record<string, number | boolean | null> {
  if (head.length < 5) return {};
  const fhd = head[4];
  let contentSize: number | null = null;
  try {
    contentSize = zstd().getFrameContentSize(head);
  } catch {
    contentSize = null;
  }
  return {
    contentSize,
    contentChecksum: Boolean(fhd & 0x04),
    singleSegment: Boolean(fhd & 0x20),
    dictionaryId: (fhd & 3) !== 0,
  };
}
