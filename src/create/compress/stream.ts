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
