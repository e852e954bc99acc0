// src/kernel/, module by module: the pure rules, without a filesystem or the wasm core.
import { describe, expect, it } from "vitest";
import { byteSum } from "../../src/kernel/checksum.js";
import { HardLinkTable, hardLinkKey } from "../../src/kernel/hardlinks.js";
import { mangledByMkdev, modeWarnings, octalPermissions, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, typeOfMode } from "../../src/kernel/modes.js";
import { endsWithSlash, isDotDot, joinParts, namesDirectoryItself, splitName } from "../../src/kernel/names.js";
import { invalidXattr, XATTR_NAME_MAX, XATTR_SIZE_MAX } from "../../src/kernel/xattrs.js";
import type { Entry } from "../../src/entries.js";

const b = (s: string) => Buffer.from(s, "latin1");
const entry = (over: Partial<Entry>): Entry => ({
  format: "newc", name: b("f"), path: "f", type: "file", mode: S_IFREG | 0o644, ino: 1, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0,
  devMajor: 0, devMinor: 0, rdevMajor: 0, rdevMinor: 0, checksum: 0, linkTarget: null, offset: 0, member: 0, xattrs: null, ...over,
});

describe("kernel/names", () => {
  it("splits names: empty and '.' components vanish, '..' stays for the resolver", () => {
    expect(splitName(b("./a//b/./../c/")).map(String)).toEqual(["a", "b", "..", "c"]);
    expect(splitName(b("/"))).toEqual([]);
    expect(joinParts([b("a"), b("b")]).toString()).toBe("a/b");
  });

  it("knows the shapes that can only name a directory", () => {
    expect(["a/.", "a/..", ".", ".."].map((n) => namesDirectoryItself(b(n)))).toEqual([true, true, true, true]);
    expect(["a.", "a/.b", "..a"].map((n) => namesDirectoryItself(b(n)))).toEqual([false, false, false]);
    expect([endsWithSlash(b("d/")), endsWithSlash(b("d")), isDotDot(b("..")), isDotDot(b("..."))]).toEqual([true, false, true, false]);
  });
});

describe("kernel/modes", () => {
  it("types, permissions and MKDEV's limits", () => {
    expect([S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, 0o170000].map((m) => typeOfMode(m | 0o755))).toEqual(["file", "directory", "symlink", "char", "unknown"]);
    expect(octalPermissions(0o104755)).toBe("4755");
    expect([mangledByMkdev({ rdevMajor: 0xfff, rdevMinor: 0xfffff }), mangledByMkdev({ rdevMajor: 0x1000, rdevMinor: 0 })]).toEqual([false, true]);
  });

  it("raises the device-number and unknown-type warnings only where they apply", () => {
    expect(modeWarnings({ type: "char", mode: S_IFCHR, rdevMajor: 4096, rdevMinor: 1 }).map((w) => w.code)).toEqual(["CPIOX_DEVICE_NUMBER"]);
    expect(modeWarnings({ type: "fifo", mode: 0o10644, rdevMajor: 4096, rdevMinor: 1 })).toEqual([]);
    expect(modeWarnings({ type: "unknown", mode: 0o170644, rdevMajor: 0, rdevMinor: 0 }).map((w) => w.code)).toEqual(["CPIOX_UNKNOWN_TYPE"]);
  });
});

describe("kernel/hardlinks", () => {
  it("keys by device, inode and type; remembers the first instance; forgets at clear()", () => {
    const t = new HardLinkTable();
    const first = entry({ ino: 7, nlink: 2 });
    expect(t.lookup(first, [b("a")])).toBeUndefined();
    expect(t.lookup(entry({ ino: 7, nlink: 2, name: b("b") }), [b("b")])?.map(String)).toEqual(["a"]);
    expect(t.lookup(entry({ ino: 7, nlink: 2, mode: 0o10644 }), [b("fifo")])).toBeUndefined(); // another type
    expect(t.lookup(entry({ ino: 7, nlink: 1 }), [b("c")])).toBeUndefined(); // nlink 1: never linked
    for (const mode of [0o40755, 0o120777]) { // directories and symlinks never go through maybe_link
      const e = entry({ ino: 8, nlink: 2, mode, type: typeOfMode(mode) });
      expect([t.lookup(e, [b("d1")]), t.lookup(e, [b("d2")])]).toEqual([undefined, undefined]);
    }
    expect([...t.clear().keys()]).toEqual([hardLinkKey(first), hardLinkKey(entry({ ino: 7, mode: 0o10644 }))]);
    expect(t.lookup(entry({ ino: 7, nlink: 2 }), [b("d")])).toBeUndefined();
    expect(hardLinkKey(first)).toBe(hardLinkKey(entry({ ino: 7, name: b("other") })));
  });
});

describe("kernel/checksum and kernel/xattrs", () => {
  it("the 070702 sum is the 32-bit sum of the bytes", () => {
    expect(byteSum(b("ASDF"))).toBe(0x41 + 0x53 + 0x44 + 0x46);
    expect(byteSum(Buffer.alloc(1 << 24, 0xff))).toBe((0xff * (1 << 24)) >>> 0);
  });

  it("accepts what Linux can hold and says why not otherwise", () => {
    const x = (name: string, size = 1) => invalidXattr({ name: b(name), value: Buffer.alloc(size) });
    expect(x("security.ima")).toBeNull();
    expect(x(`user.${"n".repeat(XATTR_NAME_MAX - 5)}`)).toBeNull();
    expect(x(`user.${"n".repeat(XATTR_NAME_MAX - 4)}`)).toMatch(/longer than 255/);
    expect(x("bogus.x")).toMatch(/namespace/);
    expect(x("user.")).toMatch(/empty name/);
    expect(x("user.big", XATTR_SIZE_MAX + 1)).toMatch(/value longer/);
  });
});
