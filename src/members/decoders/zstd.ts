// zstd members with the system's libzstd (libzstd.so.1) through koffi: ZSTD_decompressStream
// runs on the thread pool, reports the input it consumed and returns 0 at the end of the frame,
// so the member's exact end is known (the kernel decodes one frame).
import type { ContainerFacts, DecodeContext, MemberDecoder } from "./types.js";
import { memberErrors } from "./types.js";
import { freeNative, nativeBuffer, onThreadPool, type NativeBuffer } from "../../native/library.js";
import { libzstd, ZSTD_BUFFER } from "../../native/zstd.js";
import { growingFeed, Pool } from "./reuse.js";

const IN_SIZE = 1 << 20;
const OUT_SIZE = 1 << 20;
/** Decoder contexts and buffers kept for the next member. */
const POOL_MAX = 2;

interface Resources {
  dctx: unknown;
  input: NativeBuffer;
  inDesc: NativeBuffer;
  outputs: NativeBuffer[];
  outDescs: NativeBuffer[];
}
const pool = new Pool<Resources>(POOL_MAX, (r) => {
  libzstd().freeDCtx(r.dctx);
  freeNative(r.input, r.inDesc, ...r.outputs, ...r.outDescs);
});
const SESSION_AND_PARAMETERS = 3; // ZSTD_reset_session_and_parameters
const CONTENTSIZE_UNKNOWN = 0xffffffffffffffffn;
const CONTENTSIZE_ERROR = 0xfffffffffffffffen;


export const zstdDecoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const { reader } = ctx;
    const { where, corrupt } = memberErrors(ctx, "zstd");
    const z = libzstd(where);
    const head = await reader.peek(18);
    ctx.describe(frameFacts(head, z.frameContentSize));
    // Two output buffers: the next call decodes into one while the other is parsed.
    const res = pool.take(() => ({
      dctx: z.createDCtx(), input: nativeBuffer(IN_SIZE), inDesc: nativeBuffer(ZSTD_BUFFER.bytes),
      outputs: [nativeBuffer(OUT_SIZE), nativeBuffer(OUT_SIZE)], outDescs: [nativeBuffer(ZSTD_BUFFER.bytes), nativeBuffer(ZSTD_BUFFER.bytes)],
    }));
    const { dctx, input, inDesc, outputs, outDescs } = res;
    const inD = new DataView(inDesc.view.buffer, inDesc.view.byteOffset, ZSTD_BUFFER.bytes);
    const outD = outDescs.map((d) => new DataView(d.view.buffer, d.view.byteOffset, ZSTD_BUFFER.bytes));
    let fed = 0;
    // The bytes past a frame's end are copied back to the reader: a small frame must not move a megabyte.
    const nextFeed = growingFeed(IN_SIZE);
    let exhausted = false;
    const consumed = () => Number(inD.getBigUint64(ZSTD_BUFFER.pos, true));
    // New input only once the previous chunk is used up (the call in flight never sees it change).
    const refill = async () => {
      if (consumed() < fed || exhausted) return;
      const chunk = await reader.next();
      if (!chunk) {
        exhausted = true;
        return;
      }
      fed = Math.min(chunk.length, nextFeed());
      input.view.set(chunk.subarray(0, fed));
      if (fed < chunk.length) reader.unread(chunk.subarray(fed));
      inD.setBigUint64(ZSTD_BUFFER.size, BigInt(fed), true);
      inD.setBigUint64(ZSTD_BUFFER.pos, 0n, true);
    };
    const start = (i: number) => {
      outD[i].setBigUint64(ZSTD_BUFFER.pos, 0n, true);
      return onThreadPool(z.decompressStream, dctx, outDescs[i].ptr, inDesc.ptr);
    };
    let which = 0;
    let pending: Promise<number | bigint> | null = null;
    try {
      inD.setBigUint64(ZSTD_BUFFER.pointer, input.address, true);
      outputs.forEach((o, i) => {
        outD[i].setBigUint64(ZSTD_BUFFER.pointer, o.address, true);
        outD[i].setBigUint64(ZSTD_BUFFER.size, BigInt(OUT_SIZE), true);
      });
      await refill();
      pending = start(which);
      for (;;) {
        const ret = BigInt(await pending!);
        pending = null;
        if (z.isError(ret)) throw corrupt(z.errorName(ret));
        const produced = Number(outD[which].getBigUint64(ZSTD_BUFFER.pos, true));
        const done = ret === 0n;
        if (!done) {
          if (exhausted && produced === 0) throw corrupt("truncated frame (input ended before the frame's end)");
          await refill();
          pending = start(which ^ 1);
        }
        if (produced > 0) yield outputs[which].view.subarray(0, produced);
        if (done) {
          // A copy: the native buffer is freed below.
          if (consumed() < fed) reader.unread(Buffer.from(input.view.subarray(consumed(), fed)));
          return;
        }
        which ^= 1;
      }
    } finally {
      // A call still running (the consumer stopped early) must finish before its buffers go.
      await pending?.catch(() => undefined);
      pool.give(res, () => !z.isError(BigInt(z.resetDCtx(dctx, SESSION_AND_PARAMETERS))));
    }
  },
};

function frameFacts(head: Uint8Array, contentSizeOf: (src: Uint8Array, size: number) => number | bigint): ContainerFacts {
  if (head.length < 5) return {};
  const fhd = head[4];
  const size = BigInt(contentSizeOf(head, head.length));
  return {
    contentSize: size === CONTENTSIZE_UNKNOWN || size === CONTENTSIZE_ERROR ? null : Number(size),
    contentChecksum: Boolean(fhd & 0x04),
    singleSegment: Boolean(fhd & 0x20),
    dictionaryId: (fhd & 3) !== 0,
  };
}
