// bzip2 members, decoded in the WebAssembly codecs module one block at a time. Blocks are
// bit-aligned and independent: the first is decoded on this thread; after it, the blocks found
// ahead in the compressed bytes (bzip2-magic.ts) go to worker threads while this thread decodes
// the block at hand, so a member decodes on every core. A worker's block counts only if it
// starts exactly where the previous block ended; anything else is decoded here. Whatever was
// read past the end-of-stream marker goes back to the reader.
import { CODEC_ERRORS } from "./codecs.js";
import { BZ_BLOCK_READY, BZ_STREAM_END, CODEC_IN_SIZE, E_BZ_BLOCK_CRC, E_BZ_DATA, E_BZ_MAGIC, E_BZ_RANDOMISED, E_BZ_STREAM_CRC, E_CODEC_INPUT } from "./codecs-abi.js";
import { readExactly, type ChunkReader } from "../../input/reader.js";
import { memberErrors, type DecodeContext, type MemberDecoder } from "./types.js";
import { findBlockMagics, MAGIC_SPAN } from "./bzip2-magic.js";
import { bzip2WorkerCount, idleBlockWorker, type BlockResult } from "./bzip2-workers.js";

/**
 * The window's first fill. A block that does not fit is decoded again after the window grew
 * (x4, up to the whole input region), so a member of a few bytes does not read, and then hand
 * back, megabytes of what follows it.
 */
const FIRST_FILL = 64 << 10;
const OUT_CHUNK = 1 << 20;
/** Compressed bytes read ahead of the block at hand, to find blocks for the workers. */
export const BZIP2_READ_AHEAD = 8 << 20;
const BZ_ERRORS: Record<number, string> = {
  [E_BZ_MAGIC]: "bad block magic",
  [E_BZ_RANDOMISED]: "randomised blocks (bzip2 before 0.9.5) are not supported",
  [E_BZ_DATA]: "inconsistent block data",
  [E_BZ_BLOCK_CRC]: "block CRC mismatch",
  [E_BZ_STREAM_CRC]: "stream CRC mismatch",
};

/** The stream's CRC after one more block (bzip2's combined CRC). */
const combineCrc = (combined: number, block: number) => (((combined << 1) | (combined >>> 31)) ^ block) >>> 0;

/** The member's compressed bytes from some position on, as read (positions count from its first byte after "BZh?"). */
class CompressedBytes {
  private readonly chunks: Uint8Array[] = [];
  private readonly starts: number[] = [];
  end = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.starts.push(this.end);
    this.end += chunk.length;
  }

  /** Position of the first byte still held. */
  get start(): number { return this.starts[0] ?? this.end; }

  /** Lets go of the chunks wholly before `position`. */
  dropBefore(position: number): void {
    while (this.chunks.length && this.starts[0] + this.chunks[0].length <= position) {
      this.chunks.shift();
      this.starts.shift();
    }
  }

  /** Copies bytes from `from` on (at most target.length of them) into target; returns how many. */
  copyTo(target: Uint8Array, from: number): number {
    let n = 0;
    for (let i = 0; i < this.chunks.length && n < target.length; i++) {
      const c = this.chunks[i], s = this.starts[i];
      if (s + c.length <= from) continue;
      const piece = c.subarray(Math.max(0, from - s), Math.max(0, from - s) + target.length - n);
      target.set(piece, n);
      n += piece.length;
    }
    return n;
  }

  /** Calls `visit` with each chunk that holds bytes of [from, to), and the chunk's position. */
  each(from: number, to: number, visit: (chunk: Uint8Array, start: number) => void): void {
    for (let i = 0; i < this.chunks.length; i++) {
      const c = this.chunks[i], s = this.starts[i];
      if (s + c.length > from && s < to) visit(c, s);
    }
  }

  /** Bytes [from, to) in a buffer of their own. */
  copy(from: number, to: number): Uint8Array {
    const out = new Uint8Array(to - from);
    this.copyTo(out, from);
    return out;
  }

  /** Gives the bytes from `from` on back to the reader, in order. */
  unreadFrom(reader: ChunkReader, from: number): void {
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const c = this.chunks[i], s = this.starts[i];
      if (s + c.length <= from) break;
      reader.unread(c.subarray(Math.max(0, from - s)));
    }
  }
}

/** Decoding scan for block starts ahead of the block at hand, and the workers' jobs. */
class BlocksAhead {
  /** Candidate block starts (bit positions), ascending. */
  private candidates: number[] = [];
  /** Bytes scanned so far: magics whose first byte lies before this were looked for. */
  private scanned = 0;
  private readonly jobs = new Map<number, Promise<BlockResult | null>>();

  constructor(private readonly find: typeof findBlockMagics = findBlockMagics) {}

  /** Looks for block starts in what was read, up to `limit` (bytes): never further than needed. */
  scan(data: CompressedBytes, exhausted: boolean, limit: number): void {
    const to = Math.min(limit, exhausted ? data.end : data.end - MAGIC_SPAN);
    const from = Math.max(this.scanned, data.start);
    if (to <= from) return;
    const found = new Set<number>();
    data.each(from, to, (chunk, start) => {
      // In the chunk itself (no copy), then across its end through a copy of a few bytes.
      const lo = Math.max(from, start), hi = Math.min(to, start + chunk.length);
      const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      for (const bit of this.find(view, lo - start, hi - start)) found.add(start * 8 + bit);
      const seam = Math.max(lo, start + chunk.length - MAGIC_SPAN);
      if (seam >= hi) return;
      const joined = Buffer.from(data.copy(seam, Math.min(data.end, hi + MAGIC_SPAN)).buffer);
      for (const bit of this.find(joined, 0, hi - seam)) found.add(seam * 8 + bit);
    });
    this.candidates.push(...[...found].sort((a, b) => a - b));
    this.scanned = to;
  }

  /** Candidates after `next`. */
  after(next: number): number {
    return this.candidates.filter((c) => c > next).length;
  }

  /**
   * Gives idle workers the blocks after the one at `next` whose end is known (the next candidate),
   * and drops what lies before `next`.
   */
  dispatch(next: number, data: CompressedBytes, maxBlock: number): void {
    this.candidates = this.candidates.filter((c) => c >= next);
    for (const start of this.jobs.keys()) if (start < next) this.jobs.delete(start);
    for (let i = 0; i + 1 < this.candidates.length; i++) {
      const start = this.candidates[i], end = this.candidates[i + 1];
      if (start === next || this.jobs.has(start)) continue;
      const from = start >>> 3, to = Math.ceil(end / 8);
      if (to - from > CODEC_IN_SIZE) continue; // no block is that long: left to this thread
      const worker = idleBlockWorker();
      if (!worker) return;
      const job = worker.decode(data.copy(from, to), start & 7, maxBlock);
      // A worker that failed: the block is decoded here instead.
      this.jobs.set(start, job.then((r) => (r.status === "ok" ? { ...r, endBit: from * 8 + r.endBit } : r), () => null));
    }
  }

  /** The worker's job for the block at `next`, if one was given out. */
  take(next: number): Promise<BlockResult | null> | null {
    const job = this.jobs.get(next) ?? null;
    this.jobs.delete(next);
    return job;
  }
}

/** Options for tests: where block starts are looked for. */
export interface Bzip2Options {
  findMagics?: typeof findBlockMagics;
}

export function makeBzip2Decoder(options: Bzip2Options = {}): MemberDecoder {
  return {
    async *decode(ctx: DecodeContext) {
      const { reader } = ctx;
      const { corrupt } = memberErrors(ctx, "bzip2");
      const head = await readExactly(reader, 4);
      if (head.length < 4 || head[0] !== 0x42 || head[1] !== 0x5a || head[2] !== 0x68 || head[3] < 0x31 || head[3] > 0x39) {
        throw corrupt("bad stream header (BZh1..BZh9 expected)");
      }
      const maxBlock = (head[3] - 0x30) * 100000;
      ctx.describe({ blockSize: maxBlock });
      const codecs = ctx.codecs();
      const bz = codecs.exports;
      bz.bzReset();
      const failed = (code: number, blocks: number) =>
        corrupt(`${code === E_CODEC_INPUT ? "truncated stream" : BZ_ERRORS[code] ?? CODEC_ERRORS[code] ?? `error ${code}`} (block ${blocks})`);
      const data = new CompressedBytes();
      let next = 0;          // bit where the next block (or the end-of-stream marker) starts
      let crc = 0;           // the combined CRC of the blocks so far
      let blocks = 0;
      let exhausted = false;
      let fill = FIRST_FILL; // bytes the window holds from the block on, when the input has them
      let ahead: BlocksAhead | null = null;
      const readMore = async () => {
        const chunk = await reader.next();
        if (!chunk) exhausted = true;
        else data.push(chunk);
        ahead?.scan(data, exhausted, (next >>> 3) + BZIP2_READ_AHEAD);
      };
      /** Whether the block magic starts at bit `at`. */
      const blockFollows = async (at: number) => {
        while (!exhausted && data.end - (at >>> 3) < MAGIC_SPAN) await readMore();
        const bytes = Buffer.from(data.copy(at >>> 3, Math.min(data.end, (at >>> 3) + MAGIC_SPAN)).buffer);
        return findBlockMagics(bytes, 0, 1).includes(at & 7);
      };
      for (;;) {
        if (ahead) {
          while (!exhausted && data.end - (next >>> 3) < BZIP2_READ_AHEAD && ahead.after(next) < bzip2WorkerCount() + 2) await readMore();
          ahead.dispatch(next, data, maxBlock);
          const done = await ahead.take(next);
          if (done?.status === "ok") {
            blocks++;
            crc = combineCrc(crc, done.crc);
            next = done.endBit;
            data.dropBefore(next >>> 3);
            yield done.out;
            continue;
          }
          // No job, a chance magic that cut the block short, an output too large to hold, or a
          // corrupt block: this thread decodes it (and reports what is wrong with it).
        }
        const startByte = next >>> 3;
        while (!exhausted && data.end - startByte < fill) await readMore();
        const window = codecs.input.subarray(0, Math.min(fill, codecs.input.length));
        const winLen = data.copyTo(window, startByte);
        bz.bzSetCombinedCrc(crc);
        const r = bz.bzBlock(winLen, next & 7, maxBlock);
        if (r === E_CODEC_INPUT && !exhausted && fill < codecs.input.length) {
          // The block runs past the window: grow it and decode the block again from its start.
          fill = Math.min(fill * 4, codecs.input.length);
          continue;
        }
        if (r < 0) throw failed(r, blocks);
        next = startByte * 8 + bz.bzBitPosition();
        if (r === BZ_STREAM_END) break;
        if (r !== BZ_BLOCK_READY) throw corrupt(`unexpected state ${r}`);
        blocks++;
        for (;;) {
          const n = bz.bzOutput(OUT_CHUNK);
          if (n < 0) throw failed(n, blocks - 1);
          if (n === 0) break;
          yield codecs.output.subarray(0, n);
        }
        crc = bz.bzCombinedCrc() >>> 0;
        data.dropBefore(next >>> 3);
        // Another block follows: worth finding the rest ahead, when there are threads to decode
        // them. (Not for a one-block member: what follows it is another member's business.)
        if (!ahead && bzip2WorkerCount() > 0 && (await blockFollows(next))) {
          ahead = new BlocksAhead(options.findMagics);
          ahead.scan(data, exhausted, (next >>> 3) + BZIP2_READ_AHEAD);
        }
      }
      // The stream ended on a byte boundary; the rest belongs to what follows.
      data.unreadFrom(reader, next >>> 3);
      ctx.describe({ blocks });
    },
  };
}

export const bzip2Decoder = makeBzip2Decoder();
