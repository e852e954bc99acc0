// cpiox create: round trips of random trees with xattrs, in every format and xattr encoding,
// plain and gzip, extracted whole and one byte at a time; readable by GNU cpio and bsdcpio.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { create, type XattrEncoding } from "../src/create/index.js";
import type { CreateFormat } from "../src/create/encode.js";
import { extractBytes } from "./helpers/run.js";
import { sh } from "./helpers/sh.js";
import { snapshot, without } from "./helpers/tree.js";
import { tempDir } from "./helpers/tmp.js";
import * as ffi from "../src/native/libc.js";

const isRoot = process.getuid!() === 0;

/** A random tree: files, directories, symlinks, hard links, FIFOs, with xattrs of every kind. */
function randomTree(dir: string, seed: number): void {
  let x = seed;
  const rnd = (n: number) => (x = (x * 1103515245 + 12345) % 2 ** 31) % n;
  const cmds: string[] = ["mkdir -p a/b c"];
  for (let i = 0; i < 25; i++) {
    const d = ["a", "a/b", "c", "."][rnd(4)];
    const f = `${d}/f${i}`;
    cmds.push(`head -c ${rnd(5000)} /dev/urandom > ${f}`);
    if (rnd(2)) cmds.push(`setfattr -n user.r${i} -v 0x${Buffer.from(`v${rnd(1000)}`).toString("hex")} ${f}`);
    if (rnd(3) === 0) cmds.push(`setfattr -n security.ima -v 0x0302${"ab".repeat(rnd(40) + 1)} ${f}`);
    if (rnd(4) === 0) cmds.push(`ln ${f} ${d}/h${i}`);
    if (rnd(5) === 0) cmds.push(`ln -s f${i} ${d}/s${i} && setfattr -h -n security.selinux -v 0x6c6e6b00 ${d}/s${i}`);
    if (rnd(6) === 0) cmds.push(`chmod ${["4755", "2711", "0600", "1777"][rnd(4)]} ${f}`);
  }
  cmds.push("mkfifo c/fifo", "setfattr -n user.dir -v 0x01 a/b", "setfattr -n trusted.t -v 0x0000ff c");
  cmds.push("find . -mindepth 1 -exec touch -h -d @1650000000 {} +");
  sh(cmds.join(" && "), dir);
  // The largest value Linux takes (tmpfs holds it; ext4 would not), set after touch: xattrs do not change mtime.
  const r = ffi.lsetxattrAt(ffi.AT_FDCWD, ffi.cpath(join(dir, "a")), ffi.cpath("user.big"), Buffer.alloc(65536, 0x41));
  if (r < 0) throw new Error(`setting a 64 KiB xattr failed: ${r}`);
}

function xattrDump(dir: string): string {
  return sh(`cd ${dir} && find . -mindepth 1 | LC_ALL=C sort | xargs -d '\\n' getfattr -d -m - -h -e hex 2>/dev/null || true`).toString();
}

const COMBOS: Array<[CreateFormat, XattrEncoding]> = [
  ["newc", "metadata"], ["newc", "xattr-list"], ["crc", "metadata"], ["crc", "xattr-list"],
  ["newcx", "newcx"], ["newcx", "metadata"], ["newcx", "xattr-list"],
];

describe.skipIf(!isRoot)("cpiox create round trips", () => {
  let src = "";
  beforeAll(() => {
    src = tempDir("cpiox-create-");
    randomTree(src, 42);
    const dump = xattrDump(src);
    for (const name of ["user.big", "security.ima", "security.selinux", "trusted.t", "user.dir"]) expect(dump).toContain(`${name}=`);
  });

  it.each(COMBOS.flatMap(([f, x]) => (["none", "gzip", "zstd"] as const).map((c) => [f, x, c] as const)))(
    "%s with %s xattrs, compression %s: extract gives the same tree and xattrs", async (format, xattrs, compress) => {
      const img = join(tempDir(), "img");
      await create({ cwd: src, output: img, format, xattrs, compress });
      const bytes = readFileSync(img);
      for (const chunk of compress === "none" ? [Infinity, 1] : [Infinity, 1021]) {
        const r = await extractBytes(bytes, chunk);
        expect(r.error).toBeNull();
        expect(r.warnings).toEqual([]);
        expect(snapshot(r.dir)).toEqual(snapshot(src));
        expect(xattrDump(r.dir)).toEqual(xattrDump(src));
      }
    });

  it.each(["newc", "crc"] as const)("%s images without newcx are read by GNU cpio and bsdcpio", async (format) => {
    const img = join(tempDir(), "img");
    await create({ cwd: src, output: img, format, xattrs: "metadata" });
    const names = sh(`cpio --quiet -t < ${img}`).toString().trim().split("\n");
    expect(names).toContain("a/b");
    expect(sh(`bsdcpio --quiet -t < ${img} 2>&1`).toString().trim().split("\n").length).toBe(names.length);
    const ref = tempDir();
    sh(`cpio --quiet -idmu --no-absolute-filenames < ${img}`, ref);
    // cpio writes METADATA!!! as a file and does not keep directory or symlink mtimes.
    const drop = (_p: string, n: { type: string }) => (n.type === "dir" || n.type === "symlink" ? ["mtime" as const] : []);
    const got = without(snapshot(ref), drop);
    delete got["METADATA!!!"];
    expect(got).toEqual(without(snapshot(src), drop));
  });

  it("a zstd image is one frame the zstd tool decodes to the same cpio bytes", async () => {
    const plain = join(tempDir(), "p"), zst = join(tempDir(), "z");
    await create({ cwd: src, output: plain, format: "newc", sourceDateEpoch: 1 });
    await create({ cwd: src, output: zst, format: "newc", compress: "zstd", sourceDateEpoch: 1 });
    expect(sh(`zstd -dc ${zst}`)).toEqual(readFileSync(plain));
  });

  it("SOURCE_DATE_EPOCH clamps mtimes, and the output is reproducible", async () => {
    const a = join(tempDir(), "a"), b = join(tempDir(), "b");
    await create({ cwd: src, output: a, format: "newc", sourceDateEpoch: 1600000000 });
    await create({ cwd: src, output: b, format: "newc", sourceDateEpoch: 1600000000 });
    expect(readFileSync(a)).toEqual(readFileSync(b));
    const r = await extractBytes(readFileSync(a));
    expect(Math.max(...Object.values(snapshot(r.dir)).map((n) => n.mtime))).toBe(1600000000);
  });
});

describe.skipIf(!isRoot)("evmctl-signed trees through every encoding", () => {
  let src = "";
  beforeAll(() => {
    src = tempDir("cpiox-evm-");
    const key = join(tempDir(), "key.pem");
    sh(`openssl genrsa -out ${key} 2048 2>/dev/null`);
    sh(`mkdir -p usr/bin etc && printf 'binary' > usr/bin/tool && printf 'conf' > etc/conf && ln usr/bin/tool usr/bin/alias
        evmctl ima_sign --key ${key} -a sha256 usr/bin/tool >/dev/null
        evmctl ima_sign --key ${key} -a sha256 etc/conf >/dev/null
        setfattr -n security.selinux -v 'system_u:object_r:bin_t:s0' usr/bin
        ln -s ../bin/tool usr/link && setfattr -h -n security.selinux -v 0x6c6e6b5f7400 usr/link
        setfattr -n user.empty -v '' etc/conf && setfattr -n trusted.overlay.opaque -v y etc
        setfattr -n user.${"n".repeat(250)} -v 0x01 etc/conf
        find . -mindepth 1 -exec touch -h -d @1650000000 {} +`, src);
    expect(xattrDump(src)).toContain("security.ima=0x0302");
  });

  it.each(COMBOS)("%s with %s: getfattr of the extracted tree equals the source's", async (format, xattrs) => {
    const img = join(tempDir(), "img");
    await create({ cwd: src, output: img, format, xattrs, compress: "zstd" });
    const r = await extractBytes(readFileSync(img), 4093);
    expect(r.error).toBeNull();
    expect(r.warnings).toEqual([]);
    expect(xattrDump(r.dir)).toEqual(xattrDump(src));
    expect(snapshot(r.dir)).toEqual(snapshot(src));
  });
});

describe.skipIf(!isRoot)("cpiox create --list (gen_init_cpio list files)", () => {
  it("every line type, hard links, xattr lines and ${VAR} locations", async () => {
    const dir = tempDir();
    sh("printf 'BIN' > busybox && printf 'init' > init && touch -d @1600000000 busybox init", dir);
    process.env.CPIOX_TEST_SRC = dir;
    const text = [
      "# a comment",
      "dir /dev 0755 0 0",
      "nod /dev/console 0600 0 0 c 5 1",
      "xattr security.selinux=0x73797374656d5f753a6f626a6563745f723a62696e5f743a733000",
      "dir /sbin 0755 0 0",
      "file /init ${CPIOX_TEST_SRC}/init 0755 0 0",
      "xattr security.ima=0x030204aabbccdd",
      "file /bin ${CPIOX_TEST_SRC}/busybox 0755 1 2 /sh /ls",
      "slink /usr /bin 0777 0 0",
      "pipe /fifo 0600 0 0",
      "sock /sock 0600 0 0",
    ].join("\n");
    for (const [format, xattrs] of [["newcx", "newcx"], ["newc", "metadata"], ["crc", "xattr-list"]] as const) {
      const img = join(tempDir(), "img");
      await create({ listFile: text, output: img, format, xattrs, sourceDateEpoch: 1700000000 });
      const r = await extractBytes(readFileSync(img));
      expect(r.error).toBeNull();
      expect(r.warnings).toEqual([]);
      const snap = snapshot(r.dir);
      expect(snap["dev/console"]).toMatchObject({ type: "char", mode: 0o600, rdev: 0x501 });
      expect(snap["bin"]).toMatchObject({ type: "file", uid: 1, gid: 2, nlink: 3, mtime: 1600000000 });
      expect(snap["sh"].linkGroup).toBe(snap["bin"].linkGroup);
      expect(readFileSync(join(r.dir, "ls"), "latin1")).toBe("BIN");
      expect(snap["usr"]).toMatchObject({ type: "symlink", target: "/bin" });
      expect(snap["fifo"].type).toBe("fifo");
      expect(snap["sock"].type).toBe("socket");
      expect(snap["sbin"].mtime).toBe(1700000000);
      const dump = xattrDump(r.dir);
      expect(dump).toContain("# file: sbin\nsecurity.selinux=0x73797374656d5f753a6f626a6563745f723a62696e5f743a733000");
      expect(dump).toContain("# file: ls\nsecurity.ima=0x030204aabbccdd");
    }
  });

  it("bad lines are errors with their line number", async () => {
    for (const [line, why] of [["file /x", "file takes at least 5 fields"], ["frob /x", "unknown type"],
      ["xattr user.a=0x123", "even number"], ["nod /d 0600 0 0 x 1 2", "b or c"], ["dir /d 08 0 0", "mode"]]) {
      await expect(create({ listFile: `dir /ok 0755 0 0\n${line}`, output: join(tempDir(), "x") }))
        .rejects.toThrow(new RegExp(`line 2: .*${why}`));
    }
  });
});
