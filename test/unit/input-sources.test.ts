// input/sources.ts on its own: a file is read ahead at explicit positions and comes out whole and
// in order at any chunk size; a pipe given by path is read in order.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSource, READS_IN_FLIGHT } from "../../src/input/sources.js";
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
