// Compressors whose container is a sequence of independently compressed blocks (lz4 legacy,
// lzop): input is cut into blocks of a fixed size, up to one block per core is compressed on the
// thread pool at a time, and the framed blocks are passed on in order.
import { availableParallelism } from "node:os";
import { Transform, type TransformCallback } from "node:stream";
import { freeNative, nativeBuffer, type NativeBuffer } from "../../native/library.js";

export interface BlockFormat {
  /** Uncompressed bytes per block (the last may be shorter). */
  blockSize: number;
  /** Room the compressed form of a full block may need. */
  bound: number;
  /** Scratch memory the compressor needs per block in flight (0: none). */
  workMemory: number;
  header(): Buffer;
  /** Compresses input[0, length) and returns the framed block (header words and data). */
  block(slot: BlockSlot, length: number): Promise<Buffer>;
  trailer(): Buffer;
}

export interface BlockSlot {
  input: NativeBuffer;
  output: NativeBuffer;
  work: NativeBuffer | null;
  /** 8 bytes for an out-parameter (a compressed length). */
  scratch: NativeBuffer;
}

export class BlockCompress extends Transform {
  private readonly slots: BlockSlot[];
  private readonly inFlight: (Promise<Buffer> | null)[];
  private current = 0;
  private filled = 0;
  private started = false;
  private freed = false;

  constructor(private readonly format: BlockFormat) {
    super();
    const n = Math.max(1, Math.min(4, availableParallelism()));
    this.slots = Array.from({ length: n }, () => ({
      input: nativeBuffer(format.blockSize), output: nativeBuffer(format.bound),
      work: format.workMemory ? nativeBuffer(format.workMemory) : null, scratch: nativeBuffer(8),
    }));
    this.inFlight = this.slots.map(() => null);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.accept(chunk).then(() => done(), (e) => done(this.free(e)));
  }

  override _flush(done: TransformCallback): void {
    this.finish().then(() => done(this.free()), (e) => done(this.free(e)));
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    // A block still on the thread pool writes into its slot: free only after it settles.
    Promise.allSettled(this.inFlight.filter(Boolean)).then(() => done(this.free(error ?? undefined) ?? null));
  }

  private free(e?: Error): Error | undefined {
    if (!this.freed) {
      this.freed = true;
      for (const s of this.slots) freeNative(s.input, s.output, s.scratch, ...(s.work ? [s.work] : []));
    }
    return e;
  }

  private async accept(chunk: Buffer): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.push(this.format.header());
    }
    let at = 0;
    while (at < chunk.length) {
      const slot = await this.freeSlot();
      const n = Math.min(this.format.blockSize - this.filled, chunk.length - at);
      slot.input.view.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === this.format.blockSize) this.launch();
    }
  }

  /** The slot being filled, once the block it last held has been passed on. */
  private async freeSlot(): Promise<BlockSlot> {
    const pending = this.inFlight[this.current];
    if (pending) {
      this.inFlight[this.current] = null;
      this.push(await pending);
    }
    return this.slots[this.current];
  }

  private launch(): void {
    const done = this.format.block(this.slots[this.current], this.filled);
    done.catch(() => undefined); // awaited in order later; an early failure must not go unhandled
    this.inFlight[this.current] = done;
    this.filled = 0;
    this.current = (this.current + 1) % this.slots.length;
  }

  private async finish(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.push(this.format.header());
    }
    if (this.filled) this.launch();
    // The oldest block first: the slots after `current` were launched before the ones up to it.
    for (let k = 0; k < this.slots.length; k++) {
      const i = (this.current + k) % this.slots.length;
      const pending = this.inFlight[i];
      if (pending) {
        this.inFlight[i] = null;
        this.push(await pending);
      }
    }
    this.push(this.format.trailer());
  }
}
