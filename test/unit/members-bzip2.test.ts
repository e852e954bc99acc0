// bzip2 on every core: where blocks may start (the 48-bit magic at any bit shift), and the
// decoder that hands blocks found ahead to worker threads, against real bzip2 output, including
// magics that occur by chance inside a block and blocks the finder misses.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { findBlockMagics } from "../../src/members/decoders/bzip2-magic.js";
import { makeBzip2Decoder, type Bzip2Options } from "../../src/members/decoders/bzip2.js";
import { blocksDecodedOnWorkers, bzip2WorkerCount } from "../../src/members/decoders/bzip2-workers.js";
import { acquireCodecs, releaseCodecs } from "../../src/members/decoders/codecs.js";
import { ChunkReader } from "../../src/input/reader.js";
import { CpioxError } from "../../src/errors.js";
import { sh } from "../helpers/sh.js";

const MAGIC = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];

/** `bytes` with the block magic written at bit `bit`. */
function withMagicAt(bytes: Buffer, bit: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < 48; i++) {
    const v = (MAGIC[i >> 3] >> (7 - (i & 7))) & 1;
    const at = bit + i;
    out[at >> 3] = (out[at >> 3] & ~(0x80 >> (at & 7))) | (v << (7 - (at & 7)));
  }
  return out;
}

describe("findBlockMagics", () => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7])("finds the magic at bit shift %s, and only there", (shift) => {
    const bytes = withMagicAt(Buffer.alloc(40), 8 * 13 + shift);
    expect(findBlockMagics(bytes)).toEqual([8 * 13 + shift]);
    // Its first byte outside [from, to): not reported; cut by the end of the bytes: not reported.
    expect(findBlockMagics(bytes, 14)).toEqual([]);
    expect(findBlockMagics(bytes, 0, 13)).toEqual([]);
    expect(findBlockMagics(bytes.subarray(0, 13 + 6))).toEqual(shift === 0 ? [8 * 13] : []);
  });

  it("finds every block start of real bzip2 output, the same when scanned in pieces", () => {
    const plain = Buffer.from(Array.from({ length: 40 }, (_, i) => `line ${i} ${"x".repeat(i)}\n`).join("").repeat(8000));
    const bz = sh("bzip2 -1", undefined, plain);
    const whole = findBlockMagics(bz);
    expect(whole[0]).toBe(32); // right after "BZh1"
    expect(whole.length).toBeGreaterThan(10);
    // Each is where the previous block ended: the bits before the next start decode as one block.
    expect(new Set(whole).size).toBe(whole.length);
    const pieces: number[] = [];
    for (let at = 0; at < bz.length; at += 4099) pieces.push(...findBlockMagics(bz, at, Math.min(bz.length, at + 4099)));
    expect(pieces.sort((a, b) => a - b)).toEqual(whole);
  });
});

async function decodeAll(bz: Buffer, options: Bzip2Options, chunk = 65536) {
  const trailing = Buffer.from("what follows the member");
  const input = Buffer.concat([bz, trailing]);
  async function* chunks() {
    for (let at = 0; at < input.length; at += chunk) yield input.subarray(at, at + chunk);
  }
  const reader = new ChunkReader(chunks());
  const codecs = acquireCodecs();
  const facts: Record<string, unknown> = {};
  const parts: Buffer[] = [];
  try {
    const decoder = makeBzip2Decoder(options);
    for await (const piece of decoder.decode({
      reader, start: 0, member: 0, warn: () => undefined, codecs: () => codecs,
      describe: (f) => Object.assign(facts, f),
    })) parts.push(Buffer.from(piece));
  } finally {
    releaseCodecs(codecs);
  }
  const rest: Buffer[] = [];
  for (let c = await reader.next(); c; c = await reader.next()) rest.push(Buffer.from(c));
  return { out: Buffer.concat(parts), rest: Buffer.concat(rest), facts };
}

describe("bzip2 blocks on worker threads", () => {
  // Compressible but varied: about 3 MB, 31 blocks at level 1.
  const words = Array.from({ length: 500 }, () => randomBytes(6).toString("base64"));
  const plain = Buffer.from(Array.from({ length: 300000 }, (_, i) => words[(i * 7919) % words.length]).join(" "));
  const bz = sh("bzip2 -1", undefined, plain);
  const blockStarts = findBlockMagics(bz);

  it("the stream decodes exactly, most blocks on the workers, and the reader is left after the member", async () => {
    const before = blocksDecodedOnWorkers();
    const r = await decodeAll(bz, {});
    expect(r.out.equals(plain)).toBe(true);
    expect(r.rest.toString()).toBe("what follows the member");
    expect(r.facts.blocks).toBe(blockStarts.length);
    // On one core there are no workers; with two or more, they take a good share.
    if (bzip2WorkerCount() > 0) expect(blocksDecodedOnWorkers() - before).toBeGreaterThan(blockStarts.length / 4);
  });

  it.each([
    ["magics found by chance in the middle of blocks", (b: Buffer, f?: number, t?: number) => {
      const real = findBlockMagics(b, f, t);
      const chance = real.flatMap((x) => [x + 8 * 1000 + 3, x + 8 * 20 + 5, x - 8 * 40]).filter((x) => x >= (f ?? 0) * 8 && x < (t ?? b.length) * 8);
      return [...real, ...chance].sort((x, y) => x - y);
    }],
    ["every other block start missed", (b: Buffer, f?: number, t?: number) => findBlockMagics(b, f, t).filter((_, i) => i % 2 === 0)],
    ["no block start found (all on this thread)", () => []],
  ])("%s: still exact", async (_name, findMagics) => {
    for (const chunk of [65536, 7777]) {
      const r = await decodeAll(bz, { findMagics }, chunk);
      expect(r.out.equals(plain), `chunks of ${chunk}`).toBe(true);
      expect(r.rest.toString()).toBe("what follows the member");
    }
  });

  it("a block that fails on a worker is reported as this thread reports it", async () => {
    const broken = Buffer.from(bz);
    const third = blockStarts[3] >>> 3;
    broken[third + 500] ^= 0x55;
    const errors: string[] = [];
    for (const options of [{}, { findMagics: () => [] }]) {
      const e = await decodeAll(broken, options).then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(CpioxError);
      expect((e as CpioxError).code).toBe("CPIOX_CORRUPT_COMPRESSED");
      errors.push((e as CpioxError).message);
    }
    expect(errors[0]).toBe(errors[1]);
    expect(errors[0]).toMatch(/: (block CRC mismatch|inconsistent block data) \(block 3\) /);
  });

  it("a stream cut inside a block is truncated, whoever decodes it", async () => {
    const cut = bz.subarray(0, (blockStarts[5] >>> 3) + 1000);
    for (const options of [{}, { findMagics: () => [] }]) {
      await expect(decodeAll(cut, options)).rejects.toThrow(/: truncated stream \(block 5\) /);
    }
  });
});
