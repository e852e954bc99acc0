// Input sources: a file path, "-" for stdin, or any async iterable of bytes; big reads.
import { open } from "node:fs/promises";
import { CpioxError, fsError, type Warning } from "../errors.js";
import type { HttpOptions } from "./http.js";

export type Source = string | AsyncIterable<Uint8Array> | Uint8Array;

export const READ_CHUNK_SIZE = 1 << 20; // 1 MiB reads: 256 KiB and 4 MiB measured no faster

export interface SourceInfo {
  chunks: AsyncIterable<Uint8Array>;
  /** Total size when known (files). */
  size?: number;
  label: string;
}

export async function openSource(
  source: Source, http: HttpOptions = {}, warn: (w: Warning) => void = () => {}, chunkSize = READ_CHUNK_SIZE,
): Promise<SourceInfo> {
  if (source instanceof Uint8Array) return { chunks: once(source), size: source.length, label: "<buffer>" };
  if (typeof source !== "string") return { chunks: source, label: "<stream>" };
  if (source === "-") return { chunks: readStdin(), label: "<stdin>" };
  if (/^https?:\/\//i.test(source)) {
    // undici is loaded only for URLs: it costs ~50 ms of start-up that files do not need.
    const { httpChunks } = await import("./http.js");
    return { chunks: httpChunks(source, http, warn), label: source };
  }
  let handle;
  try {
    handle = await open(source, "r");
  } catch (e) {
    throw fsError("CPIOX_INPUT", `cannot open ${source}`, e);
  }
  const stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    throw new CpioxError("CPIOX_INPUT", `cannot read ${source}: it is a directory (EISDIR)`);
  }
  return { chunks: readFile(handle, chunkSize, source, stat.isFile()), size: stat.isFile() ? stat.size : undefined, label: source };
}

async function* readStdin(): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of process.stdin) yield chunk as Buffer;
  } catch (e) {
    throw fsError("CPIOX_INPUT", "cannot read standard input", e);
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * Reads a regular file keeps in flight at once: each new buffer's pages are first touched by the
 * read on the thread pool, and four reads fault them in parallel (131 MB on tmpfs: 22 ms with
 * four in flight against 42-83 ms with one).
 */
export const READS_IN_FLIGHT = 4;

// Reads ahead at explicit positions while the consumer works on earlier chunks; a pipe or device
// given by path is read in order, one read at a time.
async function* readFile(handle: import("node:fs/promises").FileHandle, chunkSize: number, label: string, regular: boolean) {
  let next = 0; // position of the next read to issue
  let ended = false;
  const readAt = async (position: number) => {
    // A fresh buffer per read: consumers may hold views of earlier chunks.
    const buf = Buffer.allocUnsafe(chunkSize);
    try {
      const { bytesRead } = await handle.read(buf, 0, chunkSize, regular ? position : null);
      return buf.subarray(0, bytesRead);
    } catch (e) {
      throw fsError("CPIOX_INPUT", `cannot read ${label} at byte ${position}`, e);
    }
  };
  const inFlight: Promise<Buffer>[] = [];
  const issue = () => {
    while (!ended && inFlight.length < (regular ? READS_IN_FLIGHT : 1)) {
      const read = readAt(next);
      read.catch(() => undefined); // awaited in order below; never an unhandled rejection
      inFlight.push(read);
      next += chunkSize;
    }
  };
  try {
    issue();
    while (inFlight.length) {
      const chunk = await inFlight.shift()!;
      // A short read is the end of the file (or of what a file that shrank still holds).
      if (chunk.length < chunkSize) ended = true;
      if (chunk.length === 0) return;
      issue();
      yield chunk;
    }
  } finally {
    ended = true;
    await Promise.allSettled(inFlight);
    await handle.close();
  }
}
