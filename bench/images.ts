// `npm run bench:images`: extraction of real mkinitramfs images, plain and in every kernel
// compression, by cpiox, bsdtar, busybox cpio and GNU cpio (each fed by the system decompressor
// when it cannot read the format itself), and by the kernel itself (populate_rootfs under
// user-mode-linux, when `linux` is on the PATH), side by side in one script: whole process,
// tmpfs target, runs interleaved, medians, ratios.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const RUNS = Number(process.env.CPIOX_BENCH_RUNS ?? 5);
const base = existsSync("/dev/shm") ? "/dev/shm" : "/tmp";
const work = mkdtempSync(join(base, "cpiox-images-"));
const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");

/** Compression -> mkinitramfs -c name, the system decompressor. */
const FORMATS: Record<string, { mk: string; decompress: string | null }> = {
  plain: { mk: "none", decompress: null },
  gzip: { mk: "gzip", decompress: "gzip -dc" },
  zstd: { mk: "zstd", decompress: "zstd -dc" },
  lz4: { mk: "lz4", decompress: "lz4 -dc" },
  xz: { mk: "xz", decompress: "xz -dc" },
  lzo: { mk: "lzop", decompress: "lzop -dc" },
  bzip2: { mk: "bzip2", decompress: "bzip2 -dc" },
  lzma: { mk: "lzma", decompress: "lzma -dc" },
};
/** What the Debian user-mode-linux kernel can unpack (it lacks lzo, bzip2 and lzma). */
const UML_READS = new Set(["plain", "gzip", "zstd", "lz4", "xz"]);

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
  for (const [format, { mk }] of Object.entries(FORMATS)) {
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

interface Tool {
  name: string;
  /** A shell command run in the (empty) target directory, or null when the tool cannot read it. */
  command(format: string, img: string): string | null;
}

const TOOLS: Tool[] = [
  { name: "cpiox", command: (_f, img) => `${process.execPath} ${cli} extract -q ${img} -C .` },
  { name: "bsdtar", command: (f, img) => (has("bsdtar") ? `bsdtar -xpf ${img}` : null) },
  { name: "busybox cpio", command: (f, img) => (has("busybox") ? `${FORMATS[f].decompress ? `${FORMATS[f].decompress} < ${img}` : `cat ${img}`} | busybox cpio -idm 2>/dev/null` : null) },
  { name: "GNU cpio", command: (f, img) => (has("cpio") ? `${FORMATS[f].decompress ? `${FORMATS[f].decompress} < ${img} |` : ""} cpio -idmu --quiet --no-absolute-filenames${FORMATS[f].decompress ? "" : ` < ${img}`}` : null) },
];

function timeShell(command: string, root: string): number {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", command], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${command}: exit ${r.status}: ${r.stderr}`);
  return secs;
}

/** The kernel's own measurement of populate_rootfs under user-mode-linux, in seconds. */
function kernelSeconds(img: string, uncompressed: number): number {
  // No /init is needed: populate_rootfs reports before the kernel looks for one; the panic that
  // follows ends the UML process.
  const mem = Math.ceil((uncompressed * 3) / 2 ** 20) + 256;
  // The console goes to a file: UML drops console output that a full pipe refuses.
  const log = join(work, "uml.log");
  spawnSync("bash", ["-c", `exec linux mem=${mem}M initrd=${img} rdinit=/cpiox-bench-none init=/cpiox-bench-none ` +
    `initcall_debug initramfs_async=0 log_buf_len=16M ignore_loglevel < /dev/null > ${log} 2>&1`], { stdio: "ignore", timeout: 120_000, cwd: work });
  const text = readFileSync(log, "latin1");
  const m = /initcall populate_rootfs\+\S+ returned (-?\d+) after (\d+) usecs/.exec(text);
  if (!m) throw new Error(`user-mode-linux printed no populate_rootfs time for ${img}`);
  if (m[1] !== "0") throw new Error(`populate_rootfs returned ${m[1]} for ${img}`);
  return Number(m[2]) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (s: number | undefined) => (s === undefined ? "n/a" : `${s.toFixed(3)} s`);

function main() {
  const { version, real } = kernelVersion();
  console.log(`building mkinitramfs images for ${version}${real ? "" : " (no kernel modules installed: a small image)"} ...`);
  const images = buildImages(version);
  const uncompressed = statSync(images.plain).size;
  const entries = Number(execFileSync("bash", ["-c", `cpio -it --quiet < ${images.plain} | wc -l`]).toString().trim());
  const uml = has("linux");
  console.log(`image: ${(uncompressed / 1e6).toFixed(1)} MB uncompressed, ${entries} entries; target on ${base}; median of ${RUNS} runs, interleaved`);
  if (!uml) console.log("kernel column: `linux` (Debian's user-mode-linux) is not on the PATH, so the kernel's own time is not measured");
  const root = join(work, "root");
  const rows: string[] = [];
  for (const format of Object.keys(FORMATS)) {
    const img = images[format];
    const times = new Map<string, number[]>();
    for (let run = 0; run < RUNS; run++) {
      for (const tool of TOOLS) {
        const command = tool.command(format, img);
        if (command === null) continue;
        const list = times.get(tool.name) ?? [];
        list.push(timeShell(command, root));
        times.set(tool.name, list);
      }
      if (uml && UML_READS.has(format)) {
        const list = times.get("kernel") ?? [];
        list.push(kernelSeconds(img, uncompressed));
        times.set("kernel", list);
      }
    }
    const m = (name: string) => (times.has(name) ? median(times.get(name)!) : undefined);
    const cpiox = m("cpiox")!;
    const ratio = (peer: number | undefined) => (peer === undefined ? "n/a" : `${(peer / cpiox).toFixed(2)}x`);
    const kernelNote = uml ? (UML_READS.has(format) ? fmt(m("kernel")) : "not in the UML kernel") : "no UML";
    rows.push(`| ${format} | ${(statSync(img).size / 1e6).toFixed(1)} MB | ${fmt(cpiox)} | ${fmt(m("bsdtar"))} | ${fmt(m("busybox cpio"))} | ${fmt(m("GNU cpio"))} | ${kernelNote} | ${ratio(m("bsdtar"))} | ${UML_READS.has(format) && uml ? ratio(m("kernel")) : "n/a"} |`);
    console.log(rows[rows.length - 1]);
  }
  console.log("\n| format | image | cpiox | bsdtar -xpf | busybox cpio -idm | GNU cpio -idmu | kernel populate_rootfs | cpiox speed vs bsdtar | cpiox speed vs kernel |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
  console.log("\nbusybox and GNU cpio read the decompressor's output through a pipe; the kernel column is its own populate_rootfs time (initcall_debug).");
  console.log(`${execFileSync("bsdtar", ["--version"]).toString().trim()}; ${execFileSync("cpio", ["--version"]).toString().split("\n")[0]}; node ${process.version}${uml ? `; user-mode-linux ${execFileSync("linux", ["--version"]).toString().trim()}` : ""}`);
}

try {
  main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
