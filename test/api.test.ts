// The library API over every kind of source, and the entries iterator's back-pressure.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { entries, examine, extract, list } from "../src/index.js";
import { archive } from "./helpers/newc.js";
import { chunked } from "./helpers/feed.js";
import { tempDir } from "./helpers/tmp.js";

const img = Buffer.concat([
  archive([{ name: "a", data: "1" }]),
  gzipSync(archive(Array.from({ length: 500 }, (_, i) => ({ name: `f${i}`, data: `${i}` })))),
]);

describe("library API", () => {
  it("accepts a path, a Uint8Array, a Node stream and an async iterable, with the same result", async () => {
    const file = join(tempDir(), "img");
    writeFileSync(file, img);
    const sources = [file, img, Readable.from([img.subarray(0, 1000), img.subarray(1000)]), chunked(img, 333)];
    const results = [];
    for (const s of sources) results.push((await list(s)).map((e) => e.path));
    for (const r of results) expect(r).toEqual(results[0]);
    expect(results[0].length).toBe(501);
  });

  it("entries() yields lazily and stops reading when the consumer stops", async () => {
    let pulled = 0;
    async function* counting() {
      for await (const c of chunked(img, 64)) {
        pulled += c.length;
        yield c;
      }
    }
    const seen: string[] = [];
    for await (const e of entries(counting())) {
      seen.push(e.path);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(["a", "f0", "f1"]);
    expect(pulled).toBeLessThan(img.length);
  });

  it("entries() propagates errors after the entries before them", async () => {
    const bad = Buffer.concat([archive([{ name: "ok" }]), Buffer.from("JUNKJUNK")]);
    const seen: string[] = [];
    await expect((async () => { for await (const e of entries(bad)) seen.push(e.path); })()).rejects.toMatchObject({ code: "CPIOX_INVALID_MAGIC" });
    expect(seen).toEqual(["ok"]);
  });

  it("extract reports its counts and the resolver it used (openat2 on this kernel)", async () => {
    const r = await extract(img, { cwd: tempDir() });
    expect(r).toMatchObject({ entries: 501, files: 501, warnings: 0, resolver: "openat2" });
    const ex = await examine(img);
    expect(ex.members.map((m) => m.entries)).toEqual([1, 500]);
  });
});
