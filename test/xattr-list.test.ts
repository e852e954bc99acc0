// .xattr-list files: path entries with xattrs, applied when a newer list replaces them and at
// the end of the input, each path resolved inside the root without following a final symlink.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examine } from "../src/index.js";
import { archive, xattrEntry } from "./helpers/newc.js";
import { CHUNK_SIZES, feed } from "./helpers/feed.js";
import { codes, extractBytes, listBytes } from "./helpers/run.js";
import { getfattr, hex } from "./helpers/xattrs.js";
import { tempDir } from "./helpers/tmp.js";

const isRoot = process.getuid!() === 0;

function pathEntry(path: string, xattrs: Array<[string, string | Buffer]>): Buffer {
  const body = Buffer.concat([Buffer.from(path), Buffer.from([0]), ...xattrs.map(([n, v]) => xattrEntry(n, v))]);
  return Buffer.concat([Buffer.from((10 + body.length).toString(16).padStart(10, "0")), body]);
}
const list = (...entries: Buffer[]) => ({ name: ".xattr-list", data: Buffer.concat(entries) });


describe.skipIf(!isRoot).each(CHUNK_SIZES)(".xattr-list, chunks of %s", (chunk) => {
  it("applies at the end of the input, to absolute and relative paths; the list itself is not written", async () => {
    const img = archive([
      list(pathEntry("/bin/sh", [["security.ima", "\x03\x02sig"]]), pathEntry("bin", [["user.d", "1"]])),
      { name: "bin", mode: 0o40755 }, { name: "bin/sh", data: "x" },
    ]);
    const r = await extractBytes(img, chunk);
    expect(r.error).toBeNull();
    expect(r.warnings).toEqual([]);
    expect(getfattr(join(r.dir, "bin/sh"))).toEqual({ "security.ima": hex("\x03\x02sig") });
    expect(getfattr(join(r.dir, "bin"))).toEqual({ "user.d": hex("1") });
    expect(existsSync(join(r.dir, ".xattr-list"))).toBe(false);
  });

  it("each concatenated archive carries its own list", async () => {
    const img = Buffer.concat([
      archive([{ name: "a", data: "1" }, list(pathEntry("a", [["user.first", "1"]]))]),
      archive([{ name: "b", data: "2" }, list(pathEntry("b", [["user.second", "2"]]))]),
    ]);
    const r = await extractBytes(img, chunk);
    expect(getfattr(join(r.dir, "a"))).toEqual({ "user.first": hex("1") });
    expect(getfattr(join(r.dir, "b"))).toEqual({ "user.second": hex("2") });
  });

  it("missing paths warn; a damaged list applies nothing", async () => {
    const r = await extractBytes(archive([{ name: "f", data: "x" }, list(pathEntry("/nope", [["user.a", "1"]]))]), chunk);
    expect(codes(r.warnings)).toEqual(["CPIOX_XATTR_LIST_MISSING"]);
    const bad = Buffer.concat([pathEntry("f", [["user.a", "1"]]), Buffer.from("0000000005")]);
    const d = await extractBytes(archive([{ name: "f", data: "x" }, { name: ".xattr-list", data: bad }]), chunk);
    expect(d.error?.code).toBe("CPIOX_XATTR_MALFORMED");
    expect(getfattr(join(d.dir, "f"))).toEqual({});
  });
});

describe.skipIf(!isRoot)(".xattr-list never reaches outside the root", () => {
  it("symlinks get the xattrs themselves; '..' stays at the root", async () => {
    const box = tempDir();
    const victim = join(box, "victim");
    writeFileSync(victim, "precious");
    for (const resolver of ["openat2", "userspace"] as const) {
      const root = join(box, `root-${resolver}`);
      const img = archive([
        { name: "l", mode: 0o120777, data: victim },
        { name: "up", mode: 0o120777, data: "../victim" },
        list(
          pathEntry("/l", [["security.x", "on-link"]]),
          pathEntry("up", [["trusted.y", "on-link"]]),
          pathEntry("/../../victim", [["user.z", "1"]]),
          pathEntry("/..", [["user.root", "r"]]),
        ),
      ]);
      const r = await extractBytes(img, Infinity, { resolver }, root);
      expect(r.error).toBeNull();
      expect(getfattr(victim)).toEqual({});
      expect(getfattr(box)).toEqual({});
      expect(getfattr(join(root, "l"))).toEqual({ "security.x": hex("on-link") });
      expect(getfattr(root)).toEqual({ "user.root": hex("r") });
      expect(codes(r.warnings)).toEqual(["CPIOX_XATTR_LIST_MISSING"]);
    }
  });
});

it.each([Infinity, 1])("list shows a .xattr-list's xattrs on the entries that follow it (chunks of %s)", async (chunk) => {
  const img = archive([
    { name: ".", mode: 0o40755 },
    list(pathEntry("/bin/sh", [["security.ima", "sig"]]), pathEntry("./etc", [["user.e", "1"]])),
    { name: "bin", mode: 0o40755 }, { name: "bin/sh", data: "x" }, { name: "etc", mode: 0o40755 },
  ]);
  const r = await listBytes(img, chunk);
  expect(r.entries.map((e) => [e.path, e.xattrs?.map((x) => x.name.toString()) ?? null])).toEqual([
    [".", null], ["bin", null], ["bin/sh", ["security.ima"]], ["etc", ["user.e"]],
  ]);
});

it("examine counts the paths a list carries xattrs for", async () => {
  const img = archive([{ name: "f", data: "x" }, list(pathEntry("f", [["user.a", "1"]]), pathEntry("g", []))]);
  const ex = await examine(feed(img, 3));
  expect(ex.members[0].xattrEntries).toEqual({ newcx: 0, metadata: 0, "xattr-list": 1 });
  const r = await listBytes(img, 3);
  expect(r.entries.map((e) => e.path)).toEqual(["f"]);
});
