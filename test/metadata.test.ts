// METADATA!!! files: records of xattrs for the entry processed just before, consumed as metadata.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examine } from "../src/index.js";
import { archive, type HandEntry } from "./helpers/newc.js";
import { CHUNK_SIZES, feed } from "./helpers/feed.js";
import { codes, extractBytes, listBytes } from "./helpers/run.js";
import { getfattr, hex } from "./helpers/xattrs.js";

const isRoot = process.getuid!() === 0;
const hex8 = (n: number) => n.toString(16).padStart(8, "0"); // gen_init_cpio writes %.8lx

/** One record: size, version, type, name NUL value. */
function record(name: string, value: string | Buffer, version = 1, type = 1): Buffer {
  const body = Buffer.concat([Buffer.from(name), Buffer.from([0]), Buffer.from(value)]);
  return Buffer.concat([Buffer.from(hex8(10 + body.length)), Buffer.from([version, type]), body]);
}
const metadata = (...records: Buffer[]): HandEntry => ({ name: "METADATA!!!", mode: 0o100000, data: Buffer.concat(records) });


describe.each(CHUNK_SIZES)("METADATA!!!, chunks of %s", (chunk) => {
  it("applies to the entry before it; the file itself is not written", async () => {
    if (!isRoot) return;
    const img = archive([
      { name: "bin", mode: 0o40755 }, metadata(record("security.selinux", "bin_t\0")),
      { name: "bin/sh", data: "x" }, metadata(record("security.ima", "\x03\x02sig"), record("user.a", "1")),
      { name: "bin/ls", mode: 0o120777, data: "sh" }, metadata(record("trusted.t", "v")),
    ]);
    const r = await extractBytes(img, chunk);
    expect(r.error).toBeNull();
    expect(r.warnings).toEqual([]);
    expect(getfattr(join(r.dir, "bin"))).toEqual({ "security.selinux": hex("bin_t\0") });
    expect(getfattr(join(r.dir, "bin/sh"))).toEqual({ "security.ima": hex("\x03\x02sig"), "user.a": hex("1") });
    expect(getfattr(join(r.dir, "bin/ls"))).toEqual({ "trusted.t": hex("v") });
    expect(existsSync(join(r.dir, "METADATA!!!"))).toBe(false);
  });

  it("entries the kernel skips do not become the target", async () => {
    const img = archive([
      { name: "kept", data: "x" },
      { name: "skipped-dir-with-data", mode: 0o40755, data: "junk" },
      metadata(record("user.x", "1")),
    ]);
    const r = await listBytes(img, chunk);
    expect(r.entries.map((e) => [e.path, e.xattrs?.map((x) => x.name.toString())])).toEqual([["kept", ["user.x"]]]);
    expect(codes(r.warnings)).toEqual(["CPIOX_DATA_ON_SPECIAL"]);
  });

  it.each([
    ["a record shorter than its header", Buffer.from("00000005\x01\x01")],
    ["a size past the end of the file", Buffer.concat([Buffer.from("00000040"), Buffer.from([1, 1]), Buffer.from("user.a\0v")])],
    ["a name without NUL", Buffer.concat([Buffer.from("0000000e"), Buffer.from([1, 1]), Buffer.from("user")])],
    ["a non-hex size", Buffer.from("0000zz10\x01\x01user.a\0")],
  ])("%s is CPIOX_XATTR_MALFORMED and nothing is applied", async (_what, body) => {
    const img = archive([{ name: "f", data: "x" }, { name: "METADATA!!!", mode: 0o100000, data: Buffer.concat([record("user.good", "1"), body]) }]);
    const r = await listBytes(img, chunk);
    expect(r.error?.code).toBe("CPIOX_XATTR_MALFORMED");
    expect(r.entries.flatMap((e) => e.xattrs ?? [])).toEqual([]);
  });

  it("an unknown version stops the records; an unknown type is skipped; both warn", async () => {
    const img = archive([
      { name: "f", data: "x" },
      metadata(record("user.a", "1"), record("user.b", "2", 1, 7), record("user.c", "3"), record("user.d", "4", 2)),
    ]);
    const r = await listBytes(img, chunk);
    expect(r.entries[0].xattrs?.map((x) => x.name.toString())).toEqual(["user.a", "user.c"]);
    expect(codes(r.warnings)).toEqual(["CPIOX_METADATA_UNSUPPORTED", "CPIOX_METADATA_UNSUPPORTED"]);
  });

  it("METADATA!!! first has nothing to apply to", async () => {
    const r = await listBytes(archive([metadata(record("user.a", "1")), { name: "f" }]), chunk);
    expect(codes(r.warnings)).toEqual(["CPIOX_METADATA_ORPHAN"]);
  });
});

it("--keep-metadata-files extracts the file too, as the kernel patches did; examine counts them", async () => {
  const img = archive([{ name: "f", data: "x" }, metadata(record("user.a", "1"))]);
  const r = await extractBytes(img, Infinity, { keepMetadataFiles: true });
  expect(existsSync(join(r.dir, "METADATA!!!"))).toBe(true);
  const ex = await examine(feed(img, 7));
  expect(ex.members[0].xattrEntries).toEqual({ newcx: 0, metadata: 1, "xattr-list": 0 });
});
