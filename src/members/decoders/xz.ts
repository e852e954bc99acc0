// xz members with liblzma. liblzma would read on past the stream into whatever follows, so the
// stream's end is found from its footer (CRC32, backward size, the header's flags, "YZ") and
// only the stream's own bytes are fed to it.
import { crc32 } from "node:zlib";
import { CpioxError } from "../../errors.js";
import { lzmaNative } from "./liblzma.js";
import { streamThrough } from "./through.js";
import { memberErrors, type DecodeContext, type MemberDecoder } from "./types.js";

const CHECKS: Record<number, string> = { 0: "none", 1: "crc32", 4: "crc64", 10: "sha256" };
const HEADER = 12;
const FOOTER = 12;

export const xzDecoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const { where, corrupt } = memberErrors(ctx, "xz");
    const head = await ctx.reader.peek(HEADER);
    if (head.length < HEADER) throw corrupt("truncated stream header");
    const magic = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
    if (!magic.every((b, i) => head[i] === b)) throw corrupt("bad stream header magic (FD 37 7A 58 5A 00 expected)");
    const flags = head.subarray(6, 8);
    if (crc32(flags) >>> 0 !== new DataView(head.buffer, head.byteOffset + 8, 4).getUint32(0, true)) {
      throw corrupt("stream header CRC32 mismatch");
    }
    const checkId = flags[1] & 0x0f;
    const check = CHECKS[checkId] ?? `reserved ${checkId}`;
    ctx.describe({ check });
    if (checkId !== 0 && checkId !== 1) {
      ctx.warn({
        code: "CPIOX_KERNEL_XZ_CHECK",
        message: `xz check type ${check}: the kernel's xz decoder accepts only crc32 or none (xz --check=crc32)`,
        ...where,
      });
    }
    const end = new XzEndFinder(flags[0], flags[1]);
    const engine = lzmaNative.createStream("streamDecoder");
    try {
      yield* streamThrough(ctx.reader, engine, { consumed: () => engine.totalIn(), take: (c) => end.take(c) });
    } catch (e) {
      if (e instanceof CpioxError) throw e;
      throw corrupt((e as Error).message);
    }
    if (!end.found) throw corrupt("truncated stream (no stream footer)");
  },
};

/** Finds the end of an xz stream: a 12-byte footer whose CRC32, flags and magic all check out. */
export class XzEndFinder {
  private tail = Buffer.alloc(0); // the last FOOTER-1 bytes before the current chunk
  private pos = 0;                // stream offset of the current chunk
  found = false;

  constructor(private readonly flag0: number, private readonly flag1: number) {}

  /** How many bytes of chunk belong to the stream (all of them until the footer is seen). */
  take(chunk: Uint8Array): number {
    if (this.found) return 0;
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Footers that straddle the previous chunk and this one.
    const seam = Buffer.concat([this.tail, buf.subarray(0, FOOTER - 1)]);
    for (let start = 0; start + FOOTER <= seam.length; start++) {
      const endInChunk = start + FOOTER - this.tail.length;
      if (endInChunk > 0 && this.isFooter(seam, start, this.pos - this.tail.length + start)) return this.finish(endInChunk);
    }
    // Footers inside this chunk: find "YZ" and look back.
    for (let y = buf.indexOf(YZ, FOOTER - 2); y >= 0; y = buf.indexOf(YZ, y + 1)) {
      const start = y + 2 - FOOTER;
      if (this.isFooter(buf, start, this.pos + start)) return this.finish(start + FOOTER);
    }
    const all = this.tail.length + buf.length;
    this.tail = Buffer.from(Buffer.concat([this.tail, buf.subarray(Math.max(0, buf.length - (FOOTER - 1)))]).subarray(
      Math.max(0, Math.min(all, this.tail.length + buf.length) - (FOOTER - 1))));
    this.pos += buf.length;
    return buf.length;
  }

  private finish(n: number): number {
    this.found = true;
    return n;
  }

  private isFooter(b: Buffer, at: number, streamOffset: number): boolean {
    if (at < 0 || at + FOOTER > b.length) return false;
    if (b[at + 10] !== 0x59 || b[at + 11] !== 0x5a) return false;
    if (b[at + 8] !== this.flag0 || b[at + 9] !== this.flag1) return false;
    // Every part of a stream is a multiple of 4 bytes; the index precedes the footer.
    if ((streamOffset + FOOTER) % 4 !== 0) return false;
    const backward = (b.readUInt32LE(at + 4) + 1) * 4;
    if (streamOffset - backward < HEADER) return false;
    return crc32(b.subarray(at + 4, at + 10)) >>> 0 === b.readUInt32LE(at);
  }
}

const YZ = Buffer.from("YZ");
