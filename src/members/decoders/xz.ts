// xz members with liblzma's stream decoder (one stream, as the kernel reads). The stream header
// is read here first, to report its check type: the kernel takes only crc32 or none.
import { crc32 } from "node:zlib";
import { liblzmaDecode } from "./liblzma.js";
import { memberErrors, type DecodeContext, type MemberDecoder } from "./types.js";

const CHECKS: Record<number, string> = { 0: "none", 1: "crc32", 4: "crc64", 10: "sha256" };
const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

export const xzDecoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const errors = memberErrors(ctx, "xz");
    const { where, corrupt } = errors;
    const head = await ctx.reader.peek(12);
    if (head.length < 12) throw corrupt("truncated stream header");
    if (!MAGIC.every((b, i) => head[i] === b)) throw corrupt("bad stream header magic (FD 37 7A 58 5A 00 expected)");
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
    yield* liblzmaDecode(ctx.reader, "xz", errors);
  },
};
