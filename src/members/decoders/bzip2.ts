// bzip2 members, decoded in the WebAssembly codecs module one block at a time. Blocks are
// bit-aligned, so a window of the compressed stream is kept in the module and slid between
// blocks; whatever was read past the end-of-stream marker goes back to the reader.
import { CODEC_ERRORS } from "./codecs.js";
import { BZ_BLOCK_READY, BZ_STREAM_END, E_BZ_BLOCK_CRC, E_BZ_DATA, E_BZ_MAGIC, E_BZ_RANDOMISED, E_BZ_STREAM_CRC, E_CODEC_INPUT } from "./codecs-abi.js";
import { CpioxError } from "../../errors.js";
import { readExactly, readInto } from "../../input/reader.js";
import { memberErrors, type DecodeContext, type MemberDecoder } from "./types.js";

/**
 * The window's first fill. A block that does not fit is decoded again after the window grew
 * (x4, up to the whole input region), so a member of a few bytes does not read, and then hand
 * back, megabytes of what follows it.
 */
const FIRST_FILL = 64 << 10;
const OUT_CHUNK = 1 << 20;
const BZ_ERRORS: Record<number, string> = {
  [E_BZ_MAGIC]: "bad block magic",
  [E_BZ_RANDOMISED]: "randomised blocks (bzip2 before 0.9.5) are not supported",
  [E_BZ_DATA]: "inconsistent block data",
  [E_BZ_BLOCK_CRC]: "block CRC mismatch",
  [E_BZ_STREAM_CRC]: "stream CRC mismatch",
};

export const bzip2Decoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const { reader } = ctx;
    const { where, corrupt } = memberErrors(ctx, "bzip2");
    const head = await readExactly(reader, 4);
    if (head.length < 4 || head[0] !== 0x42 || head[1] !== 0x5a || head[2] !== 0x68 || head[3] < 0x31 || head[3] > 0x39) {
      throw corrupt("bad stream header (BZh1..BZh9 expected)");
    }
    const level = head[3] - 0x30;
    ctx.describe({ blockSize: level * 100000 });
    const codecs = ctx.codecs();
    const bz = codecs.exports;
    const input = codecs.input;
    bz.bzReset();
    let winLen = 0;     // valid bytes in the window
    let bitOffset = 0;  // where the next block starts, in bits from the window's start
    let exhausted = false;
    let blocks = 0;
    let fill = FIRST_FILL; // bytes the window holds from the next block on, when the input has them
    for (;;) {
      const start = bitOffset >>> 3;
      if (!exhausted && winLen - start < fill) {
        input.copyWithin(0, start, winLen);
        winLen -= start;
        bitOffset &= 7;
        const want = Math.min(fill, input.length) - winLen;
        const got = await readInto(reader, input.subarray(winLen), want);
        winLen += got;
        exhausted = got < want;
      }
      const r = bz.bzBlock(winLen, bitOffset, level * 100000);
      if (r === E_CODEC_INPUT && !exhausted && fill < input.length) {
        // The block runs past the window: grow it and decode the block again from its start.
        fill = Math.min(fill * 4, input.length);
        continue;
      }
      if (r < 0) {
        const why = r === E_CODEC_INPUT ? "truncated stream" : BZ_ERRORS[r] ?? CODEC_ERRORS[r] ?? `error ${r}`;
        throw corrupt(`${why} (block ${blocks})`);
      }
      bitOffset = bz.bzBitPosition();
      if (r === BZ_STREAM_END) break;
      if (r !== BZ_BLOCK_READY) throw corrupt(`unexpected state ${r}`);
      blocks++;
      for (;;) {
        const n = bz.bzOutput(OUT_CHUNK);
        if (n < 0) throw corrupt(`${BZ_ERRORS[n] ?? `error ${n}`} (block ${blocks - 1})`);
        if (n === 0) break;
        yield codecs.output.subarray(0, n);
      }
    }
    // The stream ended on a byte boundary; the rest of the window belongs to what follows.
    const end = bitOffset >>> 3;
    if (end < winLen) reader.unread(Buffer.from(input.subarray(end, winLen)));
  },
};
