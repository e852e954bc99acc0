// An image ending in the kernel's bootconfig trailer (configuration text, NUL padding to 4 bytes,
// 32-bit size and checksum, "#BOOTCONFIG\n"), written here byte by byte as `bootconfig -a` does:
// accepted, checked, shown by examine, never parsed as cpio; a bad checksum or size is an error.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { examine, list } from "../src/index.js";
import { archive } from "./helpers/newc.js";
import { extractBytes } from "./helpers/run.js";
import { tempDir } from "./helpers/tmp.js";

const cli = join(import.meta.dirname, "../bin/cpiox.cjs");
const TEXT = "kernel {\n  loglevel = 7\n}\ninit.systemd.show_status = false\n";

/** The trailer for `text`: data padded with NULs to 4 bytes, size, checksum, magic. */
function trailer(text: string, opts: { checksum?: number; size?: number } = {}): Buffer {
  const raw = Buffer.from(text);
  const data = Buffer.concat([raw, Buffer.alloc((4 - (raw.length % 4)) % 4)]);
  const sum = data.reduce((a, b) => (a + b) >>> 0, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(opts.size ?? data.length, 0);
  head.writeUInt32LE(opts.checksum ?? sum, 4);
  return Buffer.concat([data, head, Buffer.from("#BOOTCONFIG\n")]);
}

const plain = archive([{ name: "init", data: "#!/bin/sh\n", mode: 0o100755 }, { name: "etc", mode: 0o40755 }]);
const main = gzipSync(archive([{ name: "etc/hostname", data: "box\n" }]));
const pad4 = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);

describe("bootconfig trailer", () => {
  it.each([
    ["after a plain archive", Buffer.concat([plain, trailer(TEXT)])],
    ["after a compressed member", Buffer.concat([plain, pad4(main), trailer(TEXT)])],
  ])("%s: every entry listed and extracted, the trailer shown by examine", async (_name, img) => {
    expect((await list(img)).map((e) => e.path)).toEqual(expect.arrayContaining(["init", "etc"]));
    const r = await extractBytes(img);
    expect(r.error).toBeNull();
    expect(r.warnings).toEqual([]);
    const ex = await examine(img);
    const offset = img.length - trailer(TEXT).length;
    expect(ex.bootconfig).toMatchObject({ offset, size: trailer(TEXT).length - 20, text: TEXT });
    expect(ex.size).toBe(img.length);
    const file = join(tempDir(), "img");
    writeFileSync(file, img);
    const shown = spawnSync(process.execPath, [cli, "examine", file], { encoding: "utf8" });
    expect(shown.stdout).toMatch(new RegExp(`bootconfig: ${trailer(TEXT).length - 20} bytes at offset ${offset}, checksum \\d+ \\(correct\\)`));
    expect(spawnSync(process.execPath, [cli, "examine", "--bootconfig", file], { encoding: "utf8" }).stdout).toBe(TEXT);
  });

  it("a wrong checksum or size is CPIOX_BOOTCONFIG, not junk", async () => {
    const badSum = Buffer.concat([plain, trailer(TEXT, { checksum: 12345 })]);
    await expect(list(badSum)).rejects.toMatchObject({ code: "CPIOX_BOOTCONFIG", message: expect.stringMatching(/checksum failed: the trailer says 12345/) });
    const badSize = Buffer.concat([plain, trailer(TEXT, { size: 8 })]);
    await expect(examine(badSize)).rejects.toMatchObject({ code: "CPIOX_BOOTCONFIG", message: expect.stringMatching(/says 8 bytes/) });
  });

  it("bytes that are not a trailer are still invalid magic, and examine --bootconfig without one is an error", async () => {
    await expect(list(Buffer.concat([plain, Buffer.from("not a bootconfig at all\n")]))).rejects.toMatchObject({ code: "CPIOX_INVALID_MAGIC" });
    // A trailer further than the kernel's 32 KiB maximum from the archive data is not one.
    const far = Buffer.concat([plain, trailer("x".repeat(40000))]);
    await expect(list(far)).rejects.toMatchObject({ code: "CPIOX_INVALID_MAGIC" });
    const file = join(tempDir(), "img");
    writeFileSync(file, plain);
    const r = spawnSync(process.execPath, [cli, "examine", "--bootconfig", file], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/CPIOX_BOOTCONFIG: the image ends in no bootconfig trailer/);
  });
});
