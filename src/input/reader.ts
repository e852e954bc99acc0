// Pull-based reader over an async chunk source, with push-back so a decoder can return the
// bytes it read past the end of its member, and skipping where the source allows it.
import { isSkippable, type SkippableChunks } from "./sources.js";

export class ChunkReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly pushedBack: Uint8Array[] = [];
  private done = false;
  /** Input offset of the next byte next() returns. */
  offset = 0;

  private readonly skippable: SkippableChunks | null;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
    this.skippable = isSkippable(source) ? source : null;
  }

  async next(): Promise<Uint8Array | null> {
    const back = this.pushedBack.pop();
    if (back) {
      this.offset += back.length;
      return back;
    }
    if (this.done) return null;
    for (;;) {
      const r = await this.iterator.next();
      if (r.done) {
        this.done = true;
        return null;
      }
      if (r.value.length === 0) continue;
      this.offset += r.value.length;
      return r.value;
    }
  }

  /** Returns bytes to the front of the stream (the most recent unread comes out first). */
  unread(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.pushedBack.push(chunk);
    this.offset -= chunk.length;
  }

  /** At least n bytes from the front without consuming them (fewer only at the end of input). */
  async peek(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let have = 0;
    while (have < n) {
      const c = await this.next();
      if (!c) break;
      parts.push(c);
      have += c.length;
    }
    for (let i = parts.length - 1; i >= 0; i--) this.unread(parts[i]);
    if (parts.length === 1) return parts[0];
    // A header split across chunks: the only place bytes are concatenated.
    return Buffer.concat(parts);
  }

  /**
   * Passes over up to n bytes without reading them when the source can (a regular file) and
   * nothing was given back; returns how many were passed over (0 when it cannot).
   */
  skipUnread(n: number): number {
    if (this.pushedBack.length || this.done || !this.skippable) return 0;
    const skipped = this.skippable.skip(n);
    this.offset += skipped;
    return skipped;
  }

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.iterator.return?.();
    }
  }
}

/** Reads exactly n bytes (fewer only at the end of input). */
export async function readExactly(reader: ChunkReader, n: number): Promise<Uint8Array> {
  const bytes = await reader.peek(n);
  const got = bytes.subarray(0, Math.min(n, bytes.length));
  await skipBytes(reader, got.length);
  return got;
}

/** Consumes n bytes, returning how many were available. */
export async function skipBytes(reader: ChunkReader, n: number): Promise<number> {
  let left = n;
  while (left > 0) {
    const c = await reader.next();
    if (!c) break;
    if (c.length > left) {
      reader.unread(c.subarray(left));
      left = 0;
    } else left -= c.length;
  }
  return n - left;
}

/** Copies exactly n bytes into dest (fewer only at the end of input); returns how many. */
export async function readInto(reader: ChunkReader, dest: Uint8Array, n: number): Promise<number> {
  let got = 0;
  while (got < n) {
    const c = await reader.next();
    if (!c) break;
    const take = Math.min(c.length, n - got);
    dest.set(c.subarray(0, take), got);
    got += take;
    if (take < c.length) reader.unread(c.subarray(take));
  }
  return got;
}

/** What is left of a reader, as an iterator of its chunks (for a layer that re-frames the input). */
export function readerChunks(reader: ChunkReader): AsyncIterator<Uint8Array> {
  return {
    async next() {
      const c = await reader.next();
      return c ? { done: false, value: c } : { done: true, value: undefined };
    },
  };
}
