// newcx (070703): the 134-byte header, 64-bit fields and the xattr block between name and data.
import { describe, expect, it } from "vitest";
import { archive, entryBytes, xattrEntry } from "../helpers/newc.js";
import { CHUNK_SIZES } from "../helpers/feed.js";
import { listBytes } from "../helpers/run.js";

const X = "070703";
const ima = Buffer.concat([Buffer.from([0x03, 0x02, 0x04]), Buffer.alloc(30, 0xab)]);

describe.each(CHUNK_SIZES)("newcx, chunks of %s", (chunk) => {
  it("decodes headers, xattrs on every type, and the data after the block", async () => {
    const img = archive([
      { magic: X, name: "bin", mode: 0o40755, mtime: 2 ** 33, xattrs: [["security.selinux", "system_u:object_r:bin_t:s0\0"]] },
      { magic: X, name: "bin/sh", mode: 0o100755, data: "#!/bin/sh\n", xattrs: [["security.ima", ima], ["user.empty", ""]] },
      { magic: X, name: "bin/ls", mode: 0o120777, data: "sh", xattrs: [["trusted.t", "v"]] },
      { magic: X, name: "plain", data: "no xattrs" },
      { name: "newc-too", data: "mixed formats" },
    ]);
    const r = await listBytes(img, chunk);
    expect(r.error).toBeNull();
    const [dir, sh, ls, plain, newc] = r.entries;
    expect(dir.mtime).toBe(2 ** 33);
    expect(dir.xattrs?.map((x) => [x.name.toString(), x.value.toString()])).toEqual([["security.selinux", "system_u:object_r:bin_t:s0\0"]]);
    expect(sh.format).toBe("newcx");
    expect(sh.xattrs?.map((x) => x.name.toString())).toEqual(["security.ima", "user.empty"]);
    expect(sh.xattrs?.[0].value).toEqual(ima);
    expect(sh.xattrs?.[1].value.length).toBe(0);
    expect(ls.linkTarget?.toString()).toBe("sh");
    expect(ls.xattrs?.[0].name.toString()).toBe("trusted.t");
    expect(plain.xattrs).toBeNull();
    expect(newc.format).toBe("newc");
  });

  it("a 255-byte name and a 65536-byte value fit", async () => {
    const name = "user." + "n".repeat(250);
    const value = Buffer.alloc(65536, 7);
    const r = await listBytes(archive([{ magic: X, name: "f", data: "x", xattrs: [[name, value]] }]), chunk === 1 ? 4093 : chunk);
    expect(r.error).toBeNull();
    expect(r.entries[0].xattrs?.[0].value.length).toBe(65536);
  });

  it.each([
    ["size smaller than its header", Buffer.from("00000004")],
    ["size past the end of the block", Buffer.from("00000020user.a\0x")],
    ["a good entry, then one past the end", Buffer.concat([xattrEntry("user.ok", "1"), Buffer.from("00000020user.a\0x")]), 17],
    ["name without NUL", Buffer.concat([Buffer.from("0000000E"), Buffer.from("user.a")])],
    ["non-hex size", Buffer.from("0000000Guser.a\0x")],
    ["a block shorter than one size field", Buffer.from("0000")],
  ])("malformed block: %s is CPIOX_XATTR_MALFORMED at the entry's offset", async (_what, block, at = 0) => {
    const first = entryBytes({ name: "ok", data: "fine" });
    const img = Buffer.concat([first, archive([{ magic: X, name: "f", data: "x", xattrs: block }])]);
    const r = await listBytes(img, chunk);
    expect(r.error?.code).toBe("CPIOX_XATTR_MALFORMED");
    // header (134) + name "f\0" padded to 4: the block starts 136 bytes into the entry
    expect(r.error?.offset).toBe(first.length + 136 + (at as number));
    expect(r.entries).toEqual([]);
  });

  it("an xattrsize larger than the limit is refused before reading it", async () => {
    const r = await listBytes(archive([{ magic: X, name: "f", xattrs: Buffer.alloc(0), xattrsize: 300000 }]), chunk);
    expect(r.error?.code).toBe("CPIOX_XATTR_MALFORMED");
  });
});
