// `npm run bench:verify`: `cpiox verify` (SHA-256 of every file, IMA signature checks, the tree
// model, the manifest) against `cpiox list` (decode + parse) on the same real image: the files
// of /usr/bin, each signed with `evmctl ima_sign` (RSA-2048, sha256), as a zstd newc image with
// METADATA!!! records, built by `cpiox create`. Median of 3 runs of each, in one script.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, lstatSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const RUNS = Number(process.env.CPIOX_BENCH_RUNS ?? 3);
const TREE = process.env.CPIOX_BENCH_TREE ?? "/usr/bin";
const base = existsSync("/dev/shm") ? "/dev/shm" : "/tmp";
const work = process.env.CPIOX_BENCH_DIR ?? join(base, "cpiox-bench-verify");
const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");

function sh(script: string): string {
  const r = spawnSync("bash", ["-euo", "pipefail", "-c", script], { cwd: work, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  return r.stdout.toString();
}

function timed(script: string): { secs: number; rssKiB: number; status: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("bash", ["-c", `/usr/bin/time -f %M -o ${work}/rss ${script}`], { stdio: ["ignore", "ignore", "pipe"] });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { secs, rssKiB: Number(readFileSync(join(work, "rss"), "utf8").trim().split("\n").pop()), status: r.status ?? -1 };
}

function median(script: string) {
  const runs = Array.from({ length: RUNS }, () => timed(script)).sort((a, b) => a.secs - b.secs);
  return runs[Math.floor(runs.length / 2)];
}

/** Signs a copy of every regular file and writes a gen_init_cpio list with their security.ima. */
function prepare(): { image: string; files: number; bytes: number } {
  mkdirSync(work, { recursive: true });
  const image = join(work, "signed.cpio.zst");
  const files = join(work, "files");
  if (!existsSync(image)) {
    sh(`openssl genrsa -out key.pem 2048 2>/dev/null
      openssl req -new -x509 -key key.pem -out cert.pem -days 3650 -subj /CN=bench 2>/dev/null
      rm -rf files && mkdir files`);
    const lines = ["dir /usr 0755 0 0", "dir /usr/bin 0755 0 0"];
    for (const name of readdirSync(TREE).sort()) {
      const src = join(TREE, name);
      const st = lstatSync(src);
      if (!st.isFile()) continue;
      const copy = join(files, name);
      sh(`cp ${JSON.stringify(src)} ${JSON.stringify(copy)} && evmctl ima_sign --sigfile --key key.pem -a sha256 ${JSON.stringify(copy)} >/dev/null 2>&1`);
      lines.push(`xattr security.ima=0x${readFileSync(`${copy}.sig`).toString("hex")}`);
      lines.push(`file /usr/bin/${name} ${copy} ${(st.mode & 0o7777).toString(8)} 0 0`);
    }
    writeFileSync(join(work, "list.txt"), lines.join("\n") + "\n");
    sh(`node ${cli} create --list list.txt --xattrs metadata --compress zstd -o ${image} -q`);
  }
  const count = Number(sh(`grep -c '^file ' list.txt`).trim());
  const bytes = Number(sh(`node ${cli} list --json ${image} | node -e 'let n=0;require("readline").createInterface({input:process.stdin}).on("line",(l)=>{n+=JSON.parse(l).size}).on("close",()=>console.log(n))'`).trim());
  return { image, files: count, bytes };
}

function main() {
  const { image, files, bytes } = prepare();
  const status = sh(`node ${cli} verify ${image} --ima-cert ${join(work, "cert.pem")} | tail -1`).trim();
  console.log(`image: ${files} signed files of ${TREE} (${(bytes / 1e6).toFixed(0)} MB of data), zstd, METADATA!!! records, ` +
    `${(statSync(image).size / 1e6).toFixed(0)} MB; median of ${RUNS} runs\n${status}\n`);
  const list = median(`node ${cli} list -q ${image}`);
  const verify = median(`node ${cli} verify -q ${image} --ima-cert ${join(work, "cert.pem")}`);
  if (verify.status !== 0) throw new Error(`verify exited ${verify.status}`);
  console.log("| command | seconds | MB/s of file data | peak RSS |");
  console.log("|---|---:|---:|---:|");
  for (const [name, r] of [["cpiox list -q", list], ["cpiox verify -q --ima-cert", verify]] as const) {
    console.log(`| \`${name}\` | ${r.secs.toFixed(2)} | ${(bytes / 1e6 / r.secs).toFixed(0)} | ${(r.rssKiB / 1024).toFixed(0)} MiB |`);
  }
  console.log(`\nverify time ÷ list time: ${(verify.secs / list.secs).toFixed(2)}x`);
  if (!process.env.CPIOX_BENCH_DIR) rmSync(work, { recursive: true, force: true });
}

main();
