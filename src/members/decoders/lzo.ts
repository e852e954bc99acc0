// lzop containers with LZO1X blocks decoded in the WebAssembly codecs module. The container is
// parsed as lzop writes it; where the kernel's reader would misread it (it skips exactly one
// checksum per block, blocks of at most 256 KiB, no filter or extra field) cpiox warns.
import { CODEC_ERRORS } from "./codecs.js";
import { readExactly, readInto } from "../../input/reader.js";
import { memberErrors, type DecodeContext, type MemberDecoder } from "./types.js";

const MAGIC = [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
const F_ADLER32_D = 0x1, F_ADLER32_C = 0x2, F_H_EXTRA_FIELD = 0x40, F_CRC32_D = 0x100, F_CRC32_C = 0x200;
const F_H_FILTER = 0x800;
const KERNEL_BLOCK_MAX = 256 * 1024; // the kernel's LZO_BLOCK_SIZE
const BLOCK_MAX = 8 << 20;           // lzop itself never writes more than 64 MiB; we bound at 8
const METHODS: Record<number, string> = { 1: "LZO1X-1", 2: "LZO1X-1(15)", 3: "LZO1X-999" };

const be32 = (b: Uint8Array, at = 0) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const be16 = (b: Uint8Array, at = 0) => (b[at] << 8) | b[at + 1];

export const lzoDecoder: MemberDecoder = {
  async *decode(ctx: DecodeContext) {
    const { reader } = ctx;
    const { where, corrupt } = memberErrors(ctx, "lzo");
    const need = async (n: number, what: string) => {
      const b = await readExactly(reader, n);
      if (b.length < n) throw corrupt(`truncated ${what}`);
      return b;
    };
    const magic = await need(9, "header");
    if (!MAGIC.every((b, i) => magic[i] === b)) throw corrupt("bad lzop magic");
    const v = await need(4, "header");
    const version = be16(v);
    if (version >= 0x0940) await need(2, "header"); // version needed to extract
    const method = (await need(1, "header"))[0];
    if (!METHODS[method]) throw corrupt(`unknown method ${method}`);
    const level = version >= 0x0940 ? (await need(1, "header"))[0] : null;
    const flags = be32(await need(4, "header"));
    if (flags & F_H_FILTER) await need(4, "header");
    await need(version >= 0x0940 ? 12 : 8, "header"); // mode, mtime (low, high)
    const nameLen = (await need(1, "header"))[0];
    const name = await need(nameLen, "header");
    await need(4, "header"); // header checksum
    if (flags & F_H_EXTRA_FIELD) {
      const extra = be32(await need(4, "header"));
      await need(extra + 4, "extra field");
    }
    const dSums = (flags & F_ADLER32_D ? 1 : 0) + (flags & F_CRC32_D ? 1 : 0);
    const cSums = (flags & F_ADLER32_C ? 1 : 0) + (flags & F_CRC32_C ? 1 : 0);
    ctx.describe({
      version: `0x${version.toString(16)}`, method: METHODS[method], level, flags: `0x${flags.toString(16)}`,
      name: Buffer.from(name).toString("latin1"), checksumsPerBlock: cSums ? `${dSums}+${cSums}` : dSums,
    });
    const misread: string[] = [];
    if (flags & (F_H_FILTER | F_H_EXTRA_FIELD)) misread.push("a filter or extra header field");
    if (dSums !== 1 || cSums !== 0) misread.push(`${dSums} data and ${cSums} compressed checksums per block (the kernel skips exactly one)`);
    const warnMisread = () => {
      if (!misread.length) return;
      ctx.warn({ code: "CPIOX_KERNEL_LZO", message: `lzop container the kernel would misread: ${misread.join("; ")}`, ...where });
      misread.length = 0;
    };
    warnMisread();
    const codecs = ctx.codecs();
    for (;;) {
      const dstLen = be32(await need(4, "block header"));
      if (dstLen === 0) break;
      if (dstLen > BLOCK_MAX) throw corrupt(`block of ${dstLen} bytes is larger than ${BLOCK_MAX}`);
      if (dstLen > KERNEL_BLOCK_MAX) {
        misread.push(`a ${dstLen}-byte block (the kernel takes at most ${KERNEL_BLOCK_MAX})`);
        warnMisread();
      }
      const srcLen = be32(await need(4, "block header"));
      if (srcLen === 0 || srcLen > dstLen) throw corrupt(`compressed block size ${srcLen} for ${dstLen} bytes`);
      await need(4 * (dSums + (srcLen < dstLen ? cSums : 0)), "block checksums");
      if (srcLen === dstLen) {
        // Stored block: the bytes are the data.
        const got = await readInto(reader, codecs.output, srcLen);
        if (got < srcLen) throw corrupt("truncated block");
        yield codecs.output.subarray(0, srcLen);
        continue;
      }
      const got = await readInto(reader, codecs.input, srcLen);
      if (got < srcLen) throw corrupt("truncated block");
      const n = codecs.exports.lzo1xBlock(srcLen, dstLen);
      if (n < 0) throw corrupt(`block: ${CODEC_ERRORS[n] ?? `error ${n}`}`);
      if (n !== dstLen) throw corrupt(`block decodes to ${n} bytes, its header says ${dstLen}`);
      yield codecs.output.subarray(0, n);
    }
  },
};
