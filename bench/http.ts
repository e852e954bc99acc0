// `npm run bench:http`: `cpiox list` of the same image read from a file and from a loopback HTTP
// server (started by this script), plain and zstd-compressed, median of 3; reports MB/s and the
// HTTP / file ratio.
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

const RUNS = Number(process.env.CPIOX_BENCH_RUNS ?? 3);
const TREE = process.env.CPIOX_BENCH_TREE ?? "/usr/bin";
const work = join(existsSync("/dev/shm") ? "/dev/shm" : "/tmp", "cpiox-bench-http");
const cli = join(import.meta.dirname, "../../bin/cpiox.cjs");

async function time(args: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    // Asynchronous, so this process's server keeps answering.
    await new Promise<void>((resolve, reject) => {
      import("node:child_process").then(({ spawn }) => {
        const p = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "ignore", "inherit"] });
        p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`cpiox ${args.join(" ")} exited ${code}`))));
      });
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function main() {
  mkdirSync(work, { recursive: true });
  const img = join(work, "image.cpio");
  const dir = TREE.replace(/\/[^/]*$/, "") || "/";
  spawnSync("bash", ["-c", `cd ${dir} && find ${TREE.split("/").pop()} | LC_ALL=C sort | cpio --quiet -o -H newc > ${img}`]);
  spawnSync("bash", ["-c", `zstd -q -9 -T2 < ${img} > ${img}.zst`]);
  const size = statSync(img).size;
  // busybox httpd (a separate process sending with sendfile, so serving costs almost no CPU)
  // when it is installed, else a node:http server in this process (which then shares the cores).
  const served = await serve(img);
  const base = served.base;
  try {
    const mb = size / 1e6;
    console.log(`image: cpio of ${TREE}, ${mb.toFixed(0)} MB; cpiox list -q, median of ${RUNS}; MB/s of cpio data\n`);
    console.log(`| image | file | http://127.0.0.1 | HTTP throughput / file throughput |\n|---|---:|---:|---:|`);
    for (const [label, name] of [["plain", "image.cpio"], ["zstd", "image.cpio.zst"]]) {
      const file = await time(["list", "-q", join(work, name)]);
      const http = await time(["list", "-q", `${base}/${name}`]);
      console.log(`| ${label} | ${file.toFixed(2)} s (${(mb / file).toFixed(0)} MB/s) | ${http.toFixed(2)} s (${(mb / http).toFixed(0)} MB/s) | ${(100 * file / http).toFixed(0)} % |`);
    }
    console.log(`\nserver: ${served.kind}`);
  } finally {
    served.close();
    rmSync(work, { recursive: true, force: true });
  }
}

async function serve(img: string): Promise<{ base: string; kind: string; close(): void }> {
  if (spawnSync("bash", ["-c", "command -v busybox"]).status === 0) {
    // A port the system just handed out and took back: free for busybox to bind.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const { spawn } = await import("node:child_process");
    const httpd = spawn("busybox", ["httpd", "-f", "-p", `127.0.0.1:${port}`, "-h", work], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 300));
    return { base: `http://127.0.0.1:${port}`, kind: "busybox httpd (sendfile)", close: () => httpd.kill() };
  }
  const server = createServer((req, res) => {
    const path = req.url === "/image.cpio.zst" ? `${img}.zst` : img;
    res.writeHead(200, { "content-length": statSync(path).size, etag: '"bench"' });
    createReadStream(path, { highWaterMark: 1 << 20 }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, kind: "node:http in the bench's process", close: () => server.close() };
}

await main();
