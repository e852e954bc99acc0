// `npm run bench:images`: extraction of real mkinitramfs images, plain and in every kernel
// compression, by cpiox, bsdtar, busybox cpio and GNU cpio (each fed by the system decompressor
// when it cannot read the format itself), and by the kernel itself (populate_rootfs under
// user-mode-linux, when `linux` is on the PATH): `cpiox bench` per image (whole process, tmpfs
// target, runs interleaved, medians), and its tree comparison with the kernel's after one boot
// under qemu where qemu is installed.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchReport } from "../src/bench/index.js";
import { findStaticBusybox } from "../src/bench/helper.js";

const RUNS = Number(process.env.CPIOX_BENCH_RUNS ?? 5);
const base = existsSync("/dev/shm") ? "/dev/shm" : "/tmp";
const work = mkdtempSync(join(base, "cpiox-images-"));
const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");

/** Compression -> mkinitramfs's -c name. */
const FORMATS: Record<string, string> = {
  plain: "none", gzip: "gzip", zstd: "zstd", lz4: "lz4", xz: "xz", lzo: "lzop", bzip2: "bzip2", lzma: "lzma",
};

const installed = new Map<string, boolean>();
/** Whether a command is on the PATH (asked once per command, not per run). */
const has = (cmd: string) => {
  if (!installed.has(cmd)) installed.set(cmd, spawnSync("bash", ["-c", `command -v ${cmd}`]).status === 0);
  return installed.get(cmd)!;
};

/** The newest kernel whose modules are installed, so the image is what a real system boots. */
function kernelVersion(): { version: string; real: boolean } {
  const real = existsSync("/lib/modules")
    ? readdirSync("/lib/modules").filter((v) => existsSync(join("/lib/modules", v, "kernel"))).sort()
    : [];
  if (real.length) return { version: real[real.length - 1], real: true };
  // No kernel modules: the placeholder version the tests use (a small image, still real tools).
  const version = "0.0.0-cpiox";
  mkdirSync(`/lib/modules/${version}`, { recursive: true });
  for (const f of ["modules.builtin", "modules.order", "modules.builtin.modinfo"]) writeFileSync(`/lib/modules/${version}/${f}`, "");
  writeFileSync(`/boot/config-${version}`, "CONFIG_BLK_DEV_INITRD=y\nCONFIG_RD_GZIP=y\nCONFIG_RD_ZSTD=y\nCONFIG_RD_XZ=y\nCONFIG_RD_LZ4=y\nCONFIG_RD_LZO=y\nCONFIG_RD_BZIP2=y\nCONFIG_RD_LZMA=y\n");
  return { version, real: false };
}

function buildImages(version: string): Record<string, string> {
  const out: Record<string, string> = {};
  const jobs: string[] = [];
  for (const [format, mk] of Object.entries(FORMATS)) {
    if (format === "plain") continue;
    out[format] = join(work, `initrd-${format}.img`);
    jobs.push(`mkinitramfs -c ${mk} -o ${out[format]} ${version} 2>/dev/null & `);
  }
  // All at once: mkinitramfs spends most of its time copying and waiting, not compressing. No
  // SOURCE_DATE_EPOCH: with it mkinitramfs writes xz as one block (no threads), which is not
  // what update-initramfs gives a system (xz -T0: independent blocks).
  const env = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  execFileSync("bash", ["-c", `${jobs.join("")} wait`], { stdio: "ignore", env });
  for (const img of Object.values(out)) if (!existsSync(img)) throw new Error(`mkinitramfs did not write ${img}`);
  out.plain = join(work, "initrd-plain.img");
  execFileSync("bash", ["-c", `gzip -dc ${out.gzip} > ${out.plain}`]);
  return out;
}

/** `cpiox bench` on one image, as JSON. */
function cpioxBench(img: string, args: string[]): BenchReport {
  const r = spawnSync(process.execPath, [cli, "bench", img, "--json", ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status === 2 || !r.stdout) throw new Error(`cpiox bench ${img}: ${r.stderr}`);
  return JSON.parse(r.stdout) as BenchReport;
}

const fmt = (s: number | undefined) => (s === undefined ? "n/a" : `${s.toFixed(3)} s`);

function main() {
  const { version, real } = kernelVersion();
  console.log(`building mkinitramfs images for ${version}${real ? "" : " (no kernel modules installed: a small image)"} ...`);
  const images = buildImages(version);
  const uncompressed = statSync(images.plain).size;
  const entries = Number(execFileSync("bash", ["-c", `cpio -it --quiet < ${images.plain} | wc -l`]).toString().trim());
  // Booting needs a static busybox for cpiox bench's helper /init.
  const busybox = (() => {
    try {
      return findStaticBusybox();
    } catch {
      return null;
    }
  })();
  if (!busybox) console.log("kernel column and trees: no statically linked busybox ($CPIOX_BUSYBOX or busybox-static), so the kernel is not booted");
  const uml = has("linux") && busybox !== null;
  // The kernel's tree, for parity: qemu reads it (user-mode-linux cannot run the helper on
  // every host); one emulated run is enough for the tree.
  const qemu = has("qemu-system-x86_64") && busybox !== null;
  let noKvm = false;
  console.log(`image: ${(uncompressed / 1e6).toFixed(1)} MB uncompressed, ${entries} entries; target on ${base}; median of ${RUNS} runs, interleaved (cpiox bench)`);
  if (!has("linux")) console.log("kernel column: `linux` (Debian's user-mode-linux) is not on the PATH, so the kernel's own time is not measured");
  const rows: string[] = [];
  let umlVersion = "";
  for (const format of Object.keys(FORMATS)) {
    const img = images[format];
    const r = cpioxBench(img, ["--kernel", uml ? "uml" : "none", "--runs", String(RUNS)]);
    const m = (tool: string) => r.tools.find((t) => t.tool === tool)?.median;
    const cpiox = m("cpiox")!;
    const kernel = r.kernel.timing?.median;
    umlVersion = r.kernel.version ?? umlVersion;
    const ratio = (peer: number | undefined) => (peer === undefined ? "n/a" : `${(peer / cpiox).toFixed(2)}x`);
    const kernelCell = kernel !== undefined ? fmt(kernel) : !uml ? (has("linux") ? "not booted: no static busybox" : "no user-mode-linux") : r.kernel.reason ?? r.kernel.error ?? "n/a";
    let tree = has("qemu-system-x86_64") ? "not compared: no static busybox" : "not compared: no qemu";
    if (qemu) {
      const q = cpioxBench(img, ["--kernel", "qemu", "--runs", "1", "--tools", "none", ...(noKvm ? ["--no-kvm"] : [])]);
      if (q.kernel.note?.includes("KVM")) noKvm = true;
      tree = "identical" in q.parity ? (q.parity.identical ? `identical (${q.parity.compared} paths)` : `${q.parity.differences.length} paths differ`) : q.parity.reason;
    }
    rows.push(`| ${format} | ${(statSync(img).size / 1e6).toFixed(1)} MB | ${fmt(cpiox)} | ${fmt(m("bsdtar"))} | ${fmt(m("busybox cpio"))} | ${fmt(m("GNU cpio"))} | ${kernelCell} | ${ratio(m("bsdtar"))} | ${ratio(kernel)} | ${tree} |`);
    console.log(rows[rows.length - 1]);
  }
  console.log("\n| format | image | cpiox | bsdtar -xpf | busybox cpio -idm | GNU cpio -idmu | kernel populate_rootfs | cpiox speed vs bsdtar | cpiox speed vs kernel | cpiox's tree vs the kernel's |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const row of rows) console.log(row);
  console.log("\nbusybox and GNU cpio read the decompressor's output through a pipe; the kernel column is its own populate_rootfs time (initcall_debug) under user-mode-linux; the trees were compared after one boot under qemu.");
  console.log(`${execFileSync("bsdtar", ["--version"]).toString().trim()}; ${execFileSync("cpio", ["--version"]).toString().split("\n")[0]}; node ${process.version}${uml ? `; user-mode-linux ${umlVersion}` : ""}`);
}

try {
  main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
