// cpiox create with every compression the kernel reads and with several members: each output
// read back by the compressor's own command (byte-equal to the uncompressed cpio), checked by
// examine --strict (the kernel-compatibility rules), unpacked by unmkinitramfs, and an image of
// eight members (one per compression) booted by the real kernel under qemu, whose tree must
// equal cpiox's.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { create } from "../src/create/index.js";
import { COMPRESSORS, type CreateCompression } from "../src/create/compress/index.js";
import type { BenchReport } from "../src/bench/index.js";
import { qemuBootable } from "./helpers/installed.js";
import { sh } from "./helpers/sh.js";
import { snapshot, without } from "./helpers/tree.js";
import { tempDir } from "./helpers/tmp.js";

const cli = join(import.meta.dirname, "../bin/cpiox.cjs");
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

/** Each compression's own command, reading the member back. */
const DECOMPRESS: Record<Exclude<CreateCompression, "none">, string> = {
  gzip: "gzip -dc", zstd: "zstd -dcq", xz: "xz -dc", lzma: "xz --format=lzma -dc", lz4: "lz4 -dcq",
  lzo: "lzop -dc", bzip2: "bzip2 -dc",
};
const KINDS = Object.keys(DECOMPRESS) as Exclude<CreateCompression, "none">[];

let src: string;
let plain: Buffer;
beforeAll(async () => {
  src = tempDir("cpiox-cm-src-");
  // 9 MiB of compressible data: two lz4 legacy blocks (8 MiB each), many lzop blocks (256 KiB).
  sh("mkdir -p etc bin && seq 1 1300000 > bin/big && head -c 70000 /dev/urandom > bin/rand && echo hi > etc/motd && ln -s motd etc/link " +
    "&& ln bin/rand bin/rand2 && find . -exec touch -h -d @1700000000 {} +", src);
  const out = join(tempDir(), "plain.cpio");
  await create({ cwd: src, output: out, sourceDateEpoch: 1700000000 });
  plain = readFileSync(out);
}, 60_000);

describe("cpiox create --compress: every kernel compression", () => {
  it.each(KINDS)("%s: the compressor's own command reads it back to the same cpio; examine --strict passes", async (kind) => {
    const out = join(tempDir(), `img.${kind}`);
    const r = await create({ cwd: src, output: out, compress: kind, sourceDateEpoch: 1700000000 });
    expect(r.members).toEqual([expect.objectContaining({ compress: kind, level: COMPRESSORS[kind].defaultLevel, offset: 0 })]);
    const back = sh(`${DECOMPRESS[kind]} ${out}`);
    expect(back.equals(plain)).toBe(true);
    const ex = run("examine", "--strict", "--json", out);
    expect(ex.stderr).toBe("");
    expect(ex.status).toBe(0);
    const members = (JSON.parse(ex.stdout) as { members: { kind: string; entries: number; container?: Record<string, unknown> }[] }).members;
    expect(members.map((m) => m.kind)).toEqual([kind]);
    if (kind === "xz") expect(sh(`xz -lvv ${out}`).toString()).toMatch(/Check:\s+CRC32/);
    if (kind === "lz4") expect(members[0].container).toMatchObject({ frame: "legacy" });
  }, 120_000);

  it("--level reaches the compressor (and is checked against its range)", async () => {
    const dir = tempDir();
    const sizes: Record<string, number> = {};
    for (const level of [1, 9]) {
      for (const kind of ["gzip", "lzo", "bzip2"] as const) {
        const out = join(dir, `${kind}-${level}`);
        await create({ cwd: src, output: out, compress: kind, level, sourceDateEpoch: 1700000000 });
        expect(sh(`${DECOMPRESS[kind]} ${out}`).equals(plain)).toBe(true);
        sizes[`${kind}-${level}`] = readFileSync(out).length;
      }
    }
    // gzip says its level in the header's XFL byte (2: best, 4: fastest); lzop stores it.
    expect(readFileSync(join(dir, "gzip-9"))[8]).toBe(2);
    expect(readFileSync(join(dir, "gzip-1"))[8]).toBe(4);
    expect(sh(`lzop -l ${join(dir, "lzo-9")}`).toString()).toMatch(/LZO1X-999/);
    expect(sh(`lzop -l ${join(dir, "lzo-1")}`).toString()).toMatch(/LZO1X-1\(15\)/);
    for (const kind of ["gzip", "lzo"]) expect(sizes[`${kind}-9`]).toBeLessThan(sizes[`${kind}-1`]);
    // bzip2's level is its block size: 100 kB at -1, 900 kB at -9 ("BZh1", "BZh9").
    expect(readFileSync(join(dir, "bzip2-1")).subarray(0, 4).toString()).toBe("BZh1");
    expect(readFileSync(join(dir, "bzip2-9")).subarray(0, 4).toString()).toBe("BZh9");
    for (const [kind, level] of [["zstd", 20], ["gzip", 0], ["lz4", 13], ["xz", 10]] as const) {
      await expect(create({ cwd: src, output: join(dir, "x"), compress: kind, level })).rejects.toMatchObject({ code: "CPIOX_BAD_ARGUMENT" });
    }
    await expect(create({ cwd: src, output: join(dir, "x"), level: 3 })).rejects.toMatchObject({ code: "CPIOX_BAD_ARGUMENT" });
    expect(existsSync(join(dir, "x"))).toBe(false);
  }, 120_000);
});

describe("cpiox create: several members", () => {
  let early: string;
  beforeAll(() => {
    early = tempDir("cpiox-cm-early-");
    sh("mkdir -p kernel/x86/microcode && head -c 5000 /dev/urandom > kernel/x86/microcode/GenuineIntel.bin && find . -exec touch -h -d @1600000000 {} +", early);
  });

  it("-C groups: --compress/--level bind to the member they follow, before the first to all; unmkinitramfs unpacks it", () => {
    const dir = tempDir();
    const img = join(dir, "initrd.img");
    const r = run("create", "--compress", "xz", "-C", early, "--compress", "none", "-C", src, "--level", "1", "-o", img);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/in 2 member\(s\) \(none, xz -1\)/);
    const ex = JSON.parse(run("examine", "--strict", "--json", img).stdout) as { members: { kind: string; start: number }[] };
    expect(ex.members.map((m) => m.kind)).toEqual(["cpio", "xz"]);
    expect(ex.members[1].start % 4).toBe(0);
    // initramfs-tools' own reader: early/ (the uncompressed member) and main/.
    const out = join(dir, "un");
    sh(`unmkinitramfs ${img} ${out}`);
    expect(readdirSync(out).sort()).toEqual(["early", "main"]);
    // unmkinitramfs runs cpio without -m: times are not restored, everything else is compared.
    const noTimes = (root: string) => without(snapshot(root), () => ["mtime"]);
    expect(noTimes(join(out, "early"))).toEqual(noTimes(early));
    const { ["."]: _root, ...mainTree } = noTimes(join(out, "main"));
    const { ["."]: _srcRoot, ...srcTree } = noTimes(src);
    expect(mainTree).toEqual(srcTree);
    // The same with cpiox --split.
    const split = join(dir, "split");
    expect(run("extract", img, "--split", "-C", split, "-q").status).toBe(0);
    const { ["."]: _splitRoot, ...splitMain } = snapshot(join(split, "main"));
    const { ["."]: _srcRoot2, ...srcWithTimes } = snapshot(src);
    expect(splitMain).toEqual(srcWithTimes);
    expect(snapshot(join(split, "early"))).toEqual(snapshot(early));
  }, 120_000);

  it("a list file's #cpio sections are members, with their own compression (3cpio's markers)", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "motd"), "hello\n");
    const list = join(dir, "list");
    writeFileSync(list, [
      "# early: microcode, uncompressed",
      "#cpio",
      "dir /kernel 0755 0 0",
      "#cpio: zstd -3",
      "dir /etc 0755 0 0",
      `file /etc/motd ${join(dir, "motd")} 0644 0 0`,
      "#cpio: lz4",
      "slink /etc/l motd 0777 0 0",
      "",
    ].join("\n"));
    const img = join(dir, "img");
    const r = run("create", "--list", list, "-o", img);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/in 3 member\(s\) \(none, zstd -3, lz4 -9\)/);
    const ex = JSON.parse(run("examine", "--strict", "--json", img).stdout) as { members: { kind: string }[] };
    expect(ex.members.map((m) => m.kind)).toEqual(["cpio", "zstd", "lz4"]);
    expect(run("list", img).stdout.split("\n").filter(Boolean)).toEqual(["kernel", "etc", "etc/motd", "etc/l"]);
    writeFileSync(list, "#cpio: zstd -3\ndir /a 0755 0 0\n#cpio: brotli\n");
    expect(run("create", "--list", list, "-o", img).stderr).toMatch(/CPIOX_BAD_ARGUMENT: unknown compression "brotli"/);
    writeFileSync(list, "#cpio zstd\n");
    expect(run("create", "--list", list, "-o", img).stderr).toMatch(/line 1: a section marker is "#cpio"/);
  });

  it("lz4 legacy data in the middle is followed by a zero word, as the kernel needs to reach the next member", async () => {
    const dir = tempDir();
    const img = join(dir, "img");
    const r = await create({ output: img, members: [{ cwd: early, compress: "lz4" }, { cwd: early }] });
    const bytes = readFileSync(img);
    const second = r.members[1].offset;
    expect(second % 4).toBe(0);
    expect(bytes.readUInt32LE(second - 4)).toBe(0);
    expect(bytes.subarray(second, second + 6).toString()).toBe("070701");
    expect(run("examine", "--strict", img).status).toBe(0);
  });

  it("usage errors name the problem", () => {
    const dir = tempDir();
    expect(run("create", "-o", join(dir, "x")).stderr).toMatch(/give -C DIR or --list FILE/);
    expect(run("create", "-C", src, "--compress", "rar", "-o", join(dir, "x")).stderr).toMatch(/--compress must be one of none, gzip, zstd, xz, lzma, lz4, lzo, bzip2/);
    expect(run("create", "-C", src, "--compress", "gzip", "--compress", "xz", "-o", join(dir, "x")).stderr).toMatch(/--compress given twice for one member/);
    expect(run("create", "-C", src, "--compress", "gzip", "--level", "x", "-o", join(dir, "x")).stderr).toMatch(/--level takes a whole number/);
    expect(run("create", "-C", src, "--compress", "gzip", "--level", "12", "-o", join(dir, "x")).stderr).toMatch(/gzip takes a level from 1 to 9, not 12/);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });
});

const qemu = qemuBootable;
if (!qemu) console.warn("create kernel test: qemu-system-x86_64, a /boot/vmlinuz-* or a static busybox missing; skipped");

describe.skipIf(!qemu)("the kernel unpacks what cpiox create writes", () => {
  it("eight members, an uncompressed one and one in each compression: the kernel's tree equals cpiox's", () => {
    const dir = tempDir();
    const kinds: CreateCompression[] = ["none", ...KINDS];
    const args: string[] = [];
    for (const kind of kinds) {
      sh(`mkdir -p m/${kind}/${kind}/d && seq 1 ${20000 + kinds.indexOf(kind) * 1000} > m/${kind}/${kind}/d/seq && echo ${kind} > m/${kind}/${kind}/name && ln -s name m/${kind}/${kind}/l`, dir);
      args.push("-C", join(dir, "m", kind), "--compress", kind);
    }
    const img = join(dir, "img");
    expect(run("create", ...args, "-o", img).status).toBe(0);
    const r = spawnSync(process.execPath, [cli, "bench", img, "--kernel", "qemu", "--no-kvm", "--tools", "none", "--runs", "1", "--json"],
      { encoding: "utf8", timeout: 300_000 });
    const report = JSON.parse(r.stdout) as BenchReport;
    expect(report.parity).toMatchObject({ identical: true });
    // Every member's files are in the kernel's tree.
    expect(report.parity).toHaveProperty("compared", 1 + kinds.length * 5);
  }, 320_000);
});
