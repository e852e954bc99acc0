// Header and state-machine rules of docs/FORMATS.md §1-2, on hand-built archives fed in every chunk size.
import { lstatSync, readFileSync, readlinkSync, existsSync, readdirSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archive, entryBytes } from "../helpers/newc.js";
import { CHUNK_SIZES } from "../helpers/feed.js";
import { codes, extractBytes, listBytes } from "../helpers/run.js";

describe.each(CHUNK_SIZES)("parser rules, chunks of %s", (chunk) => {
  it("accepts upper- and lower-case hex", async () => {
    const upper = entryBytes({ name: "up", data: "xyz", mode: 0o100644 });
    const lower = Buffer.from(entryBytes({ name: "low", data: "xyz", mode: 0o100644 }).toString("latin1").replace(/^(.{110})/s, (h) => h.toLowerCase()), "latin1");
    const { dir, error } = await extractBytes(Buffer.concat([upper, lower]), chunk);
    expect(error).toBeNull();
    expect(readdirSync(dir).sort()).toEqual(["low", "up"]);
  });

  it.each([
    ["070707", "CPIOX_ODC_MAGIC"],
    ["070709", "CPIOX_BAD_MAGIC"],
  ])("magic %s is %s", async (magic, code) => {
    const { error } = await listBytes(archive([{ name: "x", magic }]), chunk);
    expect(error?.code).toBe(code);
    expect(error?.offset).toBe(0);
  });

  it("a non-hex digit is a damaged header", async () => {
    const { error } = await listBytes(archive([{ name: "x", rawField: [5, "0000000g"] }]), chunk);
    expect(error?.code).toBe("CPIOX_BAD_HEADER");
  });

  it("a truncated header or body is a warning; the file keeps the bytes that came, never the declared size", async () => {
    const full = archive([{ name: "a", data: "A".repeat(100) }], false);
    const cut = await extractBytes(full.subarray(0, 110 + 4 + 50), chunk);
    expect(cut.error).toBeNull();
    expect(codes(cut.warnings)).toEqual(["CPIOX_TRUNCATED"]);
    expect(lstatSync(join(cut.dir, "a")).size).toBe(164 - 112); // what came after the 112-byte header and name
    const head = await extractBytes(full.subarray(0, 60), chunk);
    expect(codes(head.warnings)).toEqual(["CPIOX_TRUNCATED"]);
    expect(head.warnings[0].offset).toBe(0);
  });

  it("a huge namesize skips the entry (and then the input ends)", async () => {
    const img = entryBytes({ name: "x", namesize: 0xffffffff });
    const r = await listBytes(img, chunk);
    expect(r.error).toBeNull();
    expect(codes(r.warnings)).toEqual(["CPIOX_NAME_SIZE", "CPIOX_TRUNCATED"]);
  });

  it("namesize 0 is skipped and parsing resumes at the next header", async () => {
    const img = archive([{ name: "", namesize: 0, data: "zz" }, { name: "next", data: "n" }]);
    const r = await listBytes(img, chunk);
    expect(codes(r.warnings)).toEqual(["CPIOX_NAME_SIZE"]);
    expect(r.entries.map((e) => e.path)).toEqual(["next"]);
  });

  it("directories, devices and FIFOs with data are skipped, data and all", async () => {
    const img = archive([
      { name: "d", mode: 0o40755, data: "junk" },
      { name: "p", mode: 0o10644, data: "junk!" },
      { name: "f", data: "kept" },
    ]);
    const { dir, warnings } = await extractBytes(img, chunk);
    expect(codes(warnings)).toEqual(["CPIOX_DATA_ON_SPECIAL", "CPIOX_DATA_ON_SPECIAL"]);
    expect(warnings[0].entry).toBe("d");
    expect(readdirSync(dir)).toEqual(["f"]);
  });

  it("symlink targets with or without a NUL; too long is skipped; empty cannot be created", async () => {
    const img = archive([
      { name: "gnu", mode: 0o120777, data: "target" },
      { name: "gic", mode: 0o120777, data: "target\0" },
      { name: "long", mode: 0o120777, data: "t".repeat(4097) },
      { name: "empty", mode: 0o120777, data: "" },
    ]);
    const { dir, warnings } = await extractBytes(img, chunk);
    expect(readlinkSync(join(dir, "gnu"))).toBe("target");
    expect(readlinkSync(join(dir, "gic"))).toBe("target");
    expect(existsSync(join(dir, "long"))).toBe(false);
    expect(codes(warnings)).toEqual(["CPIOX_SYMLINK_TOO_LONG", "CPIOX_CREATE_FAILED"]);
  });

  it("TRAILER!!! resets the hard-link table; a trailer with data does not", async () => {
    const reset = Buffer.concat([
      archive([{ name: "a", ino: 7, nlink: 2, data: "one" }]),
      archive([{ name: "b", ino: 7, nlink: 2, data: "two" }]),
    ]);
    const r1 = await extractBytes(reset, chunk);
    expect(lstatSync(join(r1.dir, "a")).ino).not.toBe(lstatSync(join(r1.dir, "b")).ino);
    const kept = Buffer.concat([
      archive([{ name: "a", ino: 7, nlink: 2, data: "one" }, { name: "TRAILER!!!", mode: 0, data: "x" }], false),
      archive([{ name: "b", ino: 7, nlink: 2, data: "two" }]),
    ]);
    const r2 = await extractBytes(kept, chunk);
    expect(codes(r2.warnings)).toEqual(["CPIOX_DATA_ON_SPECIAL"]);
    expect(lstatSync(join(r2.dir, "a")).ino).toBe(lstatSync(join(r2.dir, "b")).ino);
    expect(readFileSync(join(r2.dir, "a"), "latin1")).toBe("two");
  });

  it("a non-NUL byte at a misaligned offset after an entry is broken padding", async () => {
    const img = Buffer.concat([entryBytes({ name: "a", data: "1234" }), Buffer.from([0]), entryBytes({ name: "b" })]);
    const r = await listBytes(img, chunk);
    expect(r.error?.code).toBe("CPIOX_BROKEN_PADDING");
    expect(r.error?.offset).toBe(entryBytes({ name: "a", data: "1234" }).length + 1);
  });

  it("mode bits above 16 are dropped with a warning", async () => {
    const r = await listBytes(archive([{ name: "m", mode: 0x10000 | 0o100600 }]), chunk);
    expect(codes(r.warnings)).toEqual(["CPIOX_MODE_HIGH_BITS"]);
    expect(r.entries[0].mode).toBe(0o100600);
  });

  it("an unknown type removes an existing object of another type and creates nothing", async () => {
    const img = archive([{ name: "x", data: "file" }, { name: "x", mode: 0o000644 }]);
    const { dir, warnings } = await extractBytes(img, chunk);
    expect(codes(warnings)).toEqual(["CPIOX_UNKNOWN_TYPE"]);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  it("duplicate paths: same type is reused, another type replaces an empty directory", async () => {
    const img = archive([
      { name: "f", data: "long content" }, { name: "f", data: "short" },
      { name: "d", mode: 0o40755 }, { name: "d", data: "now a file" },
    ]);
    const { dir, warnings } = await extractBytes(img, chunk);
    expect(warnings).toEqual([]);
    expect(readFileSync(join(dir, "f"), "latin1")).toBe("short");
    expect(readFileSync(join(dir, "d"), "latin1")).toBe("now a file");
  });

  it("directory times are applied last, and the first entry's mtime wins", async () => {
    const img = archive([
      { name: "d", mode: 0o40755, mtime: 1000 },
      { name: "d/f", data: "x", mtime: 5 },
      { name: "d", mode: 0o40755, mtime: 2000 },
    ]);
    const { dir } = await extractBytes(img, chunk);
    expect(lstatSync(join(dir, "d")).mtimeMs).toBe(1000_000);
    expect(lstatSync(join(dir, "d/f")).mtimeMs).toBe(5000);
  });

  it("a missing parent skips the entry with a warning; --make-parents creates it", async () => {
    const img = archive([{ name: "no/such/file", data: "x" }]);
    const r = await extractBytes(img, chunk);
    expect(codes(r.warnings)).toEqual(["CPIOX_MISSING_PARENT"]);
    expect(readdirSync(r.dir)).toEqual([]);
    const m = await extractBytes(img, chunk, { makeParents: true });
    expect(m.warnings).toEqual([]);
    expect(readFileSync(join(m.dir, "no/such/file"), "latin1")).toBe("x");
  });

  it("--strict turns the first warning into an error", async () => {
    const r = await extractBytes(archive([{ name: "no/parent", data: "x" }]), chunk, { strict: true });
    expect(r.error?.code).toBe("CPIOX_STRICT");
    expect(r.error?.message).toContain("CPIOX_MISSING_PARENT");
  });

  it("'.' applies to the root itself; a file named '.' is refused", async () => {
    const img = archive([{ name: ".", mode: 0o40750, mtime: 77 }, { name: "./x/.", mode: 0o100644 }]);
    const { dir, warnings } = await extractBytes(img, chunk);
    expect(lstatSync(dir).mode & 0o7777).toBe(0o750);
    expect(lstatSync(dir).mtimeMs).toBe(77000);
    expect(codes(warnings)).toEqual(["CPIOX_DIRECTORY_NAME"]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("special files as root: devices with the kernel's device numbers, FIFOs, sockets", async () => {
    if (process.getuid!() !== 0) return;
    const img = archive([
      { name: "null", mode: 0o20666, rdevMajor: 1, rdevMinor: 3 },
      { name: "sda", mode: 0o60660, rdevMajor: 8, rdevMinor: 0 },
      { name: "fifo", mode: 0o10600 },
      { name: "sock", mode: 0o140755 },
    ]);
    const { dir, warnings } = await extractBytes(img, chunk);
    expect(warnings).toEqual([]);
    const n = lstatSync(join(dir, "null"));
    expect(n.isCharacterDevice()).toBe(true);
    expect(n.rdev).toBe(259);
    expect(lstatSync(join(dir, "sda")).isBlockDevice()).toBe(true);
    expect(lstatSync(join(dir, "fifo")).isFIFO()).toBe(true);
    expect(lstatSync(join(dir, "sock")).isSocket()).toBe(true);
    expect(lstatSync(join(dir, "sock")).mode & 0o7777).toBe(0o755);
  });

  it("setuid, setgid and sticky bits survive chown", async () => {
    const img = archive([
      { name: "suid", mode: 0o104755, uid: 1000, gid: 1000, data: "x" },
      { name: "tmp", mode: 0o41777 },
      { name: "sgid", mode: 0o42755 },
    ]);
    const { dir } = await extractBytes(img, chunk);
    expect(lstatSync(join(dir, "suid")).mode & 0o7777).toBe(0o4755);
    expect(lstatSync(join(dir, "tmp")).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(join(dir, "sgid")).mode & 0o7777).toBe(0o2755);
  });

  it("extracting over an existing tree keeps unrelated files", async () => {
    const { dir } = await extractBytes(archive([{ name: "new", data: "n" }]), chunk, {}, (() => {
      const d = join(process.env.TMPDIR ?? "/tmp", `cpiox-keep-${process.pid}-${chunk}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, "old"), "o");
      return d;
    })());
    expect(readdirSync(dir).sort()).toEqual(["new", "old"]);
  });
});
