// `cpiox bench` against the real kernel: qemu boots Debian's kernel (emulated where KVM is not
// usable) on hand-built images of the kernel's edge cases, and cpiox's tree must come out
// identical to the kernel's; user-mode-linux gives populate_rootfs's time. Runs where the tools
// are installed (.ci/run installs qemu-system-x86, user-mode-linux, a kernel image and a static
// busybox); elsewhere it says so and skips.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { BenchReport } from "../../src/bench/index.js";
import { installed, qemuBootable, staticBusybox } from "../helpers/installed.js";
import { archive } from "../helpers/newc.js";
import { tempDir } from "../helpers/tmp.js";

const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");
const busybox = staticBusybox;
const qemu = qemuBootable;
const uml = installed("linux") && busybox !== null;
if (!qemu || !uml) {
  console.warn(`cpiox bench kernel tests: ${qemu ? "" : "qemu (qemu-system-x86_64, a /boot/vmlinuz-*, a static busybox) missing; "}${uml ? "" : "user-mode-linux missing"}`);
}

function bench(image: string, ...args: string[]): { report: BenchReport; status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [cli, "bench", image, "--json", "--runs", "1", ...args], { encoding: "utf8", timeout: 300_000 });
  if (r.status === 2) throw new Error(r.stderr);
  return { report: JSON.parse(r.stdout) as BenchReport, status: r.status, stderr: r.stderr };
}

/** The kernel's edge cases (its kunit list), each in its own member where it needs one. */
function edgeCases(): Buffer {
  const pad4 = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  const early = archive([
    { name: ".", mode: 0o40755, mtime: 1_500_000_000 },
    { name: "etc", mode: 0o40755, mtime: 1_500_000_001 },
    // Type changes: a file replaced by a directory, a directory by a file, a symlink by a file.
    { name: "etc/x", data: "file first", mtime: 1_500_000_002 },
    { name: "etc/x", mode: 0o40700, mtime: 1_500_000_003 },
    { name: "etc/y", mode: 0o40755, mtime: 1_500_000_004 },
    { name: "etc/y", data: "a file now", mtime: 1_500_000_005 },
    { name: "etc/z", mode: 0o120777, data: "somewhere", mtime: 1_500_000_006 },
    { name: "etc/z", data: "replaced the symlink", mode: 0o100600, mtime: 1_500_000_007 },
    // Hard links: two names for one inode in this archive ...
    { name: "etc/h1", ino: 77, nlink: 2, data: "linked data", mtime: 1_500_000_008 },
    { name: "etc/h2", ino: 77, nlink: 2, mtime: 1_500_000_008 },
    // Data on a non-regular entry (the kernel skips it), a fifo, setuid bits.
    { name: "etc/dir-with-data", mode: 0o40755, data: "junk", mtime: 1_500_000_009 },
    { name: "etc/fifo", mode: 0o10644, mtime: 1_500_000_010 },
    { name: "etc/suid", mode: 0o104755, data: "#!/bin/sh\n", mtime: 1_500_000_011 },
    // A name longer than PATH_MAX (skipped) and an entry whose parents are missing (skipped).
    { name: `etc/${"n".repeat(4100)}`, data: "too long", mtime: 1_500_000_012 },
    { name: "no/such/parent/file", data: "orphan", mtime: 1_500_000_013 },
  ]);
  // ... and the same inode number after a trailer is a new file: the link table was reset.
  const main = gzipSync(archive([
    { name: "etc/h3", ino: 77, nlink: 2, data: "not linked to h1", mtime: 1_500_000_014 },
    { name: "bin", mode: 0o40755, mtime: 1_500_000_015 },
    { name: "bin/sh", mode: 0o120777, data: "busybox", mtime: 1_500_000_016 },
  ]));
  // An entry after the compressed member (a plain archive, 4-aligned).
  const late = archive([{ name: "etc/late", data: "after the compressed member", mtime: 1_500_000_017 }]);
  return Buffer.concat([early, pad4(main), late]);
}

describe.skipIf(!qemu)("cpiox bench --kernel qemu", () => {
  it("the kernel's edge cases: cpiox's tree is identical to the kernel's, field by field", () => {
    const img = join(tempDir(), "edges.img");
    writeFileSync(img, edgeCases());
    const svg = join(tempDir(), "chart.svg");
    const { report, status } = bench(img, "--kernel", "qemu", "--no-kvm", "--tools", "bsdtar,busybox", "--chart", svg);
    expect(report.schema).toBe("cpiox-bench/1");
    expect(report.kernel).toMatchObject({ mode: "qemu", emulated: true });
    expect(report.kernel.version).toMatch(/^\d+\.\d+/);
    expect(report.kernel.timing!.median).toBeGreaterThan(0);
    expect(report.parity).toMatchObject({ identical: true, differences: [] });
    // 13 paths: the entry with data on a directory, the long name and the orphan are skipped by both.
    expect((report.parity as { compared: number }).compared).toBe(13);
    expect(status).toBe(0);
    // bsdtar stops after the first member: its tree lacks what the later members hold.
    const bsdtar = report.tools.find((t) => t.tool === "bsdtar")!;
    expect(bsdtar.treeEqualsKernel).toBe(false);
    expect(bsdtar.differences!.filter((d) => d.kind === "missing").map((d) => d.path)).toEqual(expect.arrayContaining(["bin", "bin/sh", "etc/h3", "etc/late"]));
    expect(bsdtar).toMatchObject({ readEveryMember: false, membersMissed: [1, 2] });
    expect(report.tools.find((t) => t.tool === "cpiox")).toMatchObject({ treeEqualsKernel: true, readEveryMember: true });
    // The chart: one bar per timed tool and the kernel, each with its numbers.
    const text = readFileSync(svg, "utf8");
    const bars = [...text.matchAll(/<g class="bar" data-tool="([^"]+)" data-median="([\d.e-]+)" data-min="([\d.e-]+)" data-max="([\d.e-]+)">/g)];
    expect(bars.map((b) => b[1])).toEqual(["kernel (emulated)", "cpiox", "bsdtar", "busybox cpio"]);
    for (const b of bars) expect(Number(b[3]) <= Number(b[2]) && Number(b[2]) <= Number(b[4])).toBe(true);
    expect(wellFormed(text)).toBe(true);
  }, 300_000);

  it("a peer whose tree differs from the kernel's is reported path by path and field by field", () => {
    // A real image made by GNU cpio, checked against the kernel; then the same comparison
    // through the text report, where busybox cpio does not restore directory times.
    const dir = tempDir();
    execFileSync("bash", ["-c", "mkdir -p t/a/b && echo x > t/a/b/f && touch -d @1600000000 t/a/b/f t/a/b t/a t && cd t && find . | cpio --quiet -o -H newc > ../img.cpio"], { cwd: dir });
    // The image by a relative path: the tools run elsewhere, so it must be resolved first.
    const r = spawnSync(process.execPath, [cli, "bench", "img.cpio", "--kernel", "qemu", "--no-kvm", "--runs", "1", "--tools", "busybox"], { encoding: "utf8", timeout: 300_000, cwd: dir });
    expect(r.status).toBe(0); // cpiox's tree is the kernel's
    expect(r.stdout).toMatch(/parity: identical/);
    expect(r.stdout).toMatch(/busybox cpio: tree differs from the kernel's \(mtime 2\):\n {2}a: mtime kernel 1600000000, here \d+\n {2}a\/b: mtime kernel 1600000000, here \d+\n/);
  }, 300_000);
});

describe.skipIf(!uml)("cpiox bench --kernel uml", () => {
  it("reports populate_rootfs's own time, and the tree or why it could not be read", () => {
    const img = join(tempDir(), "edges.img");
    writeFileSync(img, edgeCases());
    const { report } = bench(img, "--kernel", "uml", "--tools", "none");
    expect(report.kernel).toMatchObject({ mode: "uml", emulated: false });
    expect(report.kernel.timing!.median).toBeGreaterThan(0);
    // Where UML can run processes its tree is compared; where it cannot, the report says why.
    if ("identical" in report.parity) expect(report.parity.identical).toBe(true);
    else expect(report.kernel.treeMissing).toMatch(/ptrace/);
  }, 300_000);
});

describe("cpiox bench without booting", () => {
  it("--kernel none times cpiox alone and judges no parity", () => {
    const img = join(tempDir(), "edges.img");
    writeFileSync(img, edgeCases());
    const { report, status } = bench(img, "--kernel", "none", "--tools", "none");
    expect(report.kernel).toEqual({ mode: "none", reason: "not asked for (--kernel none)" });
    expect(report.parity).toEqual({ compared: false, reason: "not asked for (--kernel none)" });
    expect(report.tools.map((t) => [t.tool, t.runs!.length, t.treeEqualsKernel])).toEqual([["cpiox", 1, null]]);
    expect(status).toBe(0);
  });

  it.skipIf(!qemu && !uml)("a compression no kernel reads (lz4 frame format) is the kernel's limit, not the image's fault", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "img.cpio"), archive([{ name: "f", data: "x" }]));
    execFileSync("bash", ["-c", "lz4 -q -c img.cpio > img.lz4"], { cwd: dir });
    const { report } = bench(join(dir, "img.lz4"), "--kernel", uml ? "uml" : "qemu", "--tools", "none");
    expect(report.kernel.unsupported).toEqual(["lz4-frame"]);
    expect(report.kernel.reason).toMatch(/lz4 frame format \(no kernel reads it\)/);
    expect(report.parity).toMatchObject({ compared: false });
  });

  it("bad arguments are usage errors", () => {
    for (const args of [["--kernel", "vmware"], ["--runs", "0"], ["--tools", "tar"]]) {
      const r = spawnSync(process.execPath, [cli, "bench", cli, ...args], { encoding: "utf8" });
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/CPIOX_BAD_ARGUMENT/);
    }
  });
});

/** Every tag closed in order, attributes quoted: enough to say an SVG parses as XML. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (m[4]) continue;
    if (!m[1]) stack.push(m[2]);
    else if (stack.pop() !== m[2]) return false;
  }
  const stray = xml.replace(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, "").replace(/<\?xml[^>]*>/, "");
  return stack.length === 0 && !/[<>]/.test(stray);
}
