// Applying xattrs from newcx entries: byte for byte as getfattr reads them back, on files,
// directories, symlinks and hard-link sets; invalid ones skipped with a warning; without root
// only user.*.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { archive } from "./helpers/newc.js";
import { create } from "../src/create/index.js";
import { codes, extractBytes } from "./helpers/run.js";
import { getfattr, hex } from "./helpers/xattrs.js";
import { tempDir } from "./helpers/tmp.js";

const isRoot = process.getuid!() === 0;
const X = "070703";
const ima = Buffer.concat([Buffer.from([0x03, 0x02, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x00]), Buffer.alloc(256, 0x5a)]);
const longName = "user." + "n".repeat(250);
const bigValue = Buffer.alloc(65536, 0x61);

/** name -> hex value of every xattr on path itself (not following a symlink). */


const sample = () => archive([
  { magic: X, name: "etc", mode: 0o40755, xattrs: [["security.selinux", "system_u:object_r:etc_t:s0\0"], ["user.dir", "d"]] },
  { magic: X, name: "etc/passwd", data: "root:x:0:0\n", xattrs: [["security.ima", ima], ["trusted.overlay", "y"], ["user.empty", ""], [longName, bigValue]] },
  { magic: X, name: "etc/link", mode: 0o120777, data: "passwd", xattrs: [["security.selinux", "system_u:object_r:etc_t:s0\0"]] },
  // A hard-link set: the xattrs come on the last instance, as gen_init_cpio writes them.
  { magic: X, name: "etc/a", ino: 9, nlink: 2 },
  { magic: X, name: "etc/b", ino: 9, nlink: 2, data: "shared", xattrs: [["security.ima", ima]] },
]);

describe.skipIf(!isRoot)("xattrs from newcx, as root", () => {
  it.each([Infinity, 1, 7])("land on the right inodes byte for byte (chunks of %s)", async (chunk) => {
    const r = await extractBytes(sample(), chunk);
    expect(r.error).toBeNull();
    expect(r.warnings).toEqual([]);
    expect(getfattr(join(r.dir, "etc"))).toEqual({ "security.selinux": hex("system_u:object_r:etc_t:s0\0"), "user.dir": hex("d") });
    expect(getfattr(join(r.dir, "etc/passwd"))).toEqual({
      "security.ima": hex(ima), "trusted.overlay": hex("y"), "user.empty": "", [longName]: hex(bigValue),
    });
    expect(getfattr(join(r.dir, "etc/link"))).toEqual({ "security.selinux": hex("system_u:object_r:etc_t:s0\0") });
    expect(getfattr(join(r.dir, "etc/a"))).toEqual({ "security.ima": hex(ima) });
  });

  it("invalid xattrs are skipped with a warning naming the entry and the attribute; user.* on a symlink is refused", async () => {
    const img = archive([
      { magic: X, name: "f", data: "x", xattrs: [["user." + "n".repeat(251), "too long"], ["foo.bar", "ns"], ["user.", "empty suffix"], ["user.big", Buffer.alloc(65537)], ["user.ok", "1"]] },
      { magic: X, name: "l", mode: 0o120777, data: "f", xattrs: [["user.on-link", "no"]] },
    ]);
    const r = await extractBytes(img);
    expect(codes(r.warnings)).toEqual(["CPIOX_XATTR_INVALID", "CPIOX_XATTR_INVALID", "CPIOX_XATTR_INVALID", "CPIOX_XATTR_INVALID", "CPIOX_XATTR_REFUSED"]);
    expect(r.warnings[1]).toMatchObject({ entry: "f" });
    expect(r.warnings[1].message).toContain('"foo.bar"');
    expect(getfattr(join(r.dir, "f"))).toEqual({ "user.ok": hex("1") });
  });

  it("--no-xattrs applies none but still checks their framing", async () => {
    const r = await extractBytes(sample(), Infinity, { xattrs: false });
    expect(r.error).toBeNull();
    expect(getfattr(join(r.dir, "etc/passwd"))).toEqual({});
    const bad = await extractBytes(archive([{ magic: X, name: "f", xattrs: Buffer.from("00000004") }]), Infinity, { xattrs: false });
    expect(bad.error?.code).toBe("CPIOX_XATTR_MALFORMED");
  });

  it.each(["newcx", "metadata", "xattr-list"] as const)("without root (%s): user.* is applied and each other namespace is reported once", async (encoding) => {
    const base = tempDir();
    chmodSync(base, 0o777);
    const img = join(base, "x.img");
    if (encoding === "newcx") writeFileSync(img, sample());
    else {
      // The same tree, written by cpiox create in the other encodings.
      const src = (await extractBytes(sample())).dir;
      await create({ cwd: src, output: img, format: "newc", xattrs: encoding });
    }
    chmodSync(img, 0o644);
    const dir = join(base, "user-root");
    const bin = join(import.meta.dirname, "../bin/cpiox.cjs");
    const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, bin, "extract", "--no-same-owner", img, "-C", dir], { encoding: "utf8" });
    expect(r.status).toBe(1);
    const warned = [...r.stderr.matchAll(/warning (CPIOX_\w+): (\S+)/g)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(warned).toEqual(["CPIOX_XATTR_NOT_ROOT security.*", "CPIOX_XATTR_NOT_ROOT trusted.*"]);
    expect(getfattr(join(dir, "etc"))).toEqual({ "user.dir": hex("d") });
    expect(getfattr(join(dir, "etc/passwd"))).toEqual({ "user.empty": "", [longName]: hex(bigValue) });
  });
});

describe.skipIf(!isRoot)("xattrs never leave the root", () => {
  it("a symlink to an outside file gets the xattrs itself; the target is untouched", async () => {
    const box = tempDir();
    const victim = join(box, "victim");
    writeFileSync(victim, "precious");
    const root = join(box, "root");
    const img = archive([
      { magic: X, name: "l", mode: 0o120777, data: victim, xattrs: [["security.ima", ima], ["trusted.x", "1"]] },
      { magic: X, name: "up", mode: 0o120777, data: "../victim", xattrs: [["security.selinux", "x\0"]] },
      { magic: X, name: "d", mode: 0o40755 },
      { magic: X, name: "d/..", mode: 0o40755, xattrs: [["user.on-root", "r"]] },
    ]);
    for (const resolver of ["openat2", "userspace"] as const) {
      const r = await extractBytes(img, Infinity, { resolver }, join(root, resolver));
      expect(r.error).toBeNull();
      expect(getfattr(victim)).toEqual({});
      expect(getfattr(box)).toEqual({});
      expect(getfattr(join(root, resolver, "l"))).toEqual({ "security.ima": hex(ima), "trusted.x": hex("1") });
      expect(getfattr(join(root, resolver))).toEqual({ "user.on-root": hex("r") });
    }
  });
});
