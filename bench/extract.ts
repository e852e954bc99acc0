// `npm run bench`: extraction throughput of cpiox against bsdtar and GNU cpio on the same
// generated ~1 GiB initramfs (plain and gzip), on tmpfs, in one script. Reports MB/s and ratios.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import { createReadStream } from "node:fs";
import { encodeEntry, type NewEntry } from "./newc-writer.js";

const SCALE = Number(process.env.CPIOX_BENCH_SCALE ?? 1); // 1 = about 1 GiB
const RUNS = Number(process.env.CPIOX_BENCH_RUNS ?? 3);
const base = existsSync("/dev/shm") ? "/dev/shm" : "/tmp";
const work = mkdtempSync(join(base, "cpiox-bench-"));
const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");

// Looks like binaries: half random, half repetitive, so gzip gets a realistic ~2:1.
function content(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  randomBytes(size >> 1).copy(b);
  for (let i = size >> 1; i < size; i++) b[i] = 0x20 + (i % 61);
  return b;
}

async function generate(path: string): Promise<{ bytes: number; entries: number }> {
  const out = createWriteStream(path, { highWaterMark: 4 << 20 });
  let ino = 1, bytes = 0, entries = 0;
  const write = async (e: NewEntry) => {
    for (const part of encodeEntry(e)) {
      bytes += part.length;
      if (!out.write(part)) await once(out, "drain");
    }
    entries++;
  };
  const dirs = Math.round(400 * SCALE), small = Math.round(40000 * SCALE), big = Math.round(100 * SCALE);
  for (const top of ["usr", "usr/lib"]) await write({ name: top, type: "directory", perm: 0o755, ino: ino++, nlink: 2 });
  for (let d = 0; d < dirs; d++) await write({ name: `usr/lib/d${d}`, type: "directory", perm: 0o755, ino: ino++, nlink: 2 });
  for (let i = 0; i < small; i++) {
    const name = `usr/lib/d${i % dirs}/f${i}.so`;
    const size = 1024 + ((i * 7919) % (15 * 1024));
    const linked = i % 20 === 0;
    const id = ino++;
    // Hard links as GNU cpio writes them: the data on the last instance.
    if (linked) await write({ name: `${name}.link`, type: "file", perm: 0o644, ino: id, nlink: 2, mtime: 1700000000 });
    await write({ name, type: "file", perm: 0o644, ino: id, nlink: linked ? 2 : 1, data: content(size), mtime: 1700000000 });
  }
  for (let i = 0; i < 1000 * SCALE; i++) await write({ name: `usr/lib/d${i % dirs}/s${i}`, type: "symlink", perm: 0o777, ino: ino++, data: `f${i}.so` });
  for (let i = 0; i < big; i++) {
    const size = (2 + (i % 9)) << 20;
    await write({ name: `usr/lib/d${i % dirs}/big${i}.bin`, type: "file", perm: 0o755, ino: ino++, data: content(size) });
  }
  await write({ name: "TRAILER!!!", type: "trailer", perm: 0, ino: 0 });
  entries--;
  out.end();
  await once(out, "finish");
  return { bytes, entries };
}

function timeRun(label: string, cmd: string, args: string[], opts: { input?: string; root: string }): number {
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    rmSync(opts.root, { recursive: true, force: true });
    mkdirSync(opts.root, { recursive: true });
    const t0 = process.hrtime.bigint();
    const res = spawnSync("bash", ["-c", `${cmd} ${args.join(" ")}`], { cwd: opts.root, stdio: ["ignore", "ignore", "pipe"] });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (res.status !== 0) throw new Error(`${label} failed: ${res.stderr}`);
    times.push(secs);
  }
  rmSync(opts.root, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function main() {
  const plain = join(work, "bench.cpio");
  const gz = join(work, "bench.cpio.gz");
  const root = join(work, "root");
  try {
    console.log(`generating about ${SCALE} GiB in ${work} ...`);
    const { bytes, entries } = await generate(plain);
    await pipeline(createReadStream(plain), createGzip({ level: 6 }), createWriteStream(gz));
    const mb = bytes / 1e6;
    console.log(`archive: ${entries} entries, ${mb.toFixed(0)} MB uncompressed, gzip ${(statSync(gz).size / 1e6).toFixed(0)} MB; median of ${RUNS} runs\n`);
    const versions = {
      bsdtar: execFileSync("bsdtar", ["--version"]).toString().trim().split("\n")[0],
      cpio: execFileSync("cpio", ["--version"]).toString().split("\n")[0],
    };
    const rows: Array<[string, string, number]> = [];
    for (const [kind, img] of [["plain", plain], ["gzip", gz]] as const) {
      const cpiox = timeRun("cpiox", process.execPath, [cli, "extract", "-q", img, "-C", "."], { root });
      const bsdtar = timeRun("bsdtar", "bsdtar", ["-xpf", img], { root });
      const gnu = kind === "plain"
        ? timeRun("cpio", "cpio", ["-idmu", "--quiet", "--no-absolute-filenames", "<", img], { root })
        : timeRun("cpio", "gzip", ["-dc", img, "|", "cpio", "-idmu", "--quiet", "--no-absolute-filenames"], { root });
      rows.push([kind, "cpiox", cpiox], [kind, "bsdtar -xpf", bsdtar], [kind, kind === "plain" ? "cpio -idmu" : "gzip -dc \\| cpio -idmu", gnu]);
      console.log(`${kind}: cpiox ${(mb / cpiox).toFixed(0)} MB/s | bsdtar ${(mb / bsdtar).toFixed(0)} MB/s (cpiox ${(bsdtar / cpiox).toFixed(2)}x) | GNU cpio ${(mb / gnu).toFixed(0)} MB/s (cpiox ${(gnu / cpiox).toFixed(2)}x)`);
    }
    console.log(`\n| input | tool | seconds | MB/s (uncompressed) | cpiox speed ÷ this tool |\n|---|---|---:|---:|---:|`);
    for (const [kind, tool, secs] of rows) {
      const cpioxSecs = rows.find((r) => r[0] === kind && r[1] === "cpiox")![2];
      console.log(`| ${kind} | ${tool} | ${secs.toFixed(2)} | ${(mb / secs).toFixed(0)} | ${(secs / cpioxSecs).toFixed(2)}x |`);
    }
    console.log(`\n${versions.bsdtar}; ${versions.cpio}; node ${process.version}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
