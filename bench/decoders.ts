// `npm run bench:decoders`: for each kernel compression, `cpiox list` (decode + parse, no writes)
// against the system decompressor alone (`tool -dc > /dev/null`) on the same image, in one
// script; MB/s of uncompressed output and the ratio. Then peak RSS of `cpiox list` on a small
// and on a >2 GiB image, to show memory does not grow with the archive.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const RUNS = Number(process.env.CPIOX_BENCH_RUNS ?? 3);
const TREE = process.env.CPIOX_BENCH_TREE ?? "/usr/bin"; // real binaries
const base = existsSync("/dev/shm") ? "/dev/shm" : "/tmp";
const work = process.env.CPIOX_BENCH_DIR ?? join(base, "cpiox-bench-decoders");
const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");

// The compressors as mkinitramfs runs them (initramfs-tools 0.142), and each tool's decoder.
const FORMATS: Array<[string, string, string]> = [
  ["gzip", "gzip -n -6", "gzip -dc"],
  ["bzip2", "bzip2 -9", "bzip2 -dc"],
  ["lzma", "lzma -6", "lzma -dc"],
  ["xz", "xz -6 --check=crc32 -T2", "xz -dc"],
  ["lzo", "lzop -3", "lzop -dc"],
  ["lz4", "lz4 -9 -l", "lz4 -dc"],
  ["zstd", "zstd -q -9", "zstd -dc"],
];

function bash(script: string): { secs: number; rssKiB: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", `/usr/bin/time -f %M -o ${work}/rss ${script}`], { stdio: ["ignore", "ignore", "pipe"] });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  const rss = Number(spawnSync("cat", [`${work}/rss`]).stdout.toString().trim().split("\n").pop());
  return { secs, rssKiB: rss };
}

function median(script: string): { secs: number; rssKiB: number } {
  const runs = Array.from({ length: RUNS }, () => bash(script)).sort((a, b) => a.secs - b.secs);
  return runs[Math.floor(runs.length / 2)];
}

function prepare(): number {
  mkdirSync(work, { recursive: true });
  const plain = join(work, "image.cpio");
  if (!existsSync(plain)) {
    const dir = TREE.replace(/\/[^/]*$/, "") || "/";
    const name = TREE.split("/").pop();
    spawnSync("bash", ["-c", `cd ${dir} && find ${name} | LC_ALL=C sort | cpio --quiet -o -H newc > ${plain}`]);
  }
  for (const [fmt, compress] of FORMATS) {
    const out = join(work, `image.${fmt}`);
    if (!existsSync(out)) spawnSync("bash", ["-c", `${compress} < ${plain} > ${out}`]);
  }
  return statSync(plain).size;
}

function bigImage(): { path: string; bytes: number } {
  // More than 2 GiB of cpio data: the real image repeated as concatenated archives, zstd.
  const path = join(work, "big.cpio.zst");
  const plain = join(work, "image.cpio");
  const copies = Math.ceil((2.2 * 2 ** 30) / statSync(plain).size);
  if (!existsSync(path)) {
    spawnSync("bash", ["-c", `for i in $(seq ${copies}); do cat ${plain}; done | zstd -q -3 -T2 > ${path}`]);
  }
  return { path, bytes: copies * statSync(plain).size };
}

function main() {
  const bytes = prepare();
  const mb = bytes / 1e6;
  console.log(`image: cpio of ${TREE}, ${mb.toFixed(0)} MB uncompressed; median of ${RUNS} runs\n`);
  console.log("| format | compressed MB | cpiox list MB/s | system tool | tool MB/s | cpiox time ÷ tool time | cpiox peak RSS |");
  console.log("|---|---:|---:|---|---:|---:|---:|");
  for (const [fmt, , decompress] of FORMATS) {
    const file = join(work, `image.${fmt}`);
    const cpiox = median(`node ${cli} list -q ${file}`);
    const tool = median(`${decompress} ${file} > /dev/null`);
    console.log(`| ${fmt} | ${(statSync(file).size / 1e6).toFixed(0)} | ${(mb / cpiox.secs).toFixed(0)} | \`${decompress}\` | ${(mb / tool.secs).toFixed(0)} | ${(cpiox.secs / tool.secs).toFixed(2)}x | ${(cpiox.rssKiB / 1024).toFixed(0)} MiB |`);
  }
  const big = bigImage();
  const small = median(`node ${cli} list -q ${join(work, "image.zstd")}`);
  const large = median(`node ${cli} list -q ${big.path}`);
  console.log(`\npeak RSS of cpiox list: ${(small.rssKiB / 1024).toFixed(0)} MiB on ${(bytes / 2 ** 20).toFixed(0)} MiB of cpio data (zstd), ` +
    `${(large.rssKiB / 1024).toFixed(0)} MiB on ${(big.bytes / 2 ** 30).toFixed(2)} GiB (zstd, ${(big.bytes / 1e6 / large.secs).toFixed(0)} MB/s)`);
  if (!process.env.CPIOX_BENCH_DIR) rmSync(work, { recursive: true, force: true });
}

main();
