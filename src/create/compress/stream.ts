// The loop every streaming compressor library shares (liblzma, libbz2, libzstd): hand it input
// and an output window, call it on the thread pool, pass on what it produced, until it has taken
// the input (or, at the end, finished the stream). Each library adapts its own struct to
// `StreamCodec`.
import { Transform, type TransformCallback } from "node:stream";
import { freeNative, nativeBuffer, type NativeBuffer } from "../../native/library.js";

/** Input is copied into native memory this much at a time; output is taken in windows this large. */
const IN_SIZE = 1 << 20;
const OUT_SIZE = 1 << 20;

export interface StreamCodec {
  setInput(address: bigint, length: number): void;
  inputLeft(): number;
  setOutput(address: bigint, length: number): void;
  outputLeft(): number;
  /** One call into the library: "end" once the stream is complete (only when finishing); throws on an error. */
  step(finish: boolean): Promise<"more" | "end">;
  /** Frees the library's state (called once, after the end or on an error). */
  close(): void;
}

/**
 * The input and output windows of a C stream struct with next_in/avail_in/next_out/avail_out
 * fields (liblzma's lzma_stream: 64-bit avail; libbz2's bz_stream: 32-bit).
 */
export function pointerWindows(
  s: DataView, layout: { nextIn: number; availIn: number; nextOut: number; availOut: number }, availBits: 32 | 64,
): Pick<StreamCodec, "setInput" | "inputLeft" | "setOutput" | "outputLeft"> {
  const setAvail = (at: number, n: number) => (availBits === 64 ? s.setBigUint64(at, BigInt(n), true) : s.setUint32(at, n, true));
  const avail = (at: number) => (availBits === 64 ? Number(s.getBigUint64(at, true)) : s.getUint32(at, true));
  return {
    setInput(address, length) {
      s.setBigUint64(layout.nextIn, address, true);
      setAvail(layout.availIn, length);
    },
    inputLeft: () => avail(layout.availIn),
    setOutput(address, length) {
      s.setBigUint64(layout.nextOut, address, true);
      setAvail(layout.availOut, length);
    },
    outputLeft: () => avail(layout.availOut),
  };
}

export class StreamCompress extends Transform {
  private readonly input: NativeBuffer = nativeBuffer(IN_SIZE);
  private readonly output: NativeBuffer = nativeBuffer(OUT_SIZE);
  private released = false;

  constructor(private readonly codec: StreamCodec) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.feed(chunk, false).then(() => done(), (e) => done(this.release(e)));
  }

  override _flush(done: TransformCallback): void {
    this.feed(Buffer.alloc(0), true).then(() => done(this.release()), (e) => done(this.release(e)));
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    done(this.release(error ?? undefined) ?? null);
  }

  private release(e?: Error): Error | undefined {
    if (!this.released) {
      this.released = true;
      this.codec.close();
      freeNative(this.input, this.output);
    }
    return e;
  }

  private async feed(chunk: Buffer, finish: boolean): Promise<void> {
    let at = 0;
    do {
      const n = Math.min(IN_SIZE, chunk.length - at);
      this.input.view.set(chunk.subarray(at, at + n));
      at += n;
      await this.run(n, finish && at === chunk.length);
    } while (at < chunk.length);
  }

  private async run(length: number, finish: boolean): Promise<void> {
    const { codec } = this;
    codec.setInput(this.input.address, length);
    for (;;) {
      codec.setOutput(this.output.address, OUT_SIZE);
      const state = await codec.step(finish);
      const produced = OUT_SIZE - codec.outputLeft();
      if (produced) this.push(Buffer.from(this.output.view.subarray(0, produced)));
      if (finish ? state === "end" : codec.inputLeft() === 0 && produced < OUT_SIZE) return;
    }
  }
}
