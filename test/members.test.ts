// Multi-member images: the kernel's outer loop over padding, plain archives and gzip members.
import { gzipSync } from "node:zlib";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { examine } from "../src/index.js";
import { systemLibrary } from "../src/native/library.js";
import { archive } from "./helpers/newc.js";
import { CHUNK_SIZES, feed } from "./helpers/feed.js";
import { codes, extractBytes, listBytes } from "./helpers/run.js";

const early = archive([
  { name: "kernel", mode: 0o40755 }, { name: "kernel/x86", mode: 0o40755 },
  { name: "kernel/x86/microcode", mode: 0o40755 },
  { name: "kernel/x86/microcode/GenuineIntel.bin", data: "microcode blob" },
]);
const rootfs = archive([
  { name: "bin", mode: 0o40755 }, { name: "bin/sh", mode: 0o100755, data: "#!/bin/sh\n" },
  { name: "etc", mode: 0o40755 }, { name: "etc/hostname", data: "initrd\n" },
]);
const pad4 = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
const zeros = (n: number) => Buffer.alloc(n);

describe.each(CHUNK_SIZES)("members, chunks of %s", (chunk) => {
  it("early plain member then a gzip member", async () => {
    const img = Buffer.concat([early, gzipSync(rootfs)]);
    const { dir, error, warnings } = await extractBytes(img, chunk);
    expect(error).toBeNull();
    expect(warnings).toEqual([]);
    expect(readFileSync(join(dir, "kernel/x86/microcode/GenuineIntel.bin"), "latin1")).toBe("microcode blob");
    expect(readFileSync(join(dir, "etc/hostname"), "latin1")).toBe("initrd\n");
    const ex = await examine(feed(img, chunk));
    expect(ex.members.map((m) => [m.kind, m.start, m.end, m.entries])).toEqual([
      ["cpio", 0, early.length, 4],
      ["gzip", early.length, img.length, 4],
    ]);
    expect(ex.members[1].uncompressedSize).toBe(rootfs.length);
  });

  it("three plain members with zero padding of odd lengths between them", async () => {
    const a = archive([{ name: "a", data: "1" }]);
    const b = archive([{ name: "b", data: "2" }]);
    const c = archive([{ name: "c", data: "3" }]);
    const img = Buffer.concat([a, zeros(4), b, zeros(512), c, zeros(3)]);
    const r = await listBytes(img, chunk);
    expect(r.error).toBeNull();
    expect(r.entries.map((e) => [e.path, e.member])).toEqual([["a", 0], ["b", 1], ["c", 2]]);
    const ex = await examine(feed(img, chunk));
    expect(ex.members.map((m) => m.start)).toEqual([0, a.length + 4, a.length + 4 + b.length + 512]);
  });

  it("a plain member after a gzip member, 4-aligned in the whole buffer", async () => {
    const gz = pad4(gzipSync(early));
    const img = Buffer.concat([gz, zeros(8), rootfs]);
    const r = await listBytes(img, chunk);
    expect(r.error).toBeNull();
    expect(r.entries.map((e) => e.member)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it("a plain member one byte off after a gzip member is invalid magic, as in the kernel", async () => {
    const gz = gzipSync(early);
    const misalign = (4 - (gz.length % 4)) % 4 + 1;
    const img = Buffer.concat([gz, zeros(misalign), rootfs]);
    const r = await listBytes(img, chunk);
    expect(r.error?.code).toBe("CPIOX_INVALID_MAGIC");
    expect(r.error?.offset).toBe(gz.length + misalign);
  });

  it("two gzip members back to back, and several archives inside one member", async () => {
    const img = Buffer.concat([gzipSync(Buffer.concat([early, zeros(12), rootfs])), gzipSync(rootfs)]);
    const r = await listBytes(img, chunk);
    expect(r.error).toBeNull();
    expect(r.entries.length).toBe(12);
    const ex = await examine(feed(img, chunk));
    expect(ex.members.map((m) => [m.kind, m.entries])).toEqual([["gzip", 8], ["gzip", 4]]);
  });

  it("garbage at a misaligned offset after an entry is broken padding", async () => {
    const img = Buffer.concat([early, Buffer.from([0, 0x42])]);
    const r = await listBytes(img, chunk);
    expect(r.error?.code).toBe("CPIOX_BROKEN_PADDING");
  });

  it("unknown bytes at an aligned member start are invalid magic, with the bytes quoted", async () => {
    const img = Buffer.concat([early, Buffer.from("GARBAGE!")]);
    const r = await listBytes(img, chunk);
    expect(r.error?.code).toBe("CPIOX_INVALID_MAGIC");
    expect(r.error?.offset).toBe(early.length);
    expect(r.error?.message).toContain("47 41 52 42");
  });

  it("junk inside a compressed member", async () => {
    const r = await listBytes(gzipSync(Buffer.concat([early, Buffer.from("JUNK")])), chunk);
    expect(r.error?.code).toBe("CPIOX_JUNK_IN_MEMBER");
    expect(r.error?.offset).toBe(early.length);
  });

  it("a compressed member that ends mid-entry", async () => {
    const one = archive([{ name: "f", data: "x".repeat(1000) }], false);
    const r = await listBytes(gzipSync(one.subarray(0, 600)), chunk);
    expect(r.error?.code).toBe("CPIOX_MEMBER_ENDS_MID_ENTRY");
    expect(r.error?.offset).toBe(0);
    expect(r.error?.message).toContain("gzip member");
  });

  it("a compressed member with data after its last complete entry", async () => {
    const r = await listBytes(gzipSync(Buffer.concat([rootfs, Buffer.from("0707")])), chunk);
    expect(r.error?.code).toBe("CPIOX_MEMBER_TRAILING_DATA");
    expect(r.error?.offset).toBe(rootfs.length);
    expect(r.error?.message).toContain("4 bytes after its last complete entry");
  });

  it("a truncated or corrupt gzip stream", async () => {
    const gz = gzipSync(rootfs);
    const cut = await listBytes(gz.subarray(0, gz.length - 20), chunk);
    expect(cut.error?.code).toBe("CPIOX_CORRUPT_COMPRESSED");
    const flipped = Buffer.from(gz);
    flipped[20] ^= 0xff;
    const bad = await listBytes(flipped, chunk);
    expect(bad.error?.code).toMatch(/CPIOX_CORRUPT_COMPRESSED|CPIOX_BAD_MAGIC|CPIOX_BAD_HEADER|CPIOX_MEMBER_ENDS_MID_ENTRY|CPIOX_JUNK_IN_MEMBER/);
  });

  it("a wrong gzip CRC is a warning (the kernel does not check it)", async () => {
    const gz = Buffer.from(gzipSync(rootfs));
    gz[gz.length - 8] ^= 1;
    const r = await listBytes(gz, chunk);
    expect(r.error).toBeNull();
    expect(codes(r.warnings)).toEqual(["CPIOX_GZIP_CRC"]);
  });

  it("gzip header fields the kernel cannot read are read, with a warning", async () => {
    const gz = gzipSync(rootfs);
    // Insert FCOMMENT: flag 0x10 and a NUL-terminated comment after the 10-byte header.
    const withComment = Buffer.concat([gz.subarray(0, 10), Buffer.from("note\0"), gz.subarray(10)]);
    withComment[3] |= 0x10;
    const r = await listBytes(withComment, chunk);
    expect(r.error).toBeNull();
    expect(codes(r.warnings)).toEqual(["CPIOX_KERNEL_GZIP_FLAGS"]);
    expect(r.entries.length).toBe(4);
  });

  it("NUL bytes before the first member are skipped one by one", async () => {
    const img = Buffer.concat([zeros(3), gzipSync(rootfs)]);
    const { dir, error } = await extractBytes(img, chunk);
    expect(error).toBeNull();
    expect(readdirSync(dir).sort()).toEqual(["bin", "etc"]);
  });
});

it("a gzip header that never ends (FNAME without NUL) is refused at GZIP_HEADER_MAX", async () => {
  const { GZIP_HEADER_MAX } = await import("../src/members/decoders/gzip.js");
  const header = Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]);
  const img = Buffer.concat([header, Buffer.alloc(GZIP_HEADER_MAX + 10, 0x41)]);
  const r = await listBytes(img, 65536);
  expect(r.error?.code).toBe("CPIOX_CORRUPT_COMPRESSED");
  expect(r.error?.message).toContain("header longer");
});

describe("system decoder libraries", () => {
  it("a library that cannot be loaded is CPIOX_DECODER_UNAVAILABLE naming it and its package", () => {
    const load = systemLibrary("libcpiox-missing.so.9", "cpiox-missing-pkg", () => ({}));
    expect(() => load({ offset: 12, member: 1 })).toThrow(/CPIOX_DECODER_UNAVAILABLE: cannot load libcpiox-missing\.so\.9 .*install cpiox-missing-pkg \(member 1, offset 12\)/);
  });
});
