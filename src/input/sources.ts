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
  return { chunks: readFile(handle, chunkSize, source), size: stat.isFile() ? stat.size : undefined, label: source };
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

// Keeps one read in flight while the consumer works on the previous chunk.
async function* readFile(handle: import("node:fs/promises").FileHandle, chunkSize: number, label: string) {
  let position = 0;
  const readNext = async () => {
    // A fresh buffer per read: consumers may hold views of earlier chunks.
    const buf = Buffer.allocUnsafe(chunkSize);
    try {
      const { bytesRead } = await handle.read(buf, 0, chunkSize, null);
      position += bytesRead;
      return buf.subarray(0, bytesRead);
    } catch (e) {
      throw fsError("CPIOX_INPUT", `cannot read ${label} at byte ${position}`, e);
    }
  };
  let pending: Promise<Buffer> | null = null;
  try {
    pending = readNext();
    for (;;) {
      const chunk = await pending;
      pending = null;
      if (chunk.length === 0) return;
      pending = readNext();
      yield chunk;
    }
  } finally {
    await pending?.catch(() => undefined);
    await handle.close();
  }
}
