// input/sources.ts on its own: a file is read ahead at explicit positions and comes out whole and
// in order at any chunk size; a pipe given by path is read in order.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSource, READS_IN_FLIGHT } from "../../src/input/sources.js";
import { ChunkReader, readExactly, skipBytes } from "../../src/input/reader.js";
import { tempDir } from "../helpers/tmp.js";

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; sizes: number[] }> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(Buffer.from(c));
  return { bytes: Buffer.concat(parts), sizes: parts.map((p) => p.length) };
}

describe("openSource on a path", () => {
  const data = randomBytes(10 * 4096 + 3);
  const file = join(tempDir(), "input.bin");
  writeFileSync(file, data);

  it.each([1000, 4096, 4097, 1 << 20])("a regular file in chunks of %s bytes: every byte, in order", async (chunk) => {
    const input = await openSource(file, {}, () => undefined, chunk);
    expect(input.size).toBe(data.length);
    const { bytes, sizes } = await readAll(input.chunks);
    expect(bytes.equals(data)).toBe(true);
    expect(sizes.slice(0, -1).every((s) => s === chunk)).toBe(true);
  });

  it(`keeps ${READS_IN_FLIGHT} reads in flight and stops early without leaking them`, async () => {
    const input = await openSource(file, {}, () => undefined, 4096);
    for await (const c of input.chunks) {
      expect(c.length).toBe(4096);
      break; // the reads still in flight are awaited and the file closed
    }
  });

  it("a named pipe is read in order (no positions)", async () => {
    const fifo = join(tempDir(), "pipe");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn("bash", ["-c", `cat > ${fifo}`], { stdio: ["pipe", "ignore", "ignore"] });
    writer.stdin.end(data);
    const input = await openSource(fifo, {}, () => undefined, 4096);
    expect(input.size).toBeUndefined();
    const { bytes } = await readAll(input.chunks);
    expect(bytes.equals(data)).toBe(true);
  });
});

describe("skipping what nobody reads", () => {
  const data = Buffer.from(Array.from({ length: 20000 }, (_, i) => i % 251));
  const file = join(tempDir(), "skip.bin");
  writeFileSync(file, data);

  it.each([[1000, 1], [1000, 2500], [4096, 9000], [4096, 4096]])("chunks of %s, passing over %s bytes after the first chunk: the rest is exact", async (chunk, n) => {
    const input = await openSource(file, {}, () => undefined, chunk);
    const reader = new ChunkReader(input.chunks);
    const first = Buffer.from((await reader.next())!);
    expect(reader.skipUnread(n)).toBe(n);
    expect(reader.offset).toBe(chunk + n);
    const rest = Buffer.from(await readExactly(reader, data.length));
    expect(Buffer.concat([first, rest]).equals(Buffer.concat([data.subarray(0, chunk), data.subarray(chunk + n)]))).toBe(true);
  });

  it("passes over no more than the file holds, and nothing once bytes were given back", async () => {
    const input = await openSource(file, {}, () => undefined, 4096);
    const reader = new ChunkReader(input.chunks);
    const first = (await reader.next())!;
    reader.unread(first.subarray(100));
    expect(reader.skipUnread(10)).toBe(0); // given-back bytes come first
    await skipBytes(reader, first.length - 100);
    expect(reader.skipUnread(1 << 30)).toBe(data.length - 4096);
    expect(await reader.next()).toBeNull();
  });

  it("buffers of reads a skip made useless are reused, and what comes out is still exact", async () => {
    const chunk = 4096, big = Buffer.from(Array.from({ length: 240 * chunk }, (_, i) => (i * 7) % 253));
    const path = join(tempDir(), "skips.bin");
    writeFileSync(path, big);
    const input = await openSource(path, {}, () => undefined, chunk);
    const reader = new ChunkReader(input.chunks);
    const seen = new Set<ArrayBuffer>();
    const allocated = new Set<ArrayBuffer>();
    const alloc = Buffer.allocUnsafe;
    Buffer.allocUnsafe = (n: number) => { const b = alloc(n); allocated.add(b.buffer as ArrayBuffer); return b; };
    try {
      // One chunk read, ten passed over, twenty times: each skip leaves reads in flight behind it.
      for (let at = 0; at < 20 * 11 * chunk; at += 11 * chunk) {
        const c = (await reader.next())!;
        seen.add(c.buffer as ArrayBuffer);
        expect(Buffer.from(c).equals(big.subarray(at, at + chunk))).toBe(true);
        await new Promise((r) => setTimeout(r, 5)); // the abandoned reads settle meanwhile
        expect(reader.skipUnread(10 * chunk)).toBe(10 * chunk);
      }
    } finally {
      Buffer.allocUnsafe = alloc;
      await input.chunks[Symbol.asyncIterator]().return!();
    }
    // Without reuse every read takes a new buffer: about READS_IN_FLIGHT per skip.
    expect(allocated.size).toBeLessThanOrEqual(seen.size + 2 * READS_IN_FLIGHT);
  });

  it("a source with digests to check or progress to count is read whole", async () => {
    const { openSource: openCounted } = await import("../../src/input/open.js");
    const input = await openCounted(file, { sha256: "0".repeat(64) }, () => undefined);
    expect(new ChunkReader(input.chunks).skipUnread(10)).toBe(0);
  });
});

describe("list and examine pass over file data in a plain image", () => {
  it("the same entries and member sizes as when every byte is read", async () => {
    const { archive } = await import("../helpers/newc.js");
    const { list, examine } = await import("../../src/index.js");
    const big = Buffer.alloc(3 << 20, 7);
    const img = archive([{ name: "a", data: big }, { name: "b", data: "small" }, { name: "c", data: big.subarray(1) }, { name: "d", mode: 0o40755 }]);
    const path = join(tempDir(), "img.cpio");
    writeFileSync(path, img);
    const fromFile = await list(path);
    const fromBytes = await list(img); // a buffer: nothing to skip
    expect(fromFile.map((e) => [e.path, e.size, e.offset])).toEqual(fromBytes.map((e) => [e.path, e.size, e.offset]));
    const ex = await examine(path);
    expect(ex.members.map((m) => [m.start, m.entries])).toEqual([[0, 4]]);
    const fromBuffer = await examine(img);
    expect(ex.members).toEqual(fromBuffer.members);
    expect(ex.size).toBe(img.length);
    // A truncated file: the truncation is still found where the data stops.
    const cut = join(tempDir(), "cut.cpio");
    writeFileSync(cut, img.subarray(0, 2 << 20));
    const warnings: string[] = [];
    await list(cut, { onwarn: (w) => warnings.push(`${w.code} ${w.entry}`) });
    expect(warnings).toEqual(["CPIOX_TRUNCATED a"]);
  });

  it("070702 data is still read: its sum is checked", async () => {
    const { archive } = await import("../helpers/newc.js");
    const { list } = await import("../../src/index.js");
    const data = Buffer.alloc(3 << 20, 1);
    const path = join(tempDir(), "crc.cpio");
    writeFileSync(path, archive([{ name: "a", magic: "070702", data, checksum: 12345 }]));
    await expect(list(path)).rejects.toMatchObject({ code: "CPIOX_BAD_CHECKSUM", entry: "a" });
  });
});
