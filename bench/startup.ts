// `npm run bench:startup`: the fixed cost of a cpiox run against Node's own start (`node -e 0`),
// measured side by side in this script: `--help`, `--version` and `list -q` of a small archive,
// runs interleaved so drift hits every command alike; medians and ratios.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeArchive } from "./newc-writer.js";

const RUNS = Number(process.env.CPIOX_BENCH_RUNS ?? 31);
const cli = process.env.CPIOX_BIN ?? join(import.meta.dirname, "../../bin/cpiox.cjs");
const work = mkdtempSync(join(tmpdir(), "cpiox-startup-"));
const small = join(work, "small.cpio");
writeFileSync(small, encodeArchive([{ name: "init", type: "file", perm: 0o755, ino: 1, data: "#!/bin/sh\n" }]));

const commands: [string, string[]][] = [
  ["node -e 0", ["-e", "0"]],
  ["cpiox --help", [cli, "--help"]],
  ["cpiox --version", [cli, "--version"]],
  ["cpiox list -q (small archive)", [cli, "list", "-q", small]],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function timeOnce(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const times = commands.map(() => [] as number[]);
for (let i = 0; i < 3; i++) for (const [, args] of commands) timeOnce(args); // warm the page cache
for (let run = 0; run < RUNS; run++) commands.forEach(([, args], i) => times[i].push(timeOnce(args)));
rmSync(work, { recursive: true, force: true });

const base = median(times[0]);
console.log(`start-up, median of ${RUNS} interleaved runs (target: within 1.3x of node -e 0)\n`);
console.log("| command | median | ratio to node -e 0 |\n|---|---:|---:|");
commands.forEach(([name], i) => {
  const m = median(times[i]);
  console.log(`| ${name} | ${m.toFixed(1)} ms | ${(m / base).toFixed(2)}x |`);
});
