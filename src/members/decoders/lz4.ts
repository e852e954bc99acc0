// LZ4 members. The legacy frame (`lz4 -l`, what the kernel reads) has no end marker: like the
// kernel since 2021, a zero size word or fewer than four bytes left end it; its blocks are
// decoded by the system's liblz4 on the thread pool, overlapping the parse. The modern frame is
// read too, with a warning because the kernel rejects it, by the WebAssembly codecs module.
import { CODEC_ERRORS } from "./codecs.js";
import { CpioxError } from "../../errors.js";
import { readExactly, readInto, skipBytes } from "../../input/reader.js";
import { memberErrors, type DecodeContext, type MemberDecoder } from "./types.js";
import { freeNative, nativeBuffer, onThreadPool } from "../../native/library.js";
import { liblz4 } from "../../native/lz4.js";

const LEGACY_MAGIC = 0x184c2102;
const LEGACY_BLOCK = 8 << 20;
const LEGACY_BOUND = LEGACY_BLOCK + Math.floor(LEGACY_BLOCK / 255) + 16; // LZ4_compressBound(8 MiB)
const FRAME_BLOCK_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

const NEEDS_ZERO_WORD = "if another member follows lz4 legacy data, it needs a zero 32-bit word first, " +
  "as the kernel reads the next 4 bytes as a block size";

/** Errors after the first block may be another member read as a block. */
const zeroWordHint = (block: number) => (block > 0 ? `; ${NEEDS_ZERO_WORD}` : "");

const le32 = (b: Uint8Array, at = 0) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;


export const lz4LegacyDecoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const { reader } = ctx;
    const { where, corrupt } = memberErrors(ctx, "lz4");
    const magic = await readExactly(reader, 4);
    if (magic.length < 4 || le32(magic) !== LEGACY_MAGIC) throw corrupt("bad legacy frame magic (02 21 4C 18 expected)");
    ctx.describe({ frame: "legacy" });
    const lz4 = liblz4(where);
    // Two of each: block k decodes on the thread pool while block k+1 is read and block k-1 parsed.
    const inputs = [nativeBuffer(LEGACY_BOUND), nativeBuffer(LEGACY_BOUND)];
    const outputs = [nativeBuffer(LEGACY_BLOCK), nativeBuffer(LEGACY_BLOCK)];
    // Block k uses buffers k % 2.
    let pending: { result: Promise<number>; block: number } | null = null;
    /** The block in flight, decoded and checked (null if none). */
    const settle = async () => {
      if (!pending) return null;
      const { result, block } = pending;
      pending = null;
      const n = await result;
      if (n < 0) throw corrupt(`block ${block}: malformed LZ4 block${zeroWordHint(block)}`);
      return outputs[block % 2].view.subarray(0, n);
    };
    let blocks = 0;
    try {
      for (;;) {
        const head = await reader.peek(4);
        if (head.length < 4) break; // the kernel: fewer than 4 bytes left is the end
        const size = le32(head);
        if (size === 0) break; // zero padding ends the stream; the padding itself is not the member's
        await skipBytes(reader, 4);
        if (size === LEGACY_MAGIC) continue; // another legacy frame's header inside the stream
        // The legacy frame has no end marker: whatever follows is read as the next block.
        const hint = zeroWordHint(blocks);
        let problem: CpioxError | null = null;
        const slot = blocks % 2;
        if (size > LEGACY_BOUND) {
          problem = corrupt(`block size ${size} is larger than any 8 MiB block compresses to${hint}`);
        } else {
          const got = await readInto(reader, inputs[slot].view, size);
          if (got < size) problem = corrupt(`truncated block (${got} of ${size} bytes)${hint}`);
        }
        // The block before this one comes out first, as it would have without the overlap.
        if (problem) {
          const previous = await settle();
          if (previous) yield previous;
          throw problem;
        }
        const started = { result: onThreadPool(lz4.decompressSafe, inputs[slot].ptr, outputs[slot].ptr, size, LEGACY_BLOCK), block: blocks };
        const previous = await settle();
        pending = started;
        blocks++;
        if (previous) yield previous;
      }
      const last = await settle();
      if (last) yield last;
    } finally {
      // A call still running (the consumer stopped early) must finish before its buffers go.
      await (pending as { result: Promise<number> } | null)?.result.catch(() => undefined);
      freeNative(...inputs, ...outputs);
    }
  },
};

export const lz4FrameDecoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const { reader } = ctx;
    const { where, corrupt } = memberErrors(ctx, "lz4 frame");
    ctx.warn({
      code: "CPIOX_KERNEL_LZ4_FRAME",
      message: "lz4 frame format (04 22 4D 18): the kernel reads only the legacy format written by `lz4 -l`",
      ...where,
    });
    const head = await readExactly(reader, 6);
    if (head.length < 6) throw corrupt("truncated header");
    const flg = head[4], bd = head[5];
    if (flg >> 6 !== 1) throw corrupt(`unsupported frame version ${flg >> 6}`);
    const maxBlock = FRAME_BLOCK_SIZES[(bd >> 4) & 7];
    if (!maxBlock) throw corrupt(`invalid block maximum size code ${(bd >> 4) & 7}`);
    const independent = (flg & 0x20) !== 0;
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    let contentSize: number | null = null;
    if (flg & 0x08) {
      const cs = await readExactly(reader, 8);
      if (cs.length < 8) throw corrupt("truncated header");
      contentSize = le32(cs) + le32(cs, 4) * 2 ** 32;
    }
    if (flg & 0x01) throw corrupt("frames that need a dictionary cannot be decoded");
    await skipBytes(reader, 1); // header checksum
    ctx.describe({ frame: "modern", blockMaximum: maxBlock, independentBlocks: independent, contentSize, contentChecksum });
    const codecs = ctx.codecs();
    const history = codecs.history;
    let kept = 0; // bytes of history just before HISTORY
    for (;;) {
      const w = await readExactly(reader, 4);
      if (w.length < 4) throw corrupt("truncated (no end mark)");
      const word = le32(w);
      if (word === 0) break;
      const len = word & 0x7fffffff;
      if (len > maxBlock) throw corrupt(`block of ${len} bytes exceeds the frame's ${maxBlock}`);
      // Dependent blocks decode after the previous output's last 64 KiB, kept just before HISTORY.
      const start = independent ? 0 : history;
      let n: number;
      if (word & 0x80000000) {
        n = await readInto(reader, codecs.output.subarray(start, start + len), len);
        if (n < len) throw corrupt("truncated block");
      } else {
        const got = await readInto(reader, codecs.input, len);
        if (got < len) throw corrupt("truncated block");
        n = codecs.exports.lz4Block(len, start, start + maxBlock);
        if (n < 0) throw corrupt(`block: ${CODEC_ERRORS[n] ?? `error ${n}`}`);
      }
      if (blockChecksum && (await skipBytes(reader, 4)) < 4) throw corrupt("truncated block checksum");
      yield codecs.output.subarray(start, start + n);
      if (!independent) {
        kept = Math.min(history, kept + n);
        codecs.output.copyWithin(history - kept, start + n - kept, start + n);
      }
    }
    if (contentChecksum && (await skipBytes(reader, 4)) < 4) throw corrupt("truncated content checksum");
  },
};
