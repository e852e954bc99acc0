// zstd compression for `cpiox create`, with the system's libzstd through koffi: a Transform
// whose ZSTD_compressStream2 calls run on the thread pool. One frame, as the kernel reads.
import { Transform, type TransformCallback } from "node:stream";
import { CpioxError } from "../errors.js";
import { freeNative, nativeBuffer, onThreadPool, type NativeBuffer } from "../native/library.js";
import { libzstd, ZSTD_BUFFER } from "../native/zstd.js";

const OUT_SIZE = 1 << 20;
const ZSTD_c_compressionLevel = 100;
const ZSTD_c_checksumFlag = 201;
const ZSTD_e_continue = 0, ZSTD_e_end = 2;


export class ZstdCompress extends Transform {
  private readonly z = libzstd();
  private readonly cctx = this.z.createCCtx();
  private readonly out: NativeBuffer = nativeBuffer(OUT_SIZE);
  private readonly inDesc = nativeBuffer(ZSTD_BUFFER.bytes);
  private readonly outDesc = nativeBuffer(ZSTD_BUFFER.bytes);

  constructor(level: number) {
    super();
    this.z.setParameter(this.cctx, ZSTD_c_compressionLevel, level);
    this.z.setParameter(this.cctx, ZSTD_c_checksumFlag, 1);
    const o = this.view(this.outDesc);
    o.setBigUint64(ZSTD_BUFFER.pointer, this.out.address, true);
    o.setBigUint64(ZSTD_BUFFER.size, BigInt(OUT_SIZE), true);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.run(chunk, ZSTD_e_continue).then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    this.run(Buffer.alloc(0), ZSTD_e_end).then(() => done(), done).finally(() => {
      this.z.freeCCtx(this.cctx);
      freeNative(this.out, this.inDesc, this.outDesc);
    });
  }

  private view(b: NativeBuffer): DataView {
    return new DataView(b.view.buffer, b.view.byteOffset, ZSTD_BUFFER.bytes);
  }

  // Feeds one chunk (copied into native memory) until libzstd has taken all of it.
  private async run(chunk: Buffer, endOp: number): Promise<void> {
    const input = nativeBuffer(Math.max(1, chunk.length));
    try {
      input.view.set(chunk);
      const i = this.view(this.inDesc), o = this.view(this.outDesc);
      i.setBigUint64(ZSTD_BUFFER.pointer, input.address, true);
      i.setBigUint64(ZSTD_BUFFER.size, BigInt(chunk.length), true);
      i.setBigUint64(ZSTD_BUFFER.pos, 0n, true);
      for (;;) {
        o.setBigUint64(ZSTD_BUFFER.pos, 0n, true);
        const left = BigInt(await onThreadPool(this.z.compressStream2, this.cctx, this.outDesc.ptr, this.inDesc.ptr, endOp));
        if (this.z.isError(left)) throw new CpioxError("CPIOX_WRITE_FAILED", `zstd: ${this.z.errorName(left)}`);
        const produced = Number(o.getBigUint64(ZSTD_BUFFER.pos, true));
        if (produced) this.push(Buffer.from(this.out.view.subarray(0, produced)));
        const consumed = Number(i.getBigUint64(ZSTD_BUFFER.pos, true));
        if (endOp === ZSTD_e_end ? left === 0n : consumed === chunk.length && produced < OUT_SIZE) return;
      }
    } finally {
      freeNative(input);
    }
  }
}
