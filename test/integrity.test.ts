// --sha256/--sha512 on the exact bytes read, and --atomic extraction.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { extract, list } from "../src/index.js";
import { archive } from "./helpers/newc.js";
import { chunked } from "./helpers/feed.js";
import { tempDir } from "./helpers/tmp.js";

const img = Buffer.concat([archive([{ name: "a", data: "1" }]), gzipSync(archive([{ name: "b", data: "2" }]))]);
const sha = (algo: string, b: Buffer) => createHash(algo).update(b).digest("hex");

describe("digests", () => {
  it("a matching sha256 and sha512 pass, whatever the chunking", async () => {
    for (const src of [img, chunked(img, 7)]) {
      const entries = await list(src, { sha256: sha("sha256", img), sha512: sha("sha512", img).toUpperCase() });
      expect(entries.map((e) => e.path)).toEqual(["a", "b"]);
    }
  });

  it("a wrong digest is CPIOX_DIGEST_MISMATCH; a malformed one is a bad argument", async () => {
    await expect(list(img, { sha256: "0".repeat(64) })).rejects.toMatchObject({ code: "CPIOX_DIGEST_MISMATCH" });
    await expect(list(img, { sha512: sha("sha512", Buffer.from("other")) })).rejects.toMatchObject({ code: "CPIOX_DIGEST_MISMATCH" });
    await expect(list(img, { sha256: "abc" })).rejects.toMatchObject({ code: "CPIOX_BAD_ARGUMENT" });
  });

  it("without --atomic, a mismatch is reported as soon as the input ends; what was extracted stays", async () => {
    const dir = tempDir();
    await expect(extract(img, { cwd: dir, sha256: "1".repeat(64) })).rejects.toMatchObject({ code: "CPIOX_DIGEST_MISMATCH" });
    expect(readdirSync(dir)).toContain("a");
  });
});

describe("--atomic", () => {
  const setup = () => {
    const parent = tempDir();
    const target = join(parent, "root");
    mkdirSync(target);
    writeFileSync(join(target, "old"), "previous tree");
    return { parent, target };
  };

  it("success replaces a non-empty target only with replace", async () => {
    const { parent, target } = setup();
    await expect(extract(img, { cwd: target, atomic: true })).rejects.toMatchObject({ code: "CPIOX_TARGET" });
    expect(readdirSync(target)).toEqual(["old"]);
    await extract(img, { cwd: target, atomic: true, replace: true, sha256: sha("sha256", img) });
    expect(readdirSync(target).sort()).toEqual(["a", "b"]);
    expect(readdirSync(parent)).toEqual(["root"]);
  });

  it("a missing target is created", async () => {
    const parent = tempDir();
    await extract(img, { cwd: join(parent, "new"), atomic: true });
    expect(readFileSync(join(parent, "new/b"), "latin1")).toBe("2");
    expect(readdirSync(parent)).toEqual(["new"]);
  });

  it.each([
    ["a digest mismatch", img, { sha256: "2".repeat(64) }, "CPIOX_DIGEST_MISMATCH"],
    ["a corrupt member after good entries", Buffer.concat([img, Buffer.from("JUNKJUNK")]), {}, "CPIOX_INVALID_MAGIC"],
    ["a member that ends mid-entry", Buffer.concat([archive([{ name: "z", data: "z" }]), gzipSync(archive([{ name: "y", data: "y".repeat(100) }]).subarray(0, 150))]), {}, "CPIOX_MEMBER_ENDS_MID_ENTRY"],
    ["a plain archive cut inside an entry", archive([{ name: "a", data: "1" }, { name: "big", data: "x".repeat(5000) }]).subarray(0, 400), {}, "CPIOX_INCOMPLETE"],
  ])("%s leaves the target untouched and no temporary directory", async (_what, bytes, opts, code) => {
    const { parent, target } = setup();
    await expect(extract(bytes, { cwd: target, atomic: true, replace: true, ...opts })).rejects.toMatchObject({ code });
    expect(readdirSync(target)).toEqual(["old"]);
    expect(readdirSync(parent)).toEqual(["root"]);
    expect(existsSync(join(target, "a"))).toBe(false);
  });
});
