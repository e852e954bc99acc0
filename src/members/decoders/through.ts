// Runs a member's bytes through a Node transform stream (zlib's raw inflate, for gzip) and
// afterwards returns to the reader every byte the engine did not consume, so the next member
// starts exactly there.
import { once } from "node:events";
import type { Duplex } from "node:stream";
import type { ChunkReader } from "../../input/reader.js";

export interface ThroughOptions {
  /** Input bytes the engine has consumed so far (exact once its output has ended). */
  consumed(): number;
  /** For engines whose consumed() is exact after each write: true when it refused some of `fed`. */
  refused?(fed: number): boolean;
}

export async function* streamThrough(reader: ChunkReader, engine: Duplex, opts: ThroughOptions): AsyncGenerator<Uint8Array> {
  let fed = 0;
  let keptStart = 0; // fed-offset of kept[0]
  const kept: Uint8Array[] = []; // fed chunks not yet known to be consumed
  let outputEnded = false;
  let failure: unknown = null;
  const ended = once(engine, "end").then(() => { outputEnded = true; }, () => { outputEnded = true; });
  const trim = () => {
    const used = opts.consumed();
    while (kept.length && keptStart + kept[0].length <= used) keptStart += kept.shift()!.length;
  };
  const pump = (async () => {
    try {
      while (!outputEnded) {
        const chunk = await reader.next();
        if (!chunk) {
          engine.end();
          return;
        }
        kept.push(chunk);
        fed += chunk.length;
        const written = new Promise<void>((resolve, reject) => engine.write(chunk, (e) => (e ? reject(e) : resolve())));
        await Promise.race([written, ended]);
        trim();
        // The engine refused input (its stream ended inside what we fed), or the member is complete.
        if (opts.refused?.(fed)) {
          engine.end();
          return;
        }
      }
      // Some engines (liblzma) emit "end" on their own; ending the input lets the stream close.
      engine.end();
    } catch (e) {
      failure = e;
      engine.destroy(e as Error);
    }
  })();
  try {
    for await (const out of engine) yield out as Uint8Array;
  } finally {
    outputEnded = true;
  }
  await pump;
  if (failure) throw failure;
  // Give back what the engine did not consume, newest first.
  trim();
  let skip = opts.consumed() - keptStart;
  const rest: Uint8Array[] = [];
  for (const c of kept) {
    if (skip >= c.length) {
      skip -= c.length;
      continue;
    }
    rest.push(c.subarray(skip));
    skip = 0;
  }
  for (let i = rest.length - 1; i >= 0; i--) reader.unread(rest[i]);
}
