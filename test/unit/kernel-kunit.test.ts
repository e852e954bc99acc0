// The kernel's own unit tests (init/initramfs_test.c), reproduced against cpiox.
import { lstatSync, readFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archive, entryBytes } from "../helpers/newc.js";
import { CHUNK_SIZES } from "../helpers/feed.js";
import { codes, extractBytes } from "../helpers/run.js";

describe.each(CHUNK_SIZES)("kernel kunit cases, fed in chunks of %s", (chunk) => {
  it("initramfs_test_extract: file and directory with owner and mtime", async () => {
    const img = archive([
      { name: "initramfs_test_extract", mode: 0o100777, uid: 12, gid: 34, mtime: 56 },
      { name: "initramfs_test_extract_dir", mode: 0o40777, uid: 12, gid: 34, mtime: 57 },
    ]);
    const { dir, error, warnings } = await extractBytes(img, chunk);
    expect(error).toBeNull();
    expect(warnings).toEqual([]);
    const f = lstatSync(join(dir, "initramfs_test_extract"));
    expect(f.isFile()).toBe(true);
    expect([f.uid, f.gid, f.nlink, f.mtimeMs, f.atimeMs, f.size]).toEqual([12, 34, 1, 56000, 56000, 0]);
    expect(f.mode & 0o7777).toBe(0o777);
    const d = lstatSync(join(dir, "initramfs_test_extract_dir"));
    expect(d.isDirectory()).toBe(true);
    expect([d.uid, d.gid, d.mtimeMs, d.mode & 0o7777]).toEqual([12, 34, 57000, 0o777]);
  });

  it("initramfs_test_fname_overrun: a name without its NUL fails the unpack", async () => {
    const img = archive([{ name: "initramfs_test_fname_overrun", noNul: true, namesize: 40 }]);
    const { error, dir } = await extractBytes(img, chunk);
    expect(error?.code).toBe("CPIOX_NAME_NOT_TERMINATED");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("initramfs_test_data: ASDF round-trips", async () => {
    const { dir, error } = await extractBytes(archive([{ name: "initramfs_test_data", data: "ASDF" }]), chunk);
    expect(error).toBeNull();
    expect(readFileSync(join(dir, "initramfs_test_data"), "latin1")).toBe("ASDF");
  });

  it("initramfs_test_csum: 070702 sums are checked; 070701 checksum fields are ignored", async () => {
    const good = archive([
      { name: "initramfs_test_csum", magic: "070702", data: "ASDF" },
      { name: "initramfs_test_csum_not_here", magic: "070701", data: "ASDF", checksum: 5555 },
    ]);
    const ok = await extractBytes(good, chunk);
    expect(ok.error).toBeNull();
    expect(existsSync(join(ok.dir, "initramfs_test_csum_not_here"))).toBe(true);
    const bad = archive([
      { name: "initramfs_test_csum", magic: "070702", data: "ASDF", checksum: 0x41 + 0x53 + 0x44 + 0x46 - 1 },
      { name: "initramfs_test_csum_not_here", data: "ASDF" },
    ]);
    const r = await extractBytes(bad, chunk);
    expect(r.error?.code).toBe("CPIOX_BAD_CHECKSUM");
    expect(r.error?.entry).toBe("initramfs_test_csum");
    // The file written before the check stays; the next entry is never created.
    expect(readFileSync(join(r.dir, "initramfs_test_csum"), "latin1")).toBe("ASDF");
    expect(existsSync(join(r.dir, "initramfs_test_csum_not_here"))).toBe(false);
  });

  it("initramfs_test_hardlink: data on the last instance, no trailer", async () => {
    const img = archive([
      { name: "initramfs_test_hardlink", ino: 1, nlink: 2 },
      { name: "initramfs_test_hardlink_link", ino: 1, nlink: 2, data: "ASDF" },
    ], false);
    const { dir, error } = await extractBytes(img, chunk);
    expect(error).toBeNull();
    const a = lstatSync(join(dir, "initramfs_test_hardlink"));
    const b = lstatSync(join(dir, "initramfs_test_hardlink_link"));
    expect(a.ino).toBe(b.ino);
    expect(a.nlink).toBe(2);
    expect(readFileSync(join(dir, "initramfs_test_hardlink"), "latin1")).toBe("ASDF");
  });

  it("initramfs_test_many: 1000 files without a trailer", async () => {
    if (chunk === 1) return; // covered by the other chunk sizes; one byte at a time is slow here
    const img = archive(Array.from({ length: 1000 }, (_, i) => ({ name: `initramfs_test_many-${i}`, data: `${i}` })), false);
    const { dir, error } = await extractBytes(img, chunk);
    expect(error).toBeNull();
    expect(readdirSync(dir).length).toBe(1000);
    expect(readFileSync(join(dir, "initramfs_test_many-999"), "latin1")).toBe("999");
  });

  it("initramfs_test_fname_pad: extra NULs in namesize align the data", async () => {
    const img = archive([{ name: "padded_fname", namesize: 4096 - 110, data: "ASDF" }]);
    expect(img.subarray(4096, 4100).toString()).toBe("ASDF");
    const { dir, error } = await extractBytes(img, chunk);
    expect(error).toBeNull();
    expect(readFileSync(join(dir, "padded_fname"), "latin1")).toBe("ASDF");
  });

  it("initramfs_test_fname_path_max: namesize PATH_MAX+1 is skipped, PATH_MAX is created", async () => {
    const longName = Buffer.alloc(4096 + 1, "/");
    Buffer.from("fname_oversize").copy(longName);
    const maxName = Buffer.alloc(4096 - 1, "/");
    Buffer.from("fname_ok").copy(maxName);
    const img = Buffer.concat([
      entryBytes({ name: longName, namesize: 4097, mode: 0o40755, data: "ASDF" }),
      entryBytes({ name: maxName, namesize: 4096, mode: 0o40755 }),
    ]);
    const { dir, error, warnings } = await extractBytes(img, chunk);
    expect(error).toBeNull();
    expect(codes(warnings)).toEqual(["CPIOX_NAME_SIZE"]);
    expect(readdirSync(dir)).toEqual(["fname_ok"]);
  });

  it("initramfs_test_hdr_hex: 0x prefixes in header fields fail the unpack", async () => {
    for (const [field, text] of [[2, "0x00000"], [3, "0X000000"], [11, "0x00000a"]] as const) {
      const img = archive([{ name: "initramfs_test_hdr_hex", rawField: [field, text.padEnd(8, "0").slice(0, 8)] }]);
      const { error } = await extractBytes(img, chunk);
      expect(error?.code).toBe("CPIOX_BAD_HEADER");
    }
  });
});
