// Feeds a buffer as an async source in chunks of a given size (1 = one byte at a time).
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, Math.min(bytes.length, i + size));
}

/** Chunk sizes every fixture is fed in: one byte, odd sizes, whole. */
export const CHUNK_SIZES = [1, 3, 7, 110, 4093, Infinity];

export function feed(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> | Uint8Array {
  return size === Infinity ? bytes : chunked(bytes, size);
}
