// `npm run bench:create`: `cpiox create` of a real initramfs tree in every compression, against
// what mkinitramfs runs for the same job (GNU cpio piped into the compressor with mkinitramfs's
// own flags), interleaved, medians of CPIOX_BENCH_RUNS (default 3); sizes and peak RSS (GNU
// time) beside them. The tree is that of a fresh `mkinitramfs` image of the newest installed
// kernel; CPIOX_BENCH_TREE names another directory.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const RUNS = Number(process.env.CPIOX_BENCH_RUNS ?? 3);
const base = existsSync("/dev/shm") ? "/dev/shm" : "/tmp";
const work = join(base, "cpiox-bench-create");
const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");

/** The command mkinitramfs (initramfs-tools 0.142) pipes the cpio into, at its default levels. */
const PEERS: Record<string, string> = {
  gzip: "gzip -n", zstd: "zstd -q -9 -T0", xz: "xz --check=crc32 --threads=0", lzma: "lzma", lz4: "lz4 -9 -l", lzo: "lzop", bzip2: "bzip2",
};

function sh(command: string): void {
  const r = spawnSync("bash", ["-o", "pipefail", "-c", command], { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`${command}: exit ${r.status}: ${r.stderr}`);
}

/** Whole-process time and peak RSS (GNU time's %M, the largest process of a pipeline) of one command. */
function measure(command: string): { secs: number; rssMiB: number } {
  const rssFile = join(work, "rss");
  const t0 = process.hrtime.bigint();
  sh(`/usr/bin/time -f %M -o ${rssFile} bash -o pipefail -c '${command}'`);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { secs, rssMiB: Number(readFileSync(rssFile, "latin1").trim().split("\n").pop()) / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function tree(): string {
  if (process.env.CPIOX_BENCH_TREE) return process.env.CPIOX_BENCH_TREE;
  const versions = existsSync("/lib/modules") ? readdirSync("/lib/modules").sort() : [];
  const version = versions[versions.length - 1];
  if (!version || spawnSync("bash", ["-c", "command -v mkinitramfs"]).status !== 0) {
    throw new Error("bench:create needs mkinitramfs and an installed kernel, or CPIOX_BENCH_TREE=DIR");
  }
  const img = join(work, "initrd.img"), dir = join(work, "tree");
  sh(`mkinitramfs -o ${img} ${version} 2>/dev/null`);
  sh(`${process.execPath} ${cli} extract -q ${img} -C ${dir}`);
  return dir;
}

function main() {
  if (!existsSync("/usr/bin/time")) throw new Error("bench:create needs GNU time (/usr/bin/time, Debian package `time`)");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const dir = tree();
  const list = join(work, "files");
  sh(`cd ${dir} && find . | LC_ALL=C sort > ${list}`);
  const plain = join(work, "plain.cpio");
  sh(`${process.execPath} ${cli} create -q -C ${dir} -o ${plain}`);
  console.log(`tree: ${dir}, ${readFileSync(list, "latin1").split("\n").length - 1} paths, ${(statSync(plain).size / 2 ** 20).toFixed(1)} MiB of cpio; ` +
    `${RUNS} run(s) each, interleaved, medians; peer: GNU cpio | the compressor, as mkinitramfs runs it\n`);
  console.log("| compression | cpiox create | size | peak RSS | cpio \\| compressor | size | peak RSS | speed vs peer |\n|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const [kind, peer] of Object.entries(PEERS)) {
    const ours = join(work, `cpiox.${kind}`), theirs = join(work, `peer.${kind}`);
    const a: { secs: number; rssMiB: number }[] = [], b: typeof a = [];
    for (let i = 0; i < RUNS; i++) {
      a.push(measure(`${process.execPath} ${cli} create -q -C ${dir} --compress ${kind} -o ${ours}`));
      b.push(measure(`cd ${dir} && cpio --quiet -o -H newc < ${list} | ${peer} > ${theirs}`));
    }
    const [ta, tb] = [median(a.map((x) => x.secs)), median(b.map((x) => x.secs))];
    const mib = (f: string) => `${(statSync(f).size / 2 ** 20).toFixed(1)} MiB`;
    console.log(`| ${kind} | ${ta.toFixed(2)} s | ${mib(ours)} | ${Math.max(...a.map((x) => x.rssMiB)).toFixed(0)} MiB | ` +
      `${tb.toFixed(2)} s | ${mib(theirs)} | ${Math.max(...b.map((x) => x.rssMiB)).toFixed(0)} MiB | ${(tb / ta).toFixed(2)}x |`);
    rmSync(ours, { force: true });
    rmSync(theirs, { force: true });
  }
  rmSync(work, { recursive: true, force: true });
}

main();
