// entries() with `data: true`: a program reads one file out of an image without writing anything,
// each regular file's bytes coming as an async iterable in the same pass, with backpressure on the
// whole input while it does not read them.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entries, list } from "../src/index.js";
import { DATA_QUEUE_MAX } from "../src/list/entries.js";
import { archive } from "./helpers/newc.js";
import { buildTree } from "./helpers/source-tree.js";
import { tempDir } from "./helpers/tmp.js";

async function bytesOf(data: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of data) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe("entries({ data: true })", () => {
  it("each regular file's data equals the file; unread data is passed over; every entry still comes", async () => {
    const src = tempDir();
    buildTree(src);
    const img = join(tempDir(), "img.gz");
    execFileSync("bash", ["-c", `find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc | gzip > ${img}`], { cwd: src });
    const paths: string[] = [];
    let big: Buffer | null = null;
    for await (const e of entries(img, { data: true })) {
      paths.push(e.path);
      if (e.path === "bin/big") big = await bytesOf(e.data!);
      if (e.type !== "file") expect(e.data).toBeUndefined();
      else expect(e.data).toBeDefined();
    }
    expect(big!.equals(readFileSync(join(src, "bin/big")))).toBe(true);
    expect(paths).toEqual((await list(img)).map((e) => e.path));
    // Every file read whole, in order.
    for await (const e of entries(img, { data: true, patterns: ["etc"] })) {
      if (e.type === "file" && e.nlink === 1) expect((await bytesOf(e.data!)).equals(readFileSync(join(src, e.path)))).toBe(true);
    }
  });

  it("a consumer that stops reading holds the input back: at most the queue's bound is read ahead", async () => {
    const img = archive([{ name: "first", data: Buffer.alloc(32 << 20, 1) }, { name: "second", data: "after" }]);
    let pulled = 0;
    async function* slowSource() {
      for (let at = 0; at < img.length; at += 64 << 10) {
        pulled += Math.min(64 << 10, img.length - at);
        yield img.subarray(at, at + (64 << 10));
      }
    }
    const seen: string[] = [];
    for await (const e of entries(slowSource(), { data: true })) {
      seen.push(e.path);
      if (e.path !== "first") continue;
      const it = e.data![Symbol.asyncIterator]();
      await it.next();
      await new Promise((r) => setTimeout(r, 200)); // the reader may run on meanwhile
      expect(pulled).toBeLessThan(DATA_QUEUE_MAX + (2 << 20));
      expect(pulled).toBeLessThan(img.length / 2);
      await it.return!();
    }
    expect(seen).toEqual(["first", "second"]);
    expect(pulled).toBe(img.length);
  });
});
