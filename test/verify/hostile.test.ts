// verify on hostile and malformed images: the default policy fails every escape attempt of the
// security tests; broken images are "malformed" (exit 2) with the reader's error, never a crash.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { archive, entryBytes, type HandEntry } from "../helpers/newc.js";
import { feed } from "../helpers/feed.js";
import { hostileCases } from "../helpers/hostile.js";
import { exitCode, verify } from "../../src/verify/index.js";

const OUTSIDE = "/srv/outside";
// An /init first, so what fails each image is its hostile entries, not the missing init.
const bootable = (entries: HandEntry[]): HandEntry[] => [{ name: "init", mode: 0o100755, data: "#!/bin/sh\n" }, ...entries];

describe("hostile archives fail the default policy", () => {
  it.each(hostileCases)("%s", async (_name, build) => {
    for (const chunk of [1, Infinity]) {
      const { report } = await verify(feed(archive(bootable(build(OUTSIDE))), chunk));
      expect(report.result).toBe("fail");
      expect(exitCode(report)).toBe(1);
      const errors = report.findings.filter((f) => f.severity === "error");
      expect(errors.length).toBeGreaterThan(0);
      for (const f of errors) expect(f.path).not.toBeNull();
    }
  });

  it("names the escape in the classic case: a symlink out, then a write through it", async () => {
    const { report } = await verify(archive(bootable([{ name: "l", mode: 0o120777, data: "../../etc" }, { name: "l/passwd", data: "pwned" }])));
    expect(report.findings.map((f) => [f.rule, f.path])).toEqual([
      ["CPIOX_RULE_SYMLINK_ESCAPE", "l"],
      ["CPIOX_RULE_THROUGH_SYMLINK", "l/passwd"],
    ]);
  });
});

describe("malformed images", () => {
  const good = archive([{ name: "a", data: "data" }, { name: "b", data: "more data" }]);
  const cases: [string, Buffer, string][] = [
    ["truncated inside a body", good.subarray(0, 150), "CPIOX_TRUNCATED"],
    ["bad magic", Buffer.concat([Buffer.from("070707"), good.subarray(6)]), "CPIOX_ODC_MAGIC"],
    ["a non-hex header field", archive([{ name: "a", rawField: [1, "0000XYZ0"] }]), "CPIOX_BAD_HEADER"],
    ["a truncated gzip member", gzipSync(good).subarray(0, 40), "CPIOX_CORRUPT_COMPRESSED"],
    ["a gzip member whose CRC32 is wrong", (() => { const g = gzipSync(good); g[g.length - 8] ^= 1; return g; })(), "CPIOX_GZIP_CRC"],
    ["garbage after a member", Buffer.concat([gzipSync(good), Buffer.from("garbage!")]), "CPIOX_INVALID_MAGIC"],
    ["a broken newcx xattr block", Buffer.concat([entryBytes({ name: "x", magic: "070703", xattrs: Buffer.from("00000002ab\0\0") })]), "CPIOX_XATTR_MALFORMED"],
  ];

  it.each(cases)("%s: malformed, with the reader's code, member and offset", async (_name, bytes, code) => {
    // The kernel stops silently at a truncated plain archive; for verify it is damage all the same.
    const { report } = await verify(feed(bytes, 5));
    expect(report.result).toBe("malformed");
    expect(exitCode(report)).toBe(2);
    expect(report.error).toMatchObject({ code });
    expect(report.error!.offset).not.toBeNull();
    expect(report.image.size).toBeLessThanOrEqual(bytes.length);
  });

  it("a decompression bomb stops at --max-size with bounded work", async () => {
    const bomb = gzipSync(Buffer.concat([archive([{ name: "z", data: Buffer.alloc(64 << 20) }])]));
    const { report } = await verify(bomb, { maxSize: 1 << 20 });
    expect(report.error).toMatchObject({ code: "CPIOX_TOO_LARGE" });
  });
});

describe("a flood of findings", () => {
  it("keeps the first 1000 per rule and counts the rest, so the report stays bounded", async () => {
    const entries = Array.from({ length: 1500 }, (_, i) => ({ name: `/f${i}`, data: "" }));
    const { report } = await verify(archive(entries));
    const absolute = report.findings.filter((f) => f.rule === "CPIOX_RULE_ABSOLUTE_NAME");
    expect(absolute).toHaveLength(1000);
    expect(report.suppressed).toEqual({ CPIOX_RULE_ABSOLUTE_NAME: 500 });
    expect(report.result).toBe("fail");
  });
});

describe("mutated images", () => {
  it("300 images with random bytes flipped: always a report (pass, fail or malformed), never a crash", async () => {
    const good = Buffer.concat([
      archive([{ name: "a", mode: 0o40755 }, { name: "a/f", data: "data".repeat(50) },
        { name: "x", magic: "070703", data: "abc", xattrs: [["security.ima", "\x04\x04" + "\0".repeat(32)], ["user.k", "v"]] }]),
      gzipSync(archive([{ name: "a/g", data: "more" }, { name: "a/l", mode: 0o120777, data: "../a/f" }])),
    ]);
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const results = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(good);
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--) bytes[Math.floor(random() * bytes.length)] ^= 1 + Math.floor(random() * 255);
      const { report } = await verify(bytes);
      expect(["pass", "fail", "malformed"]).toContain(report.result);
      if (report.result === "malformed") expect(report.error!.code).toMatch(/^CPIOX_/);
      results.add(report.result);
    }
    expect(results.size).toBeGreaterThan(1);
  });
});
