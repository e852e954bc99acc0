// `npm run bench:memory`: peak RSS of `cpiox list`, `verify` and `extract` on a 4 GiB image
// (41 files of 100 MiB, 2 000 small ones and an /init), plain and zstd-compressed, to show that
// memory does not grow with the archive (target: 128 MiB each). Extraction goes to tmpfs, so
// the machine needs about 9 GiB free there; CPIOX_BENCH_GIB sets a smaller image.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { encodeEntry, type NewEntry } from "./newc-writer.js";

const GIB = Number(process.env.CPIOX_BENCH_GIB ?? 4);
const BIG_FILE = 100 << 20;
const SMALL_FILES = 2000;
const base = existsSync("/dev/shm") ? "/dev/shm" : "/tmp";
const work = join(base, "cpiox-bench-memory");
const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");

/** Writes the image entry by entry: one 100 MiB buffer of random bytes serves every large file. */
function writeImage(path: string): { bytes: number; entries: number } {
  const fd = openSync(path, "w");
  const put = (e: NewEntry) => { for (const part of encodeEntry(e)) writeSync(fd, part); };
  let ino = 1;
  put({ name: "init", type: "file", perm: 0o755, data: "#!/bin/sh\nexec /bin/sh\n", ino: ino++ });
  put({ name: "small", type: "directory", perm: 0o755, ino: ino++ });
  for (let i = 0; i < SMALL_FILES; i++) put({ name: `small/f${i}`, type: "file", perm: 0o644, data: `file ${i}\n`, ino: ino++ });
  put({ name: "large", type: "directory", perm: 0o755, ino: ino++ });
  const body = randomBytes(BIG_FILE);
  const large = Math.ceil((GIB * 2 ** 30) / BIG_FILE);
  for (let i = 0; i < large; i++) put({ name: `large/f${i}`, type: "file", perm: 0o644, data: body, ino: ino++ });
  put({ name: "TRAILER!!!", type: "trailer", perm: 0, ino: 0 });
  closeSync(fd);
  return { bytes: statSync(path).size, entries: ino - 1 };
}

/** Whole-process time and peak RSS (GNU time's %M) of one command; it must exit 0. */
function measure(command: string): { secs: number; rssMiB: number } {
  const rssFile = join(work, "rss");
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", `/usr/bin/time -f %M -o ${rssFile} ${command}`], { stdio: ["ignore", "ignore", "pipe"] });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${command}: exit ${r.status}: ${r.stderr}`);
  return { secs, rssMiB: Number(readFileSync(rssFile, "latin1").trim().split("\n").pop()) / 1024 };
}

function main() {
  if (!existsSync("/usr/bin/time")) throw new Error("bench:memory needs GNU time (/usr/bin/time, Debian package `time`)");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const plain = join(work, "image.cpio");
  const { bytes, entries } = writeImage(plain);
  spawnSync("bash", ["-c", `zstd -q -1 -T2 < ${plain} > ${plain}.zst`]);
  console.log(`image: ${(bytes / 2 ** 30).toFixed(2)} GiB of cpio data, ${entries} entries; peak RSS by GNU time, one run each; target 128 MiB\n`);
  console.log("| image | command | seconds | peak RSS |\n|---|---|---:|---:|");
  const root = join(work, "root");
  for (const [label, image] of [["plain", plain], ["zstd", `${plain}.zst`]]) {
    for (const [name, args] of [["list -q", `list -q ${image}`], ["verify -q", `verify -q ${image}`], ["extract -q", `extract -q ${image} -C ${root}`]]) {
      rmSync(root, { recursive: true, force: true });
      const { secs, rssMiB } = measure(`${process.execPath} ${cli} ${args}`);
      console.log(`| ${label} | \`cpiox ${name}\` | ${secs.toFixed(2)} | ${rssMiB.toFixed(0)} MiB |`);
    }
  }
  rmSync(work, { recursive: true, force: true });
}

main();
