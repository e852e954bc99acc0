// xz and legacy .lzma members with the system's liblzma (liblzma.so.5, part of every Debian
// base system) through koffi. lzma_code runs on the thread pool, so decoding overlaps parsing;
// liblzma stops at the end of the stream and avail_in says exactly where the member ended.
import koffi from "koffi";
import { CpioxError } from "../../errors.js";
import type { ChunkReader } from "../../input/reader.js";

/** liblzma may use this much memory for one member (xz -9 needs 65 MiB); more is refused. */
export const LZMA_MEMLIMIT = 512n << 20n;
const IN_SIZE = 1 << 20;
const OUT_SIZE = 1 << 20;
const STREAM_SIZE = 136; // sizeof(lzma_stream) on 64-bit Linux
// lzma_stream field offsets
const NEXT_IN = 0, AVAIL_IN = 8, NEXT_OUT = 24, AVAIL_OUT = 32;
const LZMA_RUN = 0, LZMA_FINISH = 3;
const LZMA_OK = 0, LZMA_STREAM_END = 1;
const LZMA_ERRORS: Record<number, string> = {
  2: "no integrity check", 3: "unsupported integrity check", 5: "out of memory",
  6: `needs more than ${LZMA_MEMLIMIT >> 20n} MiB of memory`, 7: "file format not recognized",
  8: "invalid or unsupported options", 9: "data is corrupt", 10: "unexpected end of input", 11: "liblzma internal error",
};

interface Liblzma {
  streamDecoder(strm: unknown, memlimit: bigint, flags: number): number;
  aloneDecoder(strm: unknown, memlimit: bigint): number;
  code: { async(strm: unknown, action: number, cb: (err: unknown, ret: number) => void): void };
  end(strm: unknown): void;
}

let liblzma: Liblzma | undefined;
function load(): Liblzma {
  if (!liblzma) {
    const lib = koffi.load("liblzma.so.5");
    liblzma = {
      streamDecoder: lib.func("int lzma_stream_decoder(void *strm, uint64_t memlimit, uint32_t flags)"),
      aloneDecoder: lib.func("int lzma_alone_decoder(void *strm, uint64_t memlimit)"),
      code: lib.func("int lzma_code(void *strm, int action)"),
      end: lib.func("void lzma_end(void *strm)"),
    };
  }
  return liblzma;
}

/** Decodes one xz stream or .lzma file from the reader; the bytes after it go back to the reader. */
export async function* liblzmaDecode(
  reader: ChunkReader, format: "xz" | "lzma", corrupt: (why: string) => CpioxError,
): AsyncGenerator<Uint8Array> {
  let lz: Liblzma;
  try {
    lz = load();
  } catch (e) {
    throw corrupt(`cannot load liblzma.so.5 (${(e as Error).message}); install liblzma5`);
  }
  const strm = koffi.alloc("uint8_t", STREAM_SIZE);
  const input = koffi.alloc("uint8_t", IN_SIZE);
  const output = koffi.alloc("uint8_t", OUT_SIZE);
  const s = new DataView(koffi.view(strm, STREAM_SIZE));
  new Uint8Array(s.buffer).fill(0); // LZMA_STREAM_INIT
  const inView = new Uint8Array(koffi.view(input, IN_SIZE));
  const outView = new Uint8Array(koffi.view(output, OUT_SIZE));
  const inAddr = koffi.address(input), outAddr = koffi.address(output);
  const init = format === "xz" ? lz.streamDecoder(strm, LZMA_MEMLIMIT, 0) : lz.aloneDecoder(strm, LZMA_MEMLIMIT);
  try {
    if (init !== LZMA_OK) throw corrupt(`decoder setup failed: ${LZMA_ERRORS[init] ?? init}`);
    let fed = 0;        // bytes copied into the input buffer for the current call
    let action = LZMA_RUN;
    for (;;) {
      if (s.getBigUint64(AVAIL_IN, true) === 0n && action === LZMA_RUN) {
        const chunk = await reader.next();
        if (!chunk) action = LZMA_FINISH;
        else {
          fed = Math.min(chunk.length, IN_SIZE);
          inView.set(chunk.subarray(0, fed));
          if (fed < chunk.length) reader.unread(chunk.subarray(fed));
          s.setBigUint64(NEXT_IN, inAddr, true);
          s.setBigUint64(AVAIL_IN, BigInt(fed), true);
        }
      }
      s.setBigUint64(NEXT_OUT, outAddr, true);
      s.setBigUint64(AVAIL_OUT, BigInt(OUT_SIZE), true);
      const ret = await new Promise<number>((resolve, reject) =>
        lz.code.async(strm, action, (err, r) => (err ? reject(err) : resolve(r))));
      const produced = OUT_SIZE - Number(s.getBigUint64(AVAIL_OUT, true));
      if (produced > 0) yield outView.subarray(0, produced);
      if (ret === LZMA_STREAM_END) {
        const left = Number(s.getBigUint64(AVAIL_IN, true));
        // A copy: the native buffer is freed below.
        if (left > 0) reader.unread(Buffer.from(inView.subarray(fed - left, fed)));
        return;
      }
      if (ret !== LZMA_OK) throw corrupt(LZMA_ERRORS[ret] ?? `liblzma error ${ret}`);
      if (action === LZMA_FINISH && produced === 0) throw corrupt("truncated stream");
    }
  } finally {
    lz.end(strm);
    koffi.free(strm);
    koffi.free(input);
    koffi.free(output);
  }
}
